/**
 * Reads a release's images from their registry as anyone would (decision 0042): anonymously,
 * each `{version}-{distro}` index, every platform's manifest, config and glide layer (to hash
 * `/bin/glide`), the base the index names, and the tags that move. The client checks every
 * manifest and blob against its digest.
 */
import { DISTROS, GlideError, imageTag, isGlideError } from '#contract';
import { readBaseIndex } from '../images/base.js';
import { BASE_NAME_ANNOTATION, type Descriptor, type ImageConfig } from '../images/config.js';
import { GLIDE_IN_IMAGE, MAX_GLIDE_LAYER_BYTES, readLayerEntries } from '../images/layer.js';
import { glideLayerAt } from '../images/promote-proof.js';
import { tagsToRead, type DistroImageFacts, type ImageFacts, type PlatformImageFacts } from './images.js';
import { OCI_INDEX, DOCKER_MANIFEST_LIST, RegistryClient } from '../../../src/registry/client.js';
import { parseImageReference, type ImageReference } from '../../../src/registry/reference.js';

const BASE_DIGEST_ANNOTATION = 'org.opencontainers.image.base.digest';

export interface ReadImageFactsOptions {
  /** `ghcr.io/einstack/glide`: a repository, no tag. */
  readonly repository: string;
  readonly version: string;
  readonly log: (line: string) => void;
  readonly signal: AbortSignal;
}

/** `--image`, checked before anything is read: a repository, not an image. */
export function imageRepository(text: string): ImageReference {
  const reference = parseImageReference(text);
  if (reference.tag !== undefined || reference.digest !== undefined) {
    throw new GlideError('EUSAGE', `--image "${text}" names a tag or digest; give the repository only, e.g. ghcr.io/einstack/glide.`);
  }
  return reference;
}

export async function readImageFacts(options: ReadImageFactsOptions): Promise<ImageFacts> {
  const { repository, version } = options;
  const target = imageRepository(repository);
  const clients = new Map<string, RegistryClient>();
  const client = (registry: string): RegistryClient => {
    let made = clients.get(registry);
    if (!made) clients.set(registry, (made = new RegistryClient({ registry, signal: options.signal })));
    return made;
  };
  const registry = client(target.registry);
  try {
    const registryTags = await registry.listTags(target.repository);
    const tagDigests = new Map<string, string>();
    for (const tag of tagsToRead(version, registryTags)) {
      const digest = await registry.manifestDigest(target.repository, tag);
      if (digest !== undefined) tagDigests.set(tag, digest);
    }
    const reader = new ImageReader(registry, target.repository, client);
    const images: DistroImageFacts[] = [];
    for (const distro of DISTROS) {
      const tag = imageTag(version, distro);
      const digest = tagDigests.get(tag);
      if (digest === undefined) continue;
      options.log(`reading ${repository}:${tag}`);
      images.push({ distro, ...(await reader.image(digest)) });
    }
    return { repository, images, registryTags, tagDigests };
  } finally {
    await Promise.all([...clients.values()].map((made) => made.close()));
  }
}

class ImageReader {
  /** Glide's layer is one per target, shared by the distros: hashed once. */
  readonly #binaries = new Map<string, Promise<PlatformImageFacts['binary']>>();

  constructor(
    private readonly registry: RegistryClient,
    private readonly repository: string,
    private readonly client: (registry: string) => RegistryClient,
  ) {}

  async image(digest: string): Promise<Omit<DistroImageFacts, 'distro'>> {
    const root = await this.registry.getManifest(this.repository, digest);
    const document = parse(root.bytes) as { manifests?: Descriptor[]; annotations?: Record<string, string> };
    const annotations = document.annotations ?? {};
    const isIndex = root.mediaType === OCI_INDEX || root.mediaType === DOCKER_MANIFEST_LIST;
    const platforms: PlatformImageFacts[] = [];
    for (const entry of isIndex ? (document.manifests ?? []) : []) {
      if (entry.platform) platforms.push(await this.platform(entry));
    }
    return { digest, annotations, platforms, base: await this.base(annotations) };
  }

  async platform(entry: Descriptor): Promise<PlatformImageFacts> {
    const manifest = parse((await this.registry.getManifest(this.repository, entry.digest, [entry.mediaType])).bytes) as {
      config?: Descriptor;
      layers?: Descriptor[];
      annotations?: Record<string, string>;
    };
    const layers = manifest.layers ?? [];
    const config = manifest.config ? (parse(await this.registry.getBlob(this.repository, manifest.config.digest)) as ImageConfig) : undefined;
    const glide = config ? glideLayerAt(config, layers.length) : undefined;
    const layer = glide === undefined ? undefined : layers[glide];
    const binary = !layer
      ? { problem: 'no layer of the image is glide-release’s glide layer (by the config’s history)' }
      : layer.size > MAX_GLIDE_LAYER_BYTES
        ? { problem: `glide's layer is ${layer.size} bytes, more than a glide layer can be` }
        : await this.binary(layer.digest);
    return { platform: entry.platform!, digest: entry.digest, annotations: manifest.annotations ?? {}, labels: config?.config?.Labels ?? {}, binary };
  }

  binary(layer: string): Promise<PlatformImageFacts['binary']> {
    let read = this.#binaries.get(layer);
    if (!read) {
      read = this.registry.getBlob(this.repository, layer).then(async (bytes) => {
        const entry = (await readLayerEntries(bytes)).entries.find((candidate) => candidate.path === GLIDE_IN_IMAGE && candidate.type === 'File');
        return entry ? { digest: entry.sha256 } : { problem: `glide's layer holds no ${GLIDE_IN_IMAGE}` };
      });
      this.#binaries.set(layer, read);
    }
    return read;
  }

  /** The base the index was built on, read by digest: which platforms it offered. */
  async base(annotations: Readonly<Record<string, string>>): Promise<DistroImageFacts['base']> {
    const name = annotations[BASE_NAME_ANNOTATION];
    const digest = annotations[BASE_DIGEST_ANNOTATION];
    if (!name || !digest) return { code: 'EIMAGEMISMATCH', problem: `the index has no ${BASE_NAME_ANNOTATION} and ${BASE_DIGEST_ANNOTATION}` };
    try {
      const base = await readBaseIndex(`${name}@${digest}`, this.client);
      return { platforms: base.manifests.map((manifest) => manifest.platform) };
    } catch (error) {
      if (!isGlideError(error)) throw error;
      return { code: error.code, problem: `${name}@${digest}: ${error.message}` };
    }
  }
}

function parse(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new GlideError('EIMAGEMISMATCH', `An image manifest or config is not JSON: ${(error as Error).message}.`);
  }
}
