/**
 * Which platforms an image can be pulled for: what `create-glide --method docker` asks a
 * registry before it offers an image (an index names its platforms; a single image's config
 * names its own).
 */
import { GlideError } from '#contract';
import { ALL_MANIFEST_TYPES, DOCKER_MANIFEST_LIST, OCI_INDEX, type Manifest, type RegistryClient } from './client.js';
import type { ImageReference } from './reference.js';

export interface ImagePlatform {
  readonly os: string;
  readonly architecture: string;
  readonly variant?: string;
}

/** The platforms an index lists, attestations (`unknown/unknown`) left out; undefined for a manifest that is not an index. Pure. */
export function indexPlatforms(manifest: Pick<Manifest, 'mediaType' | 'bytes'>): ImagePlatform[] | undefined {
  if (manifest.mediaType !== OCI_INDEX && manifest.mediaType !== DOCKER_MANIFEST_LIST) return undefined;
  const entries = (parseJson(manifest.bytes) as { manifests?: unknown } | undefined)?.manifests;
  if (!Array.isArray(entries)) return [];
  return entries.flatMap((entry: { platform?: unknown }) => {
    const platform = readPlatform(entry.platform);
    return platform && platform.os !== 'unknown' ? [platform] : [];
  });
}

/** The platforms `reference` can be pulled for: an index's entries, or a single image's own, from its config. */
export async function imagePlatforms(client: RegistryClient, reference: ImageReference): Promise<ImagePlatform[]> {
  if (client.registry !== reference.registry) {
    throw new GlideError('ECONFIG', `A client for ${client.registry} cannot read ${reference.registry}/${reference.repository}.`);
  }
  const manifest = await client.getManifest(reference.repository, reference.digest ?? reference.tag ?? 'latest', ALL_MANIFEST_TYPES);
  const listed = indexPlatforms(manifest);
  if (listed) return listed;
  const config = (parseJson(manifest.bytes) as { config?: { digest?: unknown } } | undefined)?.config?.digest;
  if (typeof config !== 'string') return [];
  const platform = readPlatform(parseJson(await client.getBlob(reference.repository, config)));
  return platform ? [platform] : [];
}

/** Whether one of `platforms` runs on `host`: same OS and architecture, and the same variant when both name one (arm64's unnamed one is v8). */
export function hasPlatform(platforms: readonly ImagePlatform[], host: ImagePlatform): boolean {
  return platforms.some(
    (platform) =>
      platform.os === host.os &&
      platform.architecture === host.architecture &&
      (platform.variant === undefined || host.variant === undefined || variantOf(platform) === variantOf(host)),
  );
}

function variantOf(platform: ImagePlatform): string | undefined {
  return platform.variant ?? (platform.architecture === 'arm64' ? 'v8' : undefined);
}

function readPlatform(value: unknown): ImagePlatform | undefined {
  const { os, architecture, variant } = (value ?? {}) as { os?: unknown; architecture?: unknown; variant?: unknown };
  if (typeof os !== 'string' || typeof architecture !== 'string') return undefined;
  return { os, architecture, ...(typeof variant === 'string' && variant !== '' ? { variant } : {}) };
}

function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}
