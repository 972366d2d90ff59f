/**
 * Pushes the OCI layout `buildImages` wrote: plan, then apply. The plan only reads the
 * registry (blob and manifest HEADs, the tag list once), so a dry run is the plan itself and
 * the real run performs exactly its steps. Every step is skipped when the registry already
 * holds the same content, so "run it again" is how a failed or interrupted push recovers.
 */
import { DISTROS, GlideError, imageTag, parseReleaseVersion, type Distro } from '#contract';
import { BASE_NAME_ANNOTATION, CA_LAYER_CREATED_BY, GLIDE_LAYER_CREATED_BY, type Descriptor } from './config.js';
import { readOciLayout, type OciLayout } from './layout.js';
import { DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, OCI_INDEX, OCI_MANIFEST, type RegistryClient } from '../../../src/registry/client.js';
import { parseImageReference } from '../../../src/registry/reference.js';
import { planImageTags } from './tags.js';

export interface PublishImagesInput {
  /** The OCI image layout directory `buildImages` wrote. */
  readonly layout: string;
  /** `ghcr.io/einstack/glide`: the client's registry and a repository, no tag. */
  readonly repository: string;
  /** The release's version; every ref of the layout must be `{version}-{distro}`. */
  readonly version: string;
  readonly defaultDistro: Distro;
  readonly client: RegistryClient;
  /** Read the registry and return the plan, writing nothing. */
  readonly dryRun?: boolean;
  /**
   * `false`: the version tags only; the full publish moves `latest*` itself, after the GitHub
   * release is public (moveImageTag). `--only images` keeps moving them in the same run.
   */
  readonly movingTags?: boolean;
}

/** `push`: the registry lacks it (or a moving tag names something else); `identical`: already there, skipped. */
export type PublishAction = 'push' | 'identical';

export type PublishStep =
  | {
      readonly kind: 'blob';
      readonly digest: string;
      readonly size: number;
      readonly action: PublishAction;
      /** A base layer on the target's own registry: mounted from the base's repository (uploaded if the registry declines). */
      readonly mountFrom?: string;
    }
  | { readonly kind: 'manifest'; readonly digest: string; readonly mediaType: string; readonly action: PublishAction }
  | {
      readonly kind: 'tag';
      readonly tag: string;
      readonly digest: string;
      readonly mediaType: string;
      readonly moving: boolean;
      readonly action: PublishAction;
      /** What a moving tag named before this push, when that was something else. */
      readonly previous?: string;
    };

export interface PublishedImage {
  readonly distro: Distro;
  /** The image index. */
  readonly digest: string;
  /** The immutable tag first, then the moving ones. */
  readonly tags: readonly string[];
}

export interface PublishImagesReport {
  readonly repository: string;
  readonly dryRun: boolean;
  readonly images: readonly PublishedImage[];
  /** In the order they are (or, in a dry run, would be) performed: blobs, then manifests by digest, then tags. */
  readonly steps: readonly PublishStep[];
}

const INDEX_TYPES = new Set([OCI_INDEX, DOCKER_MANIFEST_LIST]);
const MANIFEST_TYPES = new Set([OCI_MANIFEST, DOCKER_MANIFEST]);

