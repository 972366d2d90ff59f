/**
 * `init-ci`'s decision and its two adapters: what the config asks of the workflows, how each
 * file on disk compares with what would be written (pure), and reading and writing them
 * without ever following a symbolic link out of the repository.
 */
import { lstat, mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { FILE_HEADERS_ONLY, createTwoFilesPatch } from 'diff';
import { GlideError } from '#contract';
import { parseImageReference } from '../../../src/registry/reference.js';
import type { ReleaseConfig } from '../config.js';
import { writeFileAtomic } from '../files.js';
import { promoteWorkflow, releaseWorkflow, WORKFLOW_FILES, type CiWorkflowInput } from './workflows.js';

/** GitHub runs at most 256 jobs of one matrix. */
export const MAX_SHARDS = 256;
export const DEFAULT_SHARDS = 4;

/** What the workflows need to know of the released repository: its config, and whether the module has a go.sum. */
export function ciWorkflowInput(
  config: ReleaseConfig,
  facts: { readonly glideReleaseVersion: string; readonly shards: number; readonly hasGoSum: boolean },
): CiWorkflowInput {
  const { helm, homebrew, snap, chocolatey } = config.channels;
  const registries = [config.images.repository, ...(helm ? [helm.registry] : [])].map((repository) => parseImageReference(repository).registry);
  return {
    glideReleaseVersion: facts.glideReleaseVersion,
    shards: facts.shards,
    goCacheKeyFile: facts.hasGoSum ? 'go.sum' : 'go.mod',
    otherRegistries: [...new Set(registries.filter((registry) => registry !== 'ghcr.io'))],
    channelTokenEnvs: [...(helm?.index ? [helm.index.tokenEnv] : []), ...(homebrew ? [homebrew.tokenEnv] : [])],
    publishPackages: [...(snap ? ['snapd', 'squashfs-tools'] : []), ...(chocolatey ? ['libxml2-utils'] : [])],
  };
}

export interface WorkflowFile {
  /** Relative to the repository root, with `/`. */
  readonly path: string;
  readonly text: string;
}

export function generatedWorkflows(input: CiWorkflowInput): WorkflowFile[] {
  return [
    { path: WORKFLOW_FILES.release, text: `${releaseWorkflow(input)}\n` },
    { path: WORKFLOW_FILES.promote, text: `${promoteWorkflow(input)}\n` },
  ];
}

export type WorkflowChange =
  | { readonly kind: 'create'; readonly file: WorkflowFile; readonly diff: string }
  | { readonly kind: 'unchanged'; readonly file: WorkflowFile }
  | { readonly kind: 'replace'; readonly file: WorkflowFile; readonly diff: string };

/** Pure: each file against what the repository holds (undefined: no such file). */
export function compareWorkflows(files: readonly WorkflowFile[], existing: ReadonlyMap<string, string | undefined>): WorkflowChange[] {
  return files.map((file) => {
    const current = existing.get(file.path);
    if (current === undefined) return { kind: 'create', file, diff: unifiedDiff(file.path, undefined, file.text) };
    if (current === file.text) return { kind: 'unchanged', file };
    return { kind: 'replace', file, diff: unifiedDiff(file.path, current, file.text) };
  });
}

/** As git shows it: a new file from /dev/null. */
function unifiedDiff(path: string, current: string | undefined, next: string): string {
  return createTwoFilesPatch(current === undefined ? '/dev/null' : `a/${path}`, `b/${path}`, current ?? '', next, undefined, undefined, {
    headerOptions: FILE_HEADERS_ONLY,
  });
}

/** The text of each workflow file in the repository, refusing a link or a non-file anywhere on the way. */
export async function readWorkflows(root: string, files: readonly WorkflowFile[]): Promise<Map<string, string | undefined>> {
  const existing = new Map<string, string | undefined>();
  for (const file of files) {
    const parts = file.path.split('/');
    for (let depth = 1; depth < parts.length; depth++) await assertRealEntry(root, parts.slice(0, depth).join('/'), 'directory');
    const kind = await assertRealEntry(root, file.path, 'file');
    existing.set(file.path, kind === undefined ? undefined : await readFile(join(root, file.path), 'utf8'));
  }
  return existing;
}

/** Writes each file by a rename, after the same checks as readWorkflows. */
export async function writeWorkflows(root: string, files: readonly WorkflowFile[]): Promise<void> {
  await readWorkflows(root, files);
  for (const file of files) {
    await mkdir(dirname(join(root, file.path)), { recursive: true });
    await writeFileAtomic(join(root, file.path), file.text);
  }
}

/** undefined when absent; otherwise the entry must be a real directory or regular file, not a link that could lead out of the repository. */
async function assertRealEntry(root: string, path: string, expected: 'directory' | 'file'): Promise<'directory' | 'file' | undefined> {
  const stats = await lstat(join(root, path)).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (!stats) return undefined;
  const what = stats.isSymbolicLink() ? 'a symbolic link' : stats.isDirectory() ? 'a directory' : stats.isFile() ? 'a file' : 'not a file';
  if ((expected === 'directory' && stats.isDirectory()) || (expected === 'file' && stats.isFile())) return expected;
  throw new GlideError(
    'EUNSAFEPATH',
    `${path} is ${what}, not a ${expected}: init-ci writes only into real folders of the repository, and never through a link.`,
    [`Replace ${path} with a ${expected} of its own (a link's target: copy it in), then run init-ci again.`],
  );
}
