import { createHash } from 'node:crypto';
import { appendFile, cp, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIRROR_INDEX, parseMirrorIndex } from '#contract';
import { readLedger, type ReleaseLedger } from '../../release/src/ledger.js';
import { sendPlannedChannelRequests } from '../helpers/channel-stores.js';
import { startChocolateyFeedStandin, type ChocolateyFeedStandin } from '../helpers/chocolatey-feed-standin.js';
import { startGitHubStandin, type GitHubStandin } from '../helpers/github-standin.js';
import { BUILD_TIMEOUT, StandinRepo } from '../helpers/repo.js';

// `glide-release promote` of an RC of the Go stand-in, built into a release mirror and published
// to the writable GitHub stand-in: first every refusal (each leaves no tag and writes nothing),
// then the promotion itself, which stops once for the tag to be pushed, and a re-run that converges.

const RC = '0.1.0-rc.1';
const STABLE = '0.1.0';
const TOKEN = 'ghp_promoteE2eToken000000000000000000000000';
// promote creates an annotated tag: git needs a tagger (the tests' HOME has no git config).
const TAGGER = { GIT_COMMITTER_NAME: 'Release Bot', GIT_COMMITTER_EMAIL: 'release@example.invalid' };
const TIMEOUT = 300_000;

let repo: StandinRepo;
let out: string;
let rcCommit: string;
let rcLedger: ReleaseLedger;
/** RC published four days ago (by its server clock): soaked. */
let github: GitHubStandin;
/** RC published now: not soaked, though its git tag is five days old. */
let fresh: GitHubStandin;
/** The Chocolatey feed promote's publish reads: never the real one. */
let feed: ChocolateyFeedStandin;

beforeAll(async () => {
  repo = await StandinRepo.create();
  // Chocolatey (planned only, its feed a stand-in) shows promote's publish runs the channels of an RC that had no images.
  feed = await startChocolateyFeedStandin();
  const config = { targets: { matrix: ['linux/amd64', 'windows/amd64'], skip: [] }, channels: { chocolatey: {} } };
  await repo.write('glide-release.config.json', `${JSON.stringify(config, null, 2)}\n`);
  rcCommit = await repo.commitAll('Release config', '2024-06-01T11:00:00Z');
  await repo.tag(RC, 5);
  out = await mkdtemp(join(tmpdir(), 'glide-promote-out-'));
  const built = await repo.release(['build', '--out', out]);
  if (built.exitCode !== 0) throw new Error(`build failed:\n${built.all}`);
  rcLedger = (await readLedger(join(out, RC)))!;
  const fourDaysAgo = new Date(Date.now() - 4 * 86_400_000);
  github = await startGitHubStandin({ repo: 'EinStack/glide', token: TOKEN, releases: [], tags: { [RC]: rcCommit }, now: () => fourDaysAgo });
  fresh = await startGitHubStandin({ repo: 'EinStack/glide', token: TOKEN, releases: [], tags: { [RC]: rcCommit } });
}, BUILD_TIMEOUT);

afterAll(async () => {
  await github?.close();
  await fresh?.close();
  await feed?.close();
  await rm(repo.dir, { recursive: true, force: true });
  await rm(out, { recursive: true, force: true });
});

function envFor(standin: GitHubStandin) {
  return {
    GITHUB_TOKEN: TOKEN,
    ...standin.env(),
    GLIDE_RELEASE_CHOCOLATEY_FEED_URL: feed.url,
    ...TAGGER,
  };
}

async function run(standin: GitHubStandin, args: readonly string[], mirror = out) {
  const result = await repo.release([...args, '--out', mirror], envFor(standin));
  expect(result.all).not.toContain(TOKEN);
  return result;
}

const promote = (standin: GitHubStandin, ...extra: string[]) => run(standin, ['promote', RC, ...extra]);

function writesSince(standin: GitHubStandin, from: number) {
  return standin.log.slice(from).filter((request) => request.method !== 'GET');
}

async function stableTag(): Promise<string> {
  return repo.git(['tag', '--list', STABLE]);
}

/** Runs a promote that must be refused with `code`, leaving no stable tag, no stable build and no write on GitHub. */
async function expectRefused(standin: GitHubStandin, code: string, mirror = out) {
  const logged = standin.log.length;
  const result = await run(standin, ['promote', RC], mirror);
  expect(result.exitCode, result.all).toBe(1);
  expect(result.stderr).toContain(`error ${code}:`);
  expect(await stableTag()).toBe('');
  await expect(stat(join(out, STABLE))).rejects.toMatchObject({ code: 'ENOENT' });
  expect(writesSince(standin, logged)).toEqual([]);
  return result;
}