export async function publishImages(input: PublishImagesInput): Promise<PublishImagesReport> {
  const { client } = input;
  // A version that is no release is refused before the registry is asked anything.
  parseReleaseVersion(input.version);
  const target = parseImageReference(input.repository);
  if (target.tag !== undefined || target.digest !== undefined) {
    throw new GlideError('ECONFIG', `images.repository "${input.repository}" names a tag or digest; give the repository only, e.g. ghcr.io/einstack/glide.`);
  }
  if (target.registry !== client.registry) {
    throw new GlideError('ECONFIG', `${input.repository} is on ${target.registry}, but the registry client given talks to ${client.registry}.`);
  }
  const layout = await readOciLayout(input.layout);
  const images = layout.refs.map((ref) => ({ distro: distroOf(ref.name, input.version, layout.dir), descriptor: ref.descriptor }));
  if (images.length === 0) {
    throw new GlideError('EBUILD', `${layout.dir} holds no image to publish.`, ['Run `glide-release build --only images` to write it again.']);
  }

  // Read once, before anything is pushed: "latest" follows what the registry held, not what this run adds.
  const registryTags = await client.listTags(target.repository);
  const steps: PublishStep[] = [];
  const published: PublishedImage[] = [];
  const planned = new Set<string>();
  const clobbers: string[] = [];
  for (const { distro, descriptor } of images) {
    const content = await contentOf(layout, descriptor);
    for (const blob of content.blobs) {
      if (planned.has(blob.digest)) continue;
      planned.add(blob.digest);
      const action = (await client.blobExists(target.repository, blob.digest)) ? 'identical' : 'push';
      const mountFrom = blob.baseLayer ? sameRegistryBase(blob.baseName, target.registry) : undefined;
      steps.push({ kind: 'blob', digest: blob.digest, size: blob.size, action, ...(action === 'push' && mountFrom ? { mountFrom } : {}) });
    }
    for (const manifest of content.manifests) {
      if (planned.has(manifest.digest)) continue;
      planned.add(manifest.digest);
      const action = (await client.manifestDigest(target.repository, manifest.digest)) === undefined ? 'push' : 'identical';
      steps.push({ kind: 'manifest', digest: manifest.digest, mediaType: manifest.mediaType, action });
    }
    const allTags = planImageTags({ version: input.version, distro, defaultDistro: input.defaultDistro, registryTags });
    const tags = input.movingTags === false ? { ...allTags, moving: [] } : allTags;
    for (const [tag, moving] of [...tags.immutable.map((tag) => [tag, false] as const), ...tags.moving.map((tag) => [tag, true] as const)]) {
      const current = await client.manifestDigest(target.repository, tag);
      if (!moving && current !== undefined && current !== descriptor.digest) {
        clobbers.push(`${input.repository}:${tag} is ${current}; this build's ${distro} image is ${descriptor.digest}.`);
        continue;
      }
      const tagged = { kind: 'tag', tag, digest: descriptor.digest, mediaType: descriptor.mediaType, moving } as const;
      steps.push(
        current === descriptor.digest
          ? { ...tagged, action: 'identical' }
          : { ...tagged, action: 'push', ...(current !== undefined ? { previous: current } : {}) },
      );
    }
    published.push({ distro, digest: descriptor.digest, tags: [...tags.immutable, ...tags.moving] });
  }
  // Checked for every distro before the first write, so a refused publish leaves the registry untouched.
  if (clobbers.length > 0) {
    throw new GlideError(
      'ETAGCLOBBER',
      `Version tags are immutable, and ${clobbers.length === 1 ? 'one already names' : `${clobbers.length} already name`} a different image; nothing was pushed.`,
      [
        ...clobbers,
        `Release the change as a new version (a new RC or patch) instead: a published ${input.version} is never overwritten.`,
        'If this is meant to be the same release, build it from the same commit and base digests as the published one.',
      ],
    );
  }

  if (!input.dryRun) await apply(layout, client, target.repository, steps);
  return { repository: input.repository, dryRun: input.dryRun ?? false, images: published, steps };
}

function distroOf(refName: string, version: string, dir: string): Distro {
  const distro = DISTROS.find((name) => refName === imageTag(version, name));
  if (distro) return distro;
  throw new GlideError(
    'EBUILD',
    `${dir} holds ${refName}, which is not an image of ${version} (${imageTag(version, '{distro}')}, for ${DISTROS.join(', ')}).`,
    [`Run \`glide-release build --only images\` for ${version} and publish that layout.`],
  );
}

/**
 * The repository to mount a base's layers from, when the base is on the registry being pushed
 * to (a registry only mounts its own blobs; a base on Docker Hub pushed to GHCR is uploaded).
 */
export function sameRegistryBase(baseName: string | undefined, registry: string): string | undefined {
  if (baseName === undefined) return undefined;
  try {
    const base = parseImageReference(baseName);
    return base.registry === registry ? base.repository : undefined;
  } catch {
    return undefined;
  }
}

