// The counting proxy in front of a real registry (Debian's docker-registry): what it counts is
// checked against what the registry client says it sent and against the bytes pushed.
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OCI_MANIFEST, RegistryClient, type RequestKind } from '../../src/registry/client.js';
import { startCountingProxy, uploadedByKind, type CountingProxy, type RouteKind } from '../../bench/registry-proxy.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';

const digestOf = (bytes: Uint8Array): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** The proxy's name for each kind of request the client counts. */
const ROUTE_OF_KIND: Partial<Record<RequestKind, RouteKind>> = {
  'blob.head': 'blob HEAD',
  'blob.get': 'blob GET',
  'blob.mount': 'mount',
  'upload.start': 'upload POST',
  'upload.chunk': 'upload PATCH',
  'upload.finish': 'upload PUT',
  'manifest.head': 'manifest HEAD',
  'manifest.get': 'manifest GET',
  'manifest.put': 'manifest PUT',
  'tags.list': 'tags list',
};

let registry: TestRegistry;
let proxy: CountingProxy;
let client: RegistryClient;

beforeAll(async () => {
  registry = await startRegistry();
  proxy = await startCountingProxy(registry.url);
  client = new RegistryClient({ registry: proxy.host });
});

afterAll(async () => {
  await client?.close();
  await proxy?.close();
  await registry?.stop();
});

describe('the counting proxy', () => {
  it('counts each request by route, and each uploaded byte once, under the digest it made', async () => {
    const base = randomBytes(10_000);
    const layer = randomBytes(2_500);
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }));
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: digestOf(config), size: config.length },
        layers: [base, layer].map((bytes) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: digestOf(bytes), size: bytes.length })),
      }),
    );

    // The base goes to its own repository, then is mounted: no byte of it goes up twice.
    await client.uploadBlob('library/base', digestOf(base), base);
    expect(await client.pushBlob('glide', digestOf(base), base, { mountFrom: 'library/base' })).toBe('mounted');
    // In PATCHes of 1,000 bytes: three chunks and an empty final PUT, all one blob.
    await client.uploadBlob('glide', digestOf(layer), layer, { chunkSize: 1_000 });
    await client.uploadBlob('glide', digestOf(config), config);
    await client.putManifest('glide', '0.1.0', OCI_MANIFEST, manifest);
    expect(await client.blobExists('glide', digestOf(layer))).toBe(true);
    await client.getManifest('glide', '0.1.0');
    expect(await client.listTags('glide')).toEqual(['0.1.0']);

    const tally = proxy.take();
    const expected = Object.fromEntries(Object.entries(client.stats.requests).flatMap(([kind, n]) => (n > 0 ? [[ROUTE_OF_KIND[kind as RequestKind], n]] : [])));
    expect(Object.fromEntries(Object.entries(tally.requests).filter(([, n]) => n > 0))).toEqual(expected);
    expect(tally.requests['upload PATCH']).toBe(3);
    expect(tally.mounted).toBe(1);
    expect(tally.blobs).toEqual([
      { digest: digestOf(base), bytes: base.length },
      { digest: digestOf(layer), bytes: layer.length },
      { digest: digestOf(config), bytes: config.length },
    ]);
    expect(tally.manifests).toEqual([manifest]);
    expect(uploadedByKind(tally, new Set([digestOf(base)]))).toEqual({
      total: base.length + layer.length + config.length + manifest.length,
      baseLayers: base.length,
      glideLayers: layer.length,
      configsAndManifests: config.length + manifest.length,
      unaccounted: 0,
    });

    // take() starts a fresh tally: a push of what is there already uploads nothing.
    expect(await client.pushBlob('glide', digestOf(layer), layer)).toBe('exists');
    const again = proxy.take();
    expect(again.bodyBytes).toBe(0);
    expect(again.requests['blob HEAD']).toBe(1);
    expect(again.blobs).toEqual([]);
  });
});
