/**
 * Promote's proof that a stable's images are its RC's but for the version (decision 0042):
 * read from the two sets of images, every distro and platform must be the RC's with every
 * layer but glide's the same blob (so publish uploads none of them again), glide's layer
 * holding only `/bin/glide` with other bytes, and every index, manifest and config field the
 * same but the version annotations and labels. Built from one commit, `created` and `revision`
 * are the commit's, so they must be equal too.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { DISTROS, GlideError, imageTag, parseImageTag, type Distro } from '#contract';
import type { RegistryClient } from '../../../src/registry/client.js';
import { GLIDE_LAYER_CREATED_BY, OCI_INDEX_MEDIA_TYPE, type Descriptor, type ImageConfig, type Platform } from './config.js';
import { GLIDE_IN_IMAGE, readLayerEntries, type LayerEntry } from './layer.js';
import type { ReleaseLedger } from '../ledger.js';
import { readOciLayout } from './layout.js';

/** The one annotation and label the build derives from the version (config.ts `ociAnnotations`); every other is the commit's, the base's or fixed. */
export const VERSION_ANNOTATION = 'org.opencontainers.image.version';

/** Stands where each side's own version was, so the rest of the documents compare as they are. */
const THE_VERSION = '{its version}';

/** One release's images: each distro's index, and the blobs they reference. */
export interface ImageSet {
  readonly version: string;
  readonly images: ReadonlyMap<Distro, Descriptor>;
  /** A blob's bytes, checked against its digest. */
  readBlob(digest: string): Promise<Buffer>;
}

export interface PlatformProof {
  /** As the index names it: `linux/arm64/v8`. */
  readonly platform: string;
  /** The two images of this platform. */
  readonly manifest: { readonly rc: string; readonly stable: string };
  /** Layers under glide's (the base's, and the CA bundle's where added): the same blobs in both. */
  readonly sharedLayers: readonly string[];
  readonly glideLayer: { readonly rc: string; readonly stable: string };
  /** `sha256:…` of `/bin/glide` in each. */
  readonly binary: { readonly rc: string; readonly stable: string };
}

export interface DistroProof {
  readonly distro: Distro;
  readonly index: { readonly rc: string; readonly stable: string };
  readonly platforms: readonly PlatformProof[];
}

/** What the ledger and the promote report say: per distro, the layers reused and glide's layer RC → stable. */
export interface StableImagesProof {
  readonly rc: string;
  readonly stable: string;
  readonly distros: readonly DistroProof[];
}

interface Difference {
  /** `alpine`, or `alpine linux/arm64`. */
  readonly where: string;
  readonly field: string;
  readonly rc: string;
  readonly stable: string;
}

/**
 * Opens the OCI layout `build --only images` wrote for `version` (`{out}/{tag}/images`), each
 * ref a `{version}-{distro}`. The layout, not the registry: promote has both layouts at hand,
 * and the RC's is checked to be the published one by its index digests in the RC's ledger.
 */
export async function imageSetOfLayout(dir: string, version: string): Promise<ImageSet> {
  const layout = await readOciLayout(dir);
  const images = new Map<Distro, Descriptor>();
  for (const ref of layout.refs) {
    const named = parseImageTag(ref.name);
    if (named?.version !== version) {
      throw new GlideError('EIMAGEPROOF', `${dir} holds ${ref.name}, which is not an image of ${version}.`, [
        `Run \`glide-release build --only images --tag ${version}\` to write ${version}'s images again.`,
      ]);
    }
    images.set(named.distro, ref.descriptor);
  }
  return {
    version,
    images,
    async readBlob(digest) {
      const bytes = await layout.readBlob(digest);
      const actual = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
      if (actual !== digest) {
        throw new GlideError('ECHECKSUM', `${layout.blobPath(digest)} holds ${actual}, not ${digest}.`, [
          `The layout in ${dir} was altered: run \`glide-release build --only images --tag ${version}\` to write it again.`,
        ]);
      }
      return bytes;
    },
  };
}

