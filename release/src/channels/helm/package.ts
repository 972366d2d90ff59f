/**
 * `{name}-{version}.tgz` holding `{name}/…`, as `helm package` writes it (chartutil/save.go):
 * Chart.yaml first, then the values and their schema, then every other file; no folder
 * entries. Unlike Helm, every entry's mtime is the release commit's time, modes are 0644 and
 * owners 0, and gzip carries no timestamp, so packaging the same release again gives the same
 * bytes and the same digest: that is what makes a re-push a no-op.
 */
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import type { Readable } from 'node:stream';
import { GlideError } from '#contract';
import type { RenderedChart } from './chart.js';

export interface PackagedChart {
  /** `glide-0.1.0-rc.1.tgz` */
  readonly fileName: string;
  readonly bytes: Buffer;
  /** `sha256:<64 hex>` of the bytes: the OCI layer's digest. */
  readonly digest: string;
}

/** The files Helm writes ahead of the rest, in its order. */
const LEADING = ['Chart.yaml', 'Chart.lock', 'values.yaml', 'values.schema.json'];

/** Pure: the order of the entries, `{name}/` before each. */
export function packageEntries(chart: Pick<RenderedChart, 'name' | 'files'>): string[] {
  const paths = [...chart.files.keys()];
  for (const path of paths) {
    if (path === '' || path.startsWith('/') || path.split('/').some((part) => part === '' || part === '.' || part === '..')) {
      throw new GlideError('EHELMCHART', `The chart holds "${path}", which is no path inside the chart folder.`, [
        'A chart packs only files inside its own folder.',
      ]);
    }
  }
  const leading = LEADING.filter((name) => chart.files.has(name));
  const rest = paths.filter((path) => !LEADING.includes(path)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return [...leading, ...rest].map((path) => `${chart.name}/${path}`);
}

export async function packageChart(chart: RenderedChart, mtime: Date): Promise<PackagedChart> {
  const entries = packageEntries(chart);
  // node-tar packs from a folder: the files are staged there with fixed modes, then removed.
  const staging = await mkdtemp(join(tmpdir(), 'glide-helm-'));
  try {
    for (const entry of entries) {
      const path = join(staging, entry);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, chart.files.get(entry.slice(chart.name.length + 1)) ?? Buffer.alloc(0));
      await chmod(path, 0o644);
    }
    const tar = await import('tar');
    const stream = tar.create({ cwd: staging, gzip: true, portable: true, mtime, noDirRecurse: true }, entries) as unknown as Readable;
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    const bytes = Buffer.concat(chunks);
    return { fileName: `${chart.name}-${chart.version}.tgz`, bytes, digest: sha256Digest(bytes) };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}
