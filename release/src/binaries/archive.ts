import { chmod, copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { ArchiveFormat } from '#contract';
import { writeHashed, type WrittenFile } from '../files.js';

export interface ArchiveMember {
  /** Name at the archive root. */
  readonly name: string;
  readonly source: string;
  readonly executable: boolean;
}

/**
 * Writes a reproducible archive: entries sorted by name, every mtime the commit time, uid/gid
 * 0, modes 0755/0644, gzip without a timestamp. The sha256 is computed as the bytes are
 * written, so the archive is never read back.
 */
export async function writeArchive(
  format: ArchiveFormat,
  members: readonly ArchiveMember[],
  mtime: Date,
  stagingDir: string,
  destination: string,
): Promise<WrittenFile> {
  const sorted = [...members].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const source = format === 'zip' ? await zipStream(sorted, mtime) : await tarGzStream(sorted, mtime, stagingDir);
  return writeHashed(source, destination);
}

/** node-tar packs files from one folder with their own modes, so members are staged there first. */
// tar and yazl are loaded on first use, while the first go build runs, not at start-up.
async function tarGzStream(members: readonly ArchiveMember[], mtime: Date, stagingDir: string): Promise<Readable> {
  const tar = await import('tar');
  for (const member of members) {
    const staged = join(stagingDir, member.name);
    if (member.source !== staged) await copyFile(member.source, staged);
    await chmod(staged, member.executable ? 0o755 : 0o644);
  }
  return tar.create(
    { cwd: stagingDir, gzip: true, portable: true, mtime, noDirRecurse: true },
    members.map((m) => m.name),
  ) as unknown as Readable;
}

async function zipStream(members: readonly ArchiveMember[], mtime: Date): Promise<Readable> {
  // yazl is CommonJS: its exports are the namespace's default in Node and in a split bundle alike.
  const { ZipFile } = (await import('yazl')).default;
  const zip = new ZipFile();
  const dosTime = utcAsLocal(mtime);
  for (const member of members) {
    zip.addFile(member.source, member.name, {
      mtime: dosTime,
      mode: member.executable ? 0o100755 : 0o100644,
      compress: true,
      forceDosTimestamp: true,
    });
  }
  zip.end();
  return zip.outputStream as Readable;
}

/**
 * yazl writes the DOS timestamp from local-time fields; shifting by the zone offset makes
 * them read as UTC, so the bytes do not depend on the build machine's TZ. The extended
 * timestamp field is left out (forceDosTimestamp) because it would store the shifted time.
 */
export function utcAsLocal(date: Date): Date {
  const shifted = new Date(date.getTime() + date.getTimezoneOffset() * 60_000);
  return new Date(date.getTime() + shifted.getTimezoneOffset() * 60_000);
}
