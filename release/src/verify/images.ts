/**
 * `glide-release verify`'s image checks (decision 0042): the images of a release, read from its
 * registry, against the GitHub release read beside them. Pure, as report.ts: facts in, one
 * check per line out, so each failure is a table row.
 */
import {
  DEFAULT_DISTRO,
  DISTROS,
  formatTarget,
  highestVersion,
  imageTag,
  parseArchiveName,
  parseImageTag,
  tryParseReleaseVersion,
  type Distro,
  type ErrorCode,
  type Target,
} from '#contract';
import { platformsToBuild, type Platform } from '../images/config.js';
import { platformName } from '../images/promote-proof.js';
import { releasedVersions } from '../images/tags.js';
import { fail, pass, type GithubReleaseFacts, type VerifyCheck } from './report.js';

export interface PlatformImageFacts {
  readonly platform: Platform;
  /** The platform's image manifest. */
  readonly digest: string;
  readonly annotations: Readonly<Record<string, string>>;
  /** The config's `Labels`. */
  readonly labels: Readonly<Record<string, string>>;
  /** `/bin/glide` in glide's layer, or why it could not be found. */
  readonly binary: { readonly digest: string } | { readonly problem: string };
}

export interface DistroImageFacts {
  readonly distro: Distro;
  /** What `{version}-{distro}` names. */
  readonly digest: string;
  readonly annotations: Readonly<Record<string, string>>;
  /** The index's platforms (attestations and other entries without a platform left out). */
  readonly platforms: readonly PlatformImageFacts[];
  /** The platforms of the base the index names (`base.name` at `base.digest`), or why it could not be read. */
  readonly base: { readonly platforms: readonly Platform[] } | { readonly code: ErrorCode; readonly problem: string };
}

export interface ImageFacts {
  /** `ghcr.io/einstack/glide`. */
  readonly repository: string;
  /** Each distro with a `{version}-{distro}` tag, in DISTROS order. */
  readonly images: readonly DistroImageFacts[];
  /** Every tag of the repository. */
  readonly registryTags: readonly string[];
  /** The digest of each tag of `tagsToRead` the registry has. */
  readonly tagDigests: ReadonlyMap<string, string>;
}

const VERSION = 'org.opencontainers.image.version';
const REVISION = 'org.opencontainers.image.revision';
const SOURCE = 'org.opencontainers.image.source';

/** The tags whose digests the checks read: the version's own, the highest stable's, and the moving ones; only those the registry has. */
export function tagsToRead(version: string, registryTags: readonly string[]): string[] {
  const highest = highestVersion(releasedVersions(registryTags), false);
  const wanted = new Set(['latest', version, ...DISTROS.flatMap((distro) => [`latest-${distro}`, imageTag(version, distro)])]);
  if (highest) for (const tag of [highest, ...DISTROS.map((distro) => imageTag(highest, distro))]) wanted.add(tag);
  return registryTags.filter((tag) => wanted.has(tag)).sort();
}

export function checkImages(github: GithubReleaseFacts, facts: ImageFacts): VerifyCheck[] {
  const { version } = github;
  const checks: VerifyCheck[] = [];
  if (facts.images.length === 0) {
    checks.push(fail('images', 'EIMAGETAG', `${facts.repository} has no ${imageTag(version, '{distro}')} tag (for any of ${DISTROS.join(', ')})`));
  }
  // Without a published release there are no archives to hold the images against (the release check says why).
  const published = github.release !== undefined && !github.release.draft;
  for (const image of facts.images) {
    const tag = imageTag(version, image.distro);
    checks.push(pass(`image ${tag}`, `${facts.repository}:${tag} is ${image.digest}`));
    checks.push(labelCheck(github, image));
    if (published) checks.push(platformCheck(github, image), ...binaryChecks(github, image));
  }
  checks.push(...movingTagChecks(version, facts));
  return checks;
}

