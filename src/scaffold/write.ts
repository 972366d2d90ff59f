/**
 * Writes a project so that a failure or Ctrl-C leaves nothing half-written: a new folder is
 * built beside its final name and renamed into place; files in an existing folder are each
 * written to a temp name and renamed over, after an edited one is backed up.
 */
import { constants } from 'node:fs';
import { chmod, copyFile, lstat, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { GlideError } from '#contract';
import { describeFolderProblem, folderProblem, isFileSystemError, isFullDisk, type FolderProblem } from '../platform/folders.js';
import { freeBackupName, projectFileActions, type FileAction, type ProjectFile } from './project.js';

/** Files a fresh clone or an editor leaves, which do not make a folder "not empty". */
const HARMLESS_ENTRIES = new Set(['.git', '.DS_Store', 'Thumbs.db', '.idea', '.vscode', '.gitkeep']);

/** `missing`, `empty` (or only harmless entries), or `occupied` with what is there. */
export async function folderState(dir: string): Promise<{ state: 'missing' | 'empty' } | { state: 'occupied'; entries: string[] }> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { state: 'missing' };
    if (code === 'ENOTDIR') throw projectFolderError(dir, { kind: 'not-a-folder', at: dir });
    throw error;
  }
  const relevant = entries.filter((entry) => !HARMLESS_ENTRIES.has(entry)).sort();
  return relevant.length === 0 ? { state: 'empty' } : { state: 'occupied', entries: relevant };
}

/** Throws EPROJECTDIR unless the project folder can be created or written: asked before anything is downloaded. */
export async function checkProjectFolder(dir: string): Promise<void> {
  const problem = await folderProblem(dir);
  if (problem) throw projectFolderError(dir, problem);
}

function projectFolderError(dir: string, problem: FolderProblem): GlideError {
  const fix =
    problem.kind === 'dangling-link'
      ? `Create ${problem.target} first, or pick another folder.`
      : 'Pick another folder (or make this one writable), and run again.';
  return new GlideError('EPROJECTDIR', `The project folder ${dir} cannot be written: ${describeFolderProblem(problem)}.`, [
    `${fix} Nothing was downloaded or written.`,
  ]);
}

/** What writing `files` into `dir` would do to each: reads the folder, writes nothing (a dry run shows it). */
export async function planProjectWrite(dir: string, files: readonly ProjectFile[]): Promise<FileAction[]> {
  if ((await folderState(dir)).state === 'missing') return projectFileActions(files, new Map(), new Set());
  const existing = new Map<string, string>();
  for (const file of files) {
    await checkParentFolders(dir, file.path);
    const path = join(dir, file.path);
    const entry = await lstat(path).catch(() => undefined);
    if (!entry) continue;
    // A symlinked .env (to a shared secrets file, say) would be replaced by a plain file: say so instead.
    if (!entry.isFile()) {
      throw new GlideError(
        'EPROJECTDIR',
        `${path} is ${entry.isSymbolicLink() ? 'a symbolic link' : 'not a regular file'}; create-glide only writes plain files.`,
        [`Move it aside (or replace it with a plain file), or pick another folder. Nothing was downloaded or written.`],
      );
    }
    existing.set(file.path, await readFile(path, 'utf8'));
  }
  return projectFileActions(files, existing, new Set(await readdir(dir)));
}

/** A template's nested file (`observability/…`) is written only through real folders: a linked one could lead anywhere. */
async function checkParentFolders(dir: string, path: string): Promise<void> {
  const parts = path.split('/').slice(0, -1);
  for (let depth = 1; depth <= parts.length; depth++) {
    const folder = join(dir, ...parts.slice(0, depth));
    const entry = await lstat(folder).catch(() => undefined);
    if (!entry) return;
    if (!entry.isDirectory()) {
      throw new GlideError(
        'EPROJECTDIR',
        `${folder} is ${entry.isSymbolicLink() ? 'a symbolic link' : 'not a folder'}; create-glide writes ${path} only into a plain folder.`,
        [`Move it aside, or pick another folder. Nothing was downloaded or written.`],
      );
    }
  }
}

export async function writeProject(dir: string, actions: readonly FileAction[]): Promise<void> {
  try {
    await writeActions(dir, actions);
  } catch (error) {
    if (!isFileSystemError(error)) throw error;
    if (isFullDisk(error)) {
      throw new GlideError('EDISK', `The disk holding ${dir} is full (${error.code}): the project was not written.`, [
        'Glide is installed. Free some space and run again; files already there are kept as they were.',
      ]);
    }
    const problem = await folderProblem(dir);
    throw problem ? projectFolderError(dir, problem) : error;
  }
}

async function writeActions(dir: string, actions: readonly FileAction[]): Promise<void> {
  const files = actions.filter((action) => action.kind !== 'keep').map((action) => action.file);
  if ((await folderState(dir)).state === 'missing') {
    await mkdir(dirname(dir), { recursive: true });
    const staging = await mkdtemp(join(dirname(dir), `.${basename(dir)}-`));
    try {
      // mkdtemp makes 0700; the project folder gets the user's usual mode.
      await chmod(staging, 0o777 & ~process.umask());
      await writeFiles(staging, files);
      await rename(staging, dir);
    } catch (error) {
      await rm(staging, { recursive: true, force: true });
      throw error;
    }
    return;
  }
  for (const action of actions) {
    if (action.kind === 'keep') continue;
    const target = join(dir, action.file.path);
    if (action.kind === 'replace') await backUp(target, join(dir, action.backup));
    const temp = join(dirname(target), `.${basename(action.file.path)}.${process.pid}.tmp`);
    try {
      await writeFiles(dir, [{ ...action.file, path: join(dirname(action.file.path), basename(temp)) }]);
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }
}

/** Copies the user's file to `backup`, or to the next free `.bak.N` if that name was taken since the plan: never over a file. */
async function backUp(path: string, backup: string): Promise<void> {
  const folder = dirname(backup);
  for (let name = backup; ; name = join(folder, freeBackupName(basename(path), new Set(await readdir(folder))))) {
    try {
      await copyFile(path, name, constants.COPYFILE_EXCL);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

/**
 * All at once: each file is a few small calls, and one after another they cost ~1 ms each.
 * Every write settles before a failure is thrown, so the caller's cleanup races none of them.
 */
async function writeFiles(root: string, files: readonly ProjectFile[]): Promise<void> {
  const results = await Promise.allSettled(
    files.map(async (file) => {
      const path = join(root, file.path);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, file.content, { mode: file.mode });
      // The umask may have narrowed the mode; a secret file must be exactly 0600 either way.
      await chmod(path, file.mode);
    }),
  );
  const failed = results.find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
}
