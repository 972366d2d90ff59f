import { chmod, cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DISTRO, imageTag } from '#contract';
import { readLedger } from '../../release/src/ledger.js';
import { waitForHealthy } from '../../src/run/health.js';
import { pushBaseImages } from '../helpers/base-images.js';
import { sendPlannedChannelRequests } from '../helpers/channel-stores.js';
import { startChocolateyFeedStandin, type ChocolateyFeedStandin } from '../helpers/chocolatey-feed-standin.js';
import { startDockerEngine } from '../helpers/docker-engine.js';
import { startGitHubStandin, type GitHubStandin, type WorldSnapshot } from '../helpers/github-standin.js';
import { registryTags } from '../helpers/image-release.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { startSnapStoreStandin, type SnapStoreStandin } from '../helpers/snap-store-standin.js';
import { BUILD_TIMEOUT, StandinRepo } from '../helpers/repo.js';

// A release cycle of the Go stand-in on real components: the Go toolchain builds it, images on
// bases in a loopback docker-registry, a writable GitHub stand-in, and at the end the Docker engine
// pulls `latest` and runs it. After each step a golden snapshot of the world: releases, flags,
// assets, tags, and each registry tag with the index it names and whose image that is.
// Each RC is tagged, built (binaries and images) and published whole; each stable is made by
// `promote` of its last RC once the RC's release has soaked: promote tags it, stops until the tag
// is pushed, then builds every binary and image proven to be the RC's and publishes them.
// The 0.0.x line is a maintenance branch, release/0.0, whose own config names it as the release
// branch: that is how the on-branch gate lets a patch of an older line through.
// The registry listens on a fixed port: its host is in the committed config and in the images'
// base.name annotation, so with it fixed the commits, binaries and image digests are the same on
// every run (builds are reproducible) and the goldens hold the digests themselves.
// Every channel is on (docs/channels.md): the chart pushed to the same registry, the formula to a
// local bare tap, Snap and Chocolatey planned only. After each step the world also holds the
// chart's tags, the tap's formula version and commits, and the channel lines publish printed.

const TOKEN = 'ghp_releaseCycleE2eToken00000000000000000000';
const MAINTENANCE = 'release/0.0';
// Below the kernel's ephemeral ports (32768+), so no free port handed to another test takes it.
const REGISTRY_PORT = 25_017;
// The default distro, which `latest` follows, and one more to show latest-{distro}; amd64 only, so each build is small.
const DISTROS = [DEFAULT_DISTRO, 'distroless'] as const;
// linux/amd64 for the images, Homebrew and Snap; windows/amd64 for Chocolatey's zip.
const TARGETS = ['linux/amd64', 'windows/amd64'] as const;
// The tap as the committed config names it: a host that never resolves, which git rewrites to the
// local bare tap (url.insteadOf, from the environment), so the config, and every commit after it,
// is the same on every run.
const TAP_URL = 'https://tap.invalid/EinStack/homebrew-tap.git';
const CHART_FIXTURE = resolve('test/fixtures/glide-chart');
// promote creates an annotated tag: git needs a tagger (the tests' HOME has no git config).
const TAGGER = { GIT_COMMITTER_NAME: 'Release Bot', GIT_COMMITTER_EMAIL: 'release@example.invalid' };

let repo: StandinRepo;
let out: string;
let github: GitHubStandin;
let registry: TestRegistry;
let bases: Record<string, string>;
let tap: string;
let snapStore: SnapStoreStandin;
let chocolateyFeed: ChocolateyFeedStandin;
/** Each image index the cycle built, by digest: `{version}-{distro}`. */
const builtIndexes = new Map<string, string>();
/** The stand-in's server clock: each step publishes at its own fixed time, so published_at repeats. */
let clock = new Date('2024-06-02T12:00:00Z');

beforeAll(async () => {
  repo = await StandinRepo.create();
  out = await mkdtemp(join(tmpdir(), 'glide-cycle-out-'));
  github = await startGitHubStandin({ repo: 'EinStack/glide', token: TOKEN, releases: [], now: () => clock });
  registry = await startRegistry({ port: REGISTRY_PORT });
  bases = await pushBaseImages(registry.host);
  tap = join(out, 'homebrew-tap.git');
  await execa('git', ['init', '--quiet', '--bare', '--initial-branch=main', tap]);
  [snapStore, chocolateyFeed] = await Promise.all([startSnapStoreStandin({ now: () => clock }), startChocolateyFeedStandin()]);
}, BUILD_TIMEOUT);

