// verify's image checks (release/src/verify/images.ts) as a table: facts in, check lines out.
import { describe, expect, it } from 'vitest';
import { archiveName, type Distro } from '#contract';
import { main } from '../../release/src/cli.js';
import { checkImages, tagsToRead, type DistroImageFacts, type ImageFacts, type PlatformImageFacts } from '../../release/src/verify/images.js';
import type { GithubReleaseFacts } from '../../release/src/verify/report.js';

const REPO = 'EinStack/glide';
const COMMIT = 'c'.repeat(40);
const REPOSITORY = 'ghcr.io/einstack/glide';
const AMD64 = { os: 'linux', architecture: 'amd64' };
const ARM64 = { os: 'linux', architecture: 'arm64', variant: 'v8' };

const digest = (what: string) => `sha256:${Buffer.from(what).toString('hex').padEnd(64, '0').slice(0, 64)}`;
const binaryOf = (version: string, arch: string) => digest(`bin ${version} ${arch}`);

function github(version: string, overrides: Partial<GithubReleaseFacts> = {}): GithubReleaseFacts {
  const archives = ['amd64', 'arm64'].map((arch) => ({
    name: archiveName(version, { os: 'linux', arch }),
    state: 'uploaded',
    githubDigest: null,
    downloadedDigest: digest(`archive ${arch}`),
    binary: { digest: binaryOf(version, arch) },
  }));
  return {
    version,
    repo: REPO,
    release: { draft: false, prerelease: version.includes('-') },
    assets: archives,
    publishedTags: [version],
    tagCommit: COMMIT,
    ...overrides,
  };
}

function labels(version: string): Record<string, string> {
  return {
    'org.opencontainers.image.version': version,
    'org.opencontainers.image.revision': COMMIT,
    'org.opencontainers.image.source': `https://github.com/${REPO}`,
  };
}

function platform(version: string, arch: 'amd64' | 'arm64', overrides: Partial<PlatformImageFacts> = {}): PlatformImageFacts {
  return {
    platform: arch === 'amd64' ? AMD64 : ARM64,
    digest: digest(`${version} ${arch}`),
    annotations: labels(version),
    labels: labels(version),
    binary: { digest: binaryOf(version, arch) },
    ...overrides,
  };
}

function image(version: string, distro: Distro, overrides: Partial<DistroImageFacts> = {}): DistroImageFacts {
  return {
    distro,
    digest: indexOf(version, distro),
    annotations: labels(version),
    platforms: [platform(version, 'amd64'), platform(version, 'arm64')],
    base: { platforms: [AMD64, ARM64] },
    ...overrides,
  };
}

const indexOf = (version: string, distro: string) => digest(`index ${version}-${distro}`);

/** The registry holding `tags` (undefined: absent), and the version's images read from it. */
function registry(images: readonly DistroImageFacts[], tags: Record<string, string | undefined>): ImageFacts {
  const tagDigests = new Map(Object.entries(tags).filter((entry): entry is [string, string] => entry[1] !== undefined));
  return { repository: REPOSITORY, images, registryTags: [...tagDigests.keys()], tagDigests };
}

const STABLE_TAGS = {
  '0.1.0-alpine': indexOf('0.1.0', 'alpine'),
  latest: indexOf('0.1.0', 'alpine'),
  'latest-alpine': indexOf('0.1.0', 'alpine'),
  '0.1.0': indexOf('0.1.0', 'alpine'),
};
const RC_TAGS = { '0.1.1-rc.1-alpine': indexOf('0.1.1-rc.1', 'alpine') };

function failed(checks: ReturnType<typeof checkImages>): string[] {
  return checks.filter((check) => !check.ok).map((check) => `${check.code} ${check.name}: ${check.detail}`);
}

