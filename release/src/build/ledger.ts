import type { SkippedTarget } from '../../../src/contract/index.js';
import type { ReleasePlan, Stage } from '../plan.js';
import type { BinaryProof } from './prove.js';

export interface LedgerFile {
  /** Path inside the release mirror: `{tag}/{asset}`. */
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
}

export interface LedgerArchive extends LedgerFile {
  readonly kind: 'archive';
  readonly target: string;
  readonly format: string;
  /** The binary inside the archive: images and installers check they carry these same bytes. */
  readonly binary: { readonly name: string; readonly size: number; readonly sha256: string };
  readonly proof: BinaryProof;
}

export interface LedgerChecksums extends LedgerFile {
  readonly kind: 'checksums';
}

export type LedgerArtifact = LedgerArchive | LedgerChecksums;

/** `release.json`: the one manifest every later stage (images, publish, verify) reads. */
export interface ReleaseLedger {
  readonly schema: 1;
  readonly repo: string;
  readonly tag: string;
  readonly version: string;
  readonly stage: Stage;
  readonly prerelease: boolean;
  readonly publishable: boolean;
  readonly commit: string;
  readonly date: string;
  readonly goVersion: string;
  readonly artifacts: readonly LedgerArtifact[];
  readonly skipped: readonly SkippedTarget[];
}

export function makeLedger(plan: ReleasePlan, repo: string, artifacts: readonly LedgerArtifact[]): ReleaseLedger {
  return {
    schema: 1,
    repo,
    tag: plan.tag,
    version: plan.version,
    stage: plan.stage,
    prerelease: plan.prerelease,
    publishable: plan.publishable,
    commit: plan.commit,
    date: plan.date,
    goVersion: plan.goVersion,
    artifacts: [...artifacts].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
    skipped: plan.skipped,
  };
}
