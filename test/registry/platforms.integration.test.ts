import { createHash, randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OCI_INDEX, OCI_MANIFEST, RegistryClient } from '../../src/registry/client.js';
import { hasPlatform, imagePlatforms } from '../../src/registry/platforms.js';
import { parseImageReference } from '../../src/registry/reference.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';

const digestOf = (bytes: Uint8Array): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** Pushes a one-layer image whose config says `architecture`, and returns its manifest's descriptor. */
async function pushImage(client: RegistryClient, repository: string, architecture: string): Promise<{ mediaType: string; digest: string; size: number }> {
  const layer = gzipSync(randomBytes(1024));
  const config = Buffer.from(JSON.stringify({ architecture, os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [] } }));
  await client.pushBlob(repository, digestOf(config), config);
  await client.pushBlob(repository, digestOf(layer), layer);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: digestOf(config), size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: digestOf(layer), size: layer.length }],
    }),
  );
  const digest = await client.putManifest(repository, digestOf(manifest), OCI_MANIFEST, manifest);
  return { mediaType: OCI_MANIFEST, digest, size: manifest.length };
}

describe('imagePlatforms against a real registry (Debian docker-registry)', () => {
  let registry: TestRegistry;
  let client: RegistryClient;

  beforeAll(async () => {
    registry = await startRegistry();
    client = new RegistryClient({ registry: registry.host });
    const amd64 = await pushImage(client, 'einstack/glide', 'amd64');
    const arm64 = await pushImage(client, 'einstack/glide', 'arm64');
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_INDEX,
        manifests: [
          { ...amd64, platform: { os: 'linux', architecture: 'amd64' } },
          { ...arm64, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
        ],
      }),
    );
    await client.putManifest('einstack/glide', '0.1.0-alpine', OCI_INDEX, index);
    await client.putManifest('einstack/glide', 'single', OCI_MANIFEST, await client.getManifest('einstack/glide', amd64.digest).then((m) => m.bytes));
  });

  afterAll(async () => {
    await client?.close();
    await registry?.stop();
  });

  it("lists an index's platforms, and says whether the host's is among them", async () => {
    const platforms = await imagePlatforms(client, parseImageReference(`${registry.host}/einstack/glide:0.1.0-alpine`));
    expect(platforms).toEqual([
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm64', variant: 'v8' },
    ]);
    expect(hasPlatform(platforms, { os: 'linux', architecture: 'arm64' })).toBe(true);
    expect(hasPlatform(platforms, { os: 'linux', architecture: 's390x' })).toBe(false);
  });

  it("reads a single image's platform from its config", async () => {
    expect(await imagePlatforms(client, parseImageReference(`${registry.host}/einstack/glide:single`))).toEqual([{ os: 'linux', architecture: 'amd64' }]);
  });

  it('a tag that does not exist is an error that says what to check', async () => {
    await expect(imagePlatforms(client, parseImageReference(`${registry.host}/einstack/glide:9.9.9`))).rejects.toThrow(
      /HTTP 404.*Check the repository name and the tag/,
    );
  });

  it('refuses a reference on another registry than the client', async () => {
    await expect(imagePlatforms(client, parseImageReference('ghcr.io/einstack/glide:0.1.0'))).rejects.toMatchObject({ code: 'ECONFIG' });
  });
});
