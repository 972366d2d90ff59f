import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageTag } from '#contract';
import { readLedger, type ReleaseLedger } from '../../release/src/ledger.js';
import { startGitHubStandin, type GitHubStandin } from '../helpers/github-standin.js';
import { imageReleaseRepo, registryTags } from '../helpers/image-release.js';
import type { TestRegistry } from '../helpers/registry.js';
import { BUILD_TIMEOUT, type StandinRepo } from '../helpers/repo.js';

// `glide-release promote` of an RC published with images (a loopback registry with the base images,
// the GitHub stand-in): the stable's images are built and published with its release, and its
// moving tags (latest, latest-{distro}, the bare version) name the stable's indexes. The stable tag
// is on GitHub already (pushed by hand), so one run does everything.

const RC = '0.0.2-rc.1';
const STABLE = '0.0.2';
const TOKEN = 'ghp_promoteImagesE2eToken00000000000000000';
const TAGGER = { GIT_COMMITTER_NAME: 'Release Bot', GIT_COMMITTER_EMAIL: 'release@example.invalid' };
const TIMEOUT = 600_000;

let registry: TestRegistry;
let repo: StandinRepo;
let out: string;
let commit: string;
let rcLedger: ReleaseLedger;
let github: GitHubStandin;

beforeAll(async () => {
  ({ registry, repo, commit } = await imageReleaseRepo());
  await repo.tag(RC, 5);
  out = await mkdtemp(join(tmpdir(), 'glide-promote-images-out-'));
  const built = await repo.release(['build', '--only', 'binaries,images', '--out', out]);
  if (built.exitCode !== 0) throw new Error(`build failed:\n${built.all}`);
  rcLedger = (await readLedger(join(out, RC)))!;
  const fourDaysAgo = new Date(Date.now() - 4 * 86_400_000);
  github = await startGitHubStandin({ repo: 'EinStack/glide', token: TOKEN, releases: [], tags: { [RC]: commit, [STABLE]: commit }, now: () => fourDaysAgo });
  const published = await repo.release(['publish', '--tag', RC, '--out', out], env());
  if (published.exitCode !== 0) throw new Error(`RC publish failed:\n${published.all}`);
}, BUILD_TIMEOUT);

afterAll(async () => {
  await github?.close();
  await registry?.stop();
  await rm(repo.dir, { recursive: true, force: true });
  await rm(out, { recursive: true, force: true });
});

function env() {
  return { GITHUB_TOKEN: TOKEN, ...github.env(), ...TAGGER };
}

describe('glide-release promote of an RC with images', () => {
  it('builds and publishes the stable images with the release, moves latest to them, and a re-run changes nothing', { timeout: TIMEOUT }, async () => {
    const before = await registryTags(registry.host);
    expect(Object.keys(before).sort()).toEqual(rcLedger.images!.distros.map((image) => imageTag(RC, image.distro)).sort());

    const result = await repo.release(['promote', RC, '--out', out], env());
    expect(result.exitCode, result.all).toBe(0);
    expect(result.all).not.toContain(TOKEN);
    expect(result.stderr).toMatch(new RegExp(`proven: \\d+ images of ${STABLE} are ${RC}'s but for glide's layer`));

    const ledger = (await readLedger(join(out, STABLE)))!;
    expect(ledger.images?.distros.map((image) => image.distro)).toEqual(rcLedger.images!.distros.map((image) => image.distro));
    for (const artifact of ledger.artifacts) if (artifact.kind === 'archive') expect(artifact.promotedFrom?.tag).toBe(RC);
    const indexOf = new Map(ledger.images!.distros.map((image) => [image.distro, image.index]));
    const defaultIndex = indexOf.get('alpine')!;
    const expected: Record<string, string> = { ...before, latest: defaultIndex, [STABLE]: defaultIndex };
    for (const [distro, index] of indexOf) Object.assign(expected, { [imageTag(STABLE, distro)]: index, [`latest-${distro}`]: index });
    const tags = await registryTags(registry.host);
    expect(tags).toEqual(expected);

    const world = github.snapshot();
    expect(world.latest).toBe(STABLE);
    expect(world.releases.find((release) => release.tag === STABLE)).toMatchObject({ draft: false, prerelease: false, latest: true });

    const logged = github.log.length;
    const again = await repo.release(['promote', RC, '--out', out], env());
    expect(again.exitCode, again.all).toBe(0);
    expect(again.stdout).toBe('');
    expect(github.log.slice(logged).filter((request) => request.method !== 'GET')).toEqual([]);
    expect(await registryTags(registry.host)).toEqual(tags);
  });

  it(
    "from an empty --out: the RC's archives come from GitHub and its images from the registry, and the stable is proven against them",
    { timeout: TIMEOUT },
    async () => {
      // After the promote above, as a fresh CI runner would re-run it: the RC's build is not at hand.
      const tags = await registryTags(registry.host);
      const world = github.snapshot();
      const mirror = await mkdtemp(join(tmpdir(), 'glide-promote-images-fresh-'));
      try {
        const logged = github.log.length;
        const result = await repo.release(['promote', RC, '--out', mirror], env());
        expect(result.exitCode, result.all).toBe(0);
        expect(result.stderr).toContain(`downloading ${RC}'s`);
        expect(result.stderr).toMatch(new RegExp(`proven: \\d+ images of ${STABLE} are ${RC}'s but for glide's layer`));
        // The same stable again: nothing to write anywhere.
        expect(github.log.slice(logged).filter((request) => request.method !== 'GET')).toEqual([]);
        expect(github.snapshot()).toEqual(world);
        expect(await registryTags(registry.host)).toEqual(tags);
        const ledger = (await readLedger(join(mirror, STABLE)))!;
        expect(ledger.images?.distros.map((image) => image.distro)).toEqual(rcLedger.images!.distros.map((image) => image.distro));
      } finally {
        await rm(mirror, { recursive: true, force: true });
      }
    },
  );
});
