/**
 * `glide-release verify`'s decisions (decision 0040): every fact about a published release,
 * read from the outside, in; one check per line out. Pure, so each check's failure is a table row.
 */
import { checksumsName, isGlideError, mayBeLatest, parseArchiveName, parseChecksums, tryParseReleaseVersion, type ErrorCode } from '#contract';

export interface VerifyCheck {
  /** What was checked: `checksum glide_v0.1.0_linux_amd64.tar.gz`. */
  readonly name: string;
  readonly ok: boolean;
  /** Set when the check failed. */
  readonly code?: ErrorCode;
  readonly detail: string;
}

export interface ReleaseAssetFacts {
  readonly name: string;
  /** `uploaded`, or `open` for an upload that never finished. */
  readonly state: string;
  /** GitHub's `sha256:…`, null on assets from before GitHub computed digests. */
  readonly githubDigest: string | null;
  /** `sha256:…` of the bytes downloaded; undefined when not downloaded (an unfinished upload). */
  readonly downloadedDigest?: string;
  /** A Linux archive's binary, read from the same download: what the images must hold. */
  readonly binary?: { readonly digest: string } | { readonly problem: string };
}

export interface GithubReleaseFacts {
  readonly version: string;
  readonly repo: string;
  /** The release on the tag `version`, or undefined when GitHub has none. */
  readonly release?: { readonly draft: boolean; readonly prerelease: boolean };
  readonly assets: readonly ReleaseAssetFacts[];
  /** The checksums file's text, or undefined when the release has none. */
  readonly checksumsText?: string;
  /** The tag GitHub marks "latest", or undefined when none is. */
  readonly latestTag?: string;
  /** Tags of every published (non-draft) release of the repository. */
  readonly publishedTags: readonly string[];
  /** The commit the tag names on GitHub, when it has the tag: the images' `revision`. */
  readonly tagCommit?: string;
}

export function checkGithubRelease(facts: GithubReleaseFacts): VerifyCheck[] {
  const { version, release } = facts;
  const parsed = tryParseReleaseVersion(version);
  if (!release) {
    return [fail('release', 'ENORELEASE', `${facts.repo} has no published release on the tag ${version}`)];
  }
  if (release.draft) return [fail('release', 'ENORELEASE', `the release ${version} is still a draft: nobody else can see it`)];
  const checks: VerifyCheck[] = [pass('release', `${facts.repo} ${version} is published`)];
  const rc = parsed?.kind === 'rc';
  checks.push(
    release.prerelease === rc
      ? pass('prerelease', rc ? 'an RC, marked prerelease' : 'a stable, not marked prerelease')
      : fail('prerelease', 'EPRERELEASEFLAG', rc ? 'an RC, but not marked prerelease' : 'a stable, but marked prerelease'),
  );
  checks.push(latestCheck(facts));
  checks.push(...assetChecks(facts));
  return checks;
}

/** "latest" is the highest published stable: this release must be it exactly when mayBeLatest says so. */
function latestCheck({ version, latestTag, publishedTags }: GithubReleaseFacts): VerifyCheck {
  const shouldBe = mayBeLatest(version, publishedTags);
  const is = latestTag === version;
  const now = `GitHub's latest is ${latestTag ?? 'none'}`;
  if (shouldBe === is) return pass('latest', shouldBe ? `${version} is latest, the highest stable` : `${version} is not latest (${now})`);
  return fail(
    'latest',
    'ELATEST',
    shouldBe ? `${version} is the highest stable but not latest (${now})` : `${version} is latest, but an RC or an older line's stable must not be`,
  );
}

function assetChecks({ version, assets, checksumsText }: GithubReleaseFacts): VerifyCheck[] {
  const checksumsFile = checksumsName(version);
  const checks: VerifyCheck[] = [];
  let listed: ReadonlyMap<string, string> | undefined;
  if (checksumsText === undefined) {
    checks.push(fail(`checksums ${checksumsFile}`, 'EMISSINGASSET', 'the release has no checksums file'));
  } else {
    try {
      listed = parseChecksums(checksumsText);
      checks.push(pass(`checksums ${checksumsFile}`, `${listed.size} files listed`));
    } catch (error) {
      if (!isGlideError(error)) throw error;
      checks.push(fail(`checksums ${checksumsFile}`, 'ECHECKSUM', error.message));
    }
  }
  for (const asset of [...assets].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    checks.push(...oneAsset(asset, version, checksumsFile, listed));
  }
  const present = new Set(assets.map((asset) => asset.name));
  for (const name of [...(listed?.keys() ?? [])].sort()) {
    if (!present.has(name)) checks.push(fail(`asset ${name}`, 'EMISSINGASSET', 'listed in the checksums file but not on the release'));
  }
  if (listed && ![...listed.keys()].some((name) => parseArchiveName(name))) {
    checks.push(fail('archives', 'EMISSINGASSET', 'the checksums file lists no archive'));
  }
  return checks;
}

function oneAsset(asset: ReleaseAssetFacts, version: string, checksumsFile: string, listed: ReadonlyMap<string, string> | undefined): VerifyCheck[] {
  const label = `asset ${asset.name}`;
  if (asset.state !== 'uploaded') return [fail(label, 'EMISSINGASSET', `its upload never finished (state ${asset.state})`)];
  const checks: VerifyCheck[] = [];
  const archive = parseArchiveName(asset.name);
  if (asset.name !== checksumsFile) {
    checks.push(
      archive?.version === version
        ? pass(`name ${asset.name}`, 'an archive of this version')
        : fail(`name ${asset.name}`, 'EASSETNAME', archive ? `an archive of ${archive.version}, not ${version}` : 'not a name glide-release writes'),
    );
  }
  const downloaded = asset.downloadedDigest;
  if (asset.githubDigest && downloaded && asset.githubDigest !== downloaded) {
    checks.push(fail(`digest ${asset.name}`, 'ECHECKSUM', `GitHub says ${asset.githubDigest}, the bytes downloaded are ${downloaded}`));
  } else if (asset.githubDigest) {
    checks.push(pass(`digest ${asset.name}`, `GitHub's digest matches the bytes`));
  }
  if (asset.name === checksumsFile || !listed) return checks;
  const expected = listed.get(asset.name);
  if (!expected) checks.push(fail(`checksum ${asset.name}`, 'ECHECKSUM', `not listed in ${checksumsFile}`));
  else if (downloaded !== `sha256:${expected}`)
    checks.push(fail(`checksum ${asset.name}`, 'ECHECKSUM', `${checksumsFile} says sha256:${expected}, the bytes are ${downloaded}`));
  else checks.push(pass(`checksum ${asset.name}`, `sha256:${expected}`));
  return checks;
}

/** One line per check, then the verdict. */
export function formatVerifyReport(version: string, checks: readonly VerifyCheck[]): string {
  const lines = checks.map((check) => (check.ok ? `pass  ${check.name}: ${check.detail}` : `FAIL  ${check.code}  ${check.name}: ${check.detail}`));
  const failed = checks.filter((check) => !check.ok).length;
  lines.push(failed === 0 ? `${version}: all ${checks.length} checks pass` : `${version}: ${failed} of ${checks.length} checks FAIL`);
  return lines.map((line) => `${line}\n`).join('');
}

export function pass(name: string, detail: string): VerifyCheck {
  return { name, ok: true, detail };
}

export function fail(name: string, code: ErrorCode, detail: string): VerifyCheck {
  return { name, ok: false, code, detail };
}
