/**
 * Writes a project so that a failure or Ctrl-C leaves nothing half-written: a new folder is
 * built beside its final name and renamed into place; files in an existing folder are each
 * written to a temp name and renamed over.
 */
import { chmod, mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { GlideError } from '../contract/index.js';
import type { ProjectFile } from './project.js';

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
    if (code === 'ENOTDIR') throw new GlideError('EDIRNOTEMPTY', `${dir} is a file, not a folder.`, ['Pick another name for the project folder.']);
    throw error;
  }
  const relevant = entries.filter((entry) => !HARMLESS_ENTRIES.has(entry)).sort();
  return relevant.length === 0 ? { state: 'empty' } : { state: 'occupied', entries: relevant };
}

export async function writeProject(dir: string, files: readonly ProjectFile[]): Promise<void> {
  const state = await folderState(dir);
  if (state.state === 'missing') {
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
  for (const file of files) {
    const target = join(dir, file.path);
    const temp = join(dirname(target), `.${basename(file.path)}.${process.pid}.tmp`);
    try {
      await writeFiles(dir, [{ ...file, path: join(dirname(file.path), basename(temp)) }]);
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }
}

async function writeFiles(root: string, files: readonly ProjectFile[]): Promise<void> {
  for (const file of files) {
    const path = join(root, file.path);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, file.content, { mode: file.mode });
    // The umask may have narrowed the mode; a secret file must be exactly 0600 either way.
    await chmod(path, file.mode);
  }
}
