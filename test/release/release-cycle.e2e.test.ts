import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLedger } from '../../release/src/ledger.js';
import { startGitHubStandin, type GitHubStandin, type WorldSnapshot } from '../helpers/github-standin.js';
import { BUILD_TIMEOUT, StandinRepo } from '../helpers/repo.js';

// A release cycle of the Go stand-in against one writable GitHub stand-in, with a golden snapshot
// of the world (releases, flags, assets, tags, digests) after each step. Each RC is tagged, built
// and published with `publish --only github`; each stable is made by `promote` of its last RC once
// the RC's release has soaked: promote tags it, stops until the tag is pushed, then builds every
// binary proven to be the RC's and publishes it.
// The 0.0.x line is a maintenance branch, release/0.0, whose own config names it as the release
// branch: that is how the on-branch gate lets a patch of an older line through.

const TOKEN = 'ghp_releaseCycleE2eToken00000000000000000000';
const MAINTENANCE = 'release/0.0';
const CONFIG = { targets: { matrix: ['linux/amd64'], skip: [] } };
// promote creates an annotated tag: git needs a tagger (the tests' HOME has no git config).
const TAGGER = { GIT_COMMITTER_NAME: 'Release Bot', GIT_COMMITTER_EMAIL: 'release@example.invalid' };

let repo: StandinRepo;
let out: string;
let github: GitHubStandin;
/** The stand-in's server clock: each step publishes at its own fixed time, so published_at repeats. */
let clock = new Date('2024-06-02T12:00:00Z');

beforeAll(async () => {
  repo = await StandinRepo.create();
  out = await mkdtemp(join(tmpdir(), 'glide-cycle-out-'));
  github = await startGitHubStandin({ repo: 'EinStack/glide', token: TOKEN, releases: [], now: () => clock });
});

afterAll(async () => {
  await github?.close();
  await rm(repo.dir, { recursive: true, force: true });
  await rm(out, { recursive: true, force: true });
});

/** Commits `file` (holding `content`, else the message) on `branch`. */
async function commit(branch: string, file: string, message: string, date: string, content = message): Promise<string> {
  await repo.git(['checkout', '-q', branch]);
  await repo.write(file, `${content}\n`);
  return repo.commitAll(message, date);
}

/** An annotated tag on `at`, dated `date`. */
async function tag(name: string, at: string, date: string): Promise<void> {
  await repo.git(['tag', '-a', name, '-m', `Release ${name}`, at], date);
}

function githubEnv() {
  return { GITHUB_TOKEN: TOKEN, GLIDE_RELEASE_GITHUB_API_URL: github.apiUrl, GLIDE_RELEASE_GITHUB_UPLOADS_URL: github.uploadsUrl };
}

/** `publish --only github` of `name` against the stand-in, as a maintainer with a token would run it. */
async function publish(name: string) {
  const result = await repo.release(['publish', '--only', 'github', '--tag', name, '--out', out], githubEnv());
  expect(result.all).not.toContain(TOKEN);
  return result;
}

/** `promote rc` against the stand-in. */
async function promote(rc: string) {
  const result = await repo.release(['promote', rc, '--out', out], { ...githubEnv(), ...TAGGER });
  expect(result.all).not.toContain(TOKEN);
  return result;
}

/**
 * Pushes the tag, checks it out, builds it and publishes it to GitHub at `publishedAt`; returns the
 * world, with each asset's digest checked against the ledger the build wrote.
 */
async function release(name: string, publishedAt: string): Promise<WorldSnapshot> {
  const sha = await repo.git(['rev-list', '-n', '1', name]);
  github.pushTag(name, sha);
  await repo.git(['checkout', '-q', name]);
  const built = await repo.release(['build', '--out', out]);
  expect(built.exitCode, built.all).toBe(0);
  const ledger = (await readLedger(join(out, name)))!;
  expect(ledger.commit).toBe(sha);
  clock = new Date(publishedAt);
  return converged(name, publishedAt, () => publish(name));
}

