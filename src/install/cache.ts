/**
 * Where installs live: `{cache}/versions/{version}/{os}_{arch}/glide`, one folder per
 * version and platform, each with the receipt that says where it came from. Pure.
 */
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { assetArch, binaryName, GlideError, type Target } from '#contract';

export interface CacheEnvironment {
  readonly env: NodeJS.ProcessEnv;
  readonly platform: string;
  /** Undefined when this user has none (HOME unset and no passwd entry, as under `docker run -u`). */
  readonly home: string | undefined;
}

/** The user's home folder, or undefined when there is none: os.homedir() throws then, or returns HOME even when empty. */
export function homeFolder(): string | undefined {
  try {
    return homedir() || undefined;
  } catch {
    return undefined;
  }
}

/** `GLIDE_CACHE_DIR`, else the platform's cache folder: `~/.cache/glide` (XDG), `~/Library/Caches/glide`, `%LOCALAPPDATA%\glide\Cache`. */
export function cacheDir({ env, platform, home }: CacheEnvironment): string {
  if (env.GLIDE_CACHE_DIR) return env.GLIDE_CACHE_DIR;
  // The XDG spec ignores a relative XDG_CACHE_HOME; an empty HOME must not become the current folder either.
  const xdg = env.XDG_CACHE_HOME && isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : undefined;
  if (platform === 'win32' && env.LOCALAPPDATA) return join(env.LOCALAPPDATA, 'glide', 'Cache');
  if (platform !== 'darwin' && platform !== 'win32' && xdg) return join(xdg, 'glide');
  if (!home || !isAbsolute(home)) {
    throw new GlideError(
      'ECACHEDIR',
      'There is no home folder (HOME is empty or unset, and this user has none), so there is no cache folder to install Glide into.',
      ['Set GLIDE_CACHE_DIR to a writable folder (or set HOME), and run again.'],
    );
  }
  if (platform === 'darwin') return join(home, 'Library', 'Caches', 'glide');
  if (platform === 'win32') return join(home, 'AppData', 'Local', 'glide', 'Cache');
  return join(home, '.cache', 'glide');
}

/** What an install records about itself, beside its binary. */
export const RECEIPT_FILE = 'receipt.json';

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
  /** Staging folders of this platform are named this plus six random characters: only the lock holder makes them. */
  readonly stagingPrefix: string;
}

export function installPaths(cache: string, version: string, target: Target, asset: string): InstallPaths {
  const versionDir = join(cache, 'versions', version);
  const platform = `${target.os}_${assetArch(target)}`;
  const dir = join(versionDir, platform);
  return {
    dir,
    binary: join(dir, binaryName(target.os)),
    receipt: join(dir, RECEIPT_FILE),
    lock: `${dir}.lock`,
    partial: join(cache, 'downloads', `${asset}.partial`),
    versionDir,
    stagingPrefix: `.staging-${platform}-`,
  };
}

/** What an install records about itself (`receipt.json`). */
export interface InstallReceipt {
  readonly version: string;
  readonly target: string;
  readonly asset: string;
  /** The archive's sha256, as the checksums file lists it (or as downloaded, when unverified). */
  readonly sha256: string;
  /** Whether the archive was checked against the release's checksums file. Only a verified install is reused by a run that verifies. */
  readonly verified: boolean;
  readonly binarySize: number;
  /** The installed binary's own sha256: a reuse checks the file against it. */
  readonly binarySha256: string;
  /** Where the archive came from, without credentials. */
  readonly source: string;
  readonly installedAt: string;
}
