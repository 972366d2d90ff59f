/**
 * Whether a folder the installer must write (the cache, the project) can be created and
 * written, asked before anything is downloaded, and the words for why not. Writes nothing,
 * so a dry run asks it too.
 */
import { constants } from 'node:fs';
import { access, lstat, readlink, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { isGlideError } from '#contract';

export type FolderProblem =
  | { readonly kind: 'read-only'; readonly at: string }
  | { readonly kind: 'no-permission'; readonly at: string }
  | { readonly kind: 'dangling-link'; readonly at: string; readonly target: string }
  | { readonly kind: 'not-a-folder'; readonly at: string };

/** Why `path` cannot be created or written, or undefined when it can. `at` is the path that is in the way. */
export async function folderProblem(path: string): Promise<FolderProblem | undefined> {
  for (let at = resolve(path); ; at = dirname(at)) {
    const entry = await lstat(at).catch((error: NodeJS.ErrnoException) => {
      // Missing, or under a file: what is in the way shows further up.
      if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return undefined;
      throw error;
    });
    if (entry === undefined) {
      if (dirname(at) === at) return undefined;
      continue;
    }
    const followed = entry.isSymbolicLink() ? await stat(at).catch(() => undefined) : entry;
    if (!followed) return { kind: 'dangling-link', at, target: resolve(dirname(at), await readlink(at)) };
    if (!followed.isDirectory()) return { kind: 'not-a-folder', at };
    try {
      await access(at, constants.W_OK | constants.X_OK);
      return undefined;
    } catch (error) {
      return { kind: (error as NodeJS.ErrnoException).code === 'EROFS' ? 'read-only' : 'no-permission', at };
    }
  }
}

/** "… is on a read-only file system", for a message that starts with the folder's role. */
export function describeFolderProblem(problem: FolderProblem): string {
  switch (problem.kind) {
    case 'read-only':
      return `${problem.at} is on a read-only file system`;
    case 'no-permission':
      return `this user may not write in ${problem.at}`;
    case 'dangling-link':
      return `${problem.at} is a symbolic link to ${problem.target}, which does not exist`;
    case 'not-a-folder':
      return `${problem.at} is a file, not a folder`;
  }
}

const FULL_DISK_CODES = new Set(['ENOSPC', 'EDQUOT']);
/** The errno codes of writing files and folders; a network error's codes are not among them. */
const FILE_SYSTEM_CODES = new Set([...FULL_DISK_CODES, 'EROFS', 'EACCES', 'EPERM', 'ENOENT', 'ENOTDIR', 'EISDIR', 'EEXIST', 'ELOOP', 'ENAMETOOLONG', 'EIO']);

/** A write that failed because the disk (or the user's quota) is full. */
export function isFullDisk(error: NodeJS.ErrnoException): boolean {
  return FULL_DISK_CODES.has(error.code ?? '');
}

/** A failure of the file system (EROFS, ENOSPC…), as opposed to a GlideError or a bug. */
export function isFileSystemError(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && !isGlideError(error) && FILE_SYSTEM_CODES.has((error as NodeJS.ErrnoException).code ?? '');
}