interface LayoutBlob extends Descriptor {
  /** One of the base's layers (not ours, not a config), and the base its manifest names, for a cross-repository mount. */
  readonly baseLayer: boolean;
  readonly baseName: string | undefined;
}

/** How many layers the build put on the base: the config's history entries it wrote (config.ts). */
async function layersAdded(layout: OciLayout, config: Descriptor): Promise<number> {
  const parsed = JSON.parse((await layout.readBlob(config.digest)).toString('utf8')) as { history?: Array<{ created_by?: string; empty_layer?: boolean }> };
  const ours = new Set([GLIDE_LAYER_CREATED_BY, CA_LAYER_CREATED_BY]);
  return (parsed.history ?? []).filter((entry) => !entry.empty_layer && ours.has(entry.created_by ?? '')).length;
}

/** The blobs and manifests an index (or manifest) needs, each manifest after what it references. */
async function contentOf(layout: OciLayout, root: Descriptor): Promise<{ blobs: LayoutBlob[]; manifests: Descriptor[] }> {
  const blobs: LayoutBlob[] = [];
  const manifests: Descriptor[] = [];
  const walk = async (descriptor: Descriptor): Promise<void> => {
    const parsed = JSON.parse((await layout.readBlob(descriptor.digest)).toString('utf8')) as {
      manifests?: Descriptor[];
      config?: Descriptor;
      layers?: Descriptor[];
      annotations?: Record<string, string>;
    };
    if (INDEX_TYPES.has(descriptor.mediaType)) {
      for (const child of parsed.manifests ?? []) await walk(child);
    } else if (MANIFEST_TYPES.has(descriptor.mediaType) && parsed.config) {
      const baseName = parsed.annotations?.[BASE_NAME_ANNOTATION];
      const layers = parsed.layers ?? [];
      const fromBase = layers.length - (await layersAdded(layout, parsed.config));
      blobs.push({ ...parsed.config, baseLayer: false, baseName }, ...layers.map((layer, i) => ({ ...layer, baseLayer: i < fromBase, baseName })));
    } else {
      throw new GlideError(
        'EBUILD',
        `${layout.dir}: ${descriptor.digest} is a ${descriptor.mediaType}, which is neither an image index nor an image manifest.`,
        ['Run `glide-release build --only images` to write the layout again.'],
      );
    }
    manifests.push(descriptor);
  };
  await walk(root);
  return { blobs, manifests };
}

async function apply(layout: OciLayout, client: RegistryClient, repository: string, steps: readonly PublishStep[]): Promise<void> {
  for (const step of steps) {
    if (step.action === 'identical') continue;
    // The plan has just HEADed it; a blob another push added since is only uploaded again, never wrong.
    if (step.kind === 'blob') {
      await client.pushBlob(
        repository,
        step.digest,
        { file: layout.blobPath(step.digest) },
        { knownAbsent: true, ...(step.mountFrom ? { mountFrom: step.mountFrom } : {}) },
      );
    }
    // Manifests go by digest first, so a tag is only ever put on content the registry already holds.
    else if (step.kind === 'manifest') await client.putManifest(repository, step.digest, step.mediaType, await layout.readBlob(step.digest));
    else await client.putManifest(repository, step.tag, step.mediaType, await layout.readBlob(step.digest));
  }
}

/**
 * Points a moving tag (`latest`, `latest-{distro}`, the bare version) at one of the layout's
 * images, already pushed by its version tag: only the index manifest is put again.
 */
export async function moveImageTag(input: {
  readonly layout: string;
  readonly repository: string;
  readonly tag: string;
  readonly digest: string;
  readonly client: RegistryClient;
}): Promise<void> {
  const layout = await readOciLayout(input.layout);
  const image = layout.refs.find((ref) => ref.descriptor.digest === input.digest);
  if (!image) {
    throw new GlideError('EBUILD', `${layout.dir} holds no image ${input.digest} to tag ${input.tag}.`, [
      'Run `glide-release build --only images` with the same --out, then publish again.',
    ]);
  }
  const { repository } = parseImageReference(input.repository);
  await input.client.putManifest(repository, input.tag, image.descriptor.mediaType, await layout.readBlob(input.digest));
}
