import { describe, expect, it } from 'vitest';
import { DOCKER_MANIFEST_LIST, OCI_INDEX, OCI_MANIFEST } from '../../src/registry/client.js';
import { hasPlatform, indexPlatforms, type ImagePlatform } from '../../src/registry/platforms.js';

const index = (mediaType: string, platforms: unknown[]): { mediaType: string; bytes: Buffer } => ({
  mediaType,
  bytes: Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType, manifests: platforms.map((platform, n) => ({ digest: `sha256:${String(n).repeat(64)}`, platform })) }),
  ),
});

describe('indexPlatforms', () => {
  it.each([
    [
      'an OCI index',
      index(OCI_INDEX, [
        { os: 'linux', architecture: 'amd64' },
        { os: 'linux', architecture: 'arm64', variant: 'v8' },
      ]),
      [
        { os: 'linux', architecture: 'amd64' },
        { os: 'linux', architecture: 'arm64', variant: 'v8' },
      ],
    ],
    ['a Docker manifest list', index(DOCKER_MANIFEST_LIST, [{ os: 'linux', architecture: '386' }]), [{ os: 'linux', architecture: '386' }]],
    [
      "buildx's attestation entries left out",
      index(OCI_INDEX, [
        { os: 'linux', architecture: 'amd64' },
        { os: 'unknown', architecture: 'unknown' },
      ]),
      [{ os: 'linux', architecture: 'amd64' }],
    ],
    [
      'an entry without a platform left out',
      index(OCI_INDEX, [undefined, { os: 'linux', architecture: 's390x', variant: '' }]),
      [{ os: 'linux', architecture: 's390x' }],
    ],
    ['a manifest that is not an index', { mediaType: OCI_MANIFEST, bytes: Buffer.from('{}') }, undefined],
  ])('%s', (_name, manifest, expected) => {
    expect(indexPlatforms(manifest)).toEqual(expected);
  });
});

describe('hasPlatform', () => {
  const offered: ImagePlatform[] = [
    { os: 'linux', architecture: 'amd64' },
    { os: 'linux', architecture: 'arm64' },
    { os: 'linux', architecture: 'arm', variant: 'v7' },
  ];
  it.each<[ImagePlatform, boolean]>([
    [{ os: 'linux', architecture: 'amd64' }, true],
    [{ os: 'linux', architecture: 'arm64', variant: 'v8' }, true],
    [{ os: 'linux', architecture: 'arm', variant: 'v7' }, true],
    [{ os: 'linux', architecture: 'arm', variant: 'v6' }, false],
    [{ os: 'linux', architecture: 's390x' }, false],
    [{ os: 'windows', architecture: 'amd64' }, false],
  ])('%o → %s', (host, expected) => {
    expect(hasPlatform(offered, host)).toBe(expected);
  });
});
