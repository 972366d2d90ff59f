/**
 * The installs in the cache, as glide-up's version fallback and `cache` command see them:
 * `{cache}/versions/{version}/{os}_{arch}/` with a receipt. Reading is here; the choices over
 * what was read (what prune removes) are pure. Light on purpose: `cache list` loads no
 * network or archive code.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { compareVersions, tryParseReleaseVersion } from '#contract';
import { RECEIPT_FILE, type InstallReceipt } from '../install/cache.js';

export interface CachedVersion {
  readonly version: string;
  /** `linux_amd64`, the folder's name. */
  readonly platform: string;
  readonly dir: string;
  /** The receipt says the archive was checked against the release's checksums. */
  readonly verified: boolean;
  /** Bytes on disk under `dir`. */
  readonly size: number;
  readonly prerelease: boolean;
}

/** Every install folder in the cache with a readable receipt, newest version first. Staging folders and locks are skipped. */
export async function listCachedVersions(cacheDir: string): Promise<CachedVersion[]> {
  const root = join(cacheDir, 'versions');
  const versions = await readdir(root).catch(() => [] as string[]);
  const found: CachedVersion[] = [];
  for (const version of versions) {
    const parsed = tryParseReleaseVersion(version);
    if (!parsed) continue;
    for (const entry of await readdir(join(root, version), { withFileTypes: true }).catch(() => [])) {
      if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
      const dir = join(root, version, entry.name);
      const receipt = await readFile(join(dir, RECEIPT_FILE), 'utf8')
        .then((text) => JSON.parse(text) as Partial<InstallReceipt>)
        .catch(() => undefined);
      found.push({ version, platform: entry.name, dir, verified: receipt?.verified === true, size: await folderSize(dir), prerelease: parsed.kind === 'rc' });
    }
  }
  return found.sort((a, b) => compareVersions(b.version, a.version) || a.platform.localeCompare(b.platform));
}

async function folderSize(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => [])) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name)).catch(() => ({ size: 0 }))).size;
  }
  return total;
}

/** What `cache prune` removes: every install but the newest stable and the newest RC of each platform. Pure. */
export function pruneCandidates(installs: readonly CachedVersion[]): CachedVersion[] {
  const kept = new Set<string>();
  const remove: CachedVersion[] = [];
  for (const install of [...installs].sort((a, b) => compareVersions(b.version, a.version))) {
    const channel = `${install.platform} ${install.prerelease ? 'rc' : 'stable'}`;
    if (kept.has(channel)) remove.push(install);
    else kept.add(channel);
  }
  return remove;
}