/**
 * Promotes `rc` to `stable` at `publishedAt`: the first run tags the stable on the RC's commit and
 * stops (GitHub does not have the tag); once it is pushed, the next builds with the proof and publishes.
 */
async function promoted(rc: string, stable: string, publishedAt: string): Promise<WorldSnapshot> {
  const sha = await repo.git(['rev-list', '-n', '1', rc]);
  await repo.git(['checkout', '-q', rc]);
  clock = new Date(publishedAt);
  const tagged = await promote(rc);
  expect(tagged.exitCode, tagged.all).toBe(1);
  expect(tagged.stderr).toContain(`error ENOTAG: ${stable} is tagged on ${sha.slice(0, 12)} here, but the tag is not on GitHub`);
  expect(await repo.git(['rev-list', '-n', '1', stable])).toBe(sha);
  github.pushTag(stable, sha);
  const world = await converged(stable, publishedAt, () => promote(rc));
  const [rcLedger, ledger] = await Promise.all([readLedger(join(out, rc)), readLedger(join(out, stable))]);
  const rcBinaries = new Map(rcLedger!.artifacts.flatMap((artifact) => (artifact.kind === 'archive' ? [[artifact.target, artifact.binary.sha256]] : [])));
  for (const artifact of ledger!.artifacts) {
    if (artifact.kind === 'archive') expect(artifact.promotedFrom).toEqual({ tag: rc, binarySha256: rcBinaries.get(artifact.target) });
  }
  return world;
}

/**
 * Runs `publishing` (which must succeed), then again (it must write nothing), verifies the release
 * from the outside and checks it holds the ledger's assets; returns the world after the first run.
 */
async function converged(name: string, publishedAt: string, publishing: () => Promise<{ exitCode?: number; all?: string; stdout: string }>) {
  const published = await publishing();
  expect(published.exitCode, published.all).toBe(0);
  const world = github.snapshot();

  // Converges: a second run plans nothing and writes nothing.
  const logged = github.log.length;
  const again = await publishing();
  expect(again.exitCode, again.all).toBe(0);
  expect(again.stdout).toBe('');
  expect(github.log.slice(logged).filter((request) => request.method !== 'GET')).toEqual([]);
  expect(github.snapshot()).toEqual(world);

  // What a user would check from the outside: assets against the checksums and GitHub's digests, the flags.
  // The GitHub half: this cycle builds no images.
  const verified = await repo.release(['verify', name, '--repo', 'EinStack/glide', '--only', 'github'], {
    GLIDE_RELEASE_GITHUB_API_URL: github.apiUrl,
    GLIDE_RELEASE_GITHUB_UPLOADS_URL: github.uploadsUrl,
  });
  expect(verified.exitCode, verified.all).toBe(0);

  const ledger = (await readLedger(join(out, name)))!;
  const mine = world.releases.filter((candidate) => candidate.tag === name);
  expect(mine).toHaveLength(1);
  expect(mine[0]).toMatchObject({ name: `v${name}`, draft: false, prerelease: name.includes('-rc.'), published_at: publishedAt });
  const expected = ledger.artifacts
    .map((artifact) => ({ name: artifact.path.slice(name.length + 1), size: artifact.size, digest: `sha256:${artifact.sha256}` }))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  expect(mine[0]!.assets.map(({ name: asset, size, digest }) => ({ name: asset, size, digest }))).toEqual(expected);
  return world;
}

async function expectGolden(world: WorldSnapshot, file: string): Promise<void> {
  await expect(`${JSON.stringify(world, null, 2)}\n`).toMatchFileSnapshot(`golden/release-cycle/${file}.json`);
}

function flags(world: WorldSnapshot) {
  return world.releases.map(({ tag: name, prerelease, latest }) => ({ tag: name, prerelease, latest }));
}

