/**
 * `glide-up cache list|prune|clear`: the installs in the cache (shared with create-glide).
 * Only folders under `{cache}/versions` are removed; what prune removes is decided by
 * pruneCandidates, a pure function.
 */
import { rm, rmdir } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { GlideError } from '#contract';
import { listCachedVersions, pruneCandidates, type CachedVersion } from './installs.js';
import type { CacheAction } from './options.js';

export interface CacheContext {
  readonly cacheDir: string;
  readonly yes: boolean;
  readonly say: (line: string) => void;
  /** Asks yes/no on a terminal; undefined without one. */
  readonly confirm?: (question: string) => Promise<boolean>;
}

export async function cacheCommand(action: CacheAction, ctx: CacheContext): Promise<number> {
  const installs = await listCachedVersions(ctx.cacheDir);
  switch (action) {
    case 'list':
      if (installs.length === 0) ctx.say(`No installs in ${ctx.cacheDir}.`);
      for (const install of installs) ctx.say(installLine(install));
      return 0;
    case 'prune': {
      const removed = pruneCandidates(installs);
      for (const install of removed) await removeInstall(ctx.cacheDir, install);
      ctx.say(removed.length === 0 ? 'Nothing to prune.' : `Removed ${removed.map((install) => `${install.version} ${install.platform}`).join(', ')}.`);
      return 0;
    }
    case 'clear': {
      if (installs.length === 0) {
        ctx.say(`No installs in ${ctx.cacheDir}.`);
        return 0;
      }
      if (!ctx.yes) {
        if (!ctx.confirm) {
          throw new GlideError(
            'EUSAGE',
            `glide-up cache clear would remove ${installs.length} install(s) from ${ctx.cacheDir}; without a terminal to ask, pass --yes.`,
          );
        }
        if (!(await ctx.confirm(`Remove all ${installs.length} install(s) from ${ctx.cacheDir}?`)))
          throw new GlideError('ECANCELLED', 'Cancelled: nothing was removed.');
      }
      for (const install of installs) await removeInstall(ctx.cacheDir, install);
      await rm(join(ctx.cacheDir, 'downloads'), { recursive: true, force: true });
      ctx.say(`Removed ${installs.length} install(s) and any partial downloads.`);
      return 0;
    }
  }
}

function installLine(install: CachedVersion): string {
  return `${install.version.padEnd(14)} ${install.platform.padEnd(16)} ${`${(install.size / 1e6).toFixed(1)} MB`.padStart(9)}  ${install.verified ? 'verified  ' : 'UNVERIFIED'}  ${install.dir}`;
}

async function removeInstall(cacheDir: string, install: CachedVersion): Promise<void> {
  // listCachedVersions only returns folders it found under versions/; said again where it deletes.
  const inside = relative(join(cacheDir, 'versions'), install.dir);
  if (inside.startsWith('..') || inside.split(/[\\/]/).length !== 2) throw new Error(`refusing to remove ${install.dir}: not an install folder of ${cacheDir}`);
  await rm(install.dir, { recursive: true, force: true });
  // The version's folder goes too once no platform is left in it.
  await rmdir(dirname(install.dir)).catch(() => {});
}
