// The crash test of `glide-release publish`: the publisher is SIGKILLed after its N-th mutation, or
// as its N-th mutating request arrives before any answer (for an upload: the client dies mid-upload,
// never learning whether the asset landed). A re-run must finish the job: exit 0, the world equal to
// a clean run's golden snapshot (no duplicate draft or asset, same digests, same latest, same image
// tags), and a third run writes nothing. One RC of the Go stand-in, with images, is built once.
// `--only github` (the GitHub stage alone) takes about a second a run, so it is killed at every N of
// both kinds; the whole publish at a few N (after the image pushes, the draft, an upload; before the
// publish), each from an empty world: a fresh GitHub stand-in, the image manifests deleted from the
// registry (its blobs stay, so the re-run HEADs and skips them: the tags are what is tested); then a
// stable (latest) killed after its publish and after its first moving tag, from an empty world.
// An upload the kill cuts off mid-body leaves the stand-in, as GitHub, an unfinished (`open`) asset
// holding the name (decision 0043): the re-run deletes it and uploads again.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLedger, type ReleaseLedger } from '../../release/src/ledger.js';
import { startGitHubStandin, type GitHubStandin, type StandinRequest, type WorldSnapshot } from '../helpers/github-standin.js';
import { imageReleaseRepo, registryTags } from '../helpers/image-release.js';
import type { TestRegistry } from '../helpers/registry.js';
import { BUILD_TIMEOUT, RELEASE_CLI, type StandinRepo } from '../helpers/repo.js';

const TAG = '0.0.2-rc.1';
const STABLE = '0.0.2';
const TOKEN = 'ghp_publishCrashE2eToken0000000000000000000';
const CLOCK = new Date('2024-06-02T12:00:00Z');
const TIMEOUT = 600_000;
const MUTATING = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);

let registry: TestRegistry;
let repo: StandinRepo;
let out: string;
let commit: string;
let ledger: ReleaseLedger;
/** Of `--only github`: its dry run's lines and a clean run's world. */
let plan: string[];
let golden: WorldSnapshot;

beforeAll(async () => {
  ({ registry, repo, commit } = await imageReleaseRepo());
  await repo.tag(TAG, 5);
  out = await mkdtemp(join(tmpdir(), 'glide-publish-crash-out-'));
  const built = await repo.release(['build', '--only', 'binaries,images', '--out', out]);
  if (built.exitCode !== 0) throw new Error(`build failed:\n${built.all}`);
  ledger = (await readLedger(join(out, TAG)))!;

  // The golden world: a clean run on a fresh stand-in, after a dry run that gives the plan.
  await withGitHub(async (standin) => {
    const dry = await repo.release(publishArgs(GITHUB_RC, '--dry-run'), env(standin));
    if (dry.exitCode !== 0) throw new Error(`dry run failed:\n${dry.all}`);
    plan = linesOf(standin, dry.stdout);
    const clean = await repo.release(publishArgs(GITHUB_RC), env(standin));
    if (clean.exitCode !== 0) throw new Error(`clean publish failed:\n${clean.all}`);
    golden = standin.snapshot();
  });
}, BUILD_TIMEOUT);

afterAll(async () => {
  await registry?.stop();
  await rm(repo.dir, { recursive: true, force: true });
  await rm(out, { recursive: true, force: true });
});

/** Which publish: of which tag, `--only github` or whole. */
interface Stage {
  readonly tag: string;
  readonly onlyGithub: boolean;
}
const GITHUB_RC: Stage = { tag: TAG, onlyGithub: true };
const WHOLE_RC: Stage = { tag: TAG, onlyGithub: false };
const WHOLE_STABLE: Stage = { tag: STABLE, onlyGithub: false };

function publishArgs(stage: Stage, ...extra: string[]) {
  return ['publish', ...(stage.onlyGithub ? ['--only', 'github'] : []), '--tag', stage.tag, '--out', out, ...extra];
}

function env(standin: GitHubStandin) {
  return { GITHUB_TOKEN: TOKEN, ...standin.env() };
}

