import semver from 'semver';
import { GlideError, parseReleaseVersion, tryParseReleaseVersion, type ErrorCode, type ReleaseVersion } from '#contract';

/** A git tag as the gates see it. */
export interface TagRecord {
  readonly name: string;
  readonly commit: string;
  /** When the release was made: the annotated tag's date. Lightweight tags have none. */
  readonly releasedAt?: Date;
}

export interface RepoState {
  readonly headCommit: string;
  /** Paths `git status` reports, the build's own output folder excluded. */
  readonly dirtyPaths: readonly string[];
  /** Whether the release branch contains the tag's commit; undefined when the branch is not found. */
  readonly branchContainsTag: boolean | undefined;
}

export interface GateInput {
  readonly tag: string;
  readonly tagCommit: string;
  readonly tags: readonly TagRecord[];
  readonly repo: RepoState;
  readonly branch: string;
  readonly soakDays: number;
  readonly requireRc: boolean;
  readonly now: Date;
  /** Why the soak may be cut short; only with this may a stable ship before its RC has soaked. */
  readonly soakOverrideReason?: string;
  /**
   * When GitHub published each RC's release (`published_at`, set by GitHub's server), by tag name.
   * The soak starts there when known: a tag's own date is whatever its author's clock said.
   */
  readonly rcPublishedAt?: ReadonlyMap<string, Date>;
}

export interface GateResult {
  readonly gate: string;
  readonly ok: boolean;
  readonly code?: ErrorCode;
  readonly message: string;
}

export interface GateReport {
  readonly release?: ReleaseVersion;
  readonly gates: readonly GateResult[];
  /** The RC a stable release promotes (the highest RC of its version). */
  readonly lastRc?: TagRecord;
}

const DAY_MS = 86_400_000;

/**
 * Decides whether `tag` may be released. Pure: every fact about the repository comes in as
 * data, so each rule is a table row in the tests. All gates are evaluated, so `plan` can
 * show every problem at once rather than the first.
 */
export function evaluateGates(input: GateInput): GateReport {
  const gates: GateResult[] = [];
  let release: ReleaseVersion | undefined;
  try {
    release = parseReleaseVersion(input.tag);
    gates.push(pass('version', `${input.tag} is a ${release.kind === 'rc' ? `release candidate (rc.${release.rc})` : 'stable release'}`));
  } catch (error) {
    if (!(error instanceof GlideError)) throw error;
    gates.push(fail('version', error.code, error.message));
  }

  let lastRc: TagRecord | undefined;
  if (release) {
    const others = input.tags
      .filter((tag) => tag.name !== input.tag)
      .flatMap((tag) => {
        const parsed = tryParseReleaseVersion(tag.name);
        return parsed ? [{ tag, parsed }] : [];
      });
    gates.push(regressionGate(release, others, input));
    const rcs = others.filter((o) => o.parsed.kind === 'rc' && o.parsed.core === release!.core).sort((a, b) => a.parsed.rc! - b.parsed.rc!);
    if (release.kind === 'rc') {
      gates.push(rcSequenceGate(release, new Set(rcs.map((o) => o.parsed.rc!))));
    } else {
      lastRc = rcs.at(-1)?.tag;
      gates.push(...stableGates(input, release, lastRc));
    }
  }

  gates.push(...repoGates(input));
  return { release, gates, lastRc };
}

function regressionGate(release: ReleaseVersion, others: readonly { tag: TagRecord; parsed: ReleaseVersion }[], input: GateInput): GateResult {
  const higher = others
    .filter((o) => o.parsed.line === release.line && semver.gte(o.parsed.version, release.version))
    .sort((a, b) => semver.rcompare(a.parsed.version, b.parsed.version));
  if (higher.length === 0) return pass('no-regression', `${release.version} is above every release of the ${release.line} line`);
  const promotedTo = rebuiltRcOf(release, higher, input);
  if (promotedTo) {
    return pass('no-regression', `${release.version} was promoted to ${promotedTo.name} on the same commit: this is a rebuild of its bytes, not a new release`);
  }
  return fail(
    'no-regression',
    'EVERSIONREGRESSION',
    `${release.version} is not above ${higher[0]!.parsed.version}, already released in the ${release.line} line. Tag a higher version.`,
  );
}

