import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { posix } from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Header, Parser, type ReadEntry } from 'tar';
import { GlideError } from '#contract';

/** A compressed layer blob and the two digests an image needs: the blob's and the tar's. */
export interface Layer {
  readonly bytes: Buffer;
  /** `sha256:…` of the gzip'd bytes: the manifest's layer digest. */
  readonly digest: string;
  /** `sha256:…` of the uncompressed tar: the config's `rootfs.diff_ids` entry. */
  readonly diffId: string;
  readonly size: number;
}

export const OCI_LAYER_MEDIA_TYPE = 'application/vnd.oci.image.layer.v1.tar+gzip';

/** Where glide's layer puts the binary: the image's entrypoint. */
export const GLIDE_IN_IMAGE = '/bin/glide';

/** Bytes in memory, or the path of a file holding them. */
export type ByteSource = Buffer | string;

/**
 * The layer with `/bin/glide`, and nothing else: no `bin/` directory entry, because
 * ubuntu 22.04 and UBI 8 have `/bin -> usr/bin`, and a directory entry would replace that
 * link with a folder holding only glide.
 */
export async function glideLayer(options: { binary: ByteSource; binarySha256: string; mtime: Date }): Promise<Layer> {
  const binary = typeof options.binary === 'string' ? await readFile(options.binary) : options.binary;
  const actual = sha256Hex(binary);
  const expected = options.binarySha256.replace(/^sha256:/, '').toLowerCase();
  if (actual !== expected) {
    throw new GlideError('ECHECKSUM', `The glide binary for the image is not the one in the release archive (sha256 ${actual}, the ledger says ${expected}).`, [
      'Rebuild with `glide-release build` so the images and archives come from the same binaries.',
    ]);
  }
  return layerOf([{ path: GLIDE_IN_IMAGE.slice(1), mode: 0o755, content: binary }], options.mtime);
}

/** A CA bundle where Go looks first, for bases that ship none. */
export function caBundleLayer(options: { bundle: Buffer; mtime: Date }): Layer {
  return layerOf([{ path: 'etc/ssl/certs/ca-certificates.crt', mode: 0o644, content: options.bundle }], options.mtime);
}

interface LayerFile {
  readonly path: string;
  readonly mode: number;
  readonly content: Buffer;
}

const BLOCK = 512;

/**
 * A tar written header by header, so every byte is ours to fix: owners 0/0 with empty names,
 * the commit time in whole seconds, ustar only (no pax records carrying atime or ctime).
 */
function layerOf(files: readonly LayerFile[], mtime: Date): Layer {
  const seconds = new Date(Math.floor(mtime.getTime() / 1000) * 1000);
  const parts: Buffer[] = [];
  for (const file of files) {
    const header = new Header({
      path: file.path,
      mode: file.mode,
      uid: 0,
      gid: 0,
      uname: '',
      gname: '',
      size: file.content.length,
      mtime: seconds,
      type: 'File',
    });
    if (header.encode() || !header.block) throw new Error(`tar header for ${file.path} needs a pax record`);
    parts.push(header.block, file.content, Buffer.alloc((BLOCK - (file.content.length % BLOCK)) % BLOCK));
  }
  parts.push(Buffer.alloc(2 * BLOCK));
  const tar = Buffer.concat(parts);
  const bytes = deterministicGzip(tar);
  return { bytes, digest: `sha256:${sha256Hex(bytes)}`, diffId: `sha256:${sha256Hex(tar)}`, size: bytes.length };
}

/** Fixed level so the bytes never change with zlib's default. */
const GZIP_LEVEL = 6;
/** Go's compress/gzip writes 255 ("unknown"); zlib writes the build host's OS code. */
const GZIP_OS_UNKNOWN = 0xff;

/** node:zlib leaves the header's mtime at 0; the OS byte is pinned here. */
export function deterministicGzip(data: Buffer): Buffer {
  const gz = gzipSync(data, { level: GZIP_LEVEL });
  gz[9] = GZIP_OS_UNKNOWN;
  return gz;
}

export function sha256Hex(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** One entry of a layer's tar, with what a re-stamped glide layer may and may not change. */
export interface LayerEntry {
  readonly path: string;
  readonly type: string;
  readonly mode: number | undefined;
  readonly uid: number | undefined;
  readonly gid: number | undefined;
  readonly mtime: string | undefined;
  readonly size: number;
  /** `sha256:…` of the entry's content. */
  readonly sha256: string;
}

/** Glide is tens of MB; a layer that unpacks to more is no glide layer (or a gzip bomb from a registry). */
export const MAX_GLIDE_LAYER_BYTES = 1024 * 1024 * 1024;

/**
 * Reads a gzip'd layer whole: its diff_id (the sha256 of the tar) and every entry with the
 * hash of its content. For glide's own layers (one binary), which the proof and verify compare.
 */
export async function readLayerEntries(
  bytes: Buffer,
  maxBytes = MAX_GLIDE_LAYER_BYTES,
): Promise<{ readonly diffId: string; readonly entries: readonly LayerEntry[] }> {
  let tar: Buffer;
  try {
    tar = gunzipSync(bytes, { maxOutputLength: maxBytes });
  } catch (error) {
    const why = (error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE' ? `it unpacks to more than ${maxBytes} bytes` : (error as Error).message;
    throw new GlideError('EBUILD', `A glide layer cannot be read: ${why}.`, ['Run `glide-release build --only images` to write the images again.']);
  }
  const entries: LayerEntry[] = [];
  await parseTar(tar, (entry) => {
    const hash = createHash('sha256');
    let size = 0;
    entry.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      size += chunk.length;
    });
    entry.on('end', () =>
      entries.push({
        path: normalize(entry.path),
        type: entry.type,
        mode: entry.mode,
        uid: entry.uid,
        gid: entry.gid,
        mtime: entry.mtime?.toISOString(),
        size,
        sha256: `sha256:${hash.digest('hex')}`,
      }),
    );
  });
  return { diffId: `sha256:${sha256Hex(tar)}`, entries };
}

