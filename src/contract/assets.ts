import { assetArch, type Target } from './targets.js';

export type ArchiveFormat = 'tar.gz' | 'zip';

/** Windows gets `.zip` (as Glide's releases do); every other OS `.tar.gz`. */
export function archiveFormat(os: string): ArchiveFormat {
  return os === 'windows' ? 'zip' : 'tar.gz';
}

/** The name of Glide's binary inside an archive. */
export function binaryName(os: string): string {
  return os === 'windows' ? 'glide.exe' : 'glide';
}

/** `glide_v0.1.0-rc.1_darwin_arm64.tar.gz`: exactly the names Glide's releases already use. */
export function archiveName(version: string, target: Target): string {
  return `glide_v${version}_${target.os}_${assetArch(target)}.${archiveFormat(target.os)}`;
}

/** `glide_v0.1.0-rc.1_checksums.txt` */
export function checksumsName(version: string): string {
  return `glide_v${version}_checksums.txt`;
}

/** Files copied from the repository root into every archive when present. */
export const ARCHIVE_EXTRA_FILES = ['LICENSE', 'CHANGELOG.md', 'ROADMAP.md'] as const;

export interface ChecksumEntry {
  readonly sha256: string;
  readonly name: string;
}

/** Glide's checksums format: `<64 hex>  <file name>`, one line each, sorted by name. */
export function formatChecksums(entries: readonly ChecksumEntry[]): string {
  return [...entries]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((entry) => `${entry.sha256}  ${entry.name}\n`)
    .join('');
}
