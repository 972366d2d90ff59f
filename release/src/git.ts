import { relative, sep } from 'node:path';
import { execa } from 'execa';
import { GlideError } from '../../src/contract/index.js';
import type { RepoState, TagRecord } from './version/gates.js';

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

/** Every tag with the commit it points to and, for annotated tags, when it was made. */
export async function readTags(root: string): Promise<TagRecord[]> {
  const format = '%(refname:strip=2)%09%(objecttype)%09%(objectname)%09%(*objectname)%09%(taggerdate:unix)';
  const out = await git(root, ['for-each-ref', `--format=${format}`, 'refs/tags']);
  return out
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [name = '', type, object = '', peeled = '', taggerDate = ''] = line.split('\t');
      const annotated = type === 'tag';
      return {
        name,
        commit: annotated ? peeled : object,
        ...(annotated && taggerDate ? { releasedAt: new Date(Number(taggerDate) * 1000) } : {}),
      };
    });
}

export interface CommitFacts {
  readonly commit: string;
  /** Committer date: the reproducible timestamp of everything built from this commit. */
  readonly date: Date;
}

export async function readCommit(root: string, rev: string): Promise<CommitFacts> {
  const out = await git(root, ['log', '-1', '--format=%H%n%ct', `${rev}^{commit}`, '--']);
  const [commit = '', seconds = '0'] = out.split('\n');
  return { commit, date: new Date(Number(seconds) * 1000) };
}

/** The semver-looking tags at HEAD, for `build` without `--tag`. */
export async function tagsAtHead(root: string): Promise<string[]> {
  const out = await git(root, ['tag', '--points-at', 'HEAD']);
  return out.split('\n').filter(Boolean);
}

/**
 * Clean tree, HEAD and branch facts. Untracked files count as dirty (they may be compiled
 * in), except under the build's own output folder.
 */
export async function readRepoState(root: string, tagCommit: string, branch: string, outDir: string): Promise<RepoState> {
  const outRel = relative(root, outDir);
  const outInside = outRel !== '' && !outRel.startsWith('..') && !outRel.startsWith(sep);
  const [status, head, branchContainsTag] = await Promise.all([
    git(root, ['status', '--porcelain=v1', '--untracked-files=all']),
    git(root, ['rev-parse', 'HEAD']),
    branchContains(root, branch, tagCommit),
  ]);
  const dirtyPaths = status
    .split('\n')
    .filter(Boolean)
    .map((line) => line.slice(3))
    .filter((path) => !(outInside && (path === outRel || path.startsWith(`${outRel}/`))));
  return { headCommit: head, dirtyPaths, branchContainsTag };
}

async function branchContains(root: string, branch: string, commit: string): Promise<boolean | undefined> {
  for (const ref of [`refs/heads/${branch}`, `refs/remotes/origin/${branch}`]) {
    const exists = await execa('git', ['show-ref', '--verify', '--quiet', ref], { cwd: root, reject: false });
    if (exists.exitCode !== 0) continue;
    const ancestor = await execa('git', ['merge-base', '--is-ancestor', commit, ref], { cwd: root, reject: false });
    return ancestor.exitCode === 0;
  }
  return undefined;
}