/** Where Go's crypto/x509 looks on Linux, in its order (root_linux.go). */
export const GO_CA_BUNDLE_PATHS = [
  '/etc/ssl/certs/ca-certificates.crt',
  '/etc/pki/tls/certs/ca-bundle.crt',
  '/etc/ssl/ca-bundle.pem',
  '/etc/pki/tls/cacert.pem',
  '/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem',
  '/etc/ssl/cert.pem',
] as const;

type TreeNode = { readonly kind: 'dir' } | { readonly kind: 'file' } | { readonly kind: 'symlink'; readonly target: string };

/**
 * The first of Go's bundle paths that opens to a regular file in the image made of these
 * layers (bottom first), or undefined. Layers are parsed as streams and only names are kept.
 */
export async function findCaBundle(layers: readonly ByteSource[]): Promise<string | undefined> {
  const tree = new Map<string, TreeNode>();
  for (const layer of layers) await applyLayer(tree, layer);
  return GO_CA_BUNDLE_PATHS.find((path) => opensToFile(tree, path));
}

/** Whiteouts hide lower layers only, so a layer's own entries land after its whiteouts are applied. */
async function applyLayer(tree: Map<string, TreeNode>, layer: ByteSource): Promise<void> {
  const added = new Map<string, TreeNode>();
  const deleted: string[] = [];
  const opaque: string[] = [];
  await parseTar(layer, (entry) => {
    const path = normalize(entry.path);
    const base = posix.basename(path);
    const parent = posix.dirname(path);
    if (base === '.wh..wh..opq') opaque.push(parent);
    else if (base.startsWith('.wh.')) deleted.push(posix.join(parent, base.slice('.wh.'.length)));
    else if (entry.type === 'Directory') added.set(path, { kind: 'dir' });
    else if (entry.type === 'SymbolicLink') added.set(path, { kind: 'symlink', target: entry.linkpath ?? '' });
    else if (entry.type === 'File' || entry.type === 'OldFile' || entry.type === 'ContiguousFile' || entry.type === 'Link') {
      added.set(path, { kind: 'file' });
    }
  });
  for (const path of deleted) removeTree(tree, path, true);
  for (const dir of opaque) removeTree(tree, dir, false);
  for (const [path, node] of added) {
    // A file or link over a lower directory hides everything that was under it.
    if (node.kind !== 'dir' && tree.get(path)?.kind === 'dir') removeTree(tree, path, false);
    tree.set(path, node);
  }
}

function removeTree(tree: Map<string, TreeNode>, path: string, includingSelf: boolean): void {
  if (includingSelf) tree.delete(path);
  const prefix = path === '/' ? '/' : `${path}/`;
  for (const key of [...tree.keys()]) if (key.startsWith(prefix)) tree.delete(key);
}

/** Resolves symlinks in every component, as the kernel would inside the container's root. */
function opensToFile(tree: Map<string, TreeNode>, path: string): boolean {
  let pending = path.split('/').filter(Boolean);
  let current = '/';
  let hops = 0;
  while (pending.length > 0) {
    const [name, ...rest] = pending;
    pending = rest;
    if (name === '.' || name === undefined) continue;
    if (name === '..') {
      current = posix.dirname(current);
      continue;
    }
    const next = posix.join(current, name);
    const node = tree.get(next);
    if (node?.kind === 'symlink') {
      if (++hops > 40) return false;
      pending = [...node.target.split('/').filter(Boolean), ...pending];
      if (node.target.startsWith('/')) current = '/';
      continue;
    }
    // Tar layers often omit parent directories; a missing parent is implied by its children.
    if (node === undefined && pending.length === 0) return false;
    if (node?.kind === 'file' && pending.length > 0) return false;
    current = next;
  }
  return tree.get(current)?.kind === 'file';
}

function normalize(entryPath: string): string {
  return posix.join('/', entryPath).replace(/\/+$/, '') || '/';
}

/**
 * Any parser warning fails the layer, but one: an archive of nothing but its end marker is a
 * legal empty layer (some builders write them), which node-tar still calls unrecognised.
 */
async function parseTar(source: ByteSource, onEntry: (entry: ReadEntry) => void): Promise<void> {
  const input = typeof source === 'string' ? createReadStream(source) : Readable.from([source]);
  const warnings: string[] = [];
  let sawEndMarker = false;
  let sawEntry = false;
  await new Promise<void>((resolve, reject) => {
    const parser = new Parser({
      // Bases are pinned by digest and only listed, so a zero-filled file is no bomb to guard against.
      maxDecompressionRatio: Infinity,
      onwarn: (code, message) => warnings.push(`${code}: ${message}`),
      onReadEntry: (entry) => {
        sawEntry = true;
        onEntry(entry);
        entry.resume();
      },
    });
    parser.on('eof', () => (sawEndMarker = true));
    parser.on('error', reject);
    parser.on('end', () => resolve());
    input.on('error', reject);
    input.pipe(parser as unknown as NodeJS.WritableStream);
  });
  const emptyArchive = sawEndMarker && !sawEntry && warnings.length === 1 && warnings[0]?.startsWith('TAR_BAD_ARCHIVE');
  if (warnings.length > 0 && !emptyArchive) {
    throw new GlideError('EBUILD', `${typeof source === 'string' ? source : 'A base image layer'} is not a readable tar: ${warnings.join('; ')}.`, [
      'Only gzip and uncompressed tar layers can be searched; check the base image pinned in the config.',
    ]);
  }
}
