// A fabricated base image and the image the build stage would assemble on it: shared by
// assemble.test.ts (the pure parts and the layout) and assemble.integration.test.ts (skopeo reads it).
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Header } from 'tar';
import {
  CA_LAYER_CREATED_BY,
  GLIDE_LAYER_CREATED_BY,
  OCI_INDEX_MEDIA_TYPE,
  canonicalJson,
  imageConfig,
  imageIndex,
  imageManifest,
  ociAnnotations,
  type ImageConfig,
  type Platform,
} from '../../release/src/images/config.js';
import { OCI_LAYER_MEDIA_TYPE, caBundleLayer, findCaBundle, glideLayer } from '../../release/src/images/layer.js';

export const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
export const COMMIT_TIME = new Date('2024-03-01T12:34:56Z');

export type TestEntry = { path: string; content?: string } | { path: string; dir: true } | { path: string; link: string };

/** A gzip'd tar built header by header, so tests can hold whiteouts and links in any order. */
export function tarGz(entries: readonly TestEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const content = Buffer.from('content' in entry && entry.content !== undefined ? entry.content : 'link' in entry || 'dir' in entry ? '' : 'x');
    const header = new Header({
      path: entry.path,
      mode: 'dir' in entry ? 0o755 : 0o644,
      uid: 0,
      gid: 0,
      size: 'link' in entry || 'dir' in entry ? 0 : content.length,
      mtime: COMMIT_TIME,
      type: 'dir' in entry ? 'Directory' : 'link' in entry ? 'SymbolicLink' : 'File',
      linkpath: 'link' in entry ? entry.link : undefined,
    });
    header.encode();
    parts.push(header.block!);
    if (!('link' in entry) && !('dir' in entry)) parts.push(content, Buffer.alloc((512 - (content.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(parts));
}

export const ALPINE_LIKE: ImageConfig = {
  architecture: 'amd64',
  os: 'linux',
  created: '2023-12-07T09:00:00Z',
  config: {
    Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'LANG=C.UTF-8'],
    Cmd: ['/bin/sh'],
    Labels: { maintainer: 'base', 'org.opencontainers.image.title': 'alpine' },
  },
  rootfs: { type: 'layers', diff_ids: ['sha256:' + 'a'.repeat(64)] },
  history: [{ created: '2023-12-07T09:00:00Z', created_by: 'ADD file:abc in /' }],
};

export const FACTS = {
  version: '0.1.0-rc.1',
  revision: '0123456789abcdef0123456789abcdef01234567',
  source: 'https://github.com/EinStack/glide',
  created: COMMIT_TIME,
  licenses: 'Apache-2.0',
  title: 'Glide',
  description: 'A cloud-native LLM gateway',
  baseName: 'docker.io/library/alpine:3.19',
  baseDigest: 'sha256:' + 'b'.repeat(64),
};

export const FABRICATED_PLATFORMS: Array<{ platform: Platform; layerMediaType: string }> = [
  // Docker Hub bases mix Docker and OCI media types; ours must keep each base layer's own.
  { platform: { os: 'linux', architecture: 'amd64' }, layerMediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip' },
  { platform: { os: 'linux', architecture: 'arm64', variant: 'v8' }, layerMediaType: OCI_LAYER_MEDIA_TYPE },
];
const CA_BUNDLE = Buffer.from('-----BEGIN CERTIFICATE-----\nfabricated\n-----END CERTIFICATE-----\n');
export const FABRICATED_VERSION = '0.1.0-rc.1';

/** Everything the build stage would do for one distro: per platform, base layers + ours. */
export async function assembleFabricated(distro: string, blobs: Map<string, Buffer>) {
  const annotations = ociAnnotations(FACTS);
  const manifests: Array<{ digest: string; size: number; platform: Platform }> = [];
  const bundleAdded: string[] = [];
  for (const { platform, layerMediaType } of FABRICATED_PLATFORMS) {
    const baseLayer = tarGz([
      { path: 'etc/', dir: true },
      { path: 'etc/os-release', content: `ID=${distro}\nARCH=${platform.architecture}\n` },
    ]);
    const base: ImageConfig = {
      ...ALPINE_LIKE,
      architecture: platform.architecture,
      ...(platform.variant ? { variant: platform.variant } : {}),
      rootfs: { type: 'layers', diff_ids: [`sha256:${sha256(gunzipSync(baseLayer))}`] },
    };
    const binary = Buffer.from(`glide for ${platform.architecture}`);
    const added = [];
    if ((await findCaBundle([baseLayer])) === undefined) {
      added.push({ layer: caBundleLayer({ bundle: CA_BUNDLE, mtime: COMMIT_TIME }), createdBy: CA_LAYER_CREATED_BY });
      bundleAdded.push(platform.architecture);
    }
    added.push({ layer: await glideLayer({ binary, binarySha256: sha256(binary), mtime: COMMIT_TIME }), createdBy: GLIDE_LAYER_CREATED_BY });
    const config = canonicalJson(
      imageConfig(base, {
        created: COMMIT_TIME,
        layers: added.map((entry) => ({ diffId: entry.layer.diffId, createdBy: entry.createdBy })),
        labels: annotations,
      }),
    );
    const manifest = imageManifest({
      config,
      layers: [
        { mediaType: layerMediaType, digest: `sha256:${sha256(baseLayer)}`, size: baseLayer.length },
        ...added.map((entry) => ({ mediaType: OCI_LAYER_MEDIA_TYPE, digest: entry.layer.digest, size: entry.layer.size })),
      ],
      annotations,
    });
    blobs.set(`sha256:${sha256(baseLayer)}`, baseLayer);
    for (const entry of added) blobs.set(entry.layer.digest, entry.layer.bytes);
    blobs.set(config.digest, config.bytes);
    blobs.set(manifest.digest, manifest.bytes);
    manifests.push({ digest: manifest.digest, size: manifest.size, platform });
  }
  const index = imageIndex({ manifests, annotations });
  blobs.set(index.digest, index.bytes);
  return {
    index,
    bundleAdded,
    ref: { name: `${FABRICATED_VERSION}-${distro}`, descriptor: { mediaType: OCI_INDEX_MEDIA_TYPE, digest: index.digest, size: index.size } },
  };
}
