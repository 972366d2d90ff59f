// The image tag rule: one immutable tag per distro; moving tags only for the highest stable in the registry.
// And which base layers publish mounts rather than uploads.
import { describe, expect, it } from 'vitest';
import { GlideError, type Distro } from '#contract';
import { sameRegistryBase } from '../../release/src/images/publish.js';
import { planImageTags, releasedVersions } from '../../release/src/images/tags.js';

const ALPINE_DEFAULT_MOVING = (version: string): string[] => ['latest-alpine', 'latest', version];

describe('planImageTags', () => {
  it.each<[string, { version: string; distro: Distro; registryTags: string[] }, { immutable: string[]; moving: string[] }]>([
    [
      'an RC gets no moving tag, not even the bare version',
      { version: '0.1.0-rc.1', distro: 'alpine', registryTags: [] },
      { immutable: ['0.1.0-rc.1-alpine'], moving: [] },
    ],
    [
      'an RC above every stable still gets none',
      { version: '0.2.0-rc.1', distro: 'alpine', registryTags: ['0.1.0-alpine', 'latest', '0.1.0'] },
      { immutable: ['0.2.0-rc.1-alpine'], moving: [] },
    ],
    [
      'the first stable, into an empty repository',
      { version: '0.1.0', distro: 'alpine', registryTags: [] },
      { immutable: ['0.1.0-alpine'], moving: ALPINE_DEFAULT_MOVING('0.1.0') },
    ],
    [
      'the first stable after its RCs',
      { version: '0.1.0', distro: 'alpine', registryTags: ['0.1.0-rc.1-alpine', '0.1.0-rc.2-alpine'] },
      { immutable: ['0.1.0-alpine'], moving: ALPINE_DEFAULT_MOVING('0.1.0') },
    ],
    [
      'a higher stable',
      { version: '0.2.0', distro: 'alpine', registryTags: ['0.1.0-alpine', '0.1.0', 'latest', 'latest-alpine', '0.1.1-ubuntu'] },
      { immutable: ['0.2.0-alpine'], moving: ALPINE_DEFAULT_MOVING('0.2.0') },
    ],
    [
      'a patch of an older line after a newer line (0.0.4 after 0.1.0)',
      { version: '0.0.4', distro: 'alpine', registryTags: ['0.0.3-alpine', '0.1.0-alpine', 'latest', 'latest-alpine'] },
      { immutable: ['0.0.4-alpine'], moving: ['0.0.4'] },
    ],
    [
      'a newer line known only from another distro keeps latest too',
      { version: '0.0.4', distro: 'alpine', registryTags: ['0.0.3-alpine', '0.1.0-ubuntu'] },
      { immutable: ['0.0.4-alpine'], moving: ['0.0.4'] },
    ],
    [
      'a newer line known only from a bare version tag',
      { version: '0.0.4', distro: 'ubuntu', registryTags: ['0.1.0'] },
      { immutable: ['0.0.4-ubuntu'], moving: [] },
    ],
    [
      're-publishing the current highest moves latest again (idempotent)',
      { version: '0.1.0', distro: 'alpine', registryTags: ['0.1.0-alpine', '0.1.0', 'latest', 'latest-alpine', '0.0.9-alpine'] },
      { immutable: ['0.1.0-alpine'], moving: ALPINE_DEFAULT_MOVING('0.1.0') },
    ],
    [
      'junk tags name no release: a higher-looking one does not block latest',
      {
        version: '0.1.0',
        distro: 'alpine',
        registryTags: [
          'dev',
          '9.9.9-foo',
          'v9.9.9',
          'v9.9.9-alpine',
          '9.9.9-alpine-extra',
          '9.9',
          'latest-9.9.9',
          '9.9.9+build',
          'sha256-abc.sig',
          '9.9.9-beta.1-alpine',
        ],
      },
      { immutable: ['0.1.0-alpine'], moving: ALPINE_DEFAULT_MOVING('0.1.0') },
    ],
    [
      'an RC above in the registry does not block a stable',
      { version: '0.1.0', distro: 'alpine', registryTags: ['0.2.0-rc.1-alpine', '0.2.0-rc.1'] },
      { immutable: ['0.1.0-alpine'], moving: ALPINE_DEFAULT_MOVING('0.1.0') },
    ],
    [
      'a non-default distro gets only its own latest',
      { version: '0.2.0', distro: 'ubuntu', registryTags: ['0.1.0-ubuntu', 'latest-ubuntu'] },
      { immutable: ['0.2.0-ubuntu'], moving: ['latest-ubuntu'] },
    ],
    ['a non-default distro RC', { version: '0.2.0-rc.3', distro: 'redhat', registryTags: [] }, { immutable: ['0.2.0-rc.3-redhat'], moving: [] }],
  ])('%s', (_case, input, expected) => {
    expect(planImageTags({ ...input, defaultDistro: 'alpine' })).toEqual(expected);
  });

  it('follows the configured default distro', () => {
    expect(planImageTags({ version: '1.0.0', distro: 'ubuntu', defaultDistro: 'ubuntu', registryTags: [] })).toEqual({
      immutable: ['1.0.0-ubuntu'],
      moving: ['latest-ubuntu', 'latest', '1.0.0'],
    });
    expect(planImageTags({ version: '1.0.0', distro: 'alpine', defaultDistro: 'ubuntu', registryTags: [] }).moving).toEqual(['latest-alpine']);
  });

  it('refuses a version that is no release', () => {
    expect(() => planImageTags({ version: '1.0.0-beta.1', distro: 'alpine', defaultDistro: 'alpine', registryTags: [] })).toThrow(GlideError);
  });
});

describe('releasedVersions', () => {
  it('reads bare and per-distro version tags, RCs included, and nothing else', () => {
    expect(releasedVersions(['latest', 'latest-alpine', '0.1.0', '0.1.0-alpine', '0.1.1-rc.2-ubuntu', '0.0.9-distroless', 'dev', '0.3.0-foo']).sort()).toEqual([
      '0.0.9',
      '0.1.0',
      '0.1.1-rc.2',
    ]);
  });
});

describe('which base layers publish mounts instead of uploading', () => {
  it.each([
    ['127.0.0.1:5000/library/alpine:3.20', '127.0.0.1:5000', 'library/alpine'],
    ['ghcr.io/einstack/base:1', 'ghcr.io', 'einstack/base'],
    // A registry only mounts its own blobs: a Docker Hub base pushed to GHCR is uploaded.
    ['docker.io/library/alpine:3.20', 'ghcr.io', undefined],
    ['alpine:3.20', 'ghcr.io', undefined],
    ['alpine:3.20', 'docker.io', 'library/alpine'],
    ['registry.access.redhat.com/ubi9/ubi-micro:9.4', 'ghcr.io', undefined],
    [undefined, 'ghcr.io', undefined],
    ['not a reference', 'ghcr.io', undefined],
  ])('base %s pushed to %s: mount from %s', (base, registry, expected) => {
    expect(sameRegistryBase(base, registry)).toBe(expected);
  });
});
