/**
 * The release's checksums file is the installer's manifest: one small request says which
 * platforms exist and what each archive must hash to, with no API call. The file's format and
 * the archive names are the contract's (parseChecksums, parseArchiveName).
 */
import { archiveName, assetArch, GlideError, parseArchiveName, type Target } from '#contract';

/** The platforms a release has archives for, read from the names in its checksums file. */
export function platformsInChecksums(checksums: ReadonlyMap<string, string>, version: string): string[] {
  const platforms = new Set<string>();
  for (const name of checksums.keys()) {
    const archive = parseArchiveName(name);
    if (archive?.version === version) platforms.add(assetPlatform(archive.target));
  }
  return [...platforms].sort();
}

/** The archive for `target` and the hash it must have; a platform the release lacks is named with those it has. */
export function expectedArchive(checksums: ReadonlyMap<string, string>, version: string, target: Target): { readonly asset: string; readonly sha256: string } {
  const asset = archiveName(version, target);
  const sha256 = checksums.get(asset);
  if (sha256) return { asset, sha256 };
  const platforms = platformsInChecksums(checksums, version);
  throw new GlideError('EUNSUPPORTEDPLATFORM', `Glide ${version} has no build for ${assetPlatform(target)}.`, [
    platforms.length > 0 ? `It has: ${platforms.join(', ')}.` : 'Its checksums file lists no archives.',
    'Pick one with --os and --arch, or another version with --glide-version.',
  ]);
}

/** `linux/armv7`: a platform in the words of asset names and of `--os`/`--arch`. */
function assetPlatform(target: Target): string {
  return `${target.os}/${assetArch(target)}`;
}
