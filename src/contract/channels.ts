import semver from 'semver';
import { GlideError } from './errors.js';

/** What kind of release a version is. Only `X.Y.Z` and `X.Y.Z-rc.N` (N ≥ 1) are releasable. */
export type ReleaseKind = 'stable' | 'rc';

export interface ReleaseVersion {
  readonly version: string;
  readonly kind: ReleaseKind;
  /** The RC number, for `rc` versions. */
  readonly rc?: number;
  /** `X.Y.Z` without the pre-release part. */
  readonly core: string;
  /** `X.Y`: the line a version belongs to. */
  readonly line: string;
}

const RC_FORM = /^rc\.([1-9]\d*)$/;

/** Parses a git tag as Glide writes them (no `v` prefix); throws ENOTSEMVER / EPRERELEASEFORM. */
export function parseReleaseVersion(tag: string): ReleaseVersion {
  const parsed = semver.parse(tag);
  if (!parsed || !/^\d/.test(tag) || tag.trim() !== tag) {
    const hint = /^v\d/.test(tag) ? `Glide's tags carry no "v" prefix: tag ${tag.slice(1)} instead.` : 'Tag releases as X.Y.Z or X.Y.Z-rc.N, e.g. 0.1.0-rc.1.';
    throw new GlideError('ENOTSEMVER', `"${tag}" is not a semantic version. ${hint}`);
  }
  const core = `${parsed.major}.${parsed.minor}.${parsed.patch}`;
  const line = `${parsed.major}.${parsed.minor}`;
  if (parsed.build.length > 0) {
    throw new GlideError('EPRERELEASEFORM', `"${tag}" has build metadata (+${parsed.build.join('.')}); release tags are X.Y.Z or X.Y.Z-rc.N.`);
  }
  if (parsed.prerelease.length === 0) return { version: tag, kind: 'stable', core, line };
  const match = RC_FORM.exec(parsed.prerelease.join('.'));
  if (!match) {
    throw new GlideError('EPRERELEASEFORM', `"${tag}" is a pre-release, but only release candidates of the form ${core}-rc.N (N ≥ 1) are allowed.`);
  }
  return { version: tag, kind: 'rc', rc: Number(match[1]), core, line };
}

/** Like parseReleaseVersion, but returns undefined for tags that are not releases (other tags in a repo). */
export function tryParseReleaseVersion(tag: string): ReleaseVersion | undefined {
  try {
    return parseReleaseVersion(tag);
  } catch {
    return undefined;
  }
}

export function compareVersions(a: string, b: string): number {
  return semver.compare(a, b);
}

/**
 * The one rule for every moving "latest" (GitHub's make_latest, `latest` image tags, Homebrew):
 * only a stable release that is at least as high as every stable release already out. An RC
 * never is; neither is a maintenance release of an older line.
 */
export function mayBeLatest(version: string, releasedVersions: readonly string[]): boolean {
  const candidate = parseReleaseVersion(version);
  if (candidate.kind !== 'stable') return false;
  return releasedVersions.map(tryParseReleaseVersion).every((other) => !other || other.kind !== 'stable' || semver.gte(version, other.version));
}

/** The highest version in a list, RCs included or not; undefined for an empty choice. */
export function highestVersion(versions: readonly string[], includeRc: boolean): string | undefined {
  const eligible = versions.filter((v) => {
    const parsed = tryParseReleaseVersion(v);
    return parsed && (includeRc || parsed.kind === 'stable');
  });
  return eligible.sort(semver.rcompare)[0];
}