afterAll(async () => {
  await Promise.all([snapStore?.close(), chocolateyFeed?.close()]);
  await github?.close();
  await registry?.stop();
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

/** The release config, with images of DISTROS pushed to the loopback registry, and every channel on. */
function releaseConfig(branch?: string): string {
  const config = {
    ...(branch ? { branch } : {}),
    targets: { matrix: TARGETS, skip: [] },
    images: { repository: `${registry.host}/glide`, distros: Object.fromEntries(DISTROS.map((distro) => [distro, { base: bases[distro] }])) },
    channels: { helm: { registry: `${registry.host}/charts` }, homebrew: { tap: TAP_URL }, snap: {}, chocolatey: {} },
  };
  return JSON.stringify(config, null, 2);
}

/** Commits the release config and the chart (charts/glide, the default chart folder) on `branch`. */
async function commitReleaseConfig(branch: string, message: string, date: string): Promise<string> {
  await repo.git(['checkout', '-q', branch]);
  await mkdir(join(repo.dir, 'charts'), { recursive: true });
  await cp(CHART_FIXTURE, join(repo.dir, 'charts/glide'), { recursive: true });
  return commit(branch, 'glide-release.config.json', message, date, releaseConfig(branch === 'main' ? undefined : branch));
}

/** What publish and promote run with: the token, the GitHub and store stand-ins, and git sent to the local tap. */
function releaseEnv() {
  return {
    GITHUB_TOKEN: TOKEN,
    ...github.env(),
    GLIDE_RELEASE_SNAP_STORE_API_URL: snapStore.url,
    GLIDE_RELEASE_CHOCOLATEY_FEED_URL: chocolateyFeed.url,
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: `url.${tap}.insteadOf`,
    GIT_CONFIG_VALUE_0: TAP_URL,
  };
}

/** `publish` of `name` (images, then the GitHub release, then moving tags), as a maintainer with a token would run it. */
async function publish(name: string) {
  const result = await repo.release(['publish', '--tag', name, '--out', out], releaseEnv());
  expect(result.all).not.toContain(TOKEN);
  return result;
}

/** `promote rc` against the stand-in. */
async function promote(rc: string) {
  const result = await repo.release(['promote', rc, '--out', out], { ...releaseEnv(), ...TAGGER });
  expect(result.all).not.toContain(TOKEN);
  return result;
}

/** `verify name` from the outside, both halves: the GitHub release and the images. */
function verify(name: string) {
  return repo.release(['verify', name, '--repo', 'EinStack/glide', '--image', `${registry.host}/glide`], {
    ...github.env(),
  });
}

const NOT_BUILT = 'not built by this cycle';
type RegistrySnapshot = Record<string, { readonly digest: string; readonly image: string }>;

/** Each tag of the registry's glide, sorted, with the index it names and which build's image that is. */
async function registrySnapshot(): Promise<RegistrySnapshot> {
  const tags = await registryTags(registry.host);
  return Object.fromEntries(
    Object.keys(tags)
      .sort()
      .map((tag) => [tag, { digest: tags[tag]!, image: builtIndexes.get(tags[tag]!) ?? NOT_BUILT }]),
  );
}

/**
 * Pushes the tag, checks it out, builds its binaries and images and publishes it at `publishedAt`;
 * returns the world, with each asset's digest and image checked against the ledger the build wrote.
 */
async function release(name: string, publishedAt: string): Promise<World> {
  const sha = await repo.git(['rev-list', '-n', '1', name]);
  github.pushTag(name, sha);
  await repo.git(['checkout', '-q', name]);
  const built = await repo.release(['build', '--only', 'binaries,images', '--out', out]);
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
async function promoted(rc: string, stable: string, publishedAt: string): Promise<World> {
  const sha = await repo.git(['rev-list', '-n', '1', rc]);
  await repo.git(['checkout', '-q', rc]);
  clock = new Date(publishedAt);
  const tagged = await promote(rc);
  expect(tagged.exitCode, tagged.all).toBe(1);
  expect(tagged.stderr).toContain(`error ENOTAG: ${stable} is tagged on ${sha.slice(0, 12)} here, but the tag is not on GitHub`);
  expect(await repo.git(['rev-list', '-n', '1', stable])).toBe(sha);
  github.pushTag(stable, sha);
  const runs: Array<Awaited<ReturnType<typeof promote>>> = [];
  const world = await converged(stable, publishedAt, async () => runs[runs.push(await promote(rc)) - 1]!);
  // The run that published built the images and proved them the RC's before pushing any.
  expect(runs[0]!.stderr).toMatch(new RegExp(`proven: ${DISTROS.length} images of ${stable} are ${rc}'s but for glide's layer`));
  const [rcLedger, ledger] = await Promise.all([readLedger(join(out, rc)), readLedger(join(out, stable))]);
  const rcBinaries = new Map(rcLedger!.artifacts.flatMap((artifact) => (artifact.kind === 'archive' ? [[artifact.target, artifact.binary.sha256]] : [])));
  for (const artifact of ledger!.artifacts) {
    if (artifact.kind === 'archive') expect(artifact.promotedFrom).toEqual({ tag: rc, binarySha256: rcBinaries.get(artifact.target) });
  }
  return world;
}

interface Tap {
  /** The formula's `version`, or null while the tap has no formula. */
  readonly version: string | null;
  /** The subjects of the tap's commits, newest first. */
  readonly commits: readonly string[];
}

/** The world a step leaves: GitHub, the image tags, the chart's tags with their manifests' digests, and the tap. */
/** What the stores hold once the maintainer sent publish's planned requests: each Snap channel's version, each feed version. */
interface Stores {
  /** `track/risk arch version`, sorted. */
  readonly snap: readonly string[];
  /** `version`, and ` pre-release` when the feed lists it as one. */
  readonly chocolatey: readonly string[];
}

type State = WorldSnapshot & { readonly registry: RegistrySnapshot; readonly charts: Record<string, string>; readonly tap: Tap; readonly stores: Stores };

/** The world after a step, and the channel lines its publish printed (Snap's and Chocolatey's are the only record of them). */
type World = State & { readonly channels: readonly string[] };

async function tapSnapshot(): Promise<Tap> {
  const log = await execa('git', ['-C', tap, 'log', '--format=%s', 'main'], { reject: false });
  if (log.exitCode !== 0) return { version: null, commits: [] };
  const formula = (await execa('git', ['-C', tap, 'show', 'main:Formula/glide.rb'])).stdout;
  return { version: /^\s*version "([^"]+)"$/m.exec(formula)?.[1] ?? 'no version line', commits: log.stdout.split('\n') };
}

async function tapHead(): Promise<string | undefined> {
  const head = await execa('git', ['-C', tap, 'rev-parse', '--verify', '--quiet', 'refs/heads/main'], { reject: false });
  return head.exitCode === 0 ? head.stdout : undefined;
}

function storesSnapshot(): Stores {
  const { revisions, releases } = snapStore.snapshot('glide');
  const versions = new Map(revisions.map((revision) => [revision.revision, revision.version]));
  return {
    snap: releases.map((release) => `${release.channel} ${release.architecture} ${versions.get(release.revision)}`).sort(),
    chocolatey: chocolateyFeed.list('glide').map((listed) => `${listed.version}${listed.prerelease ? ' pre-release' : ''}`),
  };
}

async function state(): Promise<State> {
  const [registryState, charts, tapState] = await Promise.all([registrySnapshot(), registryTags(registry.host, 'charts/glide'), tapSnapshot()]);
  return {
    ...github.snapshot(),
    registry: registryState,
    charts: Object.fromEntries(Object.entries(charts).sort(([a], [b]) => (a < b ? -1 : 1))),
    tap: tapState,
    stores: storesSnapshot(),
  };
}

const lines = (text: string) => text.split('\n').filter(Boolean);

/**
 * The channels' lines of a publish's output. A snap's sha3-384 and size are left out: its bytes
 * come from the installed mksquashfs, not from this tool (the snap tests check packing is reproducible).
 */
function channelLines(stdout: string): string[] {
  return lines(stdout)
    .filter((line) => /^(# )?(helm|homebrew|snap|chocolatey): /.test(line))
    .map((line) =>
      line.startsWith('snap: ')
        ? line
            .replace(/sha3-384:[0-9a-f]{96}/, 'sha3-384:{snap}')
            .replace(/\(\d+ bytes\)/, '({n} bytes)')
            .replace(/binary_filesize=\d+/, 'binary_filesize={n}')
        : line,
    );
}

/** Each planned snap-push's architecture and channels. */
function snapPushes(world: World): string[] {
  return world.channels.flatMap((line) => {
    const push = /snap-push\/ .* arch=(\S+) .* channels=(\S+) /.exec(line);
    return push ? [`${push[1]} ${push[2]}`] : [];
  });
}

/** The Chocolatey package each planned push sends, and whether it goes up as a pre-release. */
function chocolateyPushes(world: World): string[] {
  return world.channels.flatMap((line) => {
    const push = /^chocolatey: PUT \S+ (glide\.\S+\.nupkg) .*?(, a pre-release)?\) \(planned only/.exec(line);
    return push ? [`${push[1]}${push[2] ? ' pre-release' : ''}`] : [];
  });
}

/**
 * Runs `publishing` (which must succeed), sends its planned-only requests to the store stand-ins
 * as the maintainer would, then runs it again (it must print no request and write nothing to
 * GitHub, the registry, the chart's tags, the tap or the stores), verifies the release and its images from the outside
 * and checks they are the ledger's, and the rules every step keeps on the channels; returns the
 * world after the first run.
 */
async function converged(name: string, publishedAt: string, publishing: () => Promise<{ exitCode?: number; all?: string; stdout: string }>): Promise<World> {
  const tapBefore = await tapSnapshot();
  const published = await publishing();
  expect(published.exitCode, published.all).toBe(0);
  const ledger = (await readLedger(join(out, name)))!;
  for (const image of ledger.images!.distros) builtIndexes.set(image.index, imageTag(name, image.distro));
  await sendPlannedChannelRequests(published.stdout, out, { snapStore, chocolateyFeed });
  const after = await state();
  const head = await tapHead();

  // Converges: a second run plans nothing and writes nothing, the stores included once they hold
  // what was planned; it only says again why a channel is left alone.
  const logged = github.log.length;
  const again = await publishing();
  expect(again.exitCode, again.all).toBe(0);
  const first = lines(published.stdout);
  expect(lines(again.stdout)).toEqual(first.filter((line) => line.startsWith('# ')));
  expect(github.log.slice(logged).filter((request) => request.method !== 'GET')).toEqual([]);
  expect(await state()).toEqual(after);
  expect(await tapHead()).toBe(head);

  // What a user would check from the outside: assets against the checksums and GitHub's digests,
  // the flags, each image's platforms, labels and binary, and which tags moved.
  const verified = await verify(name);
  expect(verified.exitCode, verified.all).toBe(0);

  const world: World = { ...after, channels: channelLines(published.stdout) };
  const rc = name.includes('-rc.');
  const mine = world.releases.filter((candidate) => candidate.tag === name);
  expect(mine).toHaveLength(1);
  expect(mine[0]).toMatchObject({ name: `v${name}`, draft: false, prerelease: rc, published_at: publishedAt });
  const expected = ledger.artifacts
    .map((artifact) => ({ name: artifact.path.slice(name.length + 1), size: artifact.size, digest: `sha256:${artifact.sha256}` }))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  expect(mine[0]!.assets.map(({ name: asset, size, digest }) => ({ name: asset, size, digest }))).toEqual(expected);
  // Every tag names an index this cycle built; this release's version tags name its own.
  expect(Object.entries(world.registry).filter(([, { image }]) => image === NOT_BUILT)).toEqual([]);
  for (const image of ledger.images!.distros) expect(world.registry[imageTag(name, image.distro)]?.digest).toBe(image.index);

  // Every release gets its chart, an RC's marked a prerelease; the tag names the manifest pushed.
  const charts = world.channels.filter((line) => line.startsWith('helm: '));
  expect(charts).toEqual([
    expect.stringMatching(
      new RegExp(
        `^helm: PUT oci://${registry.host}/charts/glide:${name} manifest sha256:[0-9a-f]{64} \\(chart sha256:[0-9a-f]{64}${rc ? ', prerelease' : ''}\\)$`,
      ),
    ),
  ]);
  expect(world.charts[name]).toBe(/manifest (sha256:[0-9a-f]{64})/.exec(charts[0]!)![1]);
  // Whatever the step, no Snap candidate or stable channel of the store holds an RC.
  expect(world.stores.snap.filter((held) => /\/(candidate|stable) \S+ \S+-rc\.\d+$/.test(held))).toEqual([]);
  // An RC never reaches the tap, nor Snap's candidate or stable; Chocolatey takes it as a pre-release.
  if (rc) {
    expect(world.channels.filter((line) => line.startsWith('homebrew: '))).toEqual([]);
    expect(world.channels).toContain(`# homebrew: nothing pushed: ${name} is a release candidate: Homebrew gets stable releases only.`);
    expect(world.tap).toEqual(tapBefore);
    expect(snapPushes(world).filter((push) => /stable|candidate/.test(push))).toEqual([]);
  }
  expect(chocolateyPushes(world)).toEqual([
    `glide.${name.replace(/-rc\.(\d+)$/, (_, n: string) => `-rc${n.padStart(2, '0')}`)}.nupkg${rc ? ' pre-release' : ''}`,
  ]);
  return world;
}

/** Which build's image each tag in `tags` names. */
function imagesOf(world: World, tags: readonly string[]): Record<string, string | undefined> {
  return Object.fromEntries(tags.map((tag) => [tag, world.registry[tag]?.image]));
}

/** The tags that move to a stable: latest (the default distro), latest-{distro}, the bare version. */
function movingTags(version: string): Record<string, string> {
  return {
    latest: imageTag(version, DEFAULT_DISTRO),
    ...Object.fromEntries(DISTROS.map((distro) => [`latest-${distro}`, imageTag(version, distro)])),
    [version]: imageTag(version, DEFAULT_DISTRO),
  };
}

async function expectGolden(world: World, file: string): Promise<void> {
  await expect(`${JSON.stringify(world, null, 2)}\n`).toMatchFileSnapshot(`golden/release-cycle/${file}.json`);
}

function flags(world: WorldSnapshot) {
  return world.releases.map(({ tag: name, prerelease, latest }) => ({ tag: name, prerelease, latest }));
}

const EMPTY_TAP: Tap = { version: null, commits: [] };
const TAP_AT_0_1_0: Tap = { version: '0.1.0', commits: ['glide 0.1.0'] };

describe('a release cycle, step by step', () => {
  let configured: string;
  let rc2: string;

  it('0.1.0-rc.1: a prerelease, and nothing is latest', { timeout: BUILD_TIMEOUT }, async () => {
    configured = await commitReleaseConfig('main', 'Release config: Linux and Windows, images on two distros, every channel', '2024-06-01T11:00:00Z');
    await tag('0.1.0-rc.1', configured, '2024-06-02T10:00:00Z');
    const world = await release('0.1.0-rc.1', '2024-06-02T12:00:00Z');
    expect(world.latest).toBeNull();
    // An RC's images get their version tags only: nothing moves.
    expect(Object.keys(world.registry)).toEqual(DISTROS.map((distro) => imageTag('0.1.0-rc.1', distro)).sort());
    expect(Object.keys(world.charts)).toEqual(['0.1.0-rc.1']);
    expect(world.tap).toEqual(EMPTY_TAP);
    expect(snapPushes(world)).toEqual(['amd64 latest/beta,latest/edge']);
    await expectGolden(world, '1-0.1.0-rc.1');
  });

  it('0.1.0-rc.2: a second prerelease; still nothing is latest', { timeout: BUILD_TIMEOUT }, async () => {
    rc2 = await commit('main', 'FIX.md', 'Fix what rc.1 showed', '2024-06-04T09:00:00Z');
    await tag('0.1.0-rc.2', rc2, '2024-06-04T10:00:00Z');
    const world = await release('0.1.0-rc.2', '2024-06-04T12:00:00Z');
    expect(world.latest).toBeNull();
    expect(flags(world).every((entry) => entry.prerelease)).toBe(true);
    expect(Object.keys(world.registry).filter((tag) => !/-rc\.\d+-/.test(tag))).toEqual([]);
    expect(Object.keys(world.charts)).toEqual(['0.1.0-rc.1', '0.1.0-rc.2']);
    expect(world.tap).toEqual(EMPTY_TAP);
    expect(snapPushes(world)).toEqual(['amd64 latest/beta,latest/edge']);
    await expectGolden(world, '2-0.1.0-rc.2');
  });

  it('0.1.0 (promote 0.1.0-rc.2): the stable is latest: GitHub, the registry, the tap, Snap latest/*', { timeout: BUILD_TIMEOUT }, async () => {
    // rc.2's release was published 06-04 12:00 by the stand-in's clock: soaked long since.
    const world = await promoted('0.1.0-rc.2', '0.1.0', '2024-06-08T12:00:00Z');
    expect(world.latest).toBe('0.1.0');
    expect(world.tags['0.1.0']).toBe(world.tags['0.1.0-rc.2']);
    const moving = movingTags('0.1.0');
    expect(imagesOf(world, Object.keys(moving))).toEqual(moving);
    expect(world.tap).toEqual(TAP_AT_0_1_0);
    expect(world.channels.filter((line) => line.startsWith('homebrew: '))).toEqual([
      expect.stringMatching(/^homebrew: git push \S+ main Formula\/glide\.rb "glide 0\.1\.0" /),
    ]);
    expect(snapPushes(world)).toEqual(['amd64 latest/stable,latest/candidate,latest/beta,latest/edge']);
    await expectGolden(world, '3-0.1.0');
  });

  it('0.1.1-rc.1: an RC of a higher version never takes latest', { timeout: BUILD_TIMEOUT }, async () => {
    const next = await commit('main', 'NEXT.md', 'Start 0.1.1', '2024-06-10T09:00:00Z');
    await tag('0.1.1-rc.1', next, '2024-06-10T10:00:00Z');
    const world = await release('0.1.1-rc.1', '2024-06-10T12:00:00Z');
    expect(world.latest).toBe('0.1.0');
    const moving = movingTags('0.1.0');
    expect(imagesOf(world, Object.keys(moving))).toEqual(moving);
    expect(world.registry['0.1.1-rc.1']).toBeUndefined();
    expect(world.tap).toEqual(TAP_AT_0_1_0);
    expect(snapPushes(world)).toEqual(['amd64 latest/beta,latest/edge']);
    await expectGolden(world, '4-0.1.1-rc.1');
  });

  it('0.0.4-rc.1 on the maintenance branch: a prerelease; latest stays 0.1.0', { timeout: BUILD_TIMEOUT }, async () => {
    const initial = await repo.git(['rev-list', '--max-parents=0', 'main']);
    await repo.git(['branch', MAINTENANCE, initial]);
    await commitReleaseConfig(MAINTENANCE, 'Release config: the 0.0.x line releases from release/0.0', '2024-06-11T08:00:00Z');
    const patch = await commit(MAINTENANCE, 'PATCH.md', 'Backport a fix to 0.0.x', '2024-06-11T09:00:00Z');
    await tag('0.0.4-rc.1', patch, '2024-06-11T10:00:00Z');
    const world = await release('0.0.4-rc.1', '2024-06-11T12:00:00Z');
    expect(world.latest).toBe('0.1.0');
    const moving = movingTags('0.1.0');
    expect(imagesOf(world, Object.keys(moving))).toEqual(moving);
    expect(world.tap).toEqual(TAP_AT_0_1_0);
    // An RC of an older line goes to its own track: latest/* is 0.1.x's.
    expect(snapPushes(world)).toEqual(['amd64 0.0/beta,0.0/edge']);
    await expectGolden(world, '5-0.0.4-rc.1');
  });

  it("0.0.4 (promote 0.0.4-rc.1): an older line's stable takes no latest, tap or Snap latest/* from 0.1.0", { timeout: BUILD_TIMEOUT }, async () => {
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
    const moving = movingTags('0.1.0');
    expect(imagesOf(world, Object.keys(moving))).toEqual(moving);
    const own = DISTROS.map((distro) => imageTag('0.0.4', distro));
    expect(imagesOf(world, own)).toEqual(Object.fromEntries(own.map((tag) => [tag, tag])));
    // Every stable has its bare version, an older line's too: `docker pull glide:0.0.4` works.
    expect(imagesOf(world, ['0.0.4'])).toEqual({ '0.0.4': '0.0.4-alpine' });
    expect(world.tap).toEqual(TAP_AT_0_1_0);
    expect(world.channels.filter((line) => line.startsWith('homebrew: '))).toEqual([]);
    expect(world.channels).toContain(
      "# homebrew: nothing pushed: 0.0.4 is older than the tap's 0.1.0: a maintenance release never replaces a higher version in the tap.",
    );
    expect(snapPushes(world)).toEqual(['amd64 0.0/stable,0.0/candidate,0.0/beta,0.0/edge']);
    // Every version's chart is in the registry: Helm picks the highest itself.
    expect(Object.keys(world.charts)).toEqual(['0.0.4', '0.0.4-rc.1', '0.1.0', '0.1.0-rc.1', '0.1.0-rc.2', '0.1.1-rc.1']);
    await expectGolden(world, '6-0.0.4');
  });
});

describe('from the outside, after the cycle', () => {
  it('verify fails, naming the check, while latest names the maintenance stable; passes once it is put back', { timeout: 120_000 }, async () => {
    const before = await registrySnapshot();
    await copyImage('0.0.4-alpine', 'latest');
    try {
      expect((await registrySnapshot()).latest?.image).toBe('0.0.4-alpine');
      const tampered = await verify('0.1.0');
      expect(tampered.exitCode, tampered.all).toBe(1);
      expect(tampered.stdout.split('\n').filter((line) => line.startsWith('FAIL'))).toEqual([
        `FAIL  ELATEST  image tag latest: names ${before['0.0.4-alpine']!.digest}, but the highest stable's is 0.1.0-alpine (${before['0.1.0-alpine']!.digest})`,
      ]);
    } finally {
      await copyImage('0.1.0-alpine', 'latest');
    }
    expect(await registrySnapshot()).toEqual(before);
    const restored = await verify('0.1.0');
    expect(restored.exitCode, restored.all).toBe(0);
  });

  it('the Docker engine pulls glide:latest from the registry and runs 0.1.0: --version, and health answers 200', { timeout: 300_000 }, async () => {
    const engine = await startDockerEngine();
    const ref = `${registry.host}/glide:latest`;
    // The image runs as a non-root user: the mounted folder and config must be readable by it.
    const configDir = await mkdtemp(join(tmpdir(), 'glide-cycle-run-'));
    let container = '';
    try {
      await chmod(configDir, 0o755);
      const config = (await readFile(join(repo.dir, 'config.yaml'), 'utf8')).replace('host: 127.0.0.1', 'host: 0.0.0.0');
      await writeFile(join(configDir, 'config.yaml'), config, { mode: 0o644 });

      const pull = await engine.docker(['pull', ref]);
      expect(pull.exitCode, pull.all).toBe(0);
      const pulled = await engine.docker(['image', 'inspect', '--format', '{{join .RepoDigests " "}}', ref]);
      expect(pulled.stdout.trim().split(' ')).toContain(`${registry.host}/glide@${(await registrySnapshot())['0.1.0-alpine']!.digest}`);

      const version = await engine.docker(['run', '--rm', ref, '--version']);
      expect(version.exitCode, version.all).toBe(0);
      expect(version.stdout).toMatch(new RegExp(`^glide version 0\\.1\\.0 \\(commit: ${await repo.git(['rev-list', '-n', '1', '0.1.0'])},`));

      // Glide starts only with its provider key (a placeholder: no provider is called); the config comes mounted.
      const args = ['-p', '127.0.0.1::9099', '-e', 'OPENAI_API_KEY=sk-test-placeholder', '-v', `${configDir}:/config:ro`];
      const run = await engine.docker(['run', '-d', ...args, ref, '--config', '/config/config.yaml']);
      expect(run.exitCode, run.all).toBe(0);
      container = run.stdout.trim();
      const port = (await engine.docker(['port', container, '9099/tcp'])).stdout.trim().split(':').pop();
      // The product's own wait: 200 from /v1/health/, else EUNHEALTHY with the last answer (the logs say why).
      const healthy = await waitForHealthy(new URL(`http://127.0.0.1:${port}/v1/health/`), { timeoutMs: 60_000 }).then(
        () => 'healthy',
        (error: Error) => error.message,
      );
      expect(healthy, (await engine.docker(['logs', container])).all).toBe('healthy');
    } finally {
      if (container) await engine.docker(['rm', '-f', container]);
      await engine.docker(['rmi', ref]);
      await engine.stop();
      await rm(configDir, { recursive: true, force: true });
    }
  });
});

/** Points `to` at the index `from` names, bytes unchanged, with skopeo (not our registry client). */
async function copyImage(from: string, to: string): Promise<void> {
  const at = (tag: string) => `docker://${registry.host}/glide:${tag}`;
  await execa('skopeo', ['copy', '--all', '--preserve-digests', '--src-tls-verify=false', '--dest-tls-verify=false', at(from), at(to)]);
}
