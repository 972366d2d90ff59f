/** The release mirror's folders and files a release folder is finished with: the output folder, stale staging, the checksums and ledger, and `index.json`. */
import { mkdir, readdir, readFile, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  checksumsName,
  formatChecksums,
  formatMirrorIndex,
  GlideError,
  MIRROR_INDEX,
  mirrorAssetPath,
  parseMirrorIndex,
  upsertMirrorIndex,
  type MirrorIndexEntry,
} from '#contract';
import { folderProblem, isFileSystemError, isFullDisk } from '../../../src/platform/folders.js';
import { replaceDir, replacedPrefix, writeFileAtomic, writeHashed } from '../files.js';
import { trackScratch } from '../interrupt.js';
import { makeLedger, writeLedger, type LedgerArchive, type LedgerFacts, type ReleaseLedger } from '../ledger.js';

export interface StagedRelease {
  readonly ledger: ReleaseLedger;
  /** The entry to put in `index.json`; none for a snapshot or a share. */
  readonly index?: MirrorIndexEntry;
}

/**
 * Has `fill` write a release folder into a staging folder of the mirror, then renames it to
 * `{out}/{tag}` and updates `index.json`. A failed or cancelled run removes its staging folder
 * (and an output folder it created), so the mirror never holds a partial release.
 */
export async function inStagingFolder(
  outDir: string,
  tag: string,
  fill: (staging: string) => Promise<StagedRelease>,
): Promise<{ ledger: ReleaseLedger; releaseDir: string }> {
  const createdOut = await makeOutDir(outDir);
  await removeStaleStaging(outDir, tag);
  const staging = join(outDir, `.staging-${tag}-${process.pid}`);
  const forget = trackScratch(staging);
  try {
    await mkdir(staging);
    const { ledger, index } = await fill(staging);
    const releaseDir = join(outDir, tag);
    await replaceDir(staging, releaseDir);
    if (index) await updateIndex(outDir, index);
    return { ledger, releaseDir };
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    // An output folder this run created goes too; rmdir leaves one that holds anything else.
    if (createdOut) await rmdir(outDir).catch(() => undefined);
    throw error;
  } finally {
    forget();
  }
}

/** The last files of the release folder: the checksums of the archives, then the ledger that lists them all. */
export async function writeChecksumsAndLedger(staging: string, plan: LedgerFacts, repo: string, archives: readonly LedgerArchive[]): Promise<ReleaseLedger> {
  const name = checksumsName(plan.version);
  const text = formatChecksums(archives.map((a) => ({ name: a.path.slice(plan.tag.length + 1), sha256: a.sha256 })));
  const file = await writeHashed([text], join(staging, name));
  const ledger = makeLedger(plan, repo, [...archives, { kind: 'checksums', path: mirrorAssetPath(plan.tag, name), ...file }]);
  await writeLedger(staging, ledger);
  return ledger;
}

/** Creates the output folder (true when it did); a place that cannot hold one is EOUTDIR, said plainly. */
export async function makeOutDir(outDir: string): Promise<boolean> {
  try {
    return (await mkdir(outDir, { recursive: true })) !== undefined;
  } catch (error) {
    if (!isFileSystemError(error)) throw error;
    // Asked of the path rather than read from the code: a recursive mkdir on a read-only filesystem says ENOENT.
    const problem = await folderProblem(outDir);
    const why =
      problem?.kind === 'not-a-folder'
        ? problem.at === outDir
          ? 'it is a file, not a folder'
          : 'a part of its path is a file, not a folder'
        : problem?.kind === 'read-only'
          ? 'it is on a read-only filesystem'
          : problem?.kind === 'no-permission'
            ? 'this user may not write there'
            : problem?.kind === 'dangling-link'
              ? `${problem.at} is a symbolic link to ${problem.target}, which does not exist`
              : isFullDisk(error)
                ? 'the disk is full'
                : `it cannot be created (${error.code})`;
    throw new GlideError('EOUTDIR', `The output folder ${outDir} cannot be used: ${why}.`, ['Pass --out with a folder this user can write to.']);
  }
}

/** Staging folders of this tag left by a build that was killed (kill -9 skips our cleanup). */
export async function removeStaleStaging(outDir: string, tag: string): Promise<void> {
  const names = await readdir(outDir);
  await Promise.all(
    names
      .filter((name) => name.startsWith(`.staging-${tag}-`) || name.startsWith(replacedPrefix(tag)))
      .map((name) => rm(join(outDir, name), { recursive: true, force: true })),
  );
}

export async function updateIndex(outDir: string, entry: MirrorIndexEntry): Promise<void> {
  const path = join(outDir, MIRROR_INDEX);
  let index: MirrorIndexEntry[] = [];
  try {
    index = parseMirrorIndex(await readFile(path, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new GlideError('EBUILD', `${path} is not a valid mirror index (${(error as Error).message}). Move it away and build again.`);
    }
  }
  await writeFileAtomic(path, formatMirrorIndex(upsertMirrorIndex(index, entry)));
}
