import { resolve } from 'node:path';
import semver from 'semver';
import { GlideError, isGlideError, parseReleaseVersion, tryParseReleaseVersion } from '#contract';
import type { ReleaseConfig } from './config.js';
import { branchContains, readRepoFacts, regularFileAt, repoRoot, type GitTag } from './git.js';
import { makePlan, type ReleasePlan, type Stage } from './plan.js';
import { resolveMatrix, type ResolvedMatrix } from './targets.js';
import { checkGoRequirement, readGoRequirement, readGoToolchain, resolveImportPath, type GoToolchain } from './toolchain.js';
import { evaluateGates, type GateResult, type TagRecord } from './version/gates.js';

export interface PrepareOptions {
  readonly cwd: string;
  readonly tag?: string;
  readonly snapshot?: boolean;
  /** The output folder (the release mirror); default `dist/` at the repository root. */
  readonly out?: string;
  readonly soakOverrideReason?: string;
  readonly now?: Date;
  /** When GitHub published each RC's release, by tag: the soak starts there (promote reads them). */
  readonly rcPublishedAt?: ReadonlyMap<string, Date>;
  /**
   * The commit `tag` is about to be created on (promote): while the tag is absent, the gates are
   * evaluated as though it were there, undated (the soak runs to now), so nothing is tagged
   * that a gate would refuse.
   */
  readonly tagToCreateOn?: Pick<GitTag, 'commit' | 'committedAt'>;
}

/** Everything `plan` and `build` need, read once from git, Go and the config. */
export interface PreparedRelease {
  readonly root: string;
  readonly outDir: string;
  readonly config: ReleaseConfig;
  readonly configFile: string | undefined;
  readonly toolchain: GoToolchain;
  readonly matrix: ResolvedMatrix;
  /** Import path of the version package, as `go list` reports it. */
  readonly versionImportPath: string;
  readonly plan: ReleasePlan;
}

export interface CheckedSetup {
  readonly root: string;
  readonly config: ReleaseConfig;
  readonly configFile: string | undefined;
  readonly toolchain: GoToolchain;
  readonly matrix: ResolvedMatrix;
  readonly versionImportPath: string;
}

/** Config, toolchain and matrix: what `check` validates and every other command needs first. */
export async function checkSetup(cwd: string): Promise<CheckedSetup> {
  return checkSetupAt(await repoRoot(cwd));
}

async function checkSetupAt(root: string): Promise<CheckedSetup> {
  // Go answers while the config module (zod, yaml) is loaded: it is imported only now.
  const toolchainRead = readGoToolchain();
  toolchainRead.catch(() => undefined);
  const { loadConfig } = await import('./config.js');
  const { config, file } = await loadConfig(root);
  const importPathRead = resolveImportPath(root, config.version.package);
  importPathRead.catch(() => undefined);
  const [toolchain, requirement] = await Promise.all([toolchainRead, readGoRequirement(root)]);
  // A Go too old for go.mod fails `go list` with a message about the package; say what is wrong instead.
  checkGoRequirement(requirement, toolchain);
  const versionImportPath = await importPathRead;
  // Refused here already (build checks the tagged tree again): an archive file must not be a link.
  for (const name of config.archives.files) await regularFileAt(root, name);
  const matrix = resolveMatrix(config.targets, toolchain.ports, toolchain.version);
  return { root, config, configFile: file, toolchain, matrix, versionImportPath };
}

