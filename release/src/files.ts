/** File helpers every stage shares: hashed writes, and replacing a file or folder whole. */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Transform, Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface WrittenFile {
  readonly size: number;
  readonly sha256: string;
}

/** Writes `source` to `destination`, hashing and counting the bytes on the way, so the file is never read back. */
export async function writeHashed(source: Readable | Iterable<Buffer | string>, destination: string): Promise<WrittenFile> {
  const tap = hashTap();
  await pipeline(source, tap.stream, createWriteStream(destination, { mode: 0o644 }));
  return tap.result();
}

/** The size and sha256 of a file, in one streaming read. */
export async function hashFile(path: string): Promise<WrittenFile> {
  const tap = hashTap();
  await pipeline(createReadStream(path), tap.stream, new Writable({ write: (_chunk, _encoding, done) => done() }));
  return tap.result();
}

/** A pass-through that hashes and counts what flows through it. */
function hashTap() {
  const hash = createHash('sha256');
  let size = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  return { stream, result: (): WrittenFile => ({ size, sha256: hash.digest('hex') }) };
}

/** Replaces a file by a rename, so a reader sees the old text or the new, never half of it. */
export async function writeFileAtomic(path: string, text: string | Uint8Array): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(temp, text, { mode: 0o644 });
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** How the folders replaceDir moves aside begin (`.replaced-{name}-{pid}`): a killed run leaves one behind. */
export function replacedPrefix(name: string): string {
  return `.replaced-${name}-`;
}

/**
 * Puts the folder `from` at `to` by renames only: a reader finds the whole old folder or the
 * whole new one, never a mix (between the two renames, for an instant, neither: Node has no
 * atomic exchange). rename() cannot replace a non-empty folder, so the old one is moved aside
 * first, and moved back if the new one cannot be put in place.
 */
export async function replaceDir(from: string, to: string): Promise<void> {
  const aside = join(dirname(to), `${replacedPrefix(basename(to))}${process.pid}`);
  await rm(aside, { recursive: true, force: true });
  const hadOld = await rename(to, aside).then(
    () => true,
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return false;
      throw error;
    },
  );
  try {
    await rename(from, to);
  } catch (error) {
    if (hadOld) await rename(aside, to);
    throw error;
  }
  if (hadOld) await rm(aside, { recursive: true, force: true });
}