/** The version, the tag's commit and the repository, on the index, every manifest and every config. */
function labelCheck(github: GithubReleaseFacts, image: DistroImageFacts): VerifyCheck {
  const expected: Array<[string, string | undefined]> = [
    [VERSION, github.version],
    [REVISION, github.tagCommit],
    [SOURCE, `https://github.com/${github.repo}`],
  ];
  const documents: Array<[string, Readonly<Record<string, string>>]> = [
    ['index', image.annotations],
    ...image.platforms.flatMap((platform): Array<[string, Readonly<Record<string, string>>]> => [
      [`manifest ${platformName(platform.platform)}`, platform.annotations],
      [`config ${platformName(platform.platform)}`, platform.labels],
    ]),
  ];
  const wrong: string[] = [];
  for (const [where, labels] of documents) {
    for (const [key, value] of expected) {
      if (value !== undefined && labels[key] !== value) wrong.push(`${where} says ${key.slice(key.lastIndexOf('.') + 1)} ${labels[key] ?? 'nothing'}`);
    }
  }
  const name = `labels ${imageTag(github.version, image.distro)}`;
  if (wrong.length > 0) {
    const want = expected.flatMap(([key, value]) => (value === undefined ? [] : [`${key.slice(key.lastIndexOf('.') + 1)} ${value}`])).join(', ');
    return fail(name, 'EIMAGEMISMATCH', `${wrong.join('; ')} (expected ${want})`);
  }
  return pass(
    name,
    `version ${github.version}${github.tagCommit ? `, revision ${github.tagCommit.slice(0, 12)}` : ' (GitHub has no tag: revision not checked)'}`,
  );
}

/** The Linux targets the release has archives for. */
function archiveTargets(github: GithubReleaseFacts): Target[] {
  return github.assets.flatMap((asset) => {
    const archive = parseArchiveName(asset.name);
    return archive?.version === github.version && archive.target.os === 'linux' ? [archive.target] : [];
  });
}

/** The archive's target an image platform holds, as the build pairs them (config.ts `platformsToBuild`). */
function targetOf(platform: Platform, targets: readonly Target[]): Target | undefined {
  return targets.find((target) => platformsToBuild([target], [{ platform }]).build.length === 1);
}

/** Exactly the Linux targets released that the base offers, as build makes them. */
function platformCheck(github: GithubReleaseFacts, image: DistroImageFacts): VerifyCheck {
  const name = `platforms ${imageTag(github.version, image.distro)}`;
  const released = archiveTargets(github);
  if ('problem' in image.base) return fail(name, image.base.code, `cannot read the base the index names, to know its platforms: ${image.base.problem}`);
  const plan = platformsToBuild(
    released,
    image.base.platforms.map((platform) => ({ platform })),
  );
  const has = new Set(
    image.platforms.flatMap((platform) => (targetOf(platform.platform, released) ? [formatTarget(targetOf(platform.platform, released)!)] : [])),
  );
  const problems = [
    ...image.platforms
      .filter((platform) => !targetOf(platform.platform, released))
      .map((platform) => `has ${platformName(platform.platform)}, for which the release has no archive`),
    ...plan.build
      .map(({ target }) => formatTarget(target))
      .filter((target) => !has.has(target))
      .map((target) => `lacks ${target}, released and offered by the base`),
  ];
  if (problems.length > 0) return fail(name, 'EIMAGEMISMATCH', problems.join('; '));
  const lacking = plan.lacking.length > 0 ? ` (the base offers no ${plan.lacking.map(formatTarget).join(', ')})` : '';
  return pass(name, `${[...has].sort().join(', ')}${lacking}`);
}

