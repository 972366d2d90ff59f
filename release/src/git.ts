import { lstat, readlink, rm } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { execa } from 'execa';
import { GlideError } from '#contract';
import type { TagRecord } from './version/gates.js';

/** Runs git in `root`; a failure becomes EGIT with git's own words. */
async function git(root: string, args: readonly string[]): Promise<string> {
  try {
    const result = await execa('git', args, { cwd: root, stripFinalNewline: true });
    return result.stdout;
  } catch (error) {
    const failure = error as { code?: string; stderr?: string; shortMessage?: string };
    if (failure.code === 'ENOENT') throw new GlideError('EGIT', 'git is not installed. Install it (apt-get install git) and run again.');
    throw new GlideError('EGIT', `git ${args.join(' ')} failed: ${(failure.stderr || failure.shortMessage || String(error)).trim()}`);
  }
}

export async function repoRoot(cwd: string): Promise<string> {
  try {
    return await git(cwd, ['rev-parse', '--show-toplevel']);
  } catch {
    throw new GlideError('EGIT', `${cwd} is not inside a git repository. Run glide-release from a clone of the repository you release.`);
  }
}

export interface GitTag extends TagRecord {
  /** The tagged commit's committer date: the reproducible timestamp of its build. */
  readonly committedAt: Date;
}

export interface RepoFacts {
  readonly tags: readonly GitTag[];
  readonly head: { readonly commit: string; readonly committedAt: Date };
  /** Paths `git status` reports, the build's own output folder excluded. */
  readonly dirtyPaths: readonly string[];
}

/**
 * Tags, HEAD and the state of the tree in three git calls run at once. Untracked files count
 * as dirty (they may be compiled in), except under the build's own output folder.
 */
export async function readRepoFacts(root: string, outDir: string): Promise<RepoFacts> {
  const format = '%(refname:strip=2)%09%(objecttype)%09%(objectname)%09%(*objectname)%09%(taggerdate:unix)%09%(committerdate:unix)%09%(*committerdate:unix)';
  const [refs, head, status] = await Promise.all([
    git(root, ['for-each-ref', `--format=${format}`, 'refs/tags']),
    git(root, ['log', '-1', '--format=%H%n%ct', 'HEAD', '--']),
    git(root, ['status', '--porcelain=v1', '--untracked-files=all']),
  ]);
  const tags = refs
    .split('\n')
    .filter(Boolean)
    .map((line): GitTag => {
      const [name = '', type, object = '', peeled = '', taggerDate = '', commitDate = '', peeledCommitDate = ''] = line.split('\t');
      const annotated = type === 'tag';
      return {
        name,
        commit: annotated ? peeled : object,
        committedAt: fromUnix(annotated ? peeledCommitDate : commitDate),
        ...(annotated && taggerDate ? { releasedAt: fromUnix(taggerDate) } : {}),
      };
    });
  const [commit = '', seconds = '0'] = head.split('\n');
  const outRel = relative(root, outDir);
  const outInside = outRel !== '' && !outRel.startsWith('..') && !outRel.startsWith(sep);
  const dirtyPaths = status
    .split('\n')
    .filter(Boolean)
    .map((line) => line.slice(3))
    .filter((path) => !(outInside && (path === outRel || path.startsWith(`${outRel}/`))));
  return { tags, head: { commit, committedAt: fromUnix(seconds) }, dirtyPaths };
}

/** Whether the release branch (local, else origin's) contains `commit`; undefined when neither exists. */
export async function branchContains(root: string, branch: string, commit: string): Promise<boolean | undefined> {
  for (const ref of [`refs/heads/${branch}`, `refs/remotes/origin/${branch}`]) {
    // Exit 0: an ancestor; 1: not one; 128: no such ref.
    const result = await execa('git', ['merge-base', '--is-ancestor', commit, ref], { cwd: root, reject: false });
    if (result.exitCode === 0 || result.exitCode === 1) return result.exitCode === 0;
  }
  return undefined;
}

function fromUnix(seconds: string): Date {
  return new Date(Number(seconds) * 1000);
}

/**
 * Writes the tree of `commit` into `dir`, and nothing else: no untracked or ignored file of the
 * working tree can take part in a build (a git-ignored `zz_local.go` would be compiled in). A
 * private index leaves the repository's own index and working tree untouched. A symbolic link
 * that leads out of the tree is refused: Go and the archiver would follow it to the build
 * machine's own files.
 */
export async function exportCommit(root: string, commit: string, dir: string): Promise<void> {
  const index = `${dir}.index`;
  const env = { GIT_INDEX_FILE: index };
  try {
    await execa('git', ['read-tree', commit], { cwd: root, env });
    await execa('git', ['checkout-index', '--all', `--prefix=${dir}${sep}`], { cwd: root, env });
    const links = await execa('git', ['ls-files', '-s', '-z'], { cwd: root, env });
    for (const entry of links.stdout.split('\0')) {
      // "<mode> <object> <stage>\t<path>"; 120000 is a symbolic link.
      const [meta = '', path = ''] = entry.split('\t');
      if (meta.startsWith('120000 ')) await refuseEscapingLink(dir, path);
    }
  } catch (error) {
    if (error instanceof GlideError) throw error;
    const failure = error as { stderr?: string; shortMessage?: string };
    throw new GlideError('EGIT', `Could not export ${commit.slice(0, 12)} to build it: ${(failure.stderr || failure.shortMessage || String(error)).trim()}`);
  } finally {
    await rm(index, { force: true });
  }
}

async function refuseEscapingLink(dir: string, path: string): Promise<void> {
  const link = join(dir, path);
  const target = await readlink(link);
  const resolved = resolve(dirname(link), target);
  const inside = relative(dir, resolved);
  if (isAbsolute(target) || inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) {
    throw new GlideError('EUNSAFEPATH', `${path} is a symbolic link to ${target}, outside the repository.`, [
      'A release is built from the tagged commit alone: replace the link with the file itself, or remove it, and tag again.',
    ]);
  }
}

/** A file of the repository that goes into archives: a regular file, never a symbolic link (it could point anywhere). */
export async function regularFileAt(root: string, name: string): Promise<boolean> {
  const stats = await lstat(join(root, name)).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (stats?.isSymbolicLink()) {
    throw new GlideError('EUNSAFEPATH', `${name} (in archives.files) is a symbolic link; archives take regular files only.`, [
      `Commit the file itself instead of a link (git rm ${name}, copy the real file, commit), or remove it from archives.files.`,
    ]);
  }
  return stats?.isFile() ?? false;
}

/** The tags merged into `tag` (`git tag --merged`): where its release notes may start. */
export async function tagsMergedInto(root: string, tag: string): Promise<string[]> {
  return (await git(root, ['tag', '--merged', `refs/tags/${tag}`])).split('\n').filter(Boolean);
}

/** `git log from..to`, newest first, as id and subject; everything up to `to` without `from`. */
export async function commitsBetween(root: string, from: string | undefined, to: string): Promise<{ id: string; subject: string }[]> {
  const range = from === undefined ? `refs/tags/${to}` : `refs/tags/${from}..refs/tags/${to}`;
  const out = await git(root, ['log', '--format=%H%x09%s', range, '--']);
  return out
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const tab = line.indexOf('\t');
      return { id: line.slice(0, tab), subject: line.slice(tab + 1) };
    });
}

/** Creates the annotated tag `name` on `commit` (the tagger is git's configured user, the date now). */
export async function createAnnotatedTag(root: string, name: string, commit: string, message: string): Promise<void> {
  await git(root, ['tag', '-a', name, '-m', message, commit]);
}
