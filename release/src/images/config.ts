import { createHash } from 'node:crypto';
import { GLIDE_PORT, type Target } from '#contract';

export const OCI_MANIFEST_MEDIA_TYPE = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX_MEDIA_TYPE = 'application/vnd.oci.image.index.v1+json';
export const OCI_CONFIG_MEDIA_TYPE = 'application/vnd.oci.image.config.v1+json';

export const GLIDE_LAYER_CREATED_BY = 'glide-release: COPY glide /bin/glide';
export const CA_LAYER_CREATED_BY = 'glide-release: COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt';

/** Any numeric uid works without a passwd entry; 65532 is distroless's `nonroot`. */
export const NONROOT_USER = '65532:65532';
const GLIDE_EXPOSED_PORT = `${GLIDE_PORT}/tcp`;

export interface Platform {
  readonly os: string;
  readonly architecture: string;
  readonly variant?: string;
  readonly 'os.version'?: string;
  readonly 'os.features'?: readonly string[];
}

export interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly platform?: Platform;
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface ContainerConfig {
  readonly User?: string;
  readonly Env?: readonly string[];
  readonly Entrypoint?: readonly string[] | null;
  readonly Cmd?: readonly string[] | null;
  readonly WorkingDir?: string;
  readonly ExposedPorts?: Readonly<Record<string, object>>;
  readonly Labels?: Readonly<Record<string, string>> | null;
  readonly [key: string]: unknown;
}

export interface HistoryEntry {
  readonly created?: string;
  readonly created_by?: string;
  readonly comment?: string;
  readonly empty_layer?: boolean;
  readonly [key: string]: unknown;
}

/** The image config (application/vnd.oci.image.config.v1+json); unknown fields pass through. */
export interface ImageConfig {
  readonly created?: string;
  readonly os: string;
  readonly architecture: string;
  readonly variant?: string;
  readonly config?: ContainerConfig;
  readonly rootfs: { readonly type: string; readonly diff_ids: readonly string[] };
  readonly history?: readonly HistoryEntry[];
  readonly [key: string]: unknown;
}

/** A serialised JSON document, ready to be a blob. */
export interface JsonBlob {
  readonly bytes: Buffer;
  readonly digest: string;
  readonly size: number;
}

/** RFC 3339 in UTC without milliseconds, as Go tools write it; commit times are whole seconds. */
export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The base's config with glide on top: platform, env and base labels kept; entrypoint, workdir,
 * port and a non-root user set; one diff_id and one history entry per added layer.
 */
export function imageConfig(
  base: ImageConfig,
  options: { created: Date; layers: ReadonlyArray<{ diffId: string; createdBy: string }>; labels: Readonly<Record<string, string>> },
): ImageConfig {
  const created = rfc3339(options.created);
  const { Cmd: _cmd, ...baseContainer } = base.config ?? {};
  const container: ContainerConfig = {
    ...baseContainer,
    User: isRootUser(baseContainer.User) ? NONROOT_USER : baseContainer.User,
    Entrypoint: ['/bin/glide'],
    WorkingDir: '/bin',
    ExposedPorts: { ...baseContainer.ExposedPorts, [GLIDE_EXPOSED_PORT]: {} },
    Labels: { ...baseContainer.Labels, ...options.labels },
  };
  return {
    ...base,
    created,
    config: container,
    rootfs: { type: 'layers', diff_ids: [...base.rootfs.diff_ids, ...options.layers.map((layer) => layer.diffId)] },
    // empty_layer is left out: absent means false.
    history: [...(base.history ?? []), ...options.layers.map((layer) => ({ created, created_by: layer.createdBy }))],
  };
}

function isRootUser(user: string | undefined): boolean {
  if (user === undefined || user === '') return true;
  const name = user.split(':')[0];
  return name === 'root' || name === '0';
}

export interface AnnotationFacts {
  readonly version: string;
  readonly revision: string;
  readonly source: string;
  readonly created: Date;
  readonly licenses: string;
  readonly title: string;
  readonly description: string;
  readonly baseName: string;
  readonly baseDigest: string;
  readonly url?: string;
  readonly documentation?: string;
}

