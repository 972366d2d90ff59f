/**
 * Takes the one binary out of a Glide release archive and nothing else. Entry names are
 * never used as paths on disk: the member goes to the file the caller names, every other
 * entry is read past, and an archive with any entry a published release never has (an
 * absolute or `..` path, a link, a device, a second or a missing binary) is refused.
 *
 * tar.gz is extracted while it downloads (the same bytes are hashed elsewhere); a zip needs
 * its central directory, so it is read from a file once downloaded.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { open, rm, type FileHandle } from 'node:fs/promises';
import type { WriteStream } from 'node:fs';
import { Transform, Writable, type TransformOptions } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { createGunzip, type ZlibOptions } from 'node:zlib';
import { Parser, type ReadEntry } from 'tar';
import type { File as ZipFileEntry } from 'unzipper';
import { GlideError } from '#contract';

export interface MemberExtraction {
  /** Bytes written to `path`. */
  readonly bytes: number;
  /** The binary's own sha256, hashed as it was written (for the receipt: no second read). */
  readonly sha256: string;
  readonly path: string;
}

export interface TarGzMemberExtractor {
  /**
   * Write the raw `.tar.gz` bytes here and `end()` it. It finishes only once the binary is on
   * disk. On failure it is destroyed without an 'error' event: `done` carries the reason.
   * Destroying it cancels the extraction (`done` rejects with ECANCELLED, or the error given).
   */
  readonly sink: Writable;
  /** Settles after the archive's last entry was checked; on failure, after destFile is gone. */
  readonly done: Promise<MemberExtraction>;
}

export type EntryPathClass = 'ok' | 'absolute' | 'parent';

/** Backslashes count as separators: on Windows they are, and no release name contains one. */
export function classifyEntryPath(path: string): EntryPathClass {
  // `C:x` is relative to drive C's current folder: as unsafe as `C:\x`.
  if (/^[\\/]/.test(path) || /^[A-Za-z]:/.test(path)) return 'absolute';
  if (path.split(/[\\/]/).includes('..')) return 'parent';
  return 'ok';
}

/** `./glide`, `glide/` and `.//glide` all name `glide`. */
export function normalizeEntryPath(path: string): string {
  return path
    .split(/[\\/]/)
    .filter((segment) => segment !== '' && segment !== '.')
    .join('/');
}

export type EntryKind = 'file' | 'directory' | 'symlink' | 'hardlink' | 'device' | 'fifo' | 'other';

export interface ArchiveEntry {
  /** The name readers use (for tar, after PAX and GNU long-name headers). */
  readonly path: string;
  /** The name in the tar header block itself, when it may differ from `path`. */
  readonly rawPath?: string | undefined;
  readonly kind: EntryKind;
}

export type EntryVerdict = { readonly action: 'extract' } | { readonly action: 'skip' } | { readonly action: 'refuse'; readonly reason: string };

/** What to do with one entry, given whether the member was already found earlier. */
export function judgeEntry(entry: ArchiveEntry, member: string, memberSeen: boolean): EntryVerdict {
  const named = JSON.stringify(entry.path);
  for (const path of entry.rawPath === undefined ? [entry.path] : [entry.path, entry.rawPath]) {
    const where = classifyEntryPath(path);
    if (where === 'absolute') return refuse(`entry ${JSON.stringify(path)} has an absolute path`);
    if (where === 'parent') return refuse(`entry ${JSON.stringify(path)} climbs out of the archive with ".."`);
  }
  const isMember = normalizeEntryPath(entry.path) === normalizeEntryPath(member);
  switch (entry.kind) {
    case 'file':
      if (!isMember) return { action: 'skip' };
      return memberSeen ? refuse(`"${member}" appears more than once`) : { action: 'extract' };
    case 'directory':
      return isMember ? refuse(`"${member}" is a directory, not a file`) : { action: 'skip' };
    case 'symlink':
      return refuse(`entry ${named} is a symbolic link`);
    case 'hardlink':
      return refuse(`entry ${named} is a hard link`);
    case 'device':
      return refuse(`entry ${named} is a device`);
    case 'fifo':
      return refuse(`entry ${named} is a named pipe (FIFO)`);
    case 'other':
      return refuse(`entry ${named} has a type that installers do not unpack`);
  }
}

