import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLedger, type ReleaseLedger } from '../../release/src/ledger.js';
import { startGitHubStandin, type GitHubStandin } from '../helpers/github-standin.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { BUILD_TIMEOUT, StandinRepo } from '../helpers/repo.js';

// `glide-release promote` on a fresh runner: the RC was built and published from one mirror, and
// promote runs with an empty --out, so the RC's bytes come from its GitHub release only (decision
// 0046). A tampered asset is refused with nothing left behind, and the RC can be rebuilt from
// source once its stable is tagged. An RC with images: promote-images.e2e.test.ts.

const RC = '0.1.0-rc.1';
const STABLE = '0.1.0';
const TOKEN = 'ghp_promoteFetchE2eToken0000000000000000000';
const TAGGER = { GIT_COMMITTER_NAME: 'Release Bot', GIT_COMMITTER_EMAIL: 'release@example.invalid' };
const TIMEOUT = 300_000;

let registry: TestRegistry;
let repo: StandinRepo;
let built: string;
let rcCommit: string;
let rcLedger: ReleaseLedger;
let github: GitHubStandin;
const emptyMirrors: string[] = [];

beforeAll(async () => {
  registry = await startRegistry();
  repo = await StandinRepo.create();
  const config = { targets: { matrix: ['linux/amd64', 'windows/amd64'], skip: [] }, images: { repository: `${registry.host}/einstack/glide` } };
  await repo.write('glide-release.config.json', `${JSON.stringify(config, null, 2)}\n`);
  rcCommit = await repo.commitAll('Release config', '2024-06-01T11:00:00Z');
  await repo.tag(RC, 5);
  built = await mkdtemp(join(tmpdir(), 'glide-promote-built-'));
  const build = await repo.release(['build', '--out', built]);
  if (build.exitCode !== 0) throw new Error(`build failed:\n${build.all}`);
  rcLedger = (await readLedger(join(built, RC)))!;
  const fourDaysAgo = new Date(Date.now() - 4 * 86_400_000);
  github = await startGitHubStandin({ repo: 'EinStack/glide', token: TOKEN, releases: [], tags: { [RC]: rcCommit }, now: () => fourDaysAgo });
  const published = await run(['publish', '--only', 'github', '--tag', RC], built);
  if (published.exitCode !== 0) throw new Error(`publish failed:\n${published.all}`);
}, BUILD_TIMEOUT);

afterAll(async () => {
  await github?.close();
  await registry?.stop();
  await rm(repo.dir, { recursive: true, force: true });
  for (const dir of [built, ...emptyMirrors]) await rm(dir, { recursive: true, force: true });
});

async function emptyMirror(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'glide-promote-fresh-'));
  emptyMirrors.push(dir);
  return dir;
}

async function run(args: readonly string[], mirror: string) {
  const env = { GITHUB_TOKEN: TOKEN, ...github.env(), ...TAGGER };
  const result = await repo.release([...args, '--out', mirror], env);
  expect(result.all).not.toContain(TOKEN);
  return result;
}

function writesSince(from: number) {
  return github.log.slice(from).filter((request) => request.method !== 'GET');
}

const archives = () => rcLedger.artifacts.filter((artifact) => artifact.kind === 'archive');
const assetName = (path: string) => path.slice(RC.length + 1);

/** A refused promote: exit 1 with `code`, no stable tag, nothing written to GitHub, and nothing of the RC left in `mirror`. */
async function expectRefused(mirror: string, code: string) {
  const logged = github.log.length;
  const result = await run(['promote', RC], mirror);
  expect(result.exitCode, result.all).toBe(1);
  expect(result.stderr).toContain(`error ${code}:`);
  expect(await repo.git(['tag', '--list', STABLE])).toBe('');
  expect(writesSince(logged)).toEqual([]);
  expect(await readdir(mirror)).toEqual([]);
  return result;
}