/** Where an image's base came from (`registry/repository:tag`); publish reads it to mount the base's layers. */
export const BASE_NAME_ANNOTATION = 'org.opencontainers.image.base.name';

/** `org.opencontainers.image.*` for the index, each manifest, and each config's Labels. */
export function ociAnnotations(facts: AnnotationFacts): Record<string, string> {
  const prefix = 'org.opencontainers.image.';
  const entries: Array<[string, string | undefined]> = [
    ['version', facts.version],
    ['revision', facts.revision],
    ['source', facts.source],
    ['created', rfc3339(facts.created)],
    ['licenses', facts.licenses],
    ['title', facts.title],
    ['description', facts.description],
    ['base.name', facts.baseName],
    ['base.digest', facts.baseDigest],
    ['url', facts.url],
    ['documentation', facts.documentation],
  ];
  return Object.fromEntries(entries.filter((entry): entry is [string, string] => entry[1] !== undefined).map(([key, value]) => [prefix + key, value]));
}

/**
 * Compact JSON with object keys sorted at every level: a value has exactly one serialisation,
 * so the same image always gets the same digests.
 */
export function canonicalJson(value: unknown): JsonBlob {
  const bytes = Buffer.from(JSON.stringify(sortKeys(value)), 'utf8');
  return { bytes, digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`, size: bytes.length };
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const child = (value as Record<string, unknown>)[key];
    if (child !== undefined) sorted[key] = sortKeys(child);
  }
  return sorted;
}

/** Base layers keep their own media type (Docker or OCI); ours are OCI. */
export function imageManifest(options: {
  config: { digest: string; size: number };
  layers: ReadonlyArray<{ mediaType: string; digest: string; size: number }>;
  annotations: Readonly<Record<string, string>>;
}): JsonBlob {
  return canonicalJson({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST_MEDIA_TYPE,
    config: { mediaType: OCI_CONFIG_MEDIA_TYPE, digest: options.config.digest, size: options.config.size },
    layers: options.layers.map((layer) => ({ mediaType: layer.mediaType, digest: layer.digest, size: layer.size })),
    annotations: options.annotations,
  });
}

export function imageIndex(options: {
  manifests: ReadonlyArray<{ digest: string; size: number; platform: Platform }>;
  annotations: Readonly<Record<string, string>>;
}): JsonBlob {
  return canonicalJson({
    schemaVersion: 2,
    mediaType: OCI_INDEX_MEDIA_TYPE,
    manifests: options.manifests.map((manifest) => ({
      mediaType: OCI_MANIFEST_MEDIA_TYPE,
      digest: manifest.digest,
      size: manifest.size,
      platform: manifest.platform,
    })),
    annotations: options.annotations,
  });
}

export interface PlatformPlan<M> {
  /** Each Linux target the base offers, with the base's manifest descriptor for it. */
  readonly build: ReadonlyArray<{ readonly target: Target; readonly base: M }>;
  /** Linux targets built for which the base has no image: reported, not built. */
  readonly lacking: readonly Target[];
}

/**
 * (Linux targets built) ∩ (platforms of the base's index). GOARCH names are OCI's
 * architecture names; GOARM 6/7 is variant v6/v7, and arm64 matches with or without `v8`.
 */
export function platformsToBuild<M extends { readonly platform?: Platform }>(targets: readonly Target[], baseManifests: readonly M[]): PlatformPlan<M> {
  const build: Array<{ target: Target; base: M }> = [];
  const lacking: Target[] = [];
  for (const target of targets) {
    if (target.os !== 'linux') continue;
    const candidates = baseManifests.filter((manifest) => manifest.platform?.os === 'linux' && manifest.platform.architecture === target.arch);
    const base = candidates.find((manifest) => variantMatches(target, manifest.platform?.variant));
    if (base) build.push({ target, base });
    else lacking.push(target);
  }
  return { build, lacking };
}

function variantMatches(target: Target, variant: string | undefined): boolean {
  if (target.arch === 'arm') return variant === `v${target.arm}`;
  if (target.arch === 'arm64') return variant === undefined || variant === 'v8';
  // Go builds amd64 for GOAMD64=v1; a base built for v2/v3 would run on fewer machines than glide.
  return variant === undefined || variant === 'v1';
}