function refuse(reason: string): EntryVerdict {
  return { action: 'refuse', reason };
}

/** Maps node-tar's type names; anything not listed (GNU sparse, dump dirs, …) is 'other'. */
export function tarEntryKind(type: string): EntryKind {
  switch (type) {
    case 'File':
    case 'OldFile':
    case 'ContiguousFile':
      return 'file';
    case 'Directory':
      return 'directory';
    case 'SymbolicLink':
      return 'symlink';
    case 'Link':
      return 'hardlink';
    case 'CharacterDevice':
    case 'BlockDevice':
      return 'device';
    case 'FIFO':
      return 'fifo';
    default:
      return 'other';
  }
}

const S_IFMT = 0o170000;
const MSDOS_DIRECTORY = 0x10;

/** The Unix mode sits in the high 16 bits of a zip entry's external attributes. */
export function zipEntryKind(externalFileAttributes: number, path: string): EntryKind {
  switch ((externalFileAttributes >>> 16) & S_IFMT) {
    case 0o120000:
      return 'symlink';
    case 0o020000:
    case 0o060000:
      return 'device';
    case 0o010000:
      return 'fifo';
    case 0o040000:
      return 'directory';
    case 0o100000:
    case 0: // written by a tool that records no Unix mode
      break;
    default:
      return 'other'; // sockets and unknown types
  }
  return (externalFileAttributes & MSDOS_DIRECTORY) !== 0 || /[\\/]$/.test(path) ? 'directory' : 'file';
}

function notAsPublished(reason: string): GlideError {
  return new GlideError(
    'EUNSAFEARCHIVE',
    'This archive is not a Glide release as published; do not install it. Report it at https://github.com/EinStack/glide/issues',
    [reason],
  );
}

function damaged(cause: unknown): GlideError {
  return new GlideError(
    'EUNSAFEARCHIVE',
    'The archive is damaged (a truncated or corrupted download). Run the installer again; ' +
      'if it keeps happening, report it at https://github.com/EinStack/glide/issues',
    [cause instanceof Error ? cause.message : String(cause)],
  );
}

function cancelled(): GlideError {
  return new GlideError('ECANCELLED', 'The download stopped before the Glide binary was unpacked; nothing was installed.');
}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

// The member arrives in 16 KiB pieces (gunzip's, unzipper's): a deep write buffer lets the
// stream hand many to one writev instead of a write each (~30 ms for a 5 MB binary, decision 0030).
const MEMBER_WRITE_BUFFER = 1 << 20;

// zlib inflates into one output buffer of this size per trip to the thread pool: its 16 KiB
// default costs ~400 trips (and as many 16 KiB writes) for a 6 MB binary; 256 KiB costs 25.
const GUNZIP_CHUNK = 1 << 18;
// Compressed bytes the sink and gunzip each take before pushing back: the download reads on
// while zlib works in the thread pool, instead of waiting a round trip for every 64 KiB.
const SINK_BUFFER = 1 << 20;

async function createMemberFile(destFile: string): Promise<FileHandle> {
  // 'wx': never write through a file (or a planted symlink) that was already there.
  const handle = await open(destFile, 'wx', 0o755);
  try {
    // The binary must be executable whatever the umask.
    await handle.chmod(0o755);
    return handle;
  } catch (error) {
    await handle.close();
    await rm(destFile, { force: true });
    throw error;
  }
}

async function closeStream(stream: WriteStream): Promise<void> {
  if (stream.closed) return;
  stream.destroy();
  await once(stream, 'close');
}

