/**
 * The images stage: for each configured distro, the pinned base with glide (the same bytes as
 * the release archive) on top, for every Linux target the base offers, written as one OCI
 * image layout with a `{version}-{distro}` ref per distro. No Docker engine (decision 0010).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, posix } from 'node:path';
import { list } from 'tar';
import { DISTROS, GlideError, formatTarget, imageTag, parseTarget, type Distro, type Target } from '#contract';
import { hashFile } from '../files.js';
import { trackScratch } from '../interrupt.js';
import type { LedgerArchive, ReleaseLedger } from '../ledger.js';
import { readBaseIndex, readBasePlatform, type BaseIndex, type BaseManifest } from './base.js';
import {
  CA_LAYER_CREATED_BY,
  GLIDE_LAYER_CREATED_BY,
  OCI_INDEX_MEDIA_TYPE,
  canonicalJson,
  imageConfig,
  imageIndex,
  imageManifest,
  ociAnnotations,
  platformsToBuild,
  type AnnotationFacts,
  type Platform,
} from './config.js';
import { GO_CA_BUNDLE_PATHS, OCI_LAYER_MEDIA_TYPE, caBundleLayer, findCaBundle, glideLayer, type ByteSource, type Layer } from './layer.js';
import { writeOciLayout, type LayoutRef } from './layout.js';
import type { RegistryClient } from '../../../src/registry/client.js';
import { parseImageReference } from '../../../src/registry/reference.js';

export interface ImagesInput {
  readonly ledger: ReleaseLedger;
  /** The release mirror: archives at `{mirrorDir}/{ledger.tag}/{asset}` (the ledger's paths). */
  readonly mirrorDir: string;
  /** Where the images will be pushed (`ghcr.io/einstack/glide`); named in the report. */
  readonly repository: string;
  /** Base image per distro, ideally pinned by digest; distros left out are not built. */
  readonly distros: Partial<Record<Distro, { readonly base: string }>>;
  /** Added as a layer to bases that hold no CA bundle where Go looks. */
  readonly caBundle: Buffer;
  readonly source: string;
  readonly licenses: string;
  readonly title: string;
  readonly description: string;
  /** The OCI image layout to write (replaced whole, only when every image was built). */
  readonly out: string;
  /** Called once per registry the bases live on; the caller owns (and closes) the clients. */
  readonly clients: (registry: string) => RegistryClient;
  /**
   * Earlier OCI layouts (this tag's last build, other tags') whose base layers may be reused
   * instead of downloaded again; each is checked against its digest before use.
   */
  readonly reuseFrom?: readonly string[];
  /** Ctrl-C: stops between steps (the registry clients stop requests in flight themselves). */
  readonly signal?: AbortSignal;
}

export interface PlatformImage {
  /** `linux/arm64`. */
  readonly target: string;
  readonly platform: Platform;
  /** Our manifest. */
  readonly digest: string;
  /** The base's manifest for this platform. */
  readonly baseDigest: string;
  /** Where Go finds roots in the image; `added` when our CA layer put them there. */
  readonly caBundle: { readonly path: string; readonly added: boolean };
}

export interface DistroImages {
  readonly distro: Distro;
  /** `{version}-{distro}`: the layout's ref name and, once pushed, the immutable tag. */
  readonly tag: string;
  /** `{repository}:{tag}`. */
  readonly reference: string;
  readonly base: { readonly name: string; readonly digest: string };
  /** The image index. */
  readonly digest: string;
  readonly platforms: readonly PlatformImage[];
  /** Linux targets released for which the base has no image. */
  readonly lacking: readonly string[];
  readonly caLayerAdded: boolean;
}

export interface ImagesReport {
  readonly layout: string;
  readonly images: readonly DistroImages[];
  /** Every index and manifest digest, each index before its manifests: for the ledger. */
  readonly digests: readonly string[];
  /** Base layers downloaded, and those taken from an earlier layout instead. */
  readonly baseLayers: { readonly downloaded: number; readonly reused: number };
}

interface LinuxArchive {
  readonly target: Target;
  readonly archive: LedgerArchive;
}

/** What the per-distro builds share: blobs land in one map, and glide's layers are made once per target. */
interface BuildContext {
  readonly input: ImagesInput;
  readonly archives: readonly LinuxArchive[];
  readonly created: Date;
  /** Every blob the layout will hold, by digest; base layers as files in `scratch`. */
  readonly blobs: Map<string, ByteSource>;
  readonly scratch: string;
  readonly glideLayers: Map<string, Promise<Layer>>;
  readonly baseLayers: { downloaded: number; reused: number };
  client(registry: string): RegistryClient;
  caLayer(): Layer;
}