describe('glide-release promote from a fresh clone: the RC from its GitHub release', () => {
  it('refuses an RC asset whose bytes are not its GitHub digest (ECHECKSUM), leaving nothing in --out', { timeout: TIMEOUT }, async () => {
    const archive = archives()[0]!;
    const original = await readFile(join(built, archive.path));
    // Same length, one byte flipped: storage gone bad, not a short read.
    const tampered = Buffer.from(original);
    tampered[tampered.length >> 1]! ^= 0xff;
    await github.tamperAsset(RC, assetName(archive.path), tampered);
    try {
      const mirror = await emptyMirror();
      const result = await expectRefused(mirror, 'ECHECKSUM');
      const served = createHash('sha256').update(tampered).digest('hex');
      expect(result.stderr).toContain(
        `${assetName(archive.path)} downloaded from ${RC}'s GitHub release hashes to sha256:${served}, but GitHub's digest of it is sha256:${archive.sha256}`,
      );
    } finally {
      await github.tamperAsset(RC, assetName(archive.path), original);
    }
  });

  it('with an empty --out: downloads the RC, proves each stable binary against it, and publishes the stable', { timeout: TIMEOUT }, async () => {
    github.pushTag(STABLE, rcCommit);
    const mirror = await emptyMirror();
    const result = await run(['promote', RC], mirror);
    expect(result.exitCode, result.all).toBe(0);
    expect(result.stderr).toContain(`downloading ${RC}'s 2 archives and glide_v${RC}_checksums.txt from its GitHub release`);

    // The RC's files as published, and no ledger that `build` could take for its own.
    const rcFiles = (await readdir(join(mirror, RC))).sort();
    expect(rcFiles).toEqual(rcLedger.artifacts.map((artifact) => assetName(artifact.path)).sort());
    for (const artifact of rcLedger.artifacts) {
      expect(
        createHash('sha256')
          .update(await readFile(join(mirror, artifact.path)))
          .digest('hex'),
      ).toBe(artifact.sha256);
    }
    await expect(stat(join(mirror, RC, 'release.json'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await readdir(mirror)).filter((name) => name.startsWith('.'))).toEqual([]);

    const ledger = (await readLedger(join(mirror, STABLE)))!;
    expect(ledger).toMatchObject({ tag: STABLE, stage: 'stable', commit: rcCommit });
    const rcBinaries = new Map(archives().map((archive) => [archive.target, archive.binary.sha256]));
    for (const archive of ledger.artifacts.filter((artifact) => artifact.kind === 'archive')) {
      expect(archive.promotedFrom).toEqual({ tag: RC, binarySha256: rcBinaries.get(archive.target) });
    }
    const stable = github.snapshot().releases.find((release) => release.tag === STABLE)!;
    expect(stable).toMatchObject({ draft: false, prerelease: false, latest: true });
    expect(stable.assets.map((asset) => asset.digest).sort()).toEqual(ledger.artifacts.map((artifact) => `sha256:${artifact.sha256}`).sort());
    // The downloads went to the CDN without the token (the stand-in's CDN refuses one).
    expect(github.log.filter((request) => request.host === 'cdn' && request.authorization)).toEqual([]);
  });

  it('rebuilds the RC from source once its stable is tagged on the same commit: the same bytes its release serves', { timeout: TIMEOUT }, async () => {
    // Tagged by the promote above; made here when this test runs alone.
    if ((await repo.git(['tag', '--list', STABLE])) === '') await repo.git(['tag', '-a', STABLE, '-m', `Release ${STABLE}`, rcCommit]);
    const mirror = await emptyMirror();
    const result = await run(['build', '--tag', RC], mirror);
    expect(result.exitCode, result.all).toBe(0);
    const rebuilt = (await readLedger(join(mirror, RC)))!;
    expect(rebuilt.artifacts.map((artifact) => [artifact.path, artifact.sha256])).toEqual(
      rcLedger.artifacts.map((artifact) => [artifact.path, artifact.sha256]),
    );
  });
});
