/**
 * Which store channels a release goes to (decision 0049). Pure, so the whole policy is one table test.
 *
 * - An RC is grade devel (render.ts), which the store refuses on candidate and stable: it goes to
 *   beta and edge. Edge too, so edge never stays on an older RC than beta.
 * - A stable goes to stable and every lower-risk channel, so people who follow beta or edge for
 *   RCs are not left on the RC once its stable is out.
 * - `latest/…` only ever moves up: a release below the highest stable out (a patch of an older
 *   line, or an RC of one) goes to its line's track `X.Y/…` instead.
 */
import { highestVersion, parseReleaseVersion, compareVersions } from '#contract';

export type SnapRisk = 'stable' | 'candidate' | 'beta' | 'edge';

const RC_RISKS: readonly SnapRisk[] = ['beta', 'edge'];
const STABLE_RISKS: readonly SnapRisk[] = ['stable', 'candidate', 'beta', 'edge'];

/**
 * The channels (`track/risk`) of `version`, given the stable versions already released
 * (`publishedVersions` may hold RCs and other tags: they are ignored).
 */
export function snapChannels(version: string, publishedVersions: readonly string[]): string[] {
  const release = parseReleaseVersion(version);
  const highestStable = highestVersion(publishedVersions, false);
  // An RC of X.Y.Z is on latest when X.Y.Z would be: its stable will be the highest.
  const onLatest = highestStable === undefined || compareVersions(release.core, highestStable) >= 0;
  const track = onLatest ? 'latest' : release.line;
  return (release.kind === 'rc' ? RC_RISKS : STABLE_RISKS).map((risk) => `${track}/${risk}`);
}
