// The crash test of `glide-release publish`: the publisher is SIGKILLed after its N-th mutation (for
// every N of the plan), and also as its N-th mutating request arrives, before any answer (for an
// upload: the client dies mid-upload, never learning whether the asset landed). A re-run must finish
// the job: exit 0, the world equal to a clean run's golden snapshot (no duplicate draft or asset,
// same digests, same latest), and a third run writes nothing.
// `--only github` (the GitHub stage alone) keeps a CLI run near a second, so every N of both kinds
// fits in about 45 s. The whole publish is not crashed here: each N would need a fresh registry.
// The stand-in applies an upload whole or not at all, so an unfinished (`starter`) asset is not reached.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitHubStandin, type GitHubStandin, type StandinRequest, type WorldSnapshot } from '../helpers/github-standin.js';
import { BUILD_TIMEOUT, RELEASE_CLI, StandinRepo } from '../helpers/repo.js';

const TAG = '0.0.2-rc.1';
const TOKEN = 'ghp_publishCrashE2eToken0000000000000000000';
const CLOCK = new Date('2024-06-02T12:00:00Z');
const TIMEOUT = 300_000;
const MUTATING = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);

let repo: StandinRepo;
let out: string;
let commit: string;
let golden: WorldSnapshot;
let plan: string[];

beforeAll(async () => {
  repo = await StandinRepo.create();
  await repo.write('glide-release.config.json', `${JSON.stringify({ targets: { matrix: ['linux/amd64', 'windows/amd64'], skip: [] } }, null, 2)}\n`);
  commit = await repo.commitAll('Release config', '2024-06-01T10:00:00Z');
  await repo.tag(TAG, 5);
  out = await mkdtemp(join(tmpdir(), 'glide-publish-crash-out-'));
  const built = await repo.release(['build', '--out', out]);
  if (built.exitCode !== 0) throw new Error(`build failed:\n${built.all}`);

  // The golden world: a clean run on a fresh stand-in, after a dry run that gives the plan.
  await withGitHub(async (standin) => {
    const dry = await repo.release(publishArgs('--dry-run'), env(standin));
    if (dry.exitCode !== 0) throw new Error(`dry run failed:\n${dry.all}`);
    plan = linesOf(standin, dry.stdout);
    const clean = await repo.release(publishArgs(), env(standin));
    if (clean.exitCode !== 0) throw new Error(`clean publish failed:\n${clean.all}`);
    golden = standin.snapshot();
  });
}, BUILD_TIMEOUT);

afterAll(async () => {
  await rm(repo.dir, { recursive: true, force: true });
  await rm(out, { recursive: true, force: true });
});

function publishArgs(...extra: string[]) {
  return ['publish', '--only', 'github', '--tag', TAG, '--out', out, ...extra];
}

function env(standin: GitHubStandin) {
  return { GITHUB_TOKEN: TOKEN, GLIDE_RELEASE_GITHUB_API_URL: standin.apiUrl, GLIDE_RELEASE_GITHUB_UPLOADS_URL: standin.uploadsUrl };
}

async function withGitHub<T>(body: (standin: GitHubStandin) => Promise<T>): Promise<T> {
  const standin = await startGitHubStandin({ repo: 'EinStack/glide', token: TOKEN, releases: [], tags: { [TAG]: commit }, now: () => CLOCK });
  try {
    return await body(standin);
  } finally {
    await standin.close();
  }
}

/** Stdout lines with the stand-in's ports named, so runs against different stand-ins compare. */
function linesOf(standin: GitHubStandin, stdout: string) {
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => line.replaceAll(standin.apiUrl, '{api}').replaceAll(standin.uploadsUrl, '{uploads}'));
}

function mutations(requests: readonly StandinRequest[]) {
  return requests.filter((request) => MUTATING.has(request.method));
}

function spawnPublish(standin: GitHubStandin) {
  return execa(process.execPath, [RELEASE_CLI, ...publishArgs()], { cwd: repo.dir, reject: false, all: true, env: env(standin) });
}