/**
 * The stable an existing RC tag was promoted to, when building that RC again is only its bytes
 * again (decision 0046): its stable is the one release above it in the line, on the same commit,
 * and tagged after it. An RC tagged after its stable (or undated) is a new release, refused.
 */
function rebuiltRcOf(release: ReleaseVersion, higher: readonly { tag: TagRecord; parsed: ReleaseVersion }[], input: GateInput): TagRecord | undefined {
  const [only, ...rest] = higher;
  if (release.kind !== 'rc' || !only || rest.length > 0 || only.parsed.kind !== 'stable' || only.parsed.core !== release.core) return undefined;
  const rcTaggedAt = input.tags.find((tag) => tag.name === input.tag)?.releasedAt;
  const stable = only.tag;
  const ok = stable.commit === input.tagCommit && rcTaggedAt !== undefined && stable.releasedAt !== undefined && rcTaggedAt <= stable.releasedAt;
  return ok ? stable : undefined;
}

function rcSequenceGate(release: ReleaseVersion, existing: ReadonlySet<number>): GateResult {
  const missing: string[] = [];
  for (let n = 1; n < release.rc!; n++) if (!existing.has(n)) missing.push(`${release.core}-rc.${n}`);
  if (missing.length > 0) {
    return fail(
      'rc-sequence',
      'ERCGAP',
      `${release.version} skips ${missing.join(', ')}. Release candidates are numbered without gaps: tag ${missing[0]} instead.`,
    );
  }
  return pass('rc-sequence', release.rc === 1 ? 'first release candidate' : `follows ${release.core}-rc.${release.rc! - 1}`);
}

function stableGates(input: GateInput, release: ReleaseVersion, lastRc: TagRecord | undefined): GateResult[] {
  if (!lastRc) {
    return input.requireRc
      ? [
          fail(
            'has-rc',
            'ESTABLEWITHOUTRC',
            `${release.version} has no release candidate. Tag ${release.core}-rc.1 first, let it soak, then tag ${release.version} on the same commit.`,
          ),
        ]
      : [pass('has-rc', 'no release candidate required (requireRc: false)')];
  }
  const gates = [pass('has-rc', `promotes ${lastRc.name}`)];
  if (lastRc.commit !== input.tagCommit) {
    gates.push(
      fail(
        'same-commit-as-rc',
        'EPROMOTECOMMITMISMATCH',
        `${release.version} is on ${input.tagCommit.slice(0, 12)} but its last RC ${lastRc.name} is on ${lastRc.commit.slice(0, 12)}. A stable ships the bytes its RC tested: tag ${lastRc.commit.slice(0, 12)}, or release ${release.core}-rc.${Number(lastRc.name.split('rc.')[1]) + 1} first.`,
      ),
    );
  } else {
    gates.push(pass('same-commit-as-rc', `same commit as ${lastRc.name}`));
  }
  gates.push(soakGate(input, lastRc));
  return gates;
}

/**
 * The soak is the time the last RC was out before the stable: from the RC's publication on
 * GitHub (else its tag's date) to the stable tag's date (else now, for a stable not yet tagged
 * or being promoted), never past now. Measured up to now, a stable tagged 29 minutes after its
 * RC would pass once three days had gone by since; a tag dated in the future counts as now.
 */
