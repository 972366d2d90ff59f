import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { GlideError } from '#contract';
import { replaceDir, writeHashed } from '../files.js';
import { trackScratch } from '../interrupt.js';
import { OCI_INDEX_MEDIA_TYPE, canonicalJson, type Descriptor } from './config.js';
import type { ByteSource } from './layer.js';

export const REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name';

/** A tag in the layout (`0.1.0-alpine`) and the image index (or manifest) it names. */
export interface LayoutRef {
  readonly name: string;
  readonly descriptor: Descriptor;
}

export interface OciLayout {
  readonly dir: string;
  /** Every named ref of index.json, in its order. */
  readonly refs: readonly LayoutRef[];
  blobPath(digest: string): string;
  readBlob(digest: string): Promise<Buffer>;
}

const DIGEST = /^sha256:([0-9a-f]{64})$/;

/**
 * Writes one OCI image layout holding every ref (one per distro), each blob checked against
 * its digest on the way. The layout is built in a sibling temp folder and renamed into place,
 * so a reader sees the old layout or the new one, never half of one.
 */
export async function writeOciLayout(dir: string, layout: { blobs: ReadonlyMap<string, ByteSource>; refs: readonly LayoutRef[] }): Promise<void> {
  for (const ref of layout.refs) {
    if (!layout.blobs.has(ref.descriptor.digest)) {
      throw new GlideError('EBUILD', `The image layout names ${ref.name} as ${ref.descriptor.digest}, but that blob was not built.`);
    }
  }
  const temp = join(dirname(dir), `.${basename(dir)}.tmp-${randomBytes(6).toString('hex')}`);
  const forget = trackScratch(temp);
  try {
    await mkdir(join(temp, 'blobs', 'sha256'), { recursive: true });
    for (const [digest, source] of layout.blobs) await writeBlob(join(temp, 'blobs', 'sha256', hexOf(digest)), digest, source);
    const index = {
      schemaVersion: 2,
      mediaType: OCI_INDEX_MEDIA_TYPE,
      manifests: layout.refs.map((ref) => ({
        ...ref.descriptor,
        annotations: { ...ref.descriptor.annotations, [REF_NAME_ANNOTATION]: ref.name },
      })),
    };
    await writeFile(join(temp, 'index.json'), canonicalJson(index).bytes);
    await writeFile(join(temp, 'oci-layout'), canonicalJson({ imageLayoutVersion: '1.0.0' }).bytes);
    await replaceDir(temp, dir);
  } finally {
    await rm(temp, { recursive: true, force: true });
    forget();
  }
}

async function writeBlob(path: string, digest: string, source: ByteSource): Promise<void> {
  const written = await writeHashed(typeof source === 'string' ? createReadStream(source) : [source], path);
  const actual = `sha256:${written.sha256}`;
  if (actual !== digest) {
    throw new GlideError('ECHECKSUM', `A blob listed as ${digest} holds ${actual}.`, [
      typeof source === 'string' ? `It was read from ${source}; rebuild it.` : 'This is a bug in glide-release: please report it.',
    ]);
  }
}

function hexOf(digest: string): string {
  const match = DIGEST.exec(digest);
  if (!match?.[1]) throw new GlideError('EBUILD', `"${digest}" is not a sha256 digest.`);
  return match[1];
}

/** Opens a layout written by writeOciLayout, for the stages after build (push, ledger). */
export async function readOciLayout(dir: string): Promise<OciLayout> {
  const unreadable = (what: string) =>
    new GlideError('EBUILD', `${dir} is not an OCI image layout: ${what}.`, ['Run `glide-release build --only images` to write it again.']);
  let marker: unknown;
  let index: unknown;
  try {
    marker = JSON.parse(await readFile(join(dir, 'oci-layout'), 'utf8'));
    index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8'));
  } catch (error) {
    throw unreadable((error as Error).message);
  }
  if ((marker as { imageLayoutVersion?: unknown })?.imageLayoutVersion !== '1.0.0') throw unreadable('oci-layout is not version 1.0.0');
  const manifests = (index as { manifests?: unknown })?.manifests;
  if (!Array.isArray(manifests)) throw unreadable('index.json has no manifests list');
  const refs: LayoutRef[] = [];
  for (const entry of manifests as Descriptor[]) {
    const name = entry.annotations?.[REF_NAME_ANNOTATION];
    if (name !== undefined) refs.push({ name, descriptor: entry });
  }
  const blobPath = (digest: string) => join(dir, 'blobs', 'sha256', hexOf(digest));
  return { dir, refs, blobPath, readBlob: (digest) => readFile(blobPath(digest)) };
}