export async function buildImages(input: ImagesInput): Promise<ImagesReport> {
  const repository = parseImageReference(input.repository);
  if (repository.tag !== undefined || repository.digest !== undefined) {
    throw new GlideError('ECONFIG', `images.repository "${input.repository}" names a tag or digest; give the repository only, e.g. ghcr.io/einstack/glide.`);
  }
  const distros = DISTROS.filter((distro) => input.distros[distro] !== undefined);
  if (distros.length === 0)
    throw new GlideError('ECONFIG', 'images.distros names no distro, so there is no image to build.', [`Configure a base for any of ${DISTROS.join(', ')}.`]);
  const archives = linuxArchives(input.ledger);

  await mkdir(dirname(input.out), { recursive: true });
  // Base layers go to disk beside the layout (not /tmp, often a small tmpfs) until they are copied in.
  const scratch = await mkdtemp(join(dirname(input.out), `.${basename(input.out)}.base-`));
  const forget = trackScratch(scratch);
  const clients = new Map<string, RegistryClient>();
  let caLayer: Layer | undefined;
  const context: BuildContext = {
    input,
    archives,
    created: new Date(input.ledger.date),
    blobs: new Map(),
    scratch,
    glideLayers: new Map(),
    baseLayers: { downloaded: 0, reused: 0 },
    client(registry) {
      let client = clients.get(registry);
      if (!client) clients.set(registry, (client = input.clients(registry)));
      return client;
    },
    caLayer: () => (caLayer ??= caBundleLayer({ bundle: input.caBundle, mtime: context.created })),
  };
  try {
    const images: DistroImages[] = [];
    const refs: LayoutRef[] = [];
    for (const distro of distros) {
      input.signal?.throwIfAborted();
      const { image, ref } = await buildDistro(context, distro, input.distros[distro]!.base);
      images.push(image);
      refs.push(ref);
    }
    input.signal?.throwIfAborted();
    await writeOciLayout(input.out, { blobs: context.blobs, refs });
    const digests = images.flatMap((image) => [image.digest, ...image.platforms.map((platform) => platform.digest)]);
    return { layout: input.out, images, digests, baseLayers: context.baseLayers };
  } finally {
    await rm(scratch, { recursive: true, force: true });
    forget();
  }
}

/** The released Linux archives, in the ledger's order: the images' platforms come from these. */
function linuxArchives(ledger: ReleaseLedger): LinuxArchive[] {
  const archives = ledger.artifacts
    .filter((artifact): artifact is LedgerArchive => artifact.kind === 'archive')
    .map((archive) => ({ target: parseTarget(archive.target), archive }))
    .filter(({ target }) => target.os === 'linux');
  if (archives.length === 0) {
    throw new GlideError('EBUILD', `The ${ledger.tag} release has no Linux archive, so there is nothing to put in an image.`, [
      'Add linux targets to targets.matrix and run `glide-release build` again.',
    ]);
  }
  return archives;
}

async function buildDistro(context: BuildContext, distro: Distro, baseRef: string): Promise<{ image: DistroImages; ref: LayoutRef }> {
  const { input } = context;
  const base = await readBaseIndex(baseRef, (registry) => context.client(registry));
  const plan = platformsToBuild(
    context.archives.map(({ target }) => target),
    base.manifests,
  );
  if (plan.build.length === 0) {
    throw new GlideError(
      'EBUILD',
      `The ${distro} base ${baseRef} has no image for any Linux target released (${context.archives.map(({ target }) => formatTarget(target)).join(', ')}).`,
      [`Pin a multi-platform base for ${distro} in glide-release.config (images.distros.${distro}.base).`],
    );
  }
  const facts: Omit<AnnotationFacts, 'baseDigest'> = {
    version: input.ledger.version,
    revision: input.ledger.commit,
    source: input.source,
    created: context.created,
    licenses: input.licenses,
    title: input.title,
    description: input.description,
    baseName: base.name,
  };
  const platforms: PlatformImage[] = [];
  const manifests: Array<{ digest: string; size: number; platform: Platform }> = [];
  for (const { target, base: descriptor } of plan.build) {
    const { image, manifest } = await buildPlatform(context, base, descriptor, target, facts);
    platforms.push(image);
    manifests.push(manifest);
  }
  // As ko does: the index names the base's index, each manifest and config the base's image for its platform.
  const index = imageIndex({ manifests, annotations: ociAnnotations({ ...facts, baseDigest: base.digest }) });
  context.blobs.set(index.digest, index.bytes);
  const tag = imageTag(input.ledger.version, distro);
  return {
    image: {
      distro,
      tag,
      reference: `${input.repository}:${tag}`,
      base: { name: base.name, digest: base.digest },
      digest: index.digest,
      platforms,
      lacking: plan.lacking.map(formatTarget),
      caLayerAdded: platforms.some((platform) => platform.caBundle.added),
    },
    ref: { name: tag, descriptor: { mediaType: OCI_INDEX_MEDIA_TYPE, digest: index.digest, size: index.size } },
  };
}

