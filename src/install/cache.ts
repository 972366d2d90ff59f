/**
 * Where installs live: `{cache}/versions/{version}/{os}_{arch}/glide`, one folder per
 * version and platform, each with the receipt that says where it came from. Pure.
 */
import { join } from 'node:path';
import { assetArch, binaryName, type Target } from '../contract/index.js';

export interface CacheEnvironment {
  readonly env: NodeJS.ProcessEnv;
  readonly platform: string;
  readonly home: string;
}

/** `GLIDE_CACHE_DIR`, else the platform's cache folder: `~/.cache/glide` (XDG), `~/Library/Caches/glide`, `%LOCALAPPDATA%\glide\Cache`. */
export function cacheDir({ env, platform, home }: CacheEnvironment): string {
  if (env.GLIDE_CACHE_DIR) return env.GLIDE_CACHE_DIR;
  if (platform === 'darwin') return join(home, 'Library', 'Caches', 'glide');
  if (platform === 'win32') return join(env.LOCALAPPDATA ?? join(home, 'AppData', 'Local'), 'glide', 'Cache');
  return join(env.XDG_CACHE_HOME || join(home, '.cache'), 'glide');
}

export interface InstallPaths {
  /** The finished install: appears whole (a rename) or not at all. */
  readonly dir: string;
  readonly binary: string;
  readonly receipt: string;
  /** Serialises installs of the same version and platform across processes. */
  readonly lock: string;
  /** Where a download in progress keeps its bytes, to resume. */
  readonly partial: string;
  /** Parent of the private staging folders renamed into `dir`. */
  readonly versionDir: string;
}

export function installPaths(cache: string, version: string, target: Target, asset: string): InstallPaths {
  const versionDir = join(cache, 'versions', version);
  const dir = join(versionDir, `${target.os}_${assetArch(target)}`);
  return {
    dir,
    binary: join(dir, binaryName(target.os)),
    receipt: join(dir, 'receipt.json'),
    lock: `${dir}.lock`,
    partial: join(cache, 'downloads', `${asset}.partial`),
    versionDir,
  };
}

/** What an install records about itself (`receipt.json`). */
export interface InstallReceipt {
  readonly version: string;
  readonly target: string;
  readonly asset: string;
  /** The archive's sha256, as the checksums file lists it (or as downloaded, when unverified). */
  readonly sha256: string;
  /** Whether the archive was checked against the release's checksums file. */
  readonly verified: boolean;
  readonly binarySize: number;
  /** Where the archive came from, without credentials. */
  readonly source: string;
  readonly installedAt: string;
}