/**
 * A published release's images read from its registry, for an RC whose build is not in the
 * mirror (decision 0046): each `{version}-{distro}` tag's index, then every manifest and blob by
 * digest, each checked against its digest by the client. Tags of a version are never moved
 * (ETAGCLOBBER), so these are the images the RC published.
 */
export async function imageSetOfRegistry(registry: RegistryClient, repository: string, version: string, distros: readonly Distro[]): Promise<ImageSet> {
  const images = new Map<Distro, Descriptor>();
  for (const distro of distros) {
    const index = await registry.getManifest(repository, imageTag(version, distro));
    images.set(distro, { mediaType: index.mediaType, digest: index.digest, size: index.bytes.byteLength });
  }
  return {
    version,
    images,
    // A registry keeps indexes and manifests apart from configs and layers; the proof asks for both by digest.
    readBlob: async (digest) =>
      (await registry.blobExists(repository, digest)) ? registry.getBlob(repository, digest) : (await registry.getManifest(repository, digest)).bytes,
  };
}

/** What the proof reads of a release's ledger (`release.json`). */
export interface LedgerOfImages {
  readonly version: ReleaseLedger['version'];
  readonly images?: { readonly layout: string; readonly distros: ReadonlyArray<{ readonly distro: Distro; readonly index: string }> };
}

/**
 * A release's images as its ledger records them: the layout in the release folder, each ref
 * the index the ledger names (so the RC's are the ones published, not a later rebuild).
 */
export async function imageSetOfRelease(releaseDir: string, ledger: LedgerOfImages): Promise<ImageSet> {
  const rebuild = `Run \`glide-release build --only images --tag ${ledger.version}\` with the same --out.`;
  if (!ledger.images) throw new GlideError('EIMAGEPROOF', `The images of ${ledger.version} were not built in ${releaseDir}.`, [rebuild]);
  const set = await imageSetOfLayout(join(releaseDir, ledger.images.layout), ledger.version);
  const recorded = new Map(ledger.images.distros.map((image) => [image.distro, image.index]));
  const found = new Map([...set.images].map(([distro, descriptor]) => [distro, descriptor.digest]));
  if (!isDeepStrictEqual(recorded, found)) {
    const show = (images: Map<Distro, string>) => [...images].map(([distro, digest]) => `${distro} ${digest}`).join(', ') || 'none';
    throw new GlideError(
      'EIMAGEPROOF',
      `The image layout of ${ledger.version} is not the one its ledger records: it holds ${show(found)}; release.json says ${show(recorded)}.`,
      [rebuild],
    );
  }
  return set;
}

/**
 * Proves the stable's images are the RC's but for glide's layer and the version; returns what
 * was proven, or throws EIMAGEPROOF naming every difference (distro, platform, field).
 */
export async function proveStableImages(rc: ImageSet, stable: ImageSet): Promise<StableImagesProof> {
  const differences: Difference[] = [];
  const distros: DistroProof[] = [];
  for (const distro of DISTROS) {
    const rcIndex = rc.images.get(distro);
    const stableIndex = stable.images.get(distro);
    if (!rcIndex && !stableIndex) continue;
    if (!rcIndex || !stableIndex) {
      differences.push({ where: distro, field: 'distros', rc: presence(rcIndex), stable: presence(stableIndex) });
      continue;
    }
    const proven = await proveDistro(rc, stable, distro, rcIndex, stableIndex, differences);
    if (proven) distros.push(proven);
  }
  if (distros.length === 0 && differences.length === 0) {
    differences.push({ where: 'images', field: 'distros', rc: 'none', stable: 'none' });
  }
  if (differences.length > 0) throw proofFailure(rc.version, stable.version, differences);
  return { rc: rc.version, stable: stable.version, distros };
}

