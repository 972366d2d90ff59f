/**
 * Which release a version request means. An exact version is answered without asking
 * anyone (rate limits and air gaps stay out of the way); `latest` and `rc` ask a lookup.
 */
import { GlideError, highestVersion, tryParseReleaseVersion } from '#contract';

export type VersionRequest = { readonly kind: 'exact'; readonly version: string } | { readonly kind: 'latest' } | { readonly kind: 'rc' };

export interface ListedRelease {
  readonly tag: string;
  readonly prerelease: boolean;
}

/** What `latest` and `rc` need from a source; adapters live in lookup.ts. */
export interface ReleaseLookup {
  /** The newest stable release's tag, by the source's own rule (GitHub's `releases/latest`). */
  latestStable(): Promise<string>;
  /** Every published release. */
  list(): Promise<readonly ListedRelease[]>;
}

/** `latest`, `rc`, or a version (a leading `v` is forgiven: Glide's release titles carry one, its tags do not). */
export function parseVersionRequest(text: string): VersionRequest {
  const value = text.trim();
  if (value === 'latest' || value === 'stable') return { kind: 'latest' };
  if (value === 'rc') return { kind: 'rc' };
  const version = tryParseReleaseVersion(/^v\d/.test(value) ? value.slice(1) : value);
  if (version) return { kind: 'exact', version: version.version };
  // The release parser's reasons speak to whoever tags a release; the installer's user picks one.
  throw new GlideError('EUSAGE', `--glide-version ${text}: not a Glide version; use latest, rc, or an exact version like 0.1.0 or 0.1.0-rc.1`, [
    'latest is the newest stable release; rc the newest release, release candidates included.',
  ]);
}

export async function resolveVersion(request: VersionRequest, lookup: ReleaseLookup): Promise<string> {
  switch (request.kind) {
    case 'exact':
      return request.version;
    case 'latest':
      return lookup.latestStable();
    case 'rc': {
      const releases = await lookup.list();
      const tag = highestVersion(
        releases.map((release) => release.tag),
        true,
      );
      if (!tag) {
        throw new GlideError('ENORELEASE', 'The source lists no release at all.', ['Check GLIDE_REPO or --download-base-url, or pass an exact version.']);
      }
      return tag;
    }
  }
}

/** For a mirror's index: the highest stable by semver (an older line's patch published later does not win). */
export function highestStable(releases: readonly ListedRelease[]): string {
  const tag = highestVersion(
    releases.filter((release) => !release.prerelease).map((release) => release.tag),
    false,
  );
  if (!tag) {
    throw new GlideError('ENORELEASE', 'The mirror lists no stable release yet.', [
      'Use --glide-version rc for the newest release candidate, or an exact version.',
    ]);
  }
  return tag;
}
