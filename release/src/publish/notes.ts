/**
 * The body of the GitHub release: what changed since the previous release of the same kind,
 * then every artifact with its digest and the commands that check them. Pure: the commits and
 * tags come in as data (a reader over git.ts gives them), so the notes are a function of the
 * ledger and the history.
 */
import semver from 'semver';
import { imageTag, parseReleaseVersion, tryParseReleaseVersion } from '#contract';
import type { ReleaseLedger } from '../ledger.js';
import { assetName, expectedAssets } from './world.js';

/** GitHub refuses a release body longer than this (422). */
export const GITHUB_BODY_LIMIT = 125_000;

export interface NotesCommit {
  readonly id: string;
  readonly subject: string;
}

export interface ReleaseNotesInput {
  readonly ledger: ReleaseLedger;
  /**
   * The tags merged into the release's commit (`git tag --merged {tag}`; tags of no release are
   * ignored). Only those: 0.0.4, tagged later on a maintenance branch, is below 0.1.0 but is
   * not where 0.1.0's changes start.
   */
  readonly mergedTags: readonly string[];
  /** `git log {previousOfKind}..{tag}`, newest first; everything up to the tag when there is no previous release. */
  readonly commits: readonly NotesCommit[];
}

/**
 * The release whose notes this one continues: the highest release of the same kind below it
 * among the tags merged into it. A stable's notes cover everything since the last stable; an
 * RC's, everything since the RC before it.
 */
export function previousOfKind(version: string, mergedTags: readonly string[]): string | undefined {
  const kind = parseReleaseVersion(version).kind;
  return mergedTags
    .map(tryParseReleaseVersion)
    .filter((other) => other !== undefined && other.kind === kind && semver.lt(other.version, version))
    .map((other) => other!.version)
    .sort(semver.rcompare)[0];
}

/** The RCs a stable replaces: every RC of its version. None for an RC. */
export function supersededRcs(version: string, tags: readonly string[]): string[] {
  const release = parseReleaseVersion(version);
  if (release.kind !== 'stable') return [];
  return tags
    .map(tryParseReleaseVersion)
    .filter((other) => other?.kind === 'rc' && other.core === release.core)
    .map((other) => other!.version)
    .sort(semver.compare);
}

export function releaseNotes(input: ReleaseNotesInput): string {
  const { ledger, mergedTags, commits } = input;
  const previous = previousOfKind(ledger.version, mergedTags);
  const superseded = supersededRcs(ledger.version, mergedTags);
  const head = [
    `${ledger.stage === 'stable' ? 'Stable release' : 'Release candidate'} ${ledger.version}, built from ${ledger.commit} with ${ledger.goVersion}.`,
    ...(superseded.length > 0 ? ['', `Supersedes ${superseded.join(', ')}.`] : []),
    '',
    previous ? `## Changes since ${previous}` : '## Changes',
    '',
  ];
  const tail = ['', ...artifactsSection(ledger)];
  const commitLines = commits.map((commit) => `- ${commit.subject} (${commit.id.slice(0, 12)})`);
  if (commitLines.length === 0) commitLines.push(previous ? `No commits since ${previous}.` : 'No commits.');
  return fitCommits(head, commitLines, tail, previous, ledger.tag);
}

/**
 * The commit list is what gives way to GitHub's limit, oldest first, with a line saying what
 * was left out; the head and the artifacts table never do. The limit is counted in UTF-16
 * units, which is never fewer than the characters GitHub counts.
 */
function fitCommits(head: readonly string[], commitLines: readonly string[], tail: readonly string[], previous: string | undefined, tag: string): string {
  const join = (lines: readonly string[]) => `${[...head, ...lines, ...tail].join('\n')}\n`;
  const whole = join(commitLines);
  if (whole.length <= GITHUB_BODY_LIMIT) return whole;
  const range = previous ? `${previous}..${tag}` : tag;
  const omitted = (count: number) =>
    `- … and ${count} earlier commit${count === 1 ? '' : 's'}, left out for GitHub's ${GITHUB_BODY_LIMIT}-character limit: git log ${range}`;
  const fixed = join([omitted(commitLines.length)]).length;
  let budget = GITHUB_BODY_LIMIT - fixed;
  let kept = 0;
  while (kept < commitLines.length && budget >= commitLines[kept]!.length + 1) budget -= commitLines[kept++]!.length + 1;
  return join([...commitLines.slice(0, kept), omitted(commitLines.length - kept)]);
}

function artifactsSection(ledger: ReleaseLedger): string[] {
  const assets = expectedAssets(ledger);
  const checksums = ledger.artifacts.find((artifact) => artifact.kind === 'checksums');
  const lines = [
    '## Artifacts',
    '',
    '| file | size | sha256 |',
    '|---|---:|---|',
    ...assets.map((asset) => `| ${asset.name} | ${asset.size} | \`${asset.sha256}\` |`),
  ];
  const images = ledger.images;
  if (images) {
    lines.push(
      '',
      '| image | index digest |',
      '|---|---|',
      ...images.distros.map((image) => `| ${images.repository}:${imageTag(ledger.version, image.distro)} | \`${image.index}\` |`),
    );
  }
  lines.push('', '## Verify', '', '```sh', `gh release download ${ledger.tag} --repo ${ledger.repo}`);
  if (checksums) lines.push(`sha256sum --check --ignore-missing ${assetName(ledger, checksums.path)}`);
  const first = images?.distros[0];
  if (images && first) {
    const ref = `${images.repository}:${imageTag(ledger.version, first.distro)}`;
    lines.push(
      '# each image (here the first): the digest printed must be the one in the table',
      `docker buildx imagetools inspect ${ref}`,
      `skopeo inspect --raw docker://${ref} | sha256sum`,
    );
  }
  lines.push('```');
  return lines;
}