async function buildPlatform(
  context: BuildContext,
  base: BaseIndex,
  descriptor: BaseManifest,
  target: Target,
  facts: Omit<AnnotationFacts, 'baseDigest'>,
): Promise<{ image: PlatformImage; manifest: { digest: string; size: number; platform: Platform } }> {
  const client = context.client(base.registry);
  const basePlatform = await readBasePlatform(base, descriptor, client);
  const baseLayerFiles: string[] = [];
  for (const layer of basePlatform.layers) baseLayerFiles.push(await fetchLayer(context, client, base.repository, layer.digest));
  const found = await findCaBundle(baseLayerFiles);
  const added: Array<{ layer: Layer; createdBy: string }> = [];
  if (found === undefined) added.push({ layer: context.caLayer(), createdBy: CA_LAYER_CREATED_BY });
  added.push({ layer: await glideLayerFor(context, target), createdBy: GLIDE_LAYER_CREATED_BY });

  const annotations = ociAnnotations({ ...facts, baseDigest: basePlatform.digest });
  const config = canonicalJson(
    imageConfig(basePlatform.config, {
      created: context.created,
      layers: added.map(({ layer, createdBy }) => ({ diffId: layer.diffId, createdBy })),
      labels: annotations,
    }),
  );
  const manifest = imageManifest({
    config,
    layers: [...basePlatform.layers, ...added.map(({ layer }) => ({ mediaType: OCI_LAYER_MEDIA_TYPE, digest: layer.digest, size: layer.size }))],
    annotations,
  });
  context.blobs.set(config.digest, config.bytes);
  for (const { layer } of added) context.blobs.set(layer.digest, layer.bytes);
  context.blobs.set(manifest.digest, manifest.bytes);
  return {
    image: {
      target: formatTarget(target),
      platform: descriptor.platform,
      digest: manifest.digest,
      baseDigest: basePlatform.digest,
      caBundle: { path: found ?? GO_CA_BUNDLE_PATHS[0], added: found === undefined },
    },
    manifest: { digest: manifest.digest, size: manifest.size, platform: descriptor.platform },
  };
}

/**
 * Each base layer is fetched once per build (distros may share them) and kept for the layout:
 * taken from an earlier layout when one holds it with the right digest, else downloaded.
 * The layout writer reads a reused file before the old layout is replaced, and hashes it again.
 */
async function fetchLayer(context: BuildContext, client: RegistryClient, repository: string, digest: string): Promise<string> {
  const known = context.blobs.get(digest);
  if (typeof known === 'string') return known;
  let file = await findVerified(context.input.reuseFrom ?? [], digest);
  if (file !== undefined) {
    context.baseLayers.reused++;
  } else {
    file = join(context.scratch, digest.replace(':', '-'));
    await writeFile(file, await client.getBlob(repository, digest));
    context.baseLayers.downloaded++;
  }
  context.blobs.set(digest, file);
  return file;
}

/** The first earlier layout's copy of `digest` that is intact; a damaged or missing copy is skipped. */
async function findVerified(layouts: readonly string[], digest: string): Promise<string | undefined> {
  const [algorithm, hex] = digest.split(':');
  if (algorithm !== 'sha256' || !hex) return undefined;
  for (const layout of layouts) {
    const file = join(layout, 'blobs', 'sha256', hex);
    const found = await hashFile(file).catch(() => undefined);
    if (found?.sha256 === hex) return file;
  }
  return undefined;
}

/** One glide layer per target, shared by every distro: the bytes are the same. */
function glideLayerFor(context: BuildContext, target: Target): Promise<Layer> {
  const key = formatTarget(target);
  let layer = context.glideLayers.get(key);
  if (!layer) {
    const { archive } = context.archives.find((entry) => formatTarget(entry.target) === key)!;
    layer = readArchiveMember(join(context.input.mirrorDir, archive.path), archive.binary.name).then((binary) =>
      glideLayer({ binary, binarySha256: archive.binary.sha256, mtime: context.created }),
    );
    context.glideLayers.set(key, layer);
  }
  return layer;
}

/** The bytes of one regular file at the root of a .tar.gz release archive. */
async function readArchiveMember(archive: string, name: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let found = false;
  try {
    await list({
      file: archive,
      strict: true,
      onReadEntry: (entry) => {
        if (found || entry.type !== 'File' || posix.normalize(entry.path) !== name) return;
        found = true;
        entry.on('data', (chunk: Buffer) => chunks.push(chunk));
      },
    });
  } catch (error) {
    throw new GlideError('EBUILD', `Cannot read the release archive ${archive}: ${(error as Error).message}.`, [
      'Run `glide-release build` to write the release mirror again.',
    ]);
  }
  if (!found) {
    throw new GlideError('EBUILD', `The release archive ${archive} holds no ${name}.`, ['Run `glide-release build` to write the release mirror again.']);
  }
  return Buffer.concat(chunks);
}
