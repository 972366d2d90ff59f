/** `glide-release init-ci`: writes the release and promote workflows into the repository, showing any change to an existing one. */
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { GlideError } from '#contract';
import { compareWorkflows, ciWorkflowInput, DEFAULT_SHARDS, generatedWorkflows, MAX_SHARDS, readWorkflows, writeWorkflows } from '../ci/init.js';
import { loadConfig } from '../config.js';
import { repoRoot } from '../git.js';
import type { CliIo } from './io.js';
import { usage } from './usage.js';

export interface InitCiOptions {
  /** `--shards`, as typed. */
  readonly shards: string | undefined;
  readonly force: boolean;
  readonly dryRun: boolean;
  /** The glide-release the workflows pin: the one running. */
  readonly glideReleaseVersion: string;
}

export async function initCiCommand(io: CliIo, options: InitCiOptions): Promise<number> {
  const shards = parseShards(options.shards);
  const root = await repoRoot(io.cwd);
  const { config } = await loadConfig(root);
  const hasGoSum = await access(join(root, 'go.sum')).then(
    () => true,
    () => false,
  );
  const files = generatedWorkflows(ciWorkflowInput(config, { glideReleaseVersion: options.glideReleaseVersion, shards, hasGoSum }));
  const changes = compareWorkflows(files, await readWorkflows(root, files));

  const edited = changes.filter((change) => change.kind === 'replace');
  // A dry run shows every file it would write in full; a real run shows what it changes (or refuses to).
  for (const change of changes) if (change.kind === 'replace' || (change.kind === 'create' && options.dryRun)) io.stdout(change.diff);
  if (edited.length > 0 && !options.force) {
    const names = edited.map((change) => change.file.path).join(' and ');
    throw new GlideError(
      'EWORKFLOWCHANGED',
      `${names} differ${edited.length === 1 ? 's' : ''} from what init-ci writes (the diff above: - yours, + init-ci's); nothing was written.`,
      [
        'Run init-ci --force to replace it (commit your version first to keep it in git),',
        'or keep your edit and leave the file to yourself (init-ci --dry-run shows what a newer glide-release would change).',
      ],
    );
  }

  const toWrite = changes.filter((change) => change.kind !== 'unchanged').map((change) => change.file);
  if (!options.dryRun && toWrite.length > 0) await writeWorkflows(root, toWrite);
  const verb = options.dryRun ? 'would write' : 'wrote';
  for (const change of changes) {
    const said = change.kind === 'unchanged' ? 'is up to date' : change.kind === 'create' ? `${verb} (new)` : `${verb} (replaced, --force)`;
    io.stderr(`${change.file.path}: ${said}\n`);
  }
  if (toWrite.length > 0 && !options.dryRun) {
    io.stderr(`builds in ${shards} shares on ${shards} runners; publish needs the secrets the workflow names (docs/release.md, "CI workflow").\n`);
  }
  return 0;
}

function parseShards(text: string | undefined): number {
  if (text === undefined) return DEFAULT_SHARDS;
  const shards = /^[1-9][0-9]*$/.test(text) ? Number(text) : Number.NaN;
  if (!(shards <= MAX_SHARDS)) throw usage(`--shards takes a whole number from 1 to ${MAX_SHARDS} (GitHub's matrix limit), not "${text}"`);
  return shards;
}
