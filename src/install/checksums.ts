/**
 * The release's checksums file is the installer's manifest: one small request says which
 * platforms exist and what each archive must hash to, with no API call.
 */
import { GlideError, archiveName, type Target } from '#contract';

const LINE = /^([0-9a-fA-F]{64}) [ *](.+)$/;

/** Parses `<64 hex>  <name>` lines (sha256sum's text and `*` binary forms); a malformed line fails closed. */
export function parseChecksums(text: string): ReadonlyMap<string, string> {
  const entries = new Map<string, string>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '') return;
    const match = LINE.exec(line);
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

/** The platforms a release has archives for, read from the names in its checksums file. */
export function platformsInChecksums(checksums: ReadonlyMap<string, string>, version: string): string[] {
  const prefix = `glide_v${version}_`;
  const platforms = new Set<string>();
  for (const name of checksums.keys()) {
    const match = /^([a-z0-9]+)_([a-z0-9]+)\.(tar\.gz|zip)$/.exec(name.startsWith(prefix) ? name.slice(prefix.length) : '');
    if (match) platforms.add(`${match[1]}/${match[2]}`);
  }
  return [...platforms].sort();
}

/** The archive for `target` and the hash it must have; a platform the release lacks is named with those it has. */
export function expectedArchive(
  checksums: ReadonlyMap<string, string>,
  version: string,
  target: Target,
): { readonly asset: string; readonly sha256: string } {
  const asset = archiveName(version, target);
  const sha256 = checksums.get(asset);
  if (sha256) return { asset, sha256 };
  const platforms = platformsInChecksums(checksums, version);
  throw new GlideError('EUNSUPPORTEDPLATFORM', `Glide ${version} has no build for ${asset.slice(`glide_v${version}_`.length).replace(/\.(tar\.gz|zip)$/, '').replace('_', '/')}.`, [
    platforms.length > 0 ? `It has: ${platforms.join(', ')}.` : 'Its checksums file lists no archives.',
    'Pick one with --os and --arch, or another version with --glide-version.',
  ]);
}