async function proveDistro(
  rc: ImageSet,
  stable: ImageSet,
  distro: Distro,
  rcDescriptor: Descriptor,
  stableDescriptor: Descriptor,
  out: Difference[],
): Promise<DistroProof | undefined> {
  const found = out.length;
  if (rcDescriptor.mediaType !== OCI_INDEX_MEDIA_TYPE || stableDescriptor.mediaType !== OCI_INDEX_MEDIA_TYPE) {
    out.push({ where: distro, field: 'mediaType (an OCI image index, as build writes)', rc: rcDescriptor.mediaType, stable: stableDescriptor.mediaType });
  }
  if (out.length > found) return undefined;
  const rcIndex = await readJson(rc, rcDescriptor.digest);
  const stableIndex = await readJson(stable, stableDescriptor.digest);
  compareJson(withoutVersion(rcIndex, rc.version, ['manifests']), withoutVersion(stableIndex, stable.version, ['manifests']), distro, 'index', out);

  const rcPlatforms = byPlatform(rcIndex.manifests);
  const stablePlatforms = byPlatform(stableIndex.manifests);
  const platforms: PlatformProof[] = [];
  for (const name of [...new Set([...rcPlatforms.keys(), ...stablePlatforms.keys()])].sort()) {
    const rcManifest = rcPlatforms.get(name);
    const stableManifest = stablePlatforms.get(name);
    if (!rcManifest || !stableManifest) {
      out.push({ where: `${distro} ${name}`, field: 'index.manifests (platforms)', rc: presence(rcManifest), stable: presence(stableManifest) });
      continue;
    }
    const where = `${distro} ${name}`;
    compareJson(omit(rcManifest, ['digest', 'size']), omit(stableManifest, ['digest', 'size']), where, `index.manifests[${name}]`, out);
    const proven = await provePlatform(rc, stable, rcManifest, stableManifest, where, out);
    if (proven) platforms.push({ platform: name, manifest: { rc: rcManifest.digest, stable: stableManifest.digest }, ...proven });
  }
  return out.length > found ? undefined : { distro, index: { rc: rcDescriptor.digest, stable: stableDescriptor.digest }, platforms };
}

async function provePlatform(
  rc: ImageSet,
  stable: ImageSet,
  rcDescriptor: Descriptor,
  stableDescriptor: Descriptor,
  where: string,
  out: Difference[],
): Promise<Omit<PlatformProof, 'platform' | 'manifest'> | undefined> {
  const found = out.length;
  const rcManifest = await readJson(rc, rcDescriptor.digest);
  const stableManifest = await readJson(stable, stableDescriptor.digest);
  compareJson(
    withoutVersion(rcManifest, rc.version, ['config', 'layers']),
    withoutVersion(stableManifest, stable.version, ['config', 'layers']),
    where,
    'manifest',
    out,
  );
  compareJson(omit(rcManifest.config, ['digest', 'size']), omit(stableManifest.config, ['digest', 'size']), where, 'manifest.config', out);
  const rcLayers = layersOf(rcManifest);
  const stableLayers = layersOf(stableManifest);
  const rcConfig = (await readJson(rc, rcManifest.config?.digest)) as unknown as ImageConfig;
  const stableConfig = (await readJson(stable, stableManifest.config?.digest)) as unknown as ImageConfig;
  const glide = glideLayerAt(rcConfig, rcLayers.length);
  if (glide === undefined || glide !== glideLayerAt(stableConfig, stableLayers.length) || rcLayers.length !== stableLayers.length) {
    out.push({
      where,
      field: 'manifest.layers (glide layer)',
      rc: describeLayers(rcConfig, rcLayers.length),
      stable: describeLayers(stableConfig, stableLayers.length),
    });
    return undefined;
  }
  const sharedLayers: string[] = [];
  rcLayers.forEach((layer, i) => {
    if (i === glide) return;
    compareJson(layer, stableLayers[i], where, `manifest.layers[${i}]`, out);
    sharedLayers.push(layer.digest);
  });
  const rcGlide = rcLayers[glide]!;
  const stableGlide = stableLayers[glide]!;
  compareJson(omit(rcGlide, ['digest', 'size']), omit(stableGlide, ['digest', 'size']), where, `manifest.layers[${glide}]`, out);
  if (rcGlide.digest === stableGlide.digest) {
    out.push({ where, field: `manifest.layers[${glide}] (glide layer)`, rc: rcGlide.digest, stable: `the same blob: the RC's binary, not the stable's` });
    return undefined;
  }
  const rcBinary = await glideBinary(rc, rcGlide.digest, rcConfig.rootfs.diff_ids[glide], where, 'rc', out);
  const stableBinary = await glideBinary(stable, stableGlide.digest, stableConfig.rootfs.diff_ids[glide], where, 'stable', out);
  compareJson(configWithoutGlide(rcConfig, rc.version, glide), configWithoutGlide(stableConfig, stable.version, glide), where, 'config', out);
  if (rcBinary && stableBinary && rcBinary.sha256 === stableBinary.sha256) {
    out.push({ where, field: `glide layer ${GLIDE_IN_IMAGE}`, rc: rcBinary.sha256, stable: 'the same bytes: the RC-stamped binary' });
  }
  if (rcBinary && stableBinary) {
    compareJson(omit(rcBinary, ['sha256', 'size']), omit(stableBinary, ['sha256', 'size']), where, `glide layer ${GLIDE_IN_IMAGE}`, out);
  }
  if (out.length > found || !rcBinary || !stableBinary) return undefined;
  return {
    sharedLayers,
    glideLayer: { rc: rcGlide.digest, stable: stableGlide.digest },
    binary: { rc: rcBinary.sha256, stable: stableBinary.sha256 },
  };
}

