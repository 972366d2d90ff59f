// `glide-release publish` with all four channels (decision 0051): an RC then its stable of the Go
// stand-in, images in a loopback registry, the release on the GitHub stand-in, the chart pushed
// to the same registry (read back with skopeo), the formula committed to a local bare tap, Snap
// and Chocolatey planned only. The dry run is the real run's output; a re-run changes nothing.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { startGitHubStandin, type GitHubStandin } from '../helpers/github-standin.js';
import { imageReleaseRepo } from '../helpers/image-release.js';
import type { TestRegistry } from '../helpers/registry.js';
import { BUILD_TIMEOUT, type StandinRepo } from '../helpers/repo.js';
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

beforeAll(async () => {
  requireTools('skopeo');
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
  await github?.close();
  await registry?.stop();
  if (out) await rm(out, { recursive: true, force: true });
  if (repo) await rm(repo.dir, { recursive: true, force: true });
});

async function build(tag: string, daysAgo: number): Promise<void> {
  await repo.tag(tag, daysAgo);
  const built = await repo.release(['build', '--only', 'binaries,images', '--tag', tag, '--out', out]);
  if (built.exitCode !== 0) throw new Error(`build of ${tag} failed:\n${built.all}`);
}

async function publish(tag: string, ...extra: string[]) {
  const result = await repo.release(['publish', '--tag', tag, '--out', out, ...extra], {
    GITHUB_TOKEN: TOKEN,
    GLIDE_RELEASE_GITHUB_API_URL: github.apiUrl,
    GLIDE_RELEASE_GITHUB_UPLOADS_URL: github.uploadsUrl,
  });
  expect(result.all).not.toContain(TOKEN);
  expect(result.exitCode, result.all).toBe(0);
  return result;
}

/** The chart's tags in the registry, each with the digest of its manifest as skopeo reads it. */
async function chartTags(): Promise<Record<string, string>> {
  const listed = await execa('skopeo', ['list-tags', '--tls-verify=false', `docker://${registry.host}/charts/glide`], { reject: false });
  if (listed.exitCode !== 0) return {};
  const tags = (JSON.parse(listed.stdout) as { Tags: string[] | null }).Tags ?? [];
  const entries = await Promise.all(
    tags.map(async (tag) => {
      const raw = await execa('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${registry.host}/charts/glide:${tag}`], { encoding: 'buffer' });
      return [tag, `sha256:${createHash('sha256').update(raw.stdout).digest('hex')}`] as const;
    }),
  );
  return Object.fromEntries(entries);
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

describe('glide-release publish with every channel', () => {
  it('an RC: the chart as a prerelease, no Homebrew commit, Snap edge/beta and Chocolatey prerelease planned only', { timeout: BUILD_TIMEOUT }, async () => {
    await build(RC, 5);
    const dry = await publish(RC, '--dry-run');
    await expect(golden(dry.stdout)).toMatchFileSnapshot('golden/publish-channels-rc.txt');
    expect(await chartTags()).toEqual({});

    const real = await publish(RC);
    expect(real.stdout).toBe(dry.stdout);
    expect(real.stderr).toMatch(/planned only, not sent/);
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

    // A re-run: Helm and Homebrew read, nothing to do; the stores that cannot be read stay planned, and say so.
    const again = await publish(RC);
    expect(lines(again.stdout).filter((line) => !line.endsWith('(planned only: not sent)') && !line.startsWith('# '))).toEqual([]);
    expect(again.stderr).toContain('already published');
    expect(await chartTags()).toEqual({ [RC]: expect.any(String) });
  });

  it('its stable: the chart, the formula committed to the tap; a re-run leaves the registry and the tap as they are', { timeout: BUILD_TIMEOUT }, async () => {
    await build(STABLE, 0);
    const dry = await publish(STABLE, '--dry-run');
    await expect(golden(dry.stdout)).toMatchFileSnapshot('golden/publish-channels-stable.txt');
    const order = lines(dry.stdout).map((line) => /^(helm|homebrew|snap|chocolatey|PATCH .*draft=false)/.exec(line)?.[1]?.replace(/^PATCH.*/, 'publish'));
    expect(order.filter(Boolean)).toEqual(['publish', 'helm', 'helm', 'homebrew', 'snap', 'snap', 'snap', 'snap', 'chocolatey']);

    // The channels alone wait for the release: none of them may point at assets not yet public.
    const early = await repo.release(['publish', '--only', 'channels', '--tag', STABLE, '--out', out, '--dry-run'], {
      GITHUB_TOKEN: TOKEN,
      GLIDE_RELEASE_GITHUB_API_URL: github.apiUrl,
      GLIDE_RELEASE_GITHUB_UPLOADS_URL: github.uploadsUrl,
    });
    expect(early.exitCode).toBe(1);
    expect(early.stderr).toContain(`${STABLE} is not published on GitHub yet`);

    const real = await publish(STABLE);
    expect(real.stdout).toBe(dry.stdout);
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

    const head = await tapHead();
    const pagesHead = (await execa('git', ['-C', pages, 'rev-parse', 'gh-pages'])).stdout;
    const again = await publish(STABLE);
    expect(lines(again.stdout).every((line) => line.endsWith('(planned only: not sent)'))).toBe(true);
    expect(again.stderr).toMatch(/already published .*: nothing to do; 5 channel requests \(Snap Store, Chocolatey feed\) planned only, not sent/);
    const channelsOnly = await publish(STABLE, '--only', 'channels');
    expect(channelsOnly.stdout).toBe(again.stdout);
    expect(await tapHead()).toBe(head);
    expect((await execa('git', ['-C', pages, 'rev-parse', 'gh-pages'])).stdout).toBe(pagesHead);
    expect(await chartTags()).toEqual(tags);
  });
});