describe('checkImages', () => {
  it('a published stable that is the highest: every check passes', () => {
    const checks = checkImages(github('0.1.0'), registry([image('0.1.0', 'alpine')], STABLE_TAGS));
    expect(failed(checks)).toEqual([]);
    expect(checks.map((check) => check.name)).toEqual([
      'image 0.1.0-alpine',
      'labels 0.1.0-alpine',
      'platforms 0.1.0-alpine',
      'binary 0.1.0-alpine linux/amd64',
      'binary 0.1.0-alpine linux/arm64',
      'image tag latest',
      'image tag latest-alpine',
      'image tag 0.1.0',
    ]);
  });

  it.each<[string, GithubReleaseFacts, ImageFacts, string[]]>([
    [
      'a version tag naming another version’s index',
      github('0.1.1-rc.1'),
      registry([image('0.1.0', 'alpine')], { ...STABLE_TAGS, '0.1.1-rc.1-alpine': indexOf('0.1.0', 'alpine') }),
      [
        expect.stringMatching(
          /^EIMAGEMISMATCH labels 0\.1\.1-rc\.1-alpine: index says version 0\.1\.0; manifest linux\/amd64 says version 0\.1\.0; .*\(expected version 0\.1\.1-rc\.1, revision c{40}, source https:\/\/github\.com\/EinStack\/glide\)$/,
        ),
        `EIMAGEMISMATCH binary 0.1.1-rc.1-alpine linux/amd64: /bin/glide is ${binaryOf('0.1.0', 'amd64')}, the glide in glide_v0.1.1-rc.1_linux_amd64.tar.gz is ${binaryOf('0.1.1-rc.1', 'amd64')}`,
        `EIMAGEMISMATCH binary 0.1.1-rc.1-alpine linux/arm64: /bin/glide is ${binaryOf('0.1.0', 'arm64')}, the glide in glide_v0.1.1-rc.1_linux_arm64.tar.gz is ${binaryOf('0.1.1-rc.1', 'arm64')}`,
      ],
    ],
    [
      'another commit in the revision label',
      github('0.1.0', { tagCommit: 'd'.repeat(40) }),
      registry([image('0.1.0', 'alpine')], STABLE_TAGS),
      [expect.stringMatching(/^EIMAGEMISMATCH labels 0\.1\.0-alpine: index says revision c{40}; /)],
    ],
    [
      'a platform lacking that the base offers',
      github('0.1.0'),
      registry([image('0.1.0', 'alpine', { platforms: [platform('0.1.0', 'amd64')] })], STABLE_TAGS),
      ['EIMAGEMISMATCH platforms 0.1.0-alpine: lacks linux/arm64, released and offered by the base'],
    ],
    [
      'a platform the release has no archive for',
      github('0.1.0', { assets: github('0.1.0').assets.slice(0, 1) }),
      registry([image('0.1.0', 'alpine')], STABLE_TAGS),
      ['EIMAGEMISMATCH platforms 0.1.0-alpine: has linux/arm64/v8, for which the release has no archive'],
    ],
    [
      'an image with no glide layer',
      github('0.1.0'),
      registry(
        [image('0.1.0', 'alpine', { platforms: [platform('0.1.0', 'amd64', { binary: { problem: 'no glide layer' } }), platform('0.1.0', 'arm64')] })],
        STABLE_TAGS,
      ),
      ["EIMAGEMISMATCH binary 0.1.0-alpine linux/amd64: the image's glide layer cannot be read: no glide layer"],
    ],
    [
      'a release archive whose binary cannot be read',
      github('0.1.0', {
        assets: github('0.1.0').assets.map((asset, i) => (i === 0 ? { ...asset, binary: { problem: 'the archive holds no glide' } } : asset)),
      }),
      registry([image('0.1.0', 'alpine')], STABLE_TAGS),
      ['EIMAGEMISMATCH binary 0.1.0-alpine linux/amd64: the binary in glide_v0.1.0_linux_amd64.tar.gz cannot be read: the archive holds no glide'],
    ],
    [
      'latest on an RC',
      github('0.1.1-rc.1'),
      registry([image('0.1.1-rc.1', 'alpine')], { ...STABLE_TAGS, ...RC_TAGS, latest: indexOf('0.1.1-rc.1', 'alpine') }),
      [
        `ELATEST image tag latest: names 0.1.1-rc.1-alpine (${indexOf('0.1.1-rc.1', 'alpine')}), but the highest stable's is 0.1.0-alpine (${indexOf('0.1.0', 'alpine')})`,
      ],
    ],
    [
      'latest with only RCs released',
      github('0.1.1-rc.1'),
      registry([image('0.1.1-rc.1', 'alpine')], { ...RC_TAGS, latest: indexOf('0.1.1-rc.1', 'alpine') }),
      [`ELATEST image tag latest: names 0.1.1-rc.1-alpine (${indexOf('0.1.1-rc.1', 'alpine')}), but no stable is released`],
    ],
    [
      'a bare version tag on an RC',
      github('0.1.1-rc.1'),
      registry([image('0.1.1-rc.1', 'alpine')], { ...STABLE_TAGS, ...RC_TAGS, '0.1.1-rc.1': indexOf('0.1.1-rc.1', 'alpine') }),
      [`EIMAGETAG image tag 0.1.1-rc.1: names 0.1.1-rc.1-alpine (${indexOf('0.1.1-rc.1', 'alpine')}), but an RC gets no bare version tag`],
    ],
    [
      'the highest stable without its bare version tag',
      github('0.1.0'),
      registry([image('0.1.0', 'alpine')], { ...STABLE_TAGS, '0.1.0': undefined }),
      ['EIMAGETAG image tag 0.1.0: absent, but every stable has one, naming 0.1.0-alpine'],
    ],
    [
      "an older line's stable without its bare version tag: pulling glide:0.0.4 must work as glide:0.1.0 does",
      github('0.0.4'),
      registry([image('0.0.4', 'alpine')], { ...STABLE_TAGS, '0.0.4-alpine': indexOf('0.0.4', 'alpine') }),
      ['EIMAGETAG image tag 0.0.4: absent, but every stable has one, naming 0.0.4-alpine'],
    ],
    [
      'no image at all',
      github('0.1.0'),
      registry([], {}),
      ['EIMAGETAG images: ghcr.io/einstack/glide has no 0.1.0-{distro} tag (for any of alpine, ubuntu, distroless, redhat)'],
    ],
  ])('%s', (_case, release, facts, expected) => {
    expect(failed(checkImages(release, facts))).toEqual(expected);
  });

  it('a base that offers no arm64: the image without it passes, named', () => {
    const checks = checkImages(
      github('0.1.0'),
      registry([image('0.1.0', 'alpine', { platforms: [platform('0.1.0', 'amd64')], base: { platforms: [AMD64] } })], STABLE_TAGS),
    );
    expect(failed(checks)).toEqual([]);
    expect(checks.find((check) => check.name === 'platforms 0.1.0-alpine')?.detail).toBe('linux/amd64 (the base offers no linux/arm64)');
  });

  it('a base that cannot be read fails the platforms check with its own code', () => {
    const checks = checkImages(github('0.1.0'), registry([image('0.1.0', 'alpine', { base: { code: 'ENETWORK', problem: 'refused' } })], STABLE_TAGS));
    expect(failed(checks)).toEqual(['ENETWORK platforms 0.1.0-alpine: cannot read the base the index names, to know its platforms: refused']);
  });
});

