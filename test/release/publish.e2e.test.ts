// `glide-release publish` without --only: the images by version tag, the GitHub release, then the
// moving image tags, as one plan. An RC of the Go stand-in, images on bases in a real registry on
// loopback, the release on the GitHub stand-in; the registry is read back with skopeo.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLedger, type ReleaseLedger } from '../../release/src/ledger.js';
import { startGitHubStandin, type GitHubStandin } from '../helpers/github-standin.js';
import { imageReleaseRepo, registryTags as registryTagsOf } from '../helpers/image-release.js';
import type { TestRegistry } from '../helpers/registry.js';
import { BUILD_TIMEOUT, type StandinRepo } from '../helpers/repo.js';

const TAG = '0.0.2-rc.1';
const STABLE = '0.0.2';
const TOKEN = 'ghp_publishFullE2eToken00000000000000000000';
const CLOCK = new Date('2024-06-02T12:00:00Z');
// The release client's first try and its 4 retries of a 5xx: all of them fail.
const PUBLISH_ATTEMPTS = 5;

let registry: TestRegistry;
let repo: StandinRepo;
let out: string;
let ledger: ReleaseLedger;
let github: GitHubStandin;

beforeAll(async () => {
  let commit: string;
  ({ registry, repo, commit } = await imageReleaseRepo());
  out = await mkdtemp(join(tmpdir(), 'glide-publish-full-out-'));
  // Soaked: the RC out five days before its stable, tagged on the same commit below.
  await repo.tag(TAG, 5);
  const built = await repo.release(['build', '--only', 'binaries,images', '--out', out]);
  if (built.exitCode !== 0) throw new Error(`build failed:\n${built.all}`);
  ledger = (await readLedger(join(out, TAG)))!;
  github = await startGitHubStandin({ repo: 'EinStack/glide', token: TOKEN, releases: [], tags: { [TAG]: commit, [STABLE]: commit }, now: () => CLOCK });
}, BUILD_TIMEOUT);

afterAll(async () => {
  await github?.close();
  await registry?.stop();
  await rm(out, { recursive: true, force: true });
  await rm(repo.dir, { recursive: true, force: true });
});

async function publish(...extra: string[]) {
  return publishTag(TAG, ...extra);
}

async function publishTag(tag: string, ...extra: string[]) {
  const result = await repo.release(['publish', '--tag', tag, '--out', out, ...extra], {
    GITHUB_TOKEN: TOKEN,
    ...github.env(),
  });
  expect(result.all).not.toContain(TOKEN);
  return result;
}

function registryTags() {
  return registryTagsOf(registry.host);
}

function githubWrites(from: number) {
  return github.log.slice(from).filter((request) => request.method !== 'GET');
}