/**
 * The position of glide's layer: the one history entry (of those that made a layer) the build
 * wrote for it. Undefined when the history does not pair one-to-one with the layers.
 */
export function glideLayerAt(config: ImageConfig, layerCount: number): number | undefined {
  const made = (config.history ?? []).filter((entry) => entry.empty_layer !== true);
  if (made.length !== layerCount || config.rootfs?.diff_ids?.length !== layerCount) return undefined;
  const glide = made.flatMap((entry, i) => (entry.created_by === GLIDE_LAYER_CREATED_BY ? [i] : []));
  return glide.length === 1 ? glide[0] : undefined;
}

/** The glide layer holds `/bin/glide` and nothing else, and the config's diff_id is its tar's. */
async function glideBinary(
  set: ImageSet,
  digest: string,
  diffId: string | undefined,
  where: string,
  side: 'rc' | 'stable',
  out: Difference[],
): Promise<LayerEntry | undefined> {
  const layer = await readLayerEntries(await set.readBlob(digest));
  const mismatch = (field: string, value: string) =>
    out.push({ where, field, rc: side === 'rc' ? value : 'as built', stable: side === 'stable' ? value : 'as built' });
  if (layer.diffId !== diffId) {
    mismatch('config.rootfs.diff_ids (glide layer)', `${diffId ?? 'absent'}, but the layer's tar is ${layer.diffId}`);
    return undefined;
  }
  const [entry, ...others] = layer.entries;
  if (!entry || others.length > 0 || entry.path !== GLIDE_IN_IMAGE || entry.type !== 'File') {
    mismatch('glide layer entries', layer.entries.map((e) => e.path).join(', ') || 'empty');
    return undefined;
  }
  return entry;
}

function configWithoutGlide(config: ImageConfig, version: string, glide: number): unknown {
  const diffIds = [...config.rootfs.diff_ids];
  diffIds[glide] = '{glide layer}';
  const labels = config.config?.Labels ?? undefined;
  return {
    ...config,
    rootfs: { ...config.rootfs, diff_ids: diffIds },
    ...(config.config ? { config: { ...config.config, Labels: labels ? replaceVersion(labels, version) : labels } } : {}),
  };
}

type Json = Record<string, unknown> & { manifests?: Descriptor[]; config?: Descriptor; layers?: Descriptor[]; annotations?: Record<string, string> };

async function readJson(set: ImageSet, digest: string | undefined): Promise<Json> {
  if (digest === undefined) return {};
  const bytes = await set.readBlob(digest);
  try {
    const parsed = JSON.parse(bytes.toString('utf8')) as unknown;
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Json) : {};
  } catch (error) {
    throw new GlideError('EIMAGEPROOF', `${set.version}'s ${digest} is not JSON: ${(error as Error).message}.`, [
      `Run \`glide-release build --only images --tag ${set.version}\` to write its images again.`,
    ]);
  }
}

