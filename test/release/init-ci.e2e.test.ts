import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parse } from 'yaml';
import { RELEASE_CLI, StandinRepo } from '../helpers/repo.js';

// The bundled CLI writes the workflows into the stand-in, and the plan job's scripts, run as the
// runner runs them (bash -eo pipefail, TAG and RUNNER_TEMP set), pass on a tag every gate passes.
let repo: StandinRepo;
let runnerTemp: string;
const version = (JSON.parse(await readFile('release/package.json', 'utf8')) as { version: string }).version;

beforeAll(async () => {
  repo = await StandinRepo.create();
  runnerTemp = await mkdtemp(join(tmpdir(), 'glide-runner-temp-'));
});

afterAll(async () => {
  await rm(repo.dir, { recursive: true, force: true });
  await rm(runnerTemp, { recursive: true, force: true });
});

it('init-ci writes workflows pinned to its own version; committed and tagged, the plan job passes; a re-run is up to date', async () => {
  const written = await repo.release(['init-ci', '--shards', '2']);
  expect(written.exitCode, written.all).toBe(0);
  const text = await readFile(join(repo.dir, '.github/workflows/release.yml'), 'utf8');
  expect(text).toContain(`npx --yes @einstack/glide-release@${version} plan --tag "$TAG" --json`);

  await repo.commitAll('CI workflows', '2024-06-02T10:00:00Z');
  await repo.tag('0.0.1-rc.1', 1);
  const plan = (parse(text) as { jobs: { plan: { steps: { run?: string; env?: Record<string, string> }[] } } }).jobs.plan;
  const output = join(runnerTemp, 'github-output');
  for (const step of plan.steps.filter((s) => s.run !== undefined)) {
    const script = step.run!.replaceAll(`npx --yes @einstack/glide-release@${version}`, `node ${RELEASE_CLI}`);
    const ran = await execa('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], {
      cwd: repo.dir,
      env: { ...step.env, TAG: '0.0.1-rc.1', RUNNER_TEMP: runnerTemp, GITHUB_OUTPUT: output },
      reject: false,
      all: true,
    });
    expect(ran.exitCode, ran.all).toBe(0);
  }
  expect(await readFile(output, 'utf8')).toBe('shards=["1/2","2/2"]\n');

  const again = await repo.release(['init-ci', '--shards', '2']);
  expect(again.exitCode).toBe(0);
  expect(again.stderr).toContain('.github/workflows/release.yml: is up to date');
});
