// `glide-release publish` with all four channels (decisions 0051, 0052): an RC then its stable of
// the Go stand-in, images in a loopback registry, the release on the GitHub stand-in, the chart
// pushed to the same registry (read back with skopeo), the formula committed to a local bare tap,
// Snap and Chocolatey planned only, against loopback stand-ins of their stores, to which the test
// sends the planned requests as a maintainer would. The dry run is the real run's output; a re-run
// after that prints nothing for any channel.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { sendPlannedChannelRequests } from '../helpers/channel-stores.js';
import { startChocolateyFeedStandin, type ChocolateyFeedStandin } from '../helpers/chocolatey-feed-standin.js';
import { startGitHubStandin, type GitHubStandin } from '../helpers/github-standin.js';
import { imageReleaseRepo } from '../helpers/image-release.js';
import type { TestRegistry } from '../helpers/registry.js';
import { BUILD_TIMEOUT, type StandinRepo } from '../helpers/repo.js';
import { startSnapStoreStandin, type SnapStoreStandin } from '../helpers/snap-store-standin.js';
import { requireTools } from '../helpers/tools.js';

const run = promisify(execFile);
const RC = '0.0.2-rc.1';
const STABLE = '0.0.2';
const TOKEN = 'ghp_publishChannelsE2eToken0000000000000000';
const CLOCK = new Date('2024-06-02T12:00:00Z');

let registry: TestRegistry;
let repo: StandinRepo;
let out: string;
let tap: string;
let pages: string;
let github: GitHubStandin;
let snapStore: SnapStoreStandin;
let feed: ChocolateyFeedStandin;

beforeAll(async () => {
  requireTools('skopeo');
  [snapStore, feed] = await Promise.all([startSnapStoreStandin({ now: () => CLOCK }), startChocolateyFeedStandin()]);
  let commit: string;
  ({ registry, repo, commit } = await imageReleaseRepo());
  out = await mkdtemp(join(tmpdir(), 'glide-publish-channels-out-'));
  tap = join(out, 'homebrew-tap.git');
  await run('git', ['init', '--quiet', '--bare', '--initial-branch=main', tap]);
  pages = join(out, 'charts.git');
  await run('git', ['init', '--quiet', '--bare', pages]);
  // Every target a channel names: macOS and Linux for Homebrew, Linux for Snap, Windows for Chocolatey.
  const config = JSON.parse(await readFile(join(repo.dir, 'glide-release.config.json'), 'utf8')) as Record<string, unknown>;
  config.targets = { matrix: ['linux/amd64', 'linux/arm64', 'darwin/arm64', 'windows/amd64'], skip: [] };
  config.channels = {
    helm: { registry: `${registry.host}/charts`, index: { repo: pages, url: 'https://einstack.github.io/charts' } },
    homebrew: { tap },
    snap: {},
    chocolatey: {},
  };
  await repo.write('glide-release.config.json', `${JSON.stringify(config, null, 2)}\n`);
  await mkdir(join(repo.dir, 'charts'));
  await cp(resolve('test/fixtures/glide-chart'), join(repo.dir, 'charts/glide'), { recursive: true });
  await repo.write('.gitignore', 'charts/glide/local-*.yaml\n');
  commit = await repo.commitAll('Channels: the chart, a local tap', '2024-06-01T11:00:00Z');
  // Ignored, so the tree is clean: only what the tagged commit holds goes into the chart.
  await repo.write('charts/glide/local-values.yaml', 'apiKey: sk-not-for-the-chart\n');
  github = await startGitHubStandin({ repo: 'EinStack/glide', token: TOKEN, releases: [], tags: { [RC]: commit, [STABLE]: commit }, now: () => CLOCK });
}, BUILD_TIMEOUT);

afterAll(async () => {
  await Promise.all([github?.close(), snapStore?.close(), feed?.close()]);
  await registry?.stop();
  if (out) await rm(out, { recursive: true, force: true });
  if (repo) await rm(repo.dir, { recursive: true, force: true });
});