export function createTarGzMemberExtractor(member: string, destFile: string): TarGzMemberExtractor {
  // Gunzip here, not inside node-tar: zlib's stream honours backpressure per 16 KiB of output,
  // while node-tar's own gunzip hands each compressed chunk's whole output to the parser at once.
  // zlib hands its options on to its Transform (node:zlib's ZlibBase); @types/node omits the stream ones.
  const gunzipOptions: ZlibOptions & Pick<TransformOptions, 'writableHighWaterMark'> = { chunkSize: GUNZIP_CHUNK, writableHighWaterMark: SINK_BUFFER };
  const gunzip = createGunzip(gunzipOptions);
  // strict: a bad header checksum, a truncated body or "not a tar" is an error, never a
  // warning after which node-tar would resynchronise on whatever bytes follow.
  const parser = new Parser({ strict: true, brotli: false, zstd: false });

  let failure: Error | undefined;
  let completed = false;
  let memberWrite: Promise<{ bytes: number; sha256: string }> | undefined;
  let memberOutput: WriteStream | undefined;
  // Set once open('wx') succeeded: destFile is ours to remove on failure, and only then.
  let memberFile: FileHandle | undefined;
  let stop!: (error: Error) => void;
  const stopped = new Promise<never>((_, reject) => (stop = reject));
  stopped.catch(() => {});
  const parsed = new Promise<void>((resolve) => parser.once('end', resolve));

  const fail = (error: Error): void => {
    if (failure || completed) return;
    failure = error;
    // A fresh error: node-tar decorates the one it is given and emits it (ignored below).
    parser.abort(new Error('extraction stopped'));
    gunzip.destroy();
    tarInput.destroy();
    memberOutput?.destroy();
    // Quietly: a writer without an 'error' listener must not crash; `done` has the reason.
    if (!sink.destroyed) sink.destroy();
    stop(error);
  };

  // Parser.write() returns false while the current entry is paused (the file write stream is
  // behind) and emits 'drain' when it flows again; waiting for it here pauses gunzip.
  const tarInput = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      if (parser.write(chunk)) callback();
      else parser.once('drain', () => callback());
    },
    final(callback) {
      parser.end();
      callback();
    },
  });

  const sink = new Writable({
    highWaterMark: SINK_BUFFER,
    write(chunk: Buffer, _encoding, callback) {
      if (gunzip.write(chunk)) callback();
      else gunzip.once('drain', () => callback());
    },
    final(callback) {
      gunzip.end();
      // On failure the sink is destroyed instead, so this callback is never due.
      done.then(
        () => callback(),
        () => {},
      );
    },
    destroy(error, callback) {
      fail(error ?? cancelled());
      callback(error);
    },
  });

  const writeMember = async (entry: ReadEntry): Promise<{ bytes: number; sha256: string }> => {
    memberFile = await createMemberFile(destFile);
    const output = memberFile.createWriteStream({ highWaterMark: MEMBER_WRITE_BUFFER });
    memberOutput = output;
    if (failure) throw failure;
    const hashing = hashingPassThrough();
    // Minipass pipe pauses the entry whenever the next write() returns false.
    entry.pipe(hashing.stream).pipe(output);
    await finished(output);
    if (output.bytesWritten !== entry.size) {
      throw damaged(new Error(`${member} has ${output.bytesWritten} of its ${entry.size} bytes`));
    }
    return { bytes: output.bytesWritten, sha256: hashing.sha256() };
  };

  parser.on('entry', (entry: ReadEntry) => {
    if (failure) return void entry.resume();
    const verdict = judgeEntry({ path: entry.path, rawPath: entry.header.path, kind: tarEntryKind(entry.type) }, member, memberWrite !== undefined);
    if (verdict.action === 'refuse') return fail(notAsPublished(verdict.reason));
    if (verdict.action === 'skip') return void entry.resume();
    memberWrite = writeMember(entry);
    memberWrite.catch((error: unknown) => fail(asError(error)));
  });
  // node-tar emits no 'entry' for types it does not know, nor after an extended header too
  // large to read (the next entry's name would then be the wrong one): refuse both.
  parser.on('ignoredEntry', (entry: ReadEntry) =>
    fail(notAsPublished(`entry ${JSON.stringify(entry.path)} has a type (${entry.type}) that installers do not unpack`)),
  );
  parser.on('error', (error: unknown) => fail(damaged(error)));
  pipeline(gunzip, tarInput).catch((error: unknown) => fail(damaged(error)));

  const done = (async (): Promise<MemberExtraction> => {
    try {
      await Promise.race([parsed, stopped]);
      if (failure) throw failure;
      if (memberWrite === undefined) throw notAsPublished(`"${member}" is missing`);
      const written = await Promise.race([memberWrite, stopped]);
      if (failure) throw failure;
      completed = true;
      return { ...written, path: destFile };
    } catch (error) {
      fail(asError(error));
      await memberWrite?.catch(() => {});
      if (memberOutput) await closeStream(memberOutput);
      if (memberFile) await rm(destFile, { force: true });
      throw failure ?? error;
    }
  })();
  // Callers may learn of a failure from the sink first; `done` must not then go unhandled.
  done.catch(() => {});

  return { sink, done };
}

