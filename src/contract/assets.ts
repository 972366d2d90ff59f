import { GlideError } from './errors.js';
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

const ARCHIVE_NAME = /^glide_v([^_]+)_([a-z0-9]+)_([a-z0-9]+)\.(?:tar\.gz|zip)$/;

/** The reader of archiveName: the version and target a name is for, or undefined when archiveName would not write it. */
export function parseArchiveName(name: string): { readonly version: string; readonly target: Target } | undefined {
  const match = ARCHIVE_NAME.exec(name);
  if (!match?.[1] || !match[2] || !match[3]) return undefined;
  const [, version, os, arch] = match;
  const arm = /^armv([67])$/.exec(arch)?.[1] as Target['arm'];
  const target: Target = arm ? { os, arch: 'arm', arm } : { os, arch };
  // A name in the wrong format for its OS (a Windows .tar.gz) is not one of Glide's archives.
  return archiveName(version, target) === name ? { version, target } : undefined;
}

/** `glide_v0.1.0-rc.1_checksums.txt` */
export function checksumsName(version: string): string {
  return `glide_v${version}_checksums.txt`;
}

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

const CHECKSUM_LINE = /^([0-9a-fA-F]{64}) [ *](.+)$/;

/**
 * The reader of formatChecksums, and of sha256sum's text and `*` binary forms: name → lower-case
 * sha256. A malformed line, or a name listed twice with different hashes, fails closed (ECHECKSUM).
 */
export function parseChecksums(text: string): ReadonlyMap<string, string> {
  const entries = new Map<string, string>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '') return;
    const match = CHECKSUM_LINE.exec(line);
    if (!match?.[1] || !match[2]) {
      throw new GlideError('ECHECKSUM', `Line ${index + 1} of the checksums file is not "<sha256>  <file name>".`, [
        'The file is damaged or not a checksums file: nothing was installed. Run again; if it persists, report it.',
      ]);
    }
    const [, sha256, name] = match;
    const existing = entries.get(name);
    if (existing && existing !== sha256.toLowerCase()) {
      throw new GlideError('ECHECKSUM', `The checksums file lists ${name} twice with different hashes.`, [
        'Nothing was installed. Report it to the release maintainers.',
      ]);
    }
    entries.set(name, sha256.toLowerCase());
  });
  return entries;
}

/** Where GitHub serves a release's asset: what the installers and the package managers (Homebrew, Chocolatey) download. */
export function releaseDownloadUrl(repo: string, tag: string, asset: string, webUrl = 'https://github.com'): string {
  return `${webUrl}/${repo}/releases/download/${encodeURIComponent(tag)}/${encodeURIComponent(asset)}`;
}