async function build(tag: string, daysAgo: number): Promise<void> {
  await repo.tag(tag, daysAgo);
  const built = await repo.release(['build', '--only', 'binaries,images', '--tag', tag, '--out', out]);
  if (built.exitCode !== 0) throw new Error(`build of ${tag} failed:\n${built.all}`);
}

/** Where publish reads the two stores: the stand-ins, unless a test points it elsewhere. */
interface Stores {
  readonly snap: string;
  readonly feed: string;
}

/** `glide-release` with the token and every service on loopback. */
async function release(args: readonly string[], stores: Stores = { snap: snapStore.url, feed: feed.url }) {
  const result = await repo.release(args, {
    GITHUB_TOKEN: TOKEN,
    ...github.env(),
    GLIDE_RELEASE_SNAP_STORE_API_URL: stores.snap,
    GLIDE_RELEASE_CHOCOLATEY_FEED_URL: stores.feed,
  });
  expect(result.all).not.toContain(TOKEN);
  return result;
}

async function publish(tag: string, ...extra: string[]) {
  const result = await release(['publish', '--tag', tag, '--out', out, ...extra]);
  expect(result.exitCode, result.all).toBe(0);
  return result;
}

/** The tags of a repository in the registry, each with the digest of its manifest as skopeo reads it. */
async function registryTags(repository: string): Promise<Record<string, string>> {
  const listed = await execa('skopeo', ['list-tags', '--tls-verify=false', `docker://${registry.host}/${repository}`], { reject: false });
  if (listed.exitCode !== 0) return {};
  const tags = (JSON.parse(listed.stdout) as { Tags: string[] | null }).Tags ?? [];
  const entries = await Promise.all(
    tags.map(async (tag) => {
      const raw = await execa('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${registry.host}/${repository}:${tag}`], { encoding: 'buffer' });
      return [tag, `sha256:${createHash('sha256').update(raw.stdout).digest('hex')}`] as const;
    }),
  );
  return Object.fromEntries(entries);
}

const chartTags = () => registryTags('charts/glide');

/** What the Snap Store stand-in has released: `channel arch version`, sorted. */
function snapReleases(): string[] {
  const { revisions, releases } = snapStore.snapshot('glide');
  return releases
    .map((release) => `${release.channel} ${release.architecture} ${revisions.find((revision) => revision.revision === release.revision)!.version}`)
    .sort();
}

/** A loopback port nothing listens on: a store that is down. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

/** The paths in the chart's .tgz as the registry holds it (skopeo copies the artifact out). */
async function chartFiles(tag: string): Promise<string[]> {
  const dir = join(out, `chart-${tag}`);
  await execa('skopeo', ['copy', '--quiet', '--src-tls-verify=false', `docker://${registry.host}/charts/glide:${tag}`, `dir:${dir}`]);
  const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as { layers: { digest: string }[] };
  const layer = join(dir, manifest.layers[0]!.digest.replace(/^sha256:/, ''));
  return (await execa('tar', ['-tzf', layer])).stdout.split('\n');
}

/** The versions the classic repository's index.yaml lists, and the tgz files beside it. */
async function pagesBranch(): Promise<{ versions: string[]; files: string[] }> {
  const show = await execa('git', ['-C', pages, 'show', 'gh-pages:index.yaml'], { reject: false });
  if (show.exitCode !== 0) return { versions: [], files: [] };
  const files = (await execa('git', ['-C', pages, 'ls-tree', '--name-only', 'gh-pages'])).stdout.split('\n');
  const index = parseYaml(show.stdout) as { entries: { glide: { version: string }[] } };
  return { versions: index.entries.glide.map((entry) => entry.version), files };
}

async function tapHead(): Promise<string | undefined> {
  const head = await execa('git', ['-C', tap, 'rev-parse', '--verify', '--quiet', 'refs/heads/main'], { reject: false });
  return head.exitCode === 0 ? head.stdout.trim() : undefined;
}

/**
 * The dry run with what changes between machines and runs named instead: loopback ports, temp
 * folders, and the digests of what embeds the tag's date (the chart, the packages).
 */
function golden(stdout: string): string {
  return stdout
    .replaceAll(github.apiUrl, '{github api}')
    .replaceAll(github.uploadsUrl, '{github uploads}')
    .replaceAll(registry.host, '{registry}')
    .replaceAll(tap, '{tap}')
    .replaceAll(pages, '{pages}')
    .replace(/\b[0-9a-f]{96}\b/g, '{sha3-384}')
    .replace(/\b[0-9a-f]{64}\b/g, '{sha256}')
    .replace(/\b[0-9a-f]{40}\b/g, '{commit}')
    .replace(/\(\d+ bytes\)/g, '({n} bytes)')
    .replace(/binary_filesize=\d+/g, 'binary_filesize={n}')
    .replace(/built_at=\S+/g, 'built_at={date}');
}

const lines = (stdout: string) => stdout.trimEnd().split('\n');
const lastLine = (stderr: string) => lines(stderr).at(-1);
/** The lines a Snap or Chocolatey request or note would be on. */
const storeLines = (stdout: string) => lines(stdout).filter((line) => /^(# )?(snap|chocolatey): /.test(line));

describe('glide-release publish with every channel', () => {
  it(
    'a store holding this version with other bytes (ESNAPCONFLICT, ECHOCOCONFLICT) or a store URL with credentials (ECONFIG): refused before anything is written',
    { timeout: BUILD_TIMEOUT },
    async () => {
      await build(RC, 5);
      const [otherSnaps, otherFeed] = await Promise.all([startSnapStoreStandin(), startChocolateyFeedStandin()]);
      try {
        otherSnaps.hold('glide', { version: RC, architecture: 'arm64', sha3_384: 'ab'.repeat(48), size: 4096 }, ['latest/edge']);
        otherFeed.hold('glide', { version: '0.0.2-rc01', hash: createHash('sha512').update('another build').digest('base64') });
        const snap = await release(['publish', '--tag', RC, '--out', out], { snap: otherSnaps.url, feed: feed.url });
        expect(snap.exitCode, snap.all).toBe(1);
        expect(snap.stderr).toContain('ESNAPCONFLICT');
        expect(snap.stderr).toContain(`latest/edge (arm64) holds ${RC}`);
        const chocolatey = await release(['publish', '--tag', RC, '--out', out], { snap: snapStore.url, feed: otherFeed.url });
        expect(chocolatey.exitCode, chocolatey.all).toBe(1);
        expect(chocolatey.stderr).toContain('ECHOCOCONFLICT');
        const credentials = await release(['publish', '--tag', RC, '--out', out], { snap: 'https://maintainer:s3cret-pass@snaps.example', feed: feed.url });
        expect(credentials.exitCode, credentials.all).toBe(1);
        expect(credentials.stderr).toContain('ECONFIG');
        expect(credentials.stderr).toContain('GLIDE_RELEASE_SNAP_STORE_API_URL holds credentials');
        expect(credentials.all).not.toContain('s3cret-pass');
        for (const refused of [snap, chocolatey, credentials]) expect(refused.stdout).toBe('');
      } finally {
        await Promise.all([otherSnaps.close(), otherFeed.close()]);
      }
      // Nothing written anywhere: no release, no image or chart tag, no tap commit, no package, nothing sent to a store.
      expect(github.snapshot().releases).toEqual([]);
      expect(github.log.filter((request) => request.method !== 'GET')).toEqual([]);
      expect(await registryTags('glide')).toEqual({});
      expect(await chartTags()).toEqual({});
      expect(await tapHead()).toBeUndefined();
      expect(await pagesBranch()).toEqual({ versions: [], files: [] });
      await expect(stat(join(out, RC, 'chocolatey'))).rejects.toMatchObject({ code: 'ENOENT' });
      expect(snapStore.snapshot('glide').revisions).toEqual([]);
      expect(feed.list('glide')).toEqual([]);
    },
  );

  it(
    'an RC: the chart as a prerelease, no Homebrew commit, Snap edge/beta and Chocolatey prerelease planned only; sent, a re-run prints nothing for them',
    { timeout: BUILD_TIMEOUT },
    async () => {
      const dry = await publish(RC, '--dry-run');
      await expect(golden(dry.stdout)).toMatchFileSnapshot('golden/publish-channels-rc.txt');
      expect(await chartTags()).toEqual({});

      const real = await publish(RC);
      expect(real.stdout).toBe(dry.stdout);
      expect(lastLine(real.stderr)).toMatch(/5 channel requests \(Snap Store, Chocolatey feed\) planned only, not sent/);
      // Each snap's line says what the maintainer runs instead, with the file publish left for it.
      expect(lines(real.stderr).filter((line) => line.startsWith('snap: '))).toEqual(
        ['amd64', 'arm64'].map(
          (arch) => `snap: not sent; upload it with snapcraft upload --release=latest/beta,latest/edge ${join(out, RC, 'snap', `glide_${RC}_${arch}.snap`)}`,
        ),
      );
      const chartLine = lines(dry.stdout).find((line) => line.startsWith('helm: '))!;
      expect(chartLine).toContain('prerelease');
      expect(await chartTags()).toEqual({ [RC]: /manifest (sha256:[0-9a-f]{64})/.exec(chartLine)![1] });
      expect(await pagesBranch()).toEqual({ versions: [RC], files: [`glide-${RC}.tgz`, 'index.yaml'] });
      expect(await tapHead()).toBeUndefined();
      expect(dry.stdout).toMatch(/^# homebrew: nothing pushed: .*release candidate/m);
      expect(dry.stdout).not.toMatch(/^homebrew: git push/m);
      expect(
        lines(dry.stdout)
          .filter((line) => line.startsWith('snap: '))
          .every((line) => line.endsWith('(planned only: not sent)')),
      ).toBe(true);
      expect(dry.stdout).not.toMatch(/channels=[^ ]*stable/);
      expect(dry.stdout).toMatch(/^chocolatey: PUT .*, a pre-release\) \(planned only: not sent\)$/m);

      // The maintainer sends what was planned; the stores then hold exactly that.
      const sent = await sendPlannedChannelRequests(real.stdout, out, { snapStore, chocolateyFeed: feed });
      expect(sent.snaps.map((snap) => `${snap.version} ${snap.architecture}`)).toEqual([`${RC} amd64`, `${RC} arm64`]);
      expect(snapReleases()).toEqual([`latest/beta amd64 ${RC}`, `latest/beta arm64 ${RC}`, `latest/edge amd64 ${RC}`, `latest/edge arm64 ${RC}`]);
      expect(feed.list('glide').map(({ version, prerelease }) => ({ version, prerelease }))).toEqual([{ version: '0.0.2-rc01', prerelease: true }]);

      // A re-run: every channel read, nothing to do anywhere; only Homebrew's reason line stays.
      const again = await publish(RC);
      expect(storeLines(again.stdout)).toEqual([]);
      expect(lines(again.stdout)).toEqual(lines(dry.stdout).filter((line) => line.startsWith('# homebrew: ')));
      expect(lastLine(again.stderr)).toMatch(/already published .*: nothing to do$/);
      expect(await chartTags()).toEqual({ [RC]: expect.any(String) });
    },
  );

  it(
    'its stable: the chart, the formula committed to the tap; stores down do not hold it back; sent, a re-run prints nothing at all',
    { timeout: BUILD_TIMEOUT },
    async () => {
      await build(STABLE, 0);
      const dry = await publish(STABLE, '--dry-run');
      await expect(golden(dry.stdout)).toMatchFileSnapshot('golden/publish-channels-stable.txt');
      const order = lines(dry.stdout).map((line) => /^(helm|homebrew|snap|chocolatey|PATCH .*draft=false)/.exec(line)?.[1]?.replace(/^PATCH.*/, 'publish'));
      expect(order.filter(Boolean)).toEqual(['publish', 'helm', 'helm', 'homebrew', 'snap', 'snap', 'snap', 'snap', 'chocolatey']);

      // The channels alone wait for the release: none of them may point at assets not yet public.
      const early = await release(['publish', '--only', 'channels', '--tag', STABLE, '--out', out, '--dry-run']);
      expect(early.exitCode).toBe(1);
      expect(early.stderr).toContain(`${STABLE} is not published on GitHub yet`);

      // Both stores down: the release and the other channels go out; the stores' requests stay planned, each with a note.
      const down = `http://127.0.0.1:${await closedPort()}`;
      const real = await release(['publish', '--tag', STABLE, '--out', out], { snap: down, feed: down });
      expect(real.exitCode, real.all).toBe(0);
      expect(real.stdout.startsWith(dry.stdout)).toBe(true);
      expect(lines(real.stdout).slice(lines(dry.stdout).length)).toEqual([
        expect.stringMatching(
          /^# snap: the Snap Store was not read, so its requests are planned as if it held nothing; look at it before sending them\. ENETWORK: Could not reach 127\.0\.0\.1:\d+: ECONNREFUSED/,
        ),
        expect.stringMatching(
          /^# chocolatey: the community feed was not read, so its requests are planned as if it held nothing; look at it before sending them\. ENETWORK: /,
        ),
      ]);
      expect(lastLine(real.stderr)).toMatch(/published .*; 5 channel requests \(Snap Store, Chocolatey feed\) planned only, not sent/);
      expect(await readdir(join(out, STABLE, 'chocolatey'))).toEqual([`glide.${STABLE}.nupkg`]);
      const formula = (await execa('git', ['-C', tap, 'show', 'main:Formula/glide.rb'])).stdout;
      expect(formula).toContain(`version "${STABLE}"`);
      // Every URL the formula names is an asset of the release already public when it was pushed.
      const published = github.snapshot().releases.find((release) => release.tag === STABLE)!;
      expect(published.draft).toBe(false);
      const urls = [...formula.matchAll(/^\s*url "([^"]+)"/gm)].map((match) => match[1]!);
      expect(urls).toHaveLength(3);
      for (const url of urls) {
        expect(url).toMatch(new RegExp(`^https://github\\.com/EinStack/glide/releases/download/${STABLE}/`));
        expect(published.assets.map((asset) => asset.name)).toContain(url.slice(url.lastIndexOf('/') + 1));
      }
      expect((await execa('git', ['-C', tap, 'log', '--format=%s', 'main'])).stdout).toBe(`glide ${STABLE}`);
      const tags = await chartTags();
      expect(Object.keys(tags).sort()).toEqual([STABLE, RC].sort());
      expect(await chartFiles(STABLE)).not.toContain('glide/local-values.yaml');
      expect(await chartFiles(STABLE)).toContain('glide/Chart.yaml');
      expect(await pagesBranch()).toEqual({ versions: [STABLE, RC], files: [`glide-${RC}.tgz`, `glide-${STABLE}.tgz`, 'index.yaml'] });

      const sent = await sendPlannedChannelRequests(real.stdout, out, { snapStore, chocolateyFeed: feed });
      expect(sent.snaps.map((snap) => `${snap.version} ${snap.architecture}`)).toEqual([`${STABLE} amd64`, `${STABLE} arm64`]);
      expect(snapReleases()).toEqual(
        ['beta', 'candidate', 'edge', 'stable'].flatMap((risk) => [`latest/${risk} amd64 ${STABLE}`, `latest/${risk} arm64 ${STABLE}`]),
      );
      expect(feed.list('glide').map((listed) => listed.version)).toEqual(['0.0.2-rc01', STABLE]);

      const head = await tapHead();
      const pagesHead = (await execa('git', ['-C', pages, 'rev-parse', 'gh-pages'])).stdout;
      const again = await publish(STABLE);
      expect(again.stdout).toBe('');
      expect(lastLine(again.stderr)).toMatch(/already published .*: nothing to do$/);
      const channelsOnly = await publish(STABLE, '--only', 'channels');
      expect(channelsOnly.stdout).toBe('');
      expect(await tapHead()).toBe(head);
      expect((await execa('git', ['-C', pages, 'rev-parse', 'gh-pages'])).stdout).toBe(pagesHead);
      expect(await chartTags()).toEqual(tags);
    },
  );
});
