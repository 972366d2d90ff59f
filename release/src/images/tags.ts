/**
 * Which tags an image gets. Pure: the registry's tags come in as data, so the "latest" rule is
 * decided from what the registry holds, never from what was pushed last.
 */
import { imageTag, mayBeLatest, parseImageTag, tryParseReleaseVersion, type Distro } from '#contract';

export interface ImageTagPlan {
  /** `{version}-{distro}`: put once, never moved (HEAD before PUT). */
  readonly immutable: readonly string[];
  /**
   * Put once the release is public: `latest-{distro}`, and for the default distro `latest`, when
   * this is the highest stable; a stable's bare `{version}` (default distro) always, so
   * `glide:0.0.4` pulls a maintenance stable as `glide:0.1.0` does the newest.
   */
  readonly moving: readonly string[];
}

export function planImageTags(input: {
  readonly version: string;
  readonly distro: Distro;
  readonly defaultDistro: Distro;
  readonly registryTags: readonly string[];
}): ImageTagPlan {
  const { version, distro, defaultDistro } = input;
  const immutable = [imageTag(version, distro)];
  const bare = distro === defaultDistro && tryParseReleaseVersion(version)?.kind === 'stable' ? [version] : [];
  if (!mayBeLatest(version, releasedVersions(input.registryTags))) return { immutable, moving: bare };
  const moving = [`latest-${distro}`, ...(distro === defaultDistro ? ['latest', ...bare] : [])];
  return { immutable, moving };
}

/**
 * The release versions a registry's tags name: bare `{version}` and `{version}-{distro}`.
 * `latest*` and anything else (a hand-pushed `dev`, `0.1.0-foo`) name no release and are
 * ignored; RCs are returned and left to `mayBeLatest`, which never counts them.
 */
export function releasedVersions(registryTags: readonly string[]): string[] {
  const versions = new Set<string>();
  for (const tag of registryTags) {
    const bare = tryParseReleaseVersion(tag);
    if (bare) {
      versions.add(bare.version);
      continue;
    }
    const image = parseImageTag(tag);
    if (image) versions.add(image.version);
  }
  return [...versions];
}
