/**
 * Chocolatey's version of a Glide release. The community feed takes SemVer 1 versions (NuGet
 * 2's rule: no dots and no build metadata in the pre-release, which starts with a letter), and
 * NuGet compares such a label as one string, ordinally and case-insensitively: `rc10` < `rc2`.
 * So the RC number is zero-padded to a fixed width, and an RC beyond it is refused rather than
 * misordered. Decision 0050.
 */
import { GlideError, parseReleaseVersion } from '#contract';

/** Two digits: Glide has never needed more than three RCs of a version. */
export const RC_DIGITS = 2;
const LARGEST_RC = 10 ** RC_DIGITS - 1;

/** `0.1.0` → `0.1.0`, `0.1.0-rc.2` → `0.1.0-rc02`; anything else is ECHOCOVERSION. */
export function chocolateyVersion(version: string): string {
  let release;
  try {
    release = parseReleaseVersion(version);
  } catch (error) {
    throw new GlideError('ECHOCOVERSION', `${version} has no Chocolatey version: ${(error as Error).message}`, [
      'Only releases (X.Y.Z and X.Y.Z-rc.N) are packaged for Chocolatey.',
    ]);
  }
  if (release.kind === 'stable') return release.core;
  const rc = release.rc!;
  if (rc > LARGEST_RC) {
    throw new GlideError('ECHOCOVERSION', `${version} has no Chocolatey version: rc${rc} would sort before rc${LARGEST_RC} on the feed.`, [
      `Chocolatey compares pre-release labels as text, so RC numbers are padded to ${RC_DIGITS} digits; an RC above ${LARGEST_RC} cannot be ordered.`,
      `Promote the RC to ${release.core}, or tag the next patch's rc.1, and leave this one out of Chocolatey.`,
    ]);
  }
  return `${release.core}-rc${String(rc).padStart(RC_DIGITS, '0')}`;
}