/** Hashes what goes through it, on its way to the member's file. */
function hashingPassThrough(): { stream: Transform; sha256: () => string } {
  const hash = createHash('sha256');
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  return { stream, sha256: () => hash.digest('hex') };
}

const CENTRAL_DIRECTORY_SIGNATURE = 0x02014b50;
const STORED = 0;
const DEFLATED = 8;

export async function extractZipMember(zipPath: string, member: string, destFile: string): Promise<MemberExtraction> {
  // Loaded for a zip only (Windows): unzipper and its bluebird, fs-extra are ~150 KB to load.
  const { default: unzipper } = await import('unzipper');
  const directory = await unzipper.Open.file(zipPath).catch((error: unknown) => {
    throw damaged(error);
  });
  let chosen: ZipFileEntry | undefined;
  for (const file of directory.files) {
    // unzipper does not check record signatures: a misread directory must not pass as a listing.
    if (file.signature !== CENTRAL_DIRECTORY_SIGNATURE) throw damaged(new Error('bad central directory record'));
    const entry = { path: file.path, kind: zipEntryKind(file.externalFileAttributes, file.path) };
    const verdict = judgeEntry(entry, member, chosen !== undefined);
    if (verdict.action === 'refuse') throw notAsPublished(verdict.reason);
    if (verdict.action === 'extract') chosen = file;
  }
  if (!chosen) throw notAsPublished(`"${member}" is missing`);
  if ((chosen.flags & 1) !== 0) throw notAsPublished(`"${member}" is encrypted`);
  if (chosen.compressionMethod !== STORED && chosen.compressionMethod !== DEFLATED) {
    throw notAsPublished(`"${member}" uses compression method ${chosen.compressionMethod}`);
  }

  const output = (await createMemberFile(destFile)).createWriteStream({ highWaterMark: MEMBER_WRITE_BUFFER });
  try {
    const source = chosen.stream();
    const hashing = hashingPassThrough();
    let sourceError: unknown;
    source.once('error', (error: unknown) => (sourceError = error));
    try {
      await pipeline(source, hashing.stream, output);
    } catch (error) {
      // Reading or inflating failed: the archive's fault. Writing failed (disk full): not.
      throw error === sourceError ? damaged(error) : error;
    }
    if (output.bytesWritten !== chosen.uncompressedSize) {
      throw damaged(new Error(`${member} has ${output.bytesWritten} of its ${chosen.uncompressedSize} bytes`));
    }
    return { bytes: output.bytesWritten, sha256: hashing.sha256(), path: destFile };
  } catch (error) {
    await closeStream(output);
    await rm(destFile, { force: true });
    throw error;
  }
}