describe('glide-release publish (the whole publish) of an RC', () => {
  it(
    'the dry run lists images then the release and writes nothing; the run does exactly that, moves no latest; a re-run writes nothing',
    { timeout: BUILD_TIMEOUT },
    async () => {
      const images = ledger.images!;
      const versionTags = Object.fromEntries(images.distros.map((image) => [`${TAG}-${image.distro}`, image.index]));

      const dry = await publish('--dry-run');
      expect(dry.exitCode, dry.all).toBe(0);
      const lines = dry.stdout.trimEnd().split('\n');
      // Images by version tag first, then the draft, every asset, the publish; an RC moves no tag.
      const pushLines = images.distros.map((image) => `PUT ${images.repository}:${TAG}-${image.distro} ${image.index}`);
      expect(lines.slice(0, pushLines.length)).toEqual(pushLines);
      expect(lines[pushLines.length]).toMatch(new RegExp(`^POST ${github.apiUrl}/repos/EinStack/glide/releases draft "v${TAG}" tag ${TAG} `));
      expect(lines.slice(pushLines.length + 1, -1)).toHaveLength(ledger.artifacts.length);
      expect(lines.at(-1)).toMatch(/^PATCH .*releases\/\{id of the new draft\} draft=false prerelease=true make_latest=false$/);
      expect(dry.stdout).not.toMatch(/:latest|:latest-|glide:0\.0\.2-rc\.1 /);
      expect(githubWrites(0)).toEqual([]);
      expect(await registryTags()).toEqual({});

      const real = await publish();
      expect(real.exitCode, real.all).toBe(0);
      expect(real.stdout).toBe(dry.stdout);
      // Exactly the version tags, each naming the ledger's image index: no latest, latest-{distro} or bare version for an RC.
      expect(await registryTags()).toEqual(versionTags);
      const world = github.snapshot();
      expect(world.latest).toBeNull();
      expect(world.releases).toHaveLength(1);
      expect(world.releases[0]).toMatchObject({ tag: TAG, draft: false, prerelease: true, latest: false });
      expect(world.releases[0]!.assets.map((asset) => asset.digest).sort()).toEqual(ledger.artifacts.map((artifact) => `sha256:${artifact.sha256}`).sort());
      expect(world.releases[0]!.body).toContain(images.distros[0]!.index);

      const logged = github.log.length;
      const again = await publish();
      expect(again.exitCode, again.all).toBe(0);
      expect(again.stdout).toBe('');
      expect(again.stderr).toContain('already published');
      expect(githubWrites(logged)).toEqual([]);
      expect(await registryTags()).toEqual(versionTags);
      expect(github.snapshot()).toEqual(world);
    },
  );

  it('--only takes a stage name, a usage error otherwise', async () => {
    const result = await publish('--only', 'binaries', '--dry-run');
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('publish --only takes images, github or channels, not "binaries"');
  });

  it('a stable: latest moves only once its GitHub release is published', { timeout: BUILD_TIMEOUT }, async () => {
    await repo.tag(STABLE, 0);
    const built = await repo.release(['build', '--only', 'binaries,images', '--tag', STABLE, '--out', out]);
    expect(built.exitCode, built.all).toBe(0);
    const stable = (await readLedger(join(out, STABLE)))!;
    const alpine = stable.images!.distros.find((image) => image.distro === 'alpine')!;

    const dry = await publishTag(STABLE, '--dry-run');
    expect(dry.exitCode, dry.all).toBe(0);
    const lines = dry.stdout.trimEnd().split('\n');
    const publishAt = lines.findIndex((line) => /draft=false prerelease=false make_latest=true/.test(line));
    expect(publishAt).toBeGreaterThan(0);
    // Every moving tag comes after the publish, each naming this build's image.
    expect(lines.slice(publishAt + 1)).toContain(`PUT ${stable.images!.repository}:latest ${alpine.index}`);
    expect(lines.slice(publishAt + 1).every((line) => /:(latest(-\w+)?|0\.0\.2) sha256:/.test(line))).toBe(true);
    expect(lines.slice(0, publishAt).some((line) => /:latest/.test(line))).toBe(false);

    // The publish request fails (each retry too): the images are pushed by version, the release stays a draft, and no latest moved.
    github.injectFault('repos/update-release', { kind: 'server-error', status: 500 }, PUBLISH_ATTEMPTS);
    const logged = github.log.length;
    const failed = await publishTag(STABLE);
    expect(failed.exitCode, failed.all).toBe(1);
    expect(github.log.slice(logged).filter((request) => request.operation === 'repos/update-release')).toHaveLength(PUBLISH_ATTEMPTS);
    const halfway = await registryTags();
    expect(halfway[`${STABLE}-alpine`]).toBe(alpine.index);
    expect(Object.keys(halfway).filter((tag) => tag.startsWith('latest') || tag === STABLE)).toEqual([]);
    expect(github.snapshot().releases.find((release) => release.tag === STABLE)).toMatchObject({ draft: true });

    const rerun = await publishTag(STABLE);
    expect(rerun.exitCode, rerun.all).toBe(0);
    const world = github.snapshot();
    expect(world.latest).toBe(STABLE);
    const after = await registryTags();
    expect(after.latest).toBe(alpine.index);
    expect(after[STABLE]).toBe(alpine.index);
    for (const image of stable.images!.distros) expect(after[`latest-${image.distro}`]).toBe(image.index);
  });
});
