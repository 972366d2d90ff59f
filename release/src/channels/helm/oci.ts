/**
 * The OCI artifact `helm push` makes of a packaged chart (pkg/registry): an image manifest whose
 * config is the chart's metadata as JSON and whose one layer is the `.tgz`, tagged with the
 * chart's version (`+` is no tag character: `_` stands for it, as Helm writes and reads it).
 * Pure, and deterministic: `created` is the release commit's time, not the time of the push.
 */
import { OCI_MANIFEST } from '../../../../src/registry/client.js';
import type { RenderedChart } from './chart.js';
import { sha256Digest, type PackagedChart } from './package.js';

export const HELM_CONFIG_MEDIA_TYPE = 'application/vnd.cncf.helm.config.v1+json';
export const HELM_CHART_LAYER_MEDIA_TYPE = 'application/vnd.cncf.helm.chart.content.v1.tar+gzip';

export interface ChartArtifact {
  readonly tag: string;
  readonly config: { readonly digest: string; readonly bytes: Buffer };
  readonly layer: { readonly digest: string; readonly bytes: Buffer };
  readonly manifest: { readonly digest: string; readonly bytes: Buffer; readonly mediaType: string };
}

/** Helm's tag of a chart version: `0.1.0+build.1` → `0.1.0_build.1`. */
export function chartTag(version: string): string {
  return version.replaceAll('+', '_');
}

export function chartArtifact(chart: RenderedChart, packaged: PackagedChart, created: string): ChartArtifact {
  const config = Buffer.from(JSON.stringify(helmMetadataJson(chart.metadata)));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: HELM_CONFIG_MEDIA_TYPE, digest: sha256Digest(config), size: config.length },
      layers: [{ mediaType: HELM_CHART_LAYER_MEDIA_TYPE, digest: packaged.digest, size: packaged.bytes.length }],
      annotations: chartAnnotations(chart.metadata, created),
    }),
  );
  return {
    tag: chartTag(chart.version),
    config: { digest: sha256Digest(config), bytes: config },
    layer: { digest: packaged.digest, bytes: packaged.bytes },
    manifest: { digest: sha256Digest(manifest), bytes: manifest, mediaType: OCI_MANIFEST },
  };
}

/** The fields of Helm's chart.Metadata in the order Go's encoding/json writes them, empty ones left out. */
const METADATA_FIELDS = [
  'name',
  'home',
  'sources',
  'version',
  'description',
  'keywords',
  'maintainers',
  'icon',
  'apiVersion',
  'condition',
  'tags',
  'appVersion',
  'deprecated',
  'annotations',
  'kubeVersion',
  'dependencies',
  'type',
] as const;

export function helmMetadataJson(metadata: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const json: Record<string, unknown> = {};
  for (const field of METADATA_FIELDS) {
    const value = metadata[field];
    if (value === undefined || value === null || value === '' || value === false || (Array.isArray(value) && value.length === 0)) continue;
    // Go writes a map's keys sorted.
    json[field] = field === 'annotations' ? Object.fromEntries(Object.entries(value as object).sort(([a], [b]) => (a < b ? -1 : 1))) : value;
  }
  return json;
}

/**
 * The `org.opencontainers.image.*` annotations Helm writes on the manifest (pkg/registry's
 * generateOCIAnnotations); the chart's own annotations go along, except those that would
 * contradict the version or name.
 */
export function chartAnnotations(metadata: Readonly<Record<string, unknown>>, created: string): Record<string, string> {
  const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
  const maintainers = Array.isArray(metadata.maintainers) ? (metadata.maintainers as Array<{ name?: string; email?: string }>) : [];
  const authors = maintainers.map((m) => `${m.name ?? ''}${m.email ? ` (${m.email})` : ''}`).join(', ');
  const sources = Array.isArray(metadata.sources) ? (metadata.sources as unknown[]) : [];
  const own = Object.entries((metadata.annotations ?? {}) as Record<string, string>).filter(
    ([key]) => key !== 'org.opencontainers.image.title' && key !== 'org.opencontainers.image.version',
  );
  // As Helm: the chart's own annotations win over the generated ones, except title and version.
  const annotations: Record<string, string | undefined> = {
    'org.opencontainers.image.description': text(metadata.description),
    'org.opencontainers.image.title': text(metadata.name),
    'org.opencontainers.image.version': text(metadata.version),
    'org.opencontainers.image.url': text(metadata.home),
    'org.opencontainers.image.created': rfc3339(created),
    'org.opencontainers.image.source': text(sources[0]),
    'org.opencontainers.image.authors': text(authors),
    ...Object.fromEntries(own),
  };
  return Object.fromEntries(
    Object.entries(annotations)
      .filter((entry): entry is [string, string] => entry[1] !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1)),
  );
}

/** Go's time.RFC3339 of a UTC time: whole seconds, `Z`. */
export function rfc3339(iso: string): string {
  return new Date(iso).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
