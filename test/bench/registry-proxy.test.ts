import { describe, expect, it } from 'vitest';
import { routeOf, uploadedByKind, ROUTE_KINDS, type RegistryTally, type Route } from '../../bench/registry-proxy.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;

describe('routeOf: what a registry request is', () => {
  it.each<[string, string, Route]>([
    ['GET', '/v2/', { kind: 'ping' }],
    ['HEAD', `/v2/glide/blobs/${DIGEST}`, { kind: 'blob HEAD' }],
    ['GET', `/v2/library/alpine/blobs/${DIGEST}`, { kind: 'blob GET' }],
    ['POST', '/v2/einstack/glide/blobs/uploads/', { kind: 'upload POST' }],
    ['POST', `/v2/glide/blobs/uploads/?digest=${DIGEST}`, { kind: 'upload POST', digest: DIGEST }],
    ['POST', `/v2/glide/blobs/uploads/?mount=${DIGEST}&from=library/alpine`, { kind: 'mount' }],
    // Docker's own session URLs carry a _state; the name may hold slashes.
    ['PATCH', '/v2/einstack/glide/blobs/uploads/0f1e-uuid?_state=abc', { kind: 'upload PATCH', session: '0f1e-uuid' }],
    ['PUT', `/v2/einstack/glide/blobs/uploads/0f1e-uuid?_state=abc&digest=${DIGEST}`, { kind: 'upload PUT', session: '0f1e-uuid', digest: DIGEST }],
    ['GET', '/v2/glide/blobs/uploads/0f1e-uuid', { kind: 'other', session: '0f1e-uuid' }],
    ['HEAD', '/v2/glide/manifests/0.1.0-alpine', { kind: 'manifest HEAD' }],
    ['GET', `/v2/glide/manifests/${DIGEST}`, { kind: 'manifest GET' }],
    ['PUT', '/v2/a/b/glide/manifests/latest', { kind: 'manifest PUT' }],
    ['GET', '/v2/glide/tags/list?n=100', { kind: 'tags list' }],
    ['DELETE', `/v2/glide/manifests/${DIGEST}`, { kind: 'other' }],
    ['GET', '/v2/_catalog', { kind: 'other' }],
  ])('%s %s', (method, url, route) => {
    expect(routeOf(method, url)).toEqual(route);
  });
});

function tally(blobs: RegistryTally['blobs'], manifests: object[], extraBytes = 0): RegistryTally {
  const bodies = manifests.map((manifest) => Buffer.from(JSON.stringify(manifest)));
  const bodyBytes = blobs.reduce((sum, blob) => sum + blob.bytes, 0) + bodies.reduce((sum, body) => sum + body.length, 0) + extraBytes;
  const requests = Object.fromEntries(ROUTE_KINDS.map((kind) => [kind, 0])) as RegistryTally['requests'];
  return { requests, mounted: 0, bodyBytes, blobs, manifests: bodies };
}

describe('uploadedByKind: uploaded bytes by what they were', () => {
  const base = `sha256:${'b'.repeat(64)}`;
  const glide = `sha256:${'c'.repeat(64)}`;
  const config = `sha256:${'d'.repeat(64)}`;
  const manifest = { schemaVersion: 2, config: { digest: config }, layers: [{ digest: base }, { digest: glide }] };
  const index = { schemaVersion: 2, manifests: [{ digest: DIGEST }] };
  const manifestBytes = JSON.stringify(manifest).length + JSON.stringify(index).length;

  it('base layers by digest, the glide layer and the config by what the manifests name, plus the manifests themselves', () => {
    const split = uploadedByKind(
      tally(
        [
          { digest: base, bytes: 1000 },
          { digest: glide, bytes: 300 },
          { digest: config, bytes: 20 },
        ],
        [manifest, index],
      ),
      new Set([base]),
    );
    expect(split).toEqual({ total: 1320 + manifestBytes, baseLayers: 1000, glideLayers: 300, configsAndManifests: 20 + manifestBytes, unaccounted: 0 });
  });

  it('a blob no uploaded manifest names, and bytes of no finished upload, are unaccounted, not glide', () => {
    const stray = `sha256:${'e'.repeat(64)}`;
    const split = uploadedByKind(tally([{ digest: stray, bytes: 50 }], [], 7), new Set([base]));
    expect(split).toEqual({ total: 57, baseLayers: 0, glideLayers: 0, configsAndManifests: 0, unaccounted: 57 });
  });
});