async function withGitHub<T>(body: (standin: GitHubStandin) => Promise<T>): Promise<T> {
  const standin = await startGitHubStandin({ repo: 'EinStack/glide', token: TOKEN, releases: [], tags: { [TAG]: commit, [STABLE]: commit }, now: () => CLOCK });
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

function spawnPublish(standin: GitHubStandin, stage: Stage) {
  return execa(process.execPath, [RELEASE_CLI, ...publishArgs(stage)], { cwd: repo.dir, reject: false, all: true, env: env(standin) });
}

/** Runs the publisher and SIGKILLs it once it has printed `n` lines: each line is a mutation done. */
function killAfterLine(standin: GitHubStandin, n: number, stage: Stage) {
  const child = spawnPublish(standin, stage);
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
  const child = spawnPublish(standin, GITHUB_RC);
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
async function expectConverges(standin: GitHubStandin, label: string, stage: Stage, world: WorldSnapshot) {
  const rerun = await repo.release(publishArgs(stage), env(standin));
  expect(rerun.exitCode, `${label}: re-run\n${rerun.all}`).toBe(0);
  expect(rerun.all).not.toContain(TOKEN);
  expect(standin.snapshot(), label).toEqual(world);
  const logged = standin.log.length;
  const third = await repo.release(publishArgs(stage), env(standin));
  expect(third.exitCode, `${label}: third run\n${third.all}`).toBe(0);
  expect(third.stdout, label).toBe('');
  expect(mutations(standin.log.slice(logged)), label).toEqual([]);
  expect(standin.snapshot(), label).toEqual(world);
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
        const killed = await killAfterLine(standin, n, GITHUB_RC);
        // Killed after its last line, the run may already have exited 0 on its own.
        if (n < plan.length) expect(killed.signal, `N=${n}\n${killed.all}`).toBe('SIGKILL');
        expect(linesOf(standin, killed.stdout).slice(0, n)).toEqual(plan.slice(0, n));
        if (n < plan.length) expect(standin.snapshot(), `N=${n}`).not.toEqual(golden);
        await expectConverges(standin, `killed after mutation ${n}`, GITHUB_RC, golden);
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
        await expectConverges(standin, `killed on request ${n}`, GITHUB_RC, golden);
      });
    }
    expect(midUpload).toBe(plan.length - 2);
  });
});

/** Deletes every tagged manifest of the image repository (and with it its tags): no image is published. */
async function emptyRegistry() {
  for (const digest of new Set(Object.values(await registryTags(registry.host)))) {
    await execa('skopeo', ['delete', '--tls-verify=false', `docker://${registry.host}/glide@${digest}`]);
  }
  expect(await registryTags(registry.host)).toEqual({});
}

describe('glide-release publish (the whole publish), killed and re-run', () => {
  it(
    'killed after the image pushes, the draft, an upload, before the publish: the re-run converges on GitHub and the registry',
    { timeout: TIMEOUT },
    async () => {
      await emptyRegistry();
      const whole = await withGitHub(async (standin) => {
        const dry = await repo.release(publishArgs(WHOLE_RC, '--dry-run'), env(standin));
        expect(dry.exitCode, dry.all).toBe(0);
        const clean = await repo.release(publishArgs(WHOLE_RC), env(standin));
        expect(clean.exitCode, clean.all).toBe(0);
        return { lines: linesOf(standin, dry.stdout).length, github: standin.snapshot(), registry: await registryTags(registry.host) };
      });
      const images = ledger.images!.distros.length;
      expect(Object.keys(whole.registry)).toHaveLength(images);
      expect(whole.github).toEqual(golden);
      // The image pushes, the draft, at least one upload, the publish.
      expect(whole.lines).toBeGreaterThan(images + 3);

      for (const n of [1, images, images + 1, images + 2, whole.lines - 1]) {
        await emptyRegistry();
        await withGitHub(async (standin) => {
          const killed = await killAfterLine(standin, n, WHOLE_RC);
          expect(killed.signal, `N=${n}\n${killed.all}`).toBe('SIGKILL');
          await expectConverges(standin, `whole publish killed after mutation ${n}`, WHOLE_RC, whole.github);
          expect(await registryTags(registry.host), `N=${n}`).toEqual(whole.registry);
        });
      }
    },
  );
  it('a stable killed after its publish, after a moving tag: the re-run moves latest and every tag once', { timeout: TIMEOUT }, async () => {
    await repo.tag(STABLE, 0);
    const built = await repo.release(['build', '--only', 'binaries,images', '--tag', STABLE, '--out', out]);
    expect(built.exitCode, built.all).toBe(0);
    // Once the stable is tagged the RC cannot be published (EVERSIONREGRESSION): the stable starts from an empty world.
    const fromEmptyWorld = async <T>(body: (standin: GitHubStandin) => Promise<T>) => {
      await emptyRegistry();
      return withGitHub(body);
    };
    const stable = await fromEmptyWorld(async (standin) => {
      const dry = await repo.release(publishArgs(WHOLE_STABLE, '--dry-run'), env(standin));
      expect(dry.exitCode, dry.all).toBe(0);
      const clean = await repo.release(publishArgs(WHOLE_STABLE), env(standin));
      expect(clean.exitCode, clean.all).toBe(0);
      return { lines: linesOf(standin, dry.stdout), github: standin.snapshot(), registry: await registryTags(registry.host) };
    });
    expect(stable.github.latest).toBe(STABLE);
    const publishAt = stable.lines.findIndex((line) => /draft=false prerelease=false make_latest=true/.test(line));
    // After the publish: `latest`, `latest-{distro}` for each distro, the bare version.
    expect(stable.lines.length - publishAt - 1).toBeGreaterThanOrEqual(3);
    expect(stable.registry.latest).toBeDefined();

    for (const n of [publishAt + 1, publishAt + 2, stable.lines.length - 1]) {
      await fromEmptyWorld(async (standin) => {
        const killed = await killAfterLine(standin, n, WHOLE_STABLE);
        expect(killed.signal, `N=${n}\n${killed.all}`).toBe('SIGKILL');
        await expectConverges(standin, `stable killed after mutation ${n}`, WHOLE_STABLE, stable.github);
        expect(await registryTags(registry.host), `N=${n}`).toEqual(stable.registry);
      });
    }
  });
});