export async function prepareRelease(options: PrepareOptions): Promise<PreparedRelease> {
  const root = await repoRoot(options.cwd);
  const outDir = resolve(options.cwd, options.out ?? resolve(root, 'dist'));
  const [setup, facts] = await Promise.all([checkSetupAt(root), readRepoFacts(root, outDir)]);
  const { config } = setup;
  const { tags, head } = facts;

  let tag: string;
  let stage: Stage;
  let gates: readonly GateResult[] = [];
  let commit: { commit: string; committedAt: Date; releasedAt?: Date };
  if (options.snapshot) {
    tag = snapshotVersion(tags, head.commit);
    stage = 'snapshot';
    commit = head;
  } else {
    tag = options.tag ?? releaseTagAt(tags, head.commit);
    const toCreate = options.tagToCreateOn;
    // Only the commit and its date: the tag to create has no date of its own yet.
    const tagged = tags.find((t) => t.name === tag) ?? (toCreate && { name: tag, commit: toCreate.commit, committedAt: toCreate.committedAt });
    if (!tagged) {
      throw new GlideError('ENOTAG', `There is no tag "${tag}" in this repository. Create it (git tag -a ${tag} -m ${tag}) or pass --snapshot.`);
    }
    const report = evaluateGates({
      tag,
      tagCommit: tagged.commit,
      tags,
      repo: {
        headCommit: head.commit,
        dirtyPaths: facts.dirtyPaths,
        branchContainsTag: await branchContains(root, config.branch, tagged.commit),
      },
      branch: config.branch,
      soakDays: config.soakDays,
      requireRc: config.requireRc,
      now: options.now ?? new Date(),
      ...(options.soakOverrideReason ? { soakOverrideReason: options.soakOverrideReason } : {}),
      ...(options.rcPublishedAt ? { rcPublishedAt: options.rcPublishedAt } : {}),
    });
    gates = report.gates;
    stage = report.release?.kind ?? 'invalid';
    commit = tagged;
  }
  const plan = makePlan({
    tag,
    version: tag,
    stage,
    commit: commit.commit,
    date: commit.committedAt,
    ...(commit.releasedAt ? { releasedAt: commit.releasedAt } : {}),
    goVersion: setup.toolchain.version,
    gates,
    targets: setup.matrix.build,
    skipped: setup.matrix.skipped,
    images: config.images,
  });
  return { ...setup, outDir, plan };
}

/**
 * The highest release tag on `commit` (an RC and its stable share a commit: the stable wins).
 * Tags there that are not release versions are named with what is wrong with them.
 */
function releaseTagAt(tags: readonly TagRecord[], commit: string): string {
  const atCommit = tags.filter((t) => t.commit === commit).map((t) => t.name);
  const highest = atCommit.filter((name) => tryParseReleaseVersion(name)).sort(semver.rcompare)[0];
  if (highest) return highest;
  if (atCommit.length > 0) {
    // None of them parses: each one's error says what is wrong with it.
    const problems = atCommit.map((name) => whyNotARelease(name));
    throw new GlideError(
      problems[0]!.code,
      `HEAD is tagged ${atCommit.map((name) => `"${name}"`).join(', ')}, but ${atCommit.length === 1 ? 'that is not a release tag' : 'none is a release tag'}:`,
      [...problems.map((problem) => problem.message), 'Tag the commit X.Y.Z or X.Y.Z-rc.N (N ≥ 1), or pass --snapshot for an unpublishable test build.'],
    );
  }
  throw new GlideError('ENOTAG', 'HEAD has no release tag (X.Y.Z or X.Y.Z-rc.N). Pass --tag T, or --snapshot for an unpublishable test build.');
}

function whyNotARelease(tag: string): GlideError {
  try {
    parseReleaseVersion(tag);
  } catch (error) {
    if (isGlideError(error)) return error;
    throw error;
  }
  throw new Error(`${tag} is a release version`);
}

/** Refuses to go on (build, publish) while any gate fails, listing every failing gate. An `invalid` tag fails the version gate. */
export function assertGatesPass(plan: ReleasePlan, action: string): asserts plan is ReleasePlan & { readonly stage: Exclude<Stage, 'invalid'> } {
  const failed = plan.gates.filter((gate) => !gate.ok);
  if (failed.length > 0) {
    throw new GlideError(
      failed[0]!.code!,
      `${plan.tag} cannot be ${action}:`,
      failed.map((g) => `${g.code}: ${g.message}`),
    );
  }
}

/** `X.Y.Z-snapshot.<sha>`: after the highest release so far, and never a valid release version. */
export function snapshotVersion(tags: readonly TagRecord[], commit: string): string {
  const released = tags.map((t) => tryParseReleaseVersion(t.name)).filter((v) => v !== undefined);
  const highest = released.map((v) => v.version).sort(semver.rcompare)[0];
  const base = !highest ? '0.0.0' : semver.prerelease(highest) ? semver.coerce(highest)!.version : semver.inc(highest, 'patch')!;
  return `${base}-snapshot.${commit.slice(0, 12)}`;
}
