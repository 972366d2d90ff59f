/**
 * Reads a base image from its registry: its index (a lone manifest counts as an index of one),
 * then per platform the manifest and its config. Manifests are parsed from the exact bytes
 * served, whose digest the client has checked.
 */
import { GlideError } from '#contract';
import type { Descriptor, ImageConfig, Platform } from './config.js';
import { DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, OCI_INDEX, OCI_MANIFEST, type Manifest, type RegistryClient } from '../../../src/registry/client.js';
import { parseImageReference } from '../../../src/registry/reference.js';

export interface BaseManifest extends Descriptor {
  readonly platform: Platform;
}

export interface BaseIndex {
  /** `registry/repository[:tag]` without the digest: the `base.name` annotation. */
  readonly name: string;
  readonly registry: string;
  readonly repository: string;
  /** What was read: the pinned digest when the reference has one, else what the tag points at now. */
  readonly digest: string;
  readonly manifests: readonly BaseManifest[];
  /** A lone manifest was read whole to learn its platform; kept so it is not fetched again. */
  readonly lone?: BasePlatform;
}

export interface BaseLayer {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
}

export interface BasePlatform {
  /** The base's manifest for this platform. */
  readonly digest: string;
  readonly config: ImageConfig;
  readonly layers: readonly BaseLayer[];
}

export async function readBaseIndex(reference: string, client: (registry: string) => RegistryClient): Promise<BaseIndex> {
  const ref = parseImageReference(reference);
  const name = `${ref.registry}/${ref.repository}${ref.tag !== undefined ? `:${ref.tag}` : ''}`;
  const registry = client(ref.registry);
  const manifest = await registry.getManifest(ref.repository, ref.digest ?? ref.tag ?? 'latest');
  const base = { name, registry: ref.registry, repository: ref.repository, digest: manifest.digest };
  if (manifest.mediaType === OCI_INDEX || manifest.mediaType === DOCKER_MANIFEST_LIST) {
    const index = parseJson(manifest.bytes, reference) as { manifests?: unknown };
    if (!Array.isArray(index.manifests)) throw unreadable(reference, 'its index lists no manifests');
    // Attestations and nested indexes have no usable platform; platformsToBuild skips them by os.
    const manifests = (index.manifests as Descriptor[]).filter(
      (entry): entry is BaseManifest => entry.platform !== undefined && (entry.mediaType === OCI_MANIFEST || entry.mediaType === DOCKER_MANIFEST),
    );
    return { ...base, manifests };
  }
  const lone = await readPlatform(registry, ref.repository, manifest, reference);
  const { os, architecture, variant } = lone.config;
  const platform: Platform = { os, architecture, ...(variant !== undefined ? { variant } : {}) };
  return { ...base, manifests: [{ mediaType: manifest.mediaType, digest: manifest.digest, size: manifest.bytes.length, platform }], lone };
}

export async function readBasePlatform(base: BaseIndex, descriptor: BaseManifest, client: RegistryClient): Promise<BasePlatform> {
  if (base.lone?.digest === descriptor.digest) return base.lone;
  const where = `${base.name}@${descriptor.digest}`;
  const platform = await readPlatform(client, base.repository, await client.getManifest(base.repository, descriptor.digest, [descriptor.mediaType]), where);
  // An index entry that lies about its image would put glide for one arch on another's base.
  if (platform.config.os !== descriptor.platform.os || platform.config.architecture !== descriptor.platform.architecture) {
    throw unreadable(
      where,
      `the index lists it as ${descriptor.platform.os}/${descriptor.platform.architecture}, its config says ${platform.config.os}/${platform.config.architecture}`,
    );
  }
  return platform;
}

async function readPlatform(client: RegistryClient, repository: string, manifest: Manifest, where: string): Promise<BasePlatform> {
  if (manifest.mediaType !== OCI_MANIFEST && manifest.mediaType !== DOCKER_MANIFEST) {
    throw unreadable(where, `its media type ${manifest.mediaType} is not an OCI or Docker v2 image`);
  }
  const parsed = parseJson(manifest.bytes, where) as { config?: BaseLayer; layers?: BaseLayer[] };
  if (!parsed.config?.digest || !Array.isArray(parsed.layers)) throw unreadable(where, 'its manifest has no config or no layers');
  const config = parseJson(await client.getBlob(repository, parsed.config.digest), where) as ImageConfig;
  if (!Array.isArray(config.rootfs?.diff_ids) || config.rootfs.diff_ids.length !== parsed.layers.length) {
    throw unreadable(where, 'its config does not list one diff_id per layer');
  }
  const layers = parsed.layers.map(({ mediaType, digest, size }) => ({ mediaType, digest, size }));
  return { digest: manifest.digest, config, layers };
}

function parseJson(bytes: Buffer, where: string): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw unreadable(where, (error as Error).message);
  }
}

function unreadable(where: string, why: string): GlideError {
  return new GlideError('EBUILD', `The base image ${where} cannot be used: ${why}.`, [
    'Pin a multi-platform OCI or Docker v2 image by digest in glide-release.config (images.distros.*.base).',
  ]);
}
