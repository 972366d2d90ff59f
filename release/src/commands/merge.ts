/** `glide-release merge --out DIR SHARE_DIR...`: the shares of a sharded build, as one release folder. */
import { relative, resolve } from 'node:path';
import type { CliIo } from './io.js';
import { usage } from './usage.js';

export interface MergeCommandOptions {
  readonly out: string | undefined;
  /** The `--out` folders of `build --shard`, as typed. */
  readonly shares: readonly string[];
}

export async function mergeCommand(io: CliIo, options: MergeCommandOptions): Promise<number> {
  if (!options.out) throw usage('merge needs --out DIR, the release mirror to write the merged release into');
  if (options.shares.length === 0) throw usage('merge needs the folders of the shares (merge --out DIR SHARE_DIR...)');
  const outDir = resolve(io.cwd, options.out);
  const shareDirs = options.shares.map((share) => resolve(io.cwd, share));
  if (shareDirs.includes(outDir)) throw usage(`--out ${options.out} is one of the shares; merge into another folder`);
  const { mergeShares } = await import('../shares/merge.js');
  const { ledger, releaseDir } = await mergeShares(shareDirs, outDir, io.signal);
  const archives = ledger.artifacts.filter((a) => a.kind === 'archive').length;
  io.stdout(`merged ${shareDirs.length} shares of ${ledger.tag}: ${archives} archives, checksums and release.json in ${relative(io.cwd, releaseDir) || '.'}\n`);
  return 0;
}