/** Runs the publisher and SIGKILLs it once it has printed `n` lines: each line is a mutation done. */
function killAfterLine(standin: GitHubStandin, n: number) {
  const child = spawnPublish(standin);
  let seen = 0;
  child.stdout!.on('data', (chunk: Buffer) => {
    seen += chunk.toString('utf8').split('\n').length - 1;
    if (seen >= n) child.kill('SIGKILL');
  });
  return child;
}

/**
 * Runs the publisher and SIGKILLs it the moment its `n`-th mutating request reaches the stand-in,
 * before the stand-in reads the body or answers: the client dies not knowing whether the write landed.
 */
function killOnRequest(standin: GitHubStandin, n: number) {
  const child = spawnPublish(standin);
  const log = standin.log;
  // The stand-in records a request on arrival, before its body: hooking the record is the one
  // synchronous point where the call has started and cannot have been answered yet.
  log.push = (...entries: StandinRequest[]) => {
    const length = Array.prototype.push.apply(log, entries);
    if (mutations(log).length >= n) {
      child.kill('SIGKILL');
      // The re-runs that follow are left alone.
      Reflect.deleteProperty(log, 'push');
    }
    return length;
  };
  return child;
}

/** After a crash: the re-run finishes the world to the golden one, and a third run writes nothing. */
async function expectConverges(standin: GitHubStandin, label: string) {
  const rerun = await repo.release(publishArgs(), env(standin));
  expect(rerun.exitCode, `${label}: re-run\n${rerun.all}`).toBe(0);
  expect(rerun.all).not.toContain(TOKEN);
  expect(standin.snapshot(), label).toEqual(golden);
  const logged = standin.log.length;
  const third = await repo.release(publishArgs(), env(standin));
  expect(third.exitCode, `${label}: third run\n${third.all}`).toBe(0);
  expect(third.stdout, label).toBe('');
  expect(mutations(standin.log.slice(logged)), label).toEqual([]);
  expect(standin.snapshot(), label).toEqual(golden);
}

describe('glide-release publish --only github, killed and re-run', () => {
  it('the golden world is one published RC with every asset once', () => {
    // The draft, one upload per asset, the publish: a crash test over fewer would miss a step.
    expect(plan.length).toBeGreaterThanOrEqual(4);
    expect(golden.releases).toHaveLength(1);
    expect(golden.releases[0]).toMatchObject({ tag: TAG, draft: false, prerelease: true, latest: false });
    expect(golden.releases[0]!.assets).toHaveLength(plan.length - 2);
    expect(golden.latest).toBeNull();
  });

  it('killed after each N-th mutation is done, the re-run converges on the golden world', { timeout: TIMEOUT }, async () => {
    for (let n = 1; n <= plan.length; n++) {
      await withGitHub(async (standin) => {
        const killed = await killAfterLine(standin, n);
        // Killed after its last line, the run may already have exited 0 on its own.
        if (n < plan.length) expect(killed.signal, `N=${n}\n${killed.all}`).toBe('SIGKILL');
        expect(linesOf(standin, killed.stdout).slice(0, n)).toEqual(plan.slice(0, n));
        if (n < plan.length) expect(standin.snapshot(), `N=${n}`).not.toEqual(golden);
        await expectConverges(standin, `killed after mutation ${n}`);
      });
    }
  });

  it('killed as each N-th mutating request arrives (an upload: mid-upload), the re-run converges', { timeout: TIMEOUT }, async () => {
    let midUpload = 0;
    for (let n = 1; n <= plan.length; n++) {
      await withGitHub(async (standin) => {
        const killed = await killOnRequest(standin, n);
        expect(killed.signal, `N=${n}\n${killed.all}`).toBe('SIGKILL');
        const last = mutations(standin.log).at(-1)!;
        if (last.operation === 'repos/upload-release-asset') midUpload += 1;
        // The kill came before the answer: the line of that mutation was never printed.
        expect(linesOf(standin, killed.stdout).length, `N=${n}`).toBeLessThan(n);
        await expectConverges(standin, `killed on request ${n}`);
      });
    }
    expect(midUpload).toBe(plan.length - 2);
  });
});
