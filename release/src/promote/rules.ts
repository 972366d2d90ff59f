/**
 * What `glide-release promote` decides before it acts (decision 0041). Pure: the tags of git
 * and GitHub and the RC's release come in as data.
 */
import semver from 'semver';
import { GlideError, tryParseReleaseVersion } from '#contract';
import { usage } from '../commands/usage.js';
import type { GateResult } from '../version/gates.js';

export interface Promotion {
  /** The RC promoted, `X.Y.Z-rc.N`. */
  readonly rc: string;
  /** The stable it becomes, `X.Y.Z`. */
  readonly stable: string;
}

/** Pure: the RC argument (`X.Y.Z-rc.N`) and the stable it names, or EUSAGE. */
export function parsePromotion(argument: string | undefined): Promotion {
  if (argument === undefined || argument.trim() === '') {
    throw usage('promote needs the RC to promote: glide-release promote X.Y.Z-rc.N');
  }
  const release = tryParseReleaseVersion(argument.trim());
  if (!release || release.kind !== 'rc') {
    throw usage(`promote takes a release candidate X.Y.Z-rc.N (N ≥ 1), not "${argument}": the stable X.Y.Z is made from its last RC, on the same commit`);
  }
  return { rc: release.version, stable: release.core };
}

/**
 * Pure: the highest RC of the same version above `rc`, among git's tags and GitHub's releases;
 * undefined when `rc` is the last. A stable ships the bytes its last RC tested, never an earlier one's.
 */
export function higherRc(promotion: Promotion, gitTags: readonly string[], githubTags: readonly string[]): string | undefined {
  return [...new Set([...gitTags, ...githubTags])]
    .filter((name) => {
      const parsed = tryParseReleaseVersion(name);
      return parsed?.kind === 'rc' && parsed.core === promotion.stable && semver.gt(parsed.version, promotion.rc);
    })
    .sort(semver.rcompare)[0];
}

/** Refuses an RC that is not the last of its version (ENOTLASTRC), naming the one to promote. */
export function assertLastRc(promotion: Promotion, gitTags: readonly string[], githubTags: readonly string[]): void {
  const higher = higherRc(promotion, gitTags, githubTags);
  if (higher === undefined) return;
  const where = gitTags.includes(higher) ? 'is tagged in git' : 'has a release on GitHub';
  throw new GlideError('ENOTLASTRC', `${promotion.rc} is not the last release candidate of ${promotion.stable}: ${higher} ${where}.`, [
    `promote ${higher} instead: a stable ships the bytes its last RC tested.`,
  ]);
}

/** The RC's GitHub release as promote needs it. */
export interface RcRelease {
  readonly draft: boolean;
  readonly publishedAt: string | null;
}

/**
 * Pure: when the RC's release was published (the soak's start, set by GitHub's server), or
 * ERCNOTPUBLISHED when it has no release or only a draft: an RC nobody could download was not tested.
 */
export function publishedRc<R extends RcRelease>(promotion: Promotion, release: R | undefined, repository: string): { release: R; publishedAt: Date } {
  const publish = `Publish it first (glide-release publish --tag ${promotion.rc}), let it soak, then promote.`;
  if (!release) {
    throw new GlideError('ERCNOTPUBLISHED', `${promotion.rc} has no release on GitHub (${repository}): its soak has not started.`, [publish]);
  }
  if (release.draft || release.publishedAt === null) {
    throw new GlideError(
      'ERCNOTPUBLISHED',
      `${promotion.rc}'s release on GitHub (${repository}) is a draft: nobody could download it, so its soak has not started.`,
      [publish],
    );
  }
  return { release, publishedAt: new Date(release.publishedAt) };
}

export interface PromotePlanFacts {
  readonly promotion: Promotion;
  readonly gates: readonly GateResult[];
  readonly commit: string;
  /** Whether the stable tag already exists in git (on `commit`, or the gates say otherwise). */
  readonly tagExists: boolean;
  /** The commit the stable tag names on GitHub (checked to be `commit`); undefined when it was not pushed. */
  readonly githubTagCommit: string | undefined;
  readonly targets: number;
  /** The distros of the RC's images, built again for the stable; empty when the RC had none. */
  readonly distros: readonly string[];
}

/** Pure: what `promote --dry-run` prints: the gates, then each step the real run would take. */
export function formatPromotePlan(facts: PromotePlanFacts): string {
  const { promotion, commit } = facts;
  const short = commit.slice(0, 12);
  const lines = [`promote ${promotion.rc} → ${promotion.stable}`];
  for (const gate of facts.gates) lines.push(`  ${gate.ok ? 'ok  ' : 'FAIL'} ${gate.gate}: ${gate.code ? `${gate.code}: ` : ''}${gate.message}`);
  lines.push(
    facts.tagExists ? `tag ${promotion.stable} exists on ${short}` : `would tag ${promotion.stable} on ${short} (annotated, "Release ${promotion.stable}")`,
  );
  if (facts.githubTagCommit === undefined) {
    lines.push(
      `would stop there: the tag ${promotion.stable} is not on GitHub; push it (git push origin ${promotion.stable}), then promote again to build and publish`,
    );
  } else {
    lines.push(`would build ${facts.targets} target${facts.targets === 1 ? '' : 's'}, proving each against ${promotion.rc}'s binary`);
    if (facts.distros.length > 0) lines.push(`would build the images of ${promotion.stable}: ${facts.distros.join(', ')}`);
    lines.push(
      `would publish ${promotion.stable}: its requests depend on the built ledger; after a build, glide-release publish --tag ${promotion.stable} --dry-run lists them`,
    );
  }
  return lines.map((line) => `${line}\n`).join('');
}

/**
 * Pure: refuses a stable tag that names another commit than the RC's, in git or on GitHub
 * (EPROMOTECOMMITMISMATCH): the stable would not be the bytes the RC tested.
 */
export function assertStableTagOnRc(
  promotion: Promotion,
  rcCommit: string,
  tagged: { readonly git: string | undefined; readonly github: string | undefined },
): void {
  for (const [where, commit] of [
    ['in git', tagged.git],
    ['on GitHub', tagged.github],
  ] as const) {
    if (commit === undefined || commit === rcCommit) continue;
    throw new GlideError(
      'EPROMOTECOMMITMISMATCH',
      `The tag ${promotion.stable} ${where} is on ${commit.slice(0, 12)}, but ${promotion.rc} is on ${rcCommit.slice(0, 12)}: a stable ships the bytes its RC tested.`,
      [
        where === 'in git'
          ? `If ${promotion.stable} was never published, delete the tag (git tag -d ${promotion.stable}) and promote again; else release a higher version.`
          : `${promotion.stable} on GitHub names other code: release a higher version instead.`,
      ],
    );
  }
}