/** `/bin/glide` in each platform's image is the binary of that platform's archive. */
function binaryChecks(github: GithubReleaseFacts, image: DistroImageFacts): VerifyCheck[] {
  const released = archiveTargets(github);
  return image.platforms.flatMap((platform) => {
    const target = targetOf(platform.platform, released);
    if (!target) return [];
    const name = `binary ${imageTag(github.version, image.distro)} ${formatTarget(target)}`;
    const archive = github.assets.find(
      (asset) => parseArchiveName(asset.name)?.version === github.version && isTarget(parseArchiveName(asset.name)!.target, target),
    );
    const inArchive = archive?.binary;
    // An archive not downloaded (an unfinished upload) fails its own asset check.
    if (!archive || !inArchive) return [];
    if ('problem' in inArchive) return [fail(name, 'EIMAGEMISMATCH', `the binary in ${archive.name} cannot be read: ${inArchive.problem}`)];
    if ('problem' in platform.binary) return [fail(name, 'EIMAGEMISMATCH', `the image's glide layer cannot be read: ${platform.binary.problem}`)];
    return [
      platform.binary.digest === inArchive.digest
        ? pass(name, `/bin/glide is ${archive.name}'s glide (${inArchive.digest})`)
        : fail(name, 'EIMAGEMISMATCH', `/bin/glide is ${platform.binary.digest}, the glide in ${archive.name} is ${inArchive.digest}`),
    ];
  });
}

function isTarget(a: Target, b: Target): boolean {
  return formatTarget(a) === formatTarget(b);
}

/**
 * `latest` and `latest-{distro}` name the highest stable's images, or nothing when no stable is
 * out (an RC never); the bare `{version}` names `{version}-{default distro}`: every stable has one, an RC none.
 */
function movingTagChecks(version: string, facts: ImageFacts): VerifyCheck[] {
  const digests = facts.tagDigests;
  const highest = highestVersion(releasedVersions(facts.registryTags), false);
  const named = (digest: string | undefined): string => {
    if (digest === undefined) return 'nothing';
    // Named by the version tags only: `latest` or a bare version says nothing about whose image it is.
    const tags = [...digests].filter(([tag, of]) => of === digest && parseImageTag(tag) !== undefined).map(([tag]) => tag);
    return tags.length > 0 ? `${tags.join(', ')} (${digest})` : digest;
  };
  const checks: VerifyCheck[] = [];
  const moving: Array<[string, Distro]> = [['latest', DEFAULT_DISTRO], ...DISTROS.map((distro): [string, Distro] => [`latest-${distro}`, distro])];
  for (const [tag, distro] of moving) {
    const expected = highest ? digests.get(imageTag(highest, distro)) : undefined;
    const actual = digests.get(tag);
    // A distro no stable was built for has no latest-{distro}: nothing to say.
    if (expected === undefined && actual === undefined && tag !== 'latest') continue;
    const name = `image tag ${tag}`;
    const should =
      expected === undefined
        ? highest
          ? `${highest} has no ${distro} image`
          : 'no stable is released'
        : `the highest stable's is ${imageTag(highest!, distro)}`;
    checks.push(
      actual === expected
        ? pass(name, expected === undefined ? `absent: ${should}` : `names ${imageTag(highest!, distro)}, the highest stable`)
        : fail(name, 'ELATEST', `names ${named(actual)}, but ${should}${expected ? ` (${expected})` : ''}`),
    );
  }
  const bare = digests.get(version);
  const own = digests.get(imageTag(version, DEFAULT_DISTRO));
  const name = `image tag ${version}`;
  if (tryParseReleaseVersion(version)?.kind !== 'stable') {
    if (bare !== undefined) checks.push(fail(name, 'EIMAGETAG', `names ${named(bare)}, but an RC gets no bare version tag`));
  } else if (bare === undefined && own !== undefined) {
    checks.push(fail(name, 'EIMAGETAG', `absent, but every stable has one, naming ${imageTag(version, DEFAULT_DISTRO)}`));
  } else if (bare !== undefined) {
    checks.push(
      bare === own
        ? pass(name, `names ${imageTag(version, DEFAULT_DISTRO)}`)
        : fail(name, 'EIMAGETAG', `names ${named(bare)}, not ${imageTag(version, DEFAULT_DISTRO)} (${own ?? 'absent'})`),
    );
  }
  return checks;
}