describe('glide-release promote', () => {
  it('refuses an RC that has no release on GitHub (ERCNOTPUBLISHED)', { timeout: TIMEOUT }, async () => {
    const result = await expectRefused(github, 'ERCNOTPUBLISHED');
    expect(result.stderr).toContain(`${RC} has no release on GitHub`);
  });

  it('the RC is published to both stand-ins', { timeout: TIMEOUT }, async () => {
    for (const standin of [github, fresh]) {
      const published = await run(standin, ['publish', '--only', 'github', '--tag', RC]);
      expect(published.exitCode, published.all).toBe(0);
    }
  });

  it('refuses an RC published just now (ESOAK): the soak starts at published_at, not at the five-day-old tag', { timeout: TIMEOUT }, async () => {
    const result = await expectRefused(fresh, 'ESOAK');
    expect(result.stderr).toContain('from its GitHub release');
    // --skip-soak --reason lets it through, as for build: the dry run shows the gate overridden.
    const overridden = await promote(fresh, '--dry-run', '--skip-soak', '--reason', 'a security fix');
    expect(overridden.exitCode, overridden.all).toBe(0);
    expect(overridden.stdout).toMatch(/ok {3}soak: .*from its GitHub release.*; overridden: a security fix\n/);
  });

  it(
    // Without the RC's build in the mirror, promote downloads it: test/release/promote-fetch.e2e.test.ts.
    "refuses an RC build in the mirror that is not the ledger's or GitHub's bytes (ECHECKSUM)",
    { timeout: TIMEOUT },
    async () => {
      const mirror = await mkdtemp(join(tmpdir(), 'glide-promote-mirror-'));
      try {
        await cp(join(out, RC), join(mirror, RC), { recursive: true });
        const ledgerPath = join(mirror, RC, 'release.json');
        const archive = rcLedger.artifacts.find((artifact) => artifact.kind === 'archive')!;
        const archivePath = join(mirror, archive.path);
        await appendFile(archivePath, 'x');
        const tampered = await expectRefused(github, 'ECHECKSUM', mirror);
        expect(tampered.stderr).toContain(`${archivePath} hashes to`);

        // The ledger rewritten to match: now the mirror is not what GitHub serves.
        const sha256 = createHash('sha256')
          .update(await readFile(archivePath))
          .digest('hex');
        const ledger = JSON.parse(await readFile(ledgerPath, 'utf8')) as { artifacts: { path: string; sha256: string; size: number }[] };
        for (const artifact of ledger.artifacts) if (artifact.path === archive.path) Object.assign(artifact, { sha256, size: archive.size + 1 });
        await writeFile(ledgerPath, JSON.stringify(ledger));
        const unpublished = await expectRefused(github, 'ECHECKSUM', mirror);
        expect(unpublished.stderr).toContain(`is not the build ${RC}'s GitHub release serves`);
      } finally {
        await rm(mirror, { recursive: true, force: true });
      }
    },
  );

  it('refuses an RC that is not the last of its version (ENOTLASTRC)', { timeout: TIMEOUT }, async () => {
    await repo.git(['tag', '-a', '0.1.0-rc.2', '-m', 'Release 0.1.0-rc.2', rcCommit], '2024-06-03T10:00:00Z');
    try {
      const result = await expectRefused(github, 'ENOTLASTRC');
      expect(result.stderr).toContain('promote 0.1.0-rc.2 instead');
    } finally {
      await repo.git(['tag', '-d', '0.1.0-rc.2']);
    }
  });

  it('refuses a stable tag on another commit than the RC (EPROMOTECOMMITMISMATCH)', { timeout: TIMEOUT }, async () => {
    await repo.git(['tag', '-a', STABLE, '-m', `Release ${STABLE}`, `${rcCommit}~1`], '2024-06-08T10:00:00Z');
    const logged = github.log.length;
    try {
      const result = await promote(github);
      expect(result.exitCode, result.all).toBe(1);
      expect(result.stderr).toContain('error EPROMOTECOMMITMISMATCH:');
      expect(writesSince(github, logged)).toEqual([]);
      await expect(stat(join(out, STABLE))).rejects.toMatchObject({ code: 'ENOENT' });
    } finally {
      await repo.git(['tag', '-d', STABLE]);
    }
  });

  it('--dry-run prints the gates and the steps, and does none of them', { timeout: TIMEOUT }, async () => {
    const logged = github.log.length;
    const result = await promote(github, '--dry-run');
    expect(result.exitCode, result.all).toBe(0);
    expect(result.stdout).toContain(`promote ${RC} → ${STABLE}\n`);
    expect(result.stdout).toMatch(/ok {3}soak: 0\.1\.0-rc\.1 was out 4\.0 days \(from its GitHub release, /);
    expect(result.stdout).toContain(`would tag ${STABLE} on ${rcCommit.slice(0, 12)}`);
    expect(result.stdout).toContain(`would stop there: the tag ${STABLE} is not on GitHub`);
    expect(await stableTag()).toBe('');
    expect(writesSince(github, logged)).toEqual([]);
  });

  it('tags the stable on the RC commit, then stops until the tag is on GitHub', { timeout: TIMEOUT }, async () => {
    const logged = github.log.length;
    const result = await promote(github);
    expect(result.exitCode, result.all).toBe(1);
    expect(result.stderr).toContain(`error ENOTAG: ${STABLE} is tagged on ${rcCommit.slice(0, 12)} here, but the tag is not on GitHub`);
    expect(result.stderr).toContain(`git push origin ${STABLE}`);
    expect(await repo.git(['cat-file', '-t', STABLE])).toBe('tag');
    expect(await repo.git(['rev-list', '-n', '1', STABLE])).toBe(rcCommit);
    expect(await repo.git(['tag', '-l', '--format=%(contents:subject)', STABLE])).toBe(`Release ${STABLE}`);
    expect(writesSince(github, logged)).toEqual([]);
    await expect(stat(join(out, STABLE))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it(
    'once the tag is pushed: builds each binary proven against the RC and publishes the latest stable; a re-run writes nothing',
    { timeout: TIMEOUT },
    async () => {
      github.pushTag(STABLE, rcCommit);
      const result = await promote(github);
      expect(result.exitCode, result.all).toBe(0);
      // The channels run after the release, as publish's do: the RC had no images, so no image step.
      expect(result.stdout).toMatch(new RegExp(`^chocolatey: PUT \\S+ glide\\.${STABLE.replaceAll('.', '\\.')}\\.nupkg .*\\(planned only: not sent\\)$`, 'm'));

      const ledger = (await readLedger(join(out, STABLE)))!;
      expect(ledger).toMatchObject({ tag: STABLE, stage: 'stable', commit: rcCommit });
      const rcBinaries = new Map(rcLedger.artifacts.flatMap((artifact) => (artifact.kind === 'archive' ? [[artifact.target, artifact.binary.sha256]] : [])));
      const archives = ledger.artifacts.filter((artifact) => artifact.kind === 'archive');
      expect(archives.map((archive) => archive.target).sort()).toEqual(['linux/amd64', 'windows/amd64']);
      for (const archive of archives) {
        expect(archive.promotedFrom).toEqual({ tag: RC, binarySha256: rcBinaries.get(archive.target) });
        // Re-stamped: the stable's binary is not the RC's bytes.
        expect(archive.binary.sha256).not.toBe(rcBinaries.get(archive.target));
      }

      const world = github.snapshot();
      expect(world.latest).toBe(STABLE);
      const stable = world.releases.find((release) => release.tag === STABLE)!;
      expect(stable).toMatchObject({ draft: false, prerelease: false, latest: true });
      expect(stable.assets.map((asset) => asset.digest).sort()).toEqual(ledger.artifacts.map((artifact) => `sha256:${artifact.sha256}`).sort());
      expect(world.tags[STABLE]).toBe(rcCommit);

      // The maintainer pushes the package; the feed read by the re-run then lists it.
      const sent = await sendPlannedChannelRequests(result.stdout, out, { chocolateyFeed: feed });
      expect(sent.packages.map((listed) => listed.version)).toEqual([STABLE]);
      const logged = github.log.length;
      const again = await promote(github);
      expect(again.exitCode, again.all).toBe(0);
      expect(again.stdout).toBe('');
      expect(writesSince(github, logged)).toEqual([]);
      expect(github.snapshot()).toEqual(world);

      const dryRun = await promote(github, '--dry-run');
      expect(dryRun.exitCode, dryRun.all).toBe(0);
      expect(dryRun.stdout).toContain(`tag ${STABLE} exists on ${rcCommit.slice(0, 12)}\n`);
      expect(dryRun.stdout).toContain(`would build 2 targets, proving each against ${RC}'s binary\n`);
    },
  );

  it('tags, builds and publishes in one run when GitHub has the tag already (a clone without it)', { timeout: TIMEOUT }, async () => {
    await repo.git(['tag', '-d', STABLE]);
    const world = github.snapshot();
    const logged = github.log.length;
    const result = await promote(github);
    expect(result.exitCode, result.all).toBe(0);
    expect(result.stderr).toContain(`tagged ${STABLE} on ${rcCommit.slice(0, 12)}`);
    expect(writesSince(github, logged)).toEqual([]);
    expect(github.snapshot()).toEqual(world);
    // The mirror's index dates the stable by the tag this run made, not by the commit.
    const taggedAt = await repo.git(['for-each-ref', '--format=%(taggerdate:unix)', `refs/tags/${STABLE}`]);
    const index = parseMirrorIndex(await readFile(join(out, MIRROR_INDEX), 'utf8'));
    expect(index.find((entry) => entry.tag === STABLE)).toEqual({
      tag: STABLE,
      prerelease: false,
      published_at: new Date(Number(taggedAt) * 1000).toISOString(),
    });
  });
});
