/**
 * `glide-release merge`: the shares of one sharded build put together into the release folder a
 * single build writes, byte for byte. Every share is read and checked before anything is
 * written; the release folder is assembled in a staging folder and renamed into place.
 */
import { constants } from 'node:fs';
import { lstat, open, readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { GlideError, RELEASE_LEDGER } from '#contract';
import { inStagingFolder, writeChecksumsAndLedger } from '../binaries/mirror.js';
import { writeHashed } from '../files.js';
import { readShareLedger, type LedgerArchive, type ReleaseLedger } from '../ledger.js';
import { checkShares, type ShareRead } from './check.js';

export interface MergeResult {
  readonly ledger: ReleaseLedger;
  /** `{out}/{tag}`. */
  readonly releaseDir: string;
}

export async function mergeShares(shareDirs: readonly string[], outDir: string, signal: AbortSignal): Promise<MergeResult> {
  const shares: ShareRead[] = [];
  for (const dir of shareDirs) shares.push(await readShare(dir));
  const { facts, repo, releasedAt, archives } = checkShares(shares);

  return inStagingFolder(outDir, facts.tag, async (staging) => {
    for (const { from, archive } of archives) {
      signal.throwIfAborted();
      await copyVerified(from, archive, staging);
    }
    const written = archives.map(({ archive }) => archive);
    const ledger = await writeChecksumsAndLedger(staging, facts, repo, written);
    const index = facts.stage === 'snapshot' ? undefined : { tag: facts.tag, prerelease: facts.prerelease, published_at: releasedAt };
    return { ledger, ...(index ? { index } : {}) };
  });
}

/**
 * A share's folder (the `--out` of `build --shard`): one folder `{tag}` holding its ledger and
 * exactly the files it lists, none of them a link. Anything else is refused by name, not dropped.
 */
async function readShare(source: string): Promise<ShareRead> {
  const kind = await entryKind(source);
  if (kind === 'link') throw linkRefused(source);
  if (kind !== 'folder') {
    throw new GlideError('ENOTSHARE', `${source} is ${kind === 'missing' ? 'not there' : 'not a folder'}.`, [
      'Pass the --out folder of each glide-release build --shard I/N.',
    ]);
  }
  const entries = await readdir(source, { withFileTypes: true });
  const link = entries.find((entry) => entry.isSymbolicLink());
  if (link) throw linkRefused(join(source, link.name));
  const folders = entries.filter((entry) => entry.isDirectory());
  if (folders.length !== 1) {
    throw new GlideError('ENOTSHARE', `${source} holds ${folders.length === 0 ? 'no folder' : `${folders.length} folders`}; a share holds one, its tag's.`, [
      'Pass the --out folder of each glide-release build --shard I/N, as it wrote it.',
    ]);
  }
  const dir = join(source, folders[0]!.name);
  const ledger = await readShareLedger(dir);
  if (!ledger) {
    throw new GlideError('ENOTSHARE', `${dir} holds no share's ${RELEASE_LEDGER} (a release folder, or not a build at all).`, [
      'Pass the --out folder of each glide-release build --shard I/N; a release that is already whole needs no merge.',
    ]);
  }
  const stray = entries.find((entry) => entry !== folders[0]);
  if (stray) throw unlisted(join(source, stray.name), source);
  if (ledger.tag !== basename(dir)) {
    throw new GlideError('ELEDGER', `${join(dir, RELEASE_LEDGER)} is the ledger of ${ledger.tag}, not of ${basename(dir)}.`, [
      'Build the share again: glide-release build --shard I/N writes {out}/{tag}.',
    ]);
  }
  const listed = new Set([RELEASE_LEDGER, ...ledger.artifacts.map((artifact) => basename(artifact.path))]);
  const files = await readdir(dir, { withFileTypes: true });
  for (const file of files) {
    if (file.isSymbolicLink()) throw linkRefused(join(dir, file.name));
    if (!file.isFile() || !listed.has(file.name)) throw unlisted(join(dir, file.name), source);
  }
  const absent = [...listed].find((name) => !files.some((file) => file.name === name));
  if (absent) {
    throw new GlideError('ESHAREBYTES', `${dir} lacks ${absent}, which its ledger lists.`, ['Build that share again, and merge every share again.']);
  }
  return { source, dir, ledger };
}

/** Copies one archive into the staging folder, hashing what is written: its bytes must be those its share's ledger lists. */
async function copyVerified(from: string, archive: LedgerArchive, staging: string): Promise<void> {
  const name = basename(archive.path);
  // O_NOFOLLOW: a file swapped for a link after the share was read is refused, not followed.
  const handle = await open(join(from, name), constants.O_RDONLY | constants.O_NOFOLLOW).catch((error: NodeJS.ErrnoException) => {
    throw error.code === 'ELOOP' ? linkRefused(join(from, name)) : error;
  });
  const written = await writeHashed(handle.createReadStream(), join(staging, name));
  if (written.size !== archive.size || written.sha256 !== archive.sha256) {
    throw new GlideError(
      'ESHAREBYTES',
      `${join(from, name)} is not the file its share's ledger lists: ${written.size} bytes, sha256 ${written.sha256}; the ledger says ${archive.size} bytes, sha256 ${archive.sha256}.`,
      ['Something changed it after the build (or it was copied in part): build that share again, and merge every share again.'],
    );
  }
}

async function entryKind(path: string): Promise<'folder' | 'link' | 'other' | 'missing'> {
  try {
    const info = await lstat(path);
    return info.isSymbolicLink() ? 'link' : info.isDirectory() ? 'folder' : 'other';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw error;
  }
}

function linkRefused(path: string): GlideError {
  return new GlideError('ESHARELINK', `${path} is a symbolic link; merge never follows a link out of a share.`, [
    'Pass the share folders themselves, holding the files build --shard wrote (copy them, do not link them).',
  ]);
}

function unlisted(path: string, source: string): GlideError {
  return new GlideError('ESHAREUNLISTED', `${path} is not a file the ledger of the share ${source} lists.`, [
    'A share holds only what build --shard wrote: move that away (it is not merged, and not dropped unseen), then merge again.',
  ]);
}
