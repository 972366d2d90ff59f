/** Pure: whether a set of share ledgers is one whole build, and what its merged ledger is written from. */
import { GlideError } from '#contract';
import { usage } from '../commands/usage.js';
import type { LedgerArchive, LedgerFacts, ShareLedger } from '../ledger.js';

export interface ShareRead {
  /** The share's folder, as the user named it (for messages). */
  readonly source: string;
  /** The folder holding its files: `{source}/{tag}`. */
  readonly dir: string;
  readonly ledger: ShareLedger;
}

export interface MergePlan {
  readonly facts: LedgerFacts;
  readonly repo: string;
  readonly releasedAt: string;
  /** Every archive of the release, with the folder it is copied from. */
  readonly archives: readonly { readonly from: string; readonly archive: LedgerArchive }[];
}

/** What every share of one build agrees on, in the order a difference is reported (the tag explains a commit). */
const SAME_BUILD: readonly (readonly [string, (ledger: ShareLedger) => string])[] = [
  ['tag', (l) => l.tag],
  ['commit', (l) => l.commit],
  ['Go version', (l) => l.goVersion],
  ['config (sha256 of the effective config)', (l) => l.share.config],
  ['repository', (l) => l.repo],
  ['stage', (l) => l.stage],
  ['commit date', (l) => l.date],
  ['tag date', (l) => l.share.releasedAt],
  ['build matrix', (l) => l.share.matrix.join(', ')],
  ['skipped targets', (l) => l.skipped.map((s) => s.target).join(', ') || 'none'],
];

/**
 * Refuses shares of different builds (ESHAREMISMATCH), a target built twice (ESHAREDUPLICATE),
 * a target of the matrix no share built (ESHAREMISSING), and a union with no binary that ran
 * (EVERSIONNOTINJECTED: the check a single build makes, which no share can make alone).
 */
export function checkShares(shares: readonly ShareRead[]): MergePlan {
  const [first, ...rest] = shares;
  if (!first) throw usage('merge needs the folder of at least one share');
  for (const share of rest) {
    for (const [fact, of] of SAME_BUILD) {
      if (of(share.ledger) !== of(first.ledger)) {
        throw new GlideError(
          'ESHAREMISMATCH',
          `${first.source} and ${share.source} are shares of different builds: ${first.source} has ${fact} ${of(first.ledger)}, ${share.source} has ${of(share.ledger)}.`,
          ['Build every share from the same tag, commit, Go and config (one CI run), then merge them.'],
        );
      }
    }
  }

  const builtBy = new Map<string, ShareRead>();
  const archives: { from: string; archive: LedgerArchive }[] = [];
  for (const share of shares) {
    for (const artifact of share.ledger.artifacts) {
      if (artifact.kind !== 'archive') continue;
      const earlier = builtBy.get(artifact.target);
      if (earlier) {
        throw new GlideError('ESHAREDUPLICATE', `${artifact.target} is built by two shares: ${earlier.source} and ${share.source}.`, [
          'Merge each share once, and shares of one partition (--shard I/N with the same N, or --targets lists that do not overlap).',
        ]);
      }
      builtBy.set(artifact.target, share);
      archives.push({ from: share.dir, archive: artifact });
    }
  }
  const missing = first.ledger.share.matrix.filter((target) => !builtBy.has(target));
  if (missing.length > 0) {
    throw new GlideError('ESHAREMISSING', `No share built ${missing.join(', ')}: a release is merged from its whole matrix, never from a part.`, [
      ...missingShares(shares),
      'Build the missing share (glide-release build --shard I/N) and merge every share again.',
    ]);
  }
  if (archives.every(({ archive }) => archive.proof.versionOutput === undefined)) {
    throw new GlideError('EVERSIONNOTINJECTED', 'No binary of this release was run by the share that built it, so the injected version is unproven.', [
      'Build the Linux shares on Linux with qemu-user-static installed (apt-get install qemu-user-static), then merge again.',
    ]);
  }
  const { tag, version, stage, prerelease, publishable, commit, date, goVersion, skipped, repo } = first.ledger;
  return {
    facts: { tag, version, stage, prerelease, publishable, commit, date, goVersion, skipped },
    repo,
    releasedAt: first.ledger.share.releasedAt,
    archives,
  };
}

/** The numbers of the `--shard I/N` shares not given, when every share given is one of N. */
function missingShares(shares: readonly ShareRead[]): string[] {
  const counts = new Set(shares.map((share) => share.ledger.share.count));
  const [count] = counts;
  if (counts.size !== 1 || count === undefined) return [];
  const given = new Set(shares.map((share) => share.ledger.share.index));
  const absent = Array.from({ length: count }, (_, i) => i + 1).filter((index) => !given.has(index));
  return absent.length > 0 ? [`Not given: share ${absent.map((index) => `${index}/${count}`).join(', ')}.`] : [];
}