function soakGate(input: GateInput, lastRc: TagRecord): GateResult {
  const overridden = (why: string): GateResult => pass('soak', `${why}; overridden: ${input.soakOverrideReason}`);
  const published = input.rcPublishedAt?.get(lastRc.name);
  const start = published ?? lastRc.releasedAt;
  if (!start) {
    const why = `${lastRc.name} is a lightweight tag with no GitHub release, so when it was released is unknown`;
    if (input.soakOverrideReason) return overridden(why);
    return fail('soak', 'ESOAK', `${why}. Tag release candidates with \`git tag -a\`, or pass --skip-soak --reason "…".`);
  }
  const stableTaggedAt = input.tags.find((candidate) => candidate.name === input.tag)?.releasedAt;
  const end = stableTaggedAt && stableTaggedAt < input.now ? stableTaggedAt : input.now;
  const soakedMs = end.getTime() - start.getTime();
  const neededMs = input.soakDays * DAY_MS;
  const from = `${published ? 'its GitHub release' : 'its tag'}, ${start.toISOString()}`;
  const to = end === input.now ? 'now' : `${input.tag}'s tag, ${end.toISOString()}`;
  const soaked = `${lastRc.name} was out ${formatDays(Math.max(0, soakedMs))} (from ${from} to ${to})`;
  if (soakedMs >= neededMs) return pass('soak', `${soaked}; soakDays is ${input.soakDays}`);
  if (input.soakOverrideReason) return overridden(soaked);
  const ready = new Date(start.getTime() + neededMs).toISOString();
  if (end !== input.now) {
    return fail(
      'soak',
      'ESOAK',
      `${soaked}, less than soakDays (${input.soakDays}): ${input.tag} was tagged too early. Tag it again after ${ready} (\`git tag -d ${input.tag}\` first, if it was never released), or pass --skip-soak --reason "…".`,
    );
  }
  return fail('soak', 'ESOAK', `${soaked}, less than soakDays (${input.soakDays}). Release after ${ready}, or pass --skip-soak --reason "…".`);
}

function repoGates(input: GateInput): GateResult[] {
  const { repo } = input;
  const gates: GateResult[] = [];
  if (repo.dirtyPaths.length > 0) {
    const shown = repo.dirtyPaths.slice(0, 5).join(', ') + (repo.dirtyPaths.length > 5 ? ` and ${repo.dirtyPaths.length - 5} more` : '');
    gates.push(fail('clean-tree', 'EDIRTY', `The working tree has changes (${shown}). Commit or stash them: a release is built from the tagged commit only.`));
  } else {
    gates.push(pass('clean-tree', 'the working tree is clean'));
  }
  if (repo.headCommit !== input.tagCommit) {
    gates.push(
      fail(
        'tag-is-head',
        'ETAGNOTHEAD',
        `HEAD (${repo.headCommit.slice(0, 12)}) is not the commit of ${input.tag} (${input.tagCommit.slice(0, 12)}). Run \`git checkout ${input.tag}\` first.`,
      ),
    );
  } else {
    gates.push(pass('tag-is-head', `HEAD is ${input.tag}`));
  }
  if (repo.branchContainsTag === undefined) {
    gates.push(
      fail(
        'on-branch',
        'ENOTONBRANCH',
        `The release branch "${input.branch}" is not in this clone. Fetch it (\`git fetch origin ${input.branch}\`) so the tag can be checked against it.`,
      ),
    );
  } else if (!repo.branchContainsTag) {
    gates.push(fail('on-branch', 'ENOTONBRANCH', `${input.tag} is not on the release branch "${input.branch}". Tag the merge commit on ${input.branch}.`));
  } else {
    gates.push(pass('on-branch', `on ${input.branch}`));
  }
  return gates;
}

function pass(gate: string, message: string): GateResult {
  return { gate, ok: true, message };
}

function fail(gate: string, code: ErrorCode, message: string): GateResult {
  return { gate, ok: false, code, message };
}

function formatDays(ms: number): string {
  const days = ms / DAY_MS;
  return days >= 1 ? `${days.toFixed(1)} days` : `${(ms / 3_600_000).toFixed(1)} hours`;
}
