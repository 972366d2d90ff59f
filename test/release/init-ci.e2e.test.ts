import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
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

  // Then each build job on a runner of its own, its upload and the publish job's download (each
  // artifact in a folder of its own, as download-artifact's pattern does), and the merge step:
  // the shares init-ci's matrix names merge into one release of every target.
  const jobs = (parse(text) as { jobs: Record<'build' | 'publish', { steps: { name?: string; run?: string; env?: Record<string, string> }[] }> }).jobs;
  const step = (job: 'build' | 'publish', name: string) => jobs[job].steps.find((candidate) => candidate.name === name)!;
  const runStep = (script: string, env: Record<string, string>) =>
    execa(
      'bash',
      ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script.replaceAll(`npx --yes @einstack/glide-release@${version}`, `node ${RELEASE_CLI}`)],
      {
        cwd: repo.dir,
        env: { TAG: '0.0.1-rc.1', ...env },
        reject: false,
        all: true,
      },
    );
  const publishTemp = join(runnerTemp, 'publish');
  for (const [index, shard] of ['1/2', '2/2'].entries()) {
    const buildTemp = join(runnerTemp, `build-${index}`);
    const built = await runStep(step('build', 'Build this share').run!, { SHARD: shard, RUNNER_TEMP: buildTemp });
    expect(built.exitCode, built.all).toBe(0);
    await cp(join(buildTemp, 'shard'), join(publishTemp, 'shards', `shard-${index}`), { recursive: true });
  }
  const merged = await runStep(step('publish', 'Merge the shares').run!, { RUNNER_TEMP: publishTemp });
  expect(merged.exitCode, merged.all).toBe(0);
  // Merge refuses a missing or duplicate target: the merged release is every share's archives, once.
  const mergedLedger = await readFile(join(publishTemp, 'dist', '0.0.1-rc.1', 'release.json'), 'utf8');
  const archives = (ledgerText: string) =>
    (JSON.parse(ledgerText) as { artifacts: { kind: string; target?: string }[] }).artifacts.filter((a) => a.kind === 'archive');
  const shares = await Promise.all([0, 1].map((index) => readFile(join(publishTemp, 'shards', `shard-${index}`, '0.0.1-rc.1', 'release.json'), 'utf8')));
  expect(
    archives(mergedLedger)
      .map((a) => a.target)
      .sort(),
  ).toEqual(shares.flatMap((text) => archives(text).map((a) => a.target)).sort());
  expect(shares.every((text) => archives(text).length > 0)).toBe(true);
  expect(JSON.parse(mergedLedger)).not.toHaveProperty('share');

  const again = await repo.release(['init-ci', '--shards', '2']);
  expect(again.exitCode).toBe(0);
  expect(again.stderr).toContain('.github/workflows/release.yml: is up to date');
});