describe('tagsToRead', () => {
  it('the version’s own tags, the highest stable’s and the moving ones the registry has; never another RC’s', () => {
    const tags = ['0.0.9', '0.0.9-alpine', '0.1.0', '0.1.0-alpine', '0.1.0-ubuntu', '0.1.1-rc.1-alpine', '0.1.2-rc.1-alpine', 'latest', 'latest-ubuntu', 'dev'];
    expect(tagsToRead('0.1.1-rc.1', tags)).toEqual(['0.1.0', '0.1.0-alpine', '0.1.0-ubuntu', '0.1.1-rc.1-alpine', 'latest', 'latest-ubuntu']);
  });
});

describe('verify --image', () => {
  it('a tag or digest in --image is a usage error before GitHub or the registry is asked', async () => {
    let stderr = '';
    // Port 9 (discard) is closed on loopback: had verify asked GitHub, it would fail ENETWORK with exit 1.
    const closed = 'http://127.0.0.1:9';
    const exitCode = await main(['verify', '0.1.0', '--image', 'ghcr.io/einstack/glide:latest'], {
      env: { GLIDE_RELEASE_GITHUB_API_URL: closed, GLIDE_RELEASE_GITHUB_UPLOADS_URL: closed },
      stdout: () => {},
      stderr: (text) => (stderr += text),
      cwd: process.cwd(),
      signal: new AbortController().signal,
    });
    expect(stderr).toContain('error EUSAGE: --image "ghcr.io/einstack/glide:latest" names a tag or digest; give the repository only');
    expect(exitCode).toBe(2);
  });
});
