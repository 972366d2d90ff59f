/**
 * Which release the tap's formula names: never an RC (Glide's tap today is overwritten by
 * them), and never a maintenance release of an older line over a higher one already there
 * (0.0.4 must not replace 0.1.0: `brew upgrade` would take users backwards). Decision 0048.
 */
import semver from 'semver';
import { GlideError, tryParseReleaseVersion } from '#contract';
import type { LedgerStage } from '../../ledger.js';

export type HomebrewDecision =
  | { readonly action: 'write' }
  /** The tap is left as it is; `reason` is the plan's line saying why. */
  | { readonly action: 'leave'; readonly reason: string }
  /** The tap already names this version: the formula's text decides (same → nothing, same sha256s → update, else refuse). */
  | { readonly action: 'compare' };

/** Pure: what this release does to a tap whose formula names `tapVersion` (undefined: no formula yet). */
export function homebrewDecision(version: string, stage: LedgerStage, tapVersion: string | undefined): HomebrewDecision {
  if (stage !== 'stable')
    return { action: 'leave', reason: `${version} is ${stage === 'rc' ? 'a release candidate' : 'a snapshot'}: Homebrew gets stable releases only.` };
  if (tapVersion === undefined) return { action: 'write' };
  if (!tryParseReleaseVersion(tapVersion)) {
    throw new GlideError(
      'EHOMEBREWTAP',
      `The tap's formula says version "${tapVersion}", which is not a Glide release version: it was not written by glide-release.`,
      ['Fix the formula in the tap by hand (or remove it), then publish again.'],
    );
  }
  const order = semver.compare(version, tapVersion);
  if (order === 0) return { action: 'compare' };
  if (order > 0) return { action: 'write' };
  return { action: 'leave', reason: `${version} is older than the tap's ${tapVersion}: a maintenance release never replaces a higher version in the tap.` };
}
