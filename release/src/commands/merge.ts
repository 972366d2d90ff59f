/** `glide-release merge [--out DIR] SHARE_DIR...`: the shares of a sharded build, as one release folder. */
import { relative, resolve } from 'node:path';
import { GlideError } from '#contract';
import { repoRoot } from '../git.js';
import type { CliIo } from './io.js';
import { usage } from './usage.js';

export interface MergeCommandOptions {
  readonly out: string | undefined;
  /** The `--out` folders of `build --shard`, as typed. */
  readonly shares: readonly string[];
}

export async function mergeCommand(io: CliIo, options: MergeCommandOptions): Promise<number> {
  if (options.shares.length === 0) throw usage('merge needs the folders of the shares (merge [--out DIR] SHARE_DIR...)');
  const outDir = options.out ? resolve(io.cwd, options.out) : await defaultOut(io.cwd);
  const shareDirs = options.shares.map((share) => resolve(io.cwd, share));
  if (shareDirs.includes(outDir)) throw usage(`--out ${options.out ?? relative(io.cwd, outDir)} is one of the shares; merge into another folder`);
  const { mergeShares } = await import('../shares/merge.js');
  const { ledger, releaseDir } = await mergeShares(shareDirs, outDir, io.signal);
  const archives = ledger.artifacts.filter((a) => a.kind === 'archive').length;
  io.stdout(`merged ${shareDirs.length} shares of ${ledger.tag}: ${archives} archives, checksums and release.json in ${relative(io.cwd, releaseDir) || '.'}\n`);
  return 0;
}

/** build's default, `dist/` at the repository root; outside a clone there is none to take. */
async function defaultOut(cwd: string): Promise<string> {
  try {
    return resolve(await repoRoot(cwd), 'dist');
  } catch (error) {
    if (error instanceof GlideError && error.code === 'EGIT')
      throw usage(`merge needs --out DIR here: ${cwd} is not inside a git repository, whose dist/ is the default`);
    throw error;
  }
}