/** A copy with `drop` left out and the version annotation, when it is the release's own, replaced by a placeholder. */
function withoutVersion(document: Readonly<Record<string, unknown>>, version: string, drop: readonly string[]): Record<string, unknown> {
  const copy = omit(document, drop);
  if (isRecord(copy.annotations)) copy.annotations = replaceVersion(copy.annotations, version);
  return copy;
}

function replaceVersion(labels: Readonly<Record<string, unknown>>, version: string): Record<string, unknown> {
  return labels[VERSION_ANNOTATION] === version ? { ...labels, [VERSION_ANNOTATION]: THE_VERSION } : { ...labels };
}

function omit(value: unknown, keys: readonly string[]): Record<string, unknown> {
  if (value === null || typeof value !== 'object') return {};
  return Object.fromEntries(Object.entries(value).filter(([key]) => !keys.includes(key)));
}

function layersOf(manifest: Json): Descriptor[] {
  return Array.isArray(manifest.layers) ? manifest.layers : [];
}

function byPlatform(manifests: Descriptor[] | undefined): Map<string, Descriptor> {
  const named = new Map<string, Descriptor>();
  for (const manifest of manifests ?? []) named.set(platformName(manifest.platform), manifest);
  return named;
}

/** `linux/arm64`, `linux/arm/v7`; `unknown` for an entry with no platform (an attestation). */
export function platformName(platform: Platform | undefined): string {
  if (!platform) return 'unknown';
  return [platform.os, platform.architecture, platform.variant].filter(Boolean).join('/');
}

function describeLayers(config: ImageConfig, count: number): string {
  const at = glideLayerAt(config, count);
  return `${count} layers, glide's ${at === undefined ? 'not found once in the history' : `at ${at}`}`;
}

function presence(value: unknown): string {
  return value === undefined ? 'absent' : 'present';
}

/** Each leaf where two JSON documents differ, by its path (`config.Entrypoint[0]`). */
function compareJson(rc: unknown, stable: unknown, where: string, path: string, out: Difference[]): void {
  if (isDeepStrictEqual(rc, stable)) return;
  if (isRecord(rc) && isRecord(stable)) {
    for (const key of [...new Set([...Object.keys(rc), ...Object.keys(stable)])].sort()) {
      compareJson(rc[key], stable[key], where, `${path}.${key}`, out);
    }
    return;
  }
  if (Array.isArray(rc) && Array.isArray(stable) && rc.length === stable.length) {
    rc.forEach((item, i) => compareJson(item, stable[i], where, `${path}[${i}]`, out));
    return;
  }
  out.push({ where, field: path, rc: shown(rc), stable: shown(stable) });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

const SHOWN_CHARS = 100;

function shown(value: unknown): string {
  if (value === undefined) return 'absent';
  const text = JSON.stringify(value);
  return text.length > SHOWN_CHARS ? `${text.slice(0, SHOWN_CHARS)}…` : text;
}

const LISTED_DIFFERENCES = 20;

function proofFailure(rc: string, stable: string, differences: readonly Difference[]): GlideError {
  const line = (d: Difference) => `${d.where}: ${d.field} differs (${rc}: ${d.rc}; ${stable}: ${d.stable})`;
  const [first] = differences;
  const more = differences.length > 1 ? `, and ${differences.length - 1} more difference${differences.length > 2 ? 's' : ''}` : '';
  return new GlideError('EIMAGEPROOF', `The ${stable} images are not ${rc}'s with only glide's layer and the version changed: ${line(first!)}${more}.`, [
    ...differences.slice(1, LISTED_DIFFERENCES).map(line),
    ...(differences.length > LISTED_DIFFERENCES ? [`… ${differences.length - LISTED_DIFFERENCES} more`] : []),
    `Build ${stable}'s images from ${rc}'s commit with the glide-release and config (bases pinned by digest) that built ${rc}'s: glide-release build --only images --tag ${stable}.`,
    `If ${rc}'s own images are what differs, release a new RC: a stable ships only images an RC tested.`,
  ]);
}