describe('a release cycle, step by step', () => {
  let configured: string;
  let rc2: string;

  it('0.1.0-rc.1: a prerelease, and nothing is latest', { timeout: BUILD_TIMEOUT }, async () => {
    configured = await commit('main', 'glide-release.config.json', 'Release config: one target', '2024-06-01T11:00:00Z', JSON.stringify(CONFIG, null, 2));
    await tag('0.1.0-rc.1', configured, '2024-06-02T10:00:00Z');
    const world = await release('0.1.0-rc.1', '2024-06-02T12:00:00Z');
    expect(world.latest).toBeNull();
    await expectGolden(world, '1-0.1.0-rc.1');
  });

  it('0.1.0-rc.2: a second prerelease; still nothing is latest', { timeout: BUILD_TIMEOUT }, async () => {
    rc2 = await commit('main', 'FIX.md', 'Fix what rc.1 showed', '2024-06-04T09:00:00Z');
    await tag('0.1.0-rc.2', rc2, '2024-06-04T10:00:00Z');
    const world = await release('0.1.0-rc.2', '2024-06-04T12:00:00Z');
    expect(world.latest).toBeNull();
    expect(flags(world).every((entry) => entry.prerelease)).toBe(true);
    await expectGolden(world, '2-0.1.0-rc.2');
  });

  it('0.1.0 (promote 0.1.0-rc.2): the stable is latest', { timeout: BUILD_TIMEOUT }, async () => {
    // rc.2's release was published 06-04 12:00 by the stand-in's clock: soaked long since.
    const world = await promoted('0.1.0-rc.2', '0.1.0', '2024-06-08T12:00:00Z');
    expect(world.latest).toBe('0.1.0');
    expect(world.tags['0.1.0']).toBe(world.tags['0.1.0-rc.2']);
    await expectGolden(world, '3-0.1.0');
  });

  it('0.1.1-rc.1: an RC of a higher version never takes latest', { timeout: BUILD_TIMEOUT }, async () => {
    const next = await commit('main', 'NEXT.md', 'Start 0.1.1', '2024-06-10T09:00:00Z');
    await tag('0.1.1-rc.1', next, '2024-06-10T10:00:00Z');
    const world = await release('0.1.1-rc.1', '2024-06-10T12:00:00Z');
    expect(world.latest).toBe('0.1.0');
    await expectGolden(world, '4-0.1.1-rc.1');
  });

  it('0.0.4-rc.1 on the maintenance branch: a prerelease; latest stays 0.1.0', { timeout: BUILD_TIMEOUT }, async () => {
    const initial = await repo.git(['rev-list', '--max-parents=0', 'main']);
    await repo.git(['branch', MAINTENANCE, initial]);
    const maintenanceConfig = { ...CONFIG, branch: MAINTENANCE };
    await commit(
      MAINTENANCE,
      'glide-release.config.json',
      'Release config: the 0.0.x line releases from release/0.0',
      '2024-06-11T08:00:00Z',
      JSON.stringify(maintenanceConfig, null, 2),
    );
    const patch = await commit(MAINTENANCE, 'PATCH.md', 'Backport a fix to 0.0.x', '2024-06-11T09:00:00Z');
    await tag('0.0.4-rc.1', patch, '2024-06-11T10:00:00Z');
    const world = await release('0.0.4-rc.1', '2024-06-11T12:00:00Z');
    expect(world.latest).toBe('0.1.0');
    await expectGolden(world, '5-0.0.4-rc.1');
  });

  it('0.0.4 (promote 0.0.4-rc.1): a maintenance stable of an older line does not take latest from 0.1.0', { timeout: BUILD_TIMEOUT }, async () => {
    const world = await promoted('0.0.4-rc.1', '0.0.4', '2024-06-15T12:00:00Z');
    expect(world.latest).toBe('0.1.0');
    expect(flags(world)).toEqual([
      { tag: '0.0.4-rc.1', prerelease: true, latest: false },
      { tag: '0.0.4', prerelease: false, latest: false },
      { tag: '0.1.0-rc.1', prerelease: true, latest: false },
      { tag: '0.1.0-rc.2', prerelease: true, latest: false },
      { tag: '0.1.0', prerelease: false, latest: true },
      { tag: '0.1.1-rc.1', prerelease: true, latest: false },
    ]);
    await expectGolden(world, '6-0.0.4');
  });
});
