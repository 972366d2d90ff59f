import type { ReleasePlan } from '../plan.js';
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
export interface ReleaseLedger
  extends Pick<ReleasePlan, 'tag' | 'version' | 'stage' | 'prerelease' | 'publishable' | 'commit' | 'date' | 'goVersion' | 'skipped'> {
  readonly schema: 1;
  readonly repo: string;
  readonly artifacts: readonly LedgerArtifact[];
  /** Written by the images stage: the OCI layout beside the assets, and every index and manifest digest. */
  readonly images?: LedgerImages;
}

export interface LedgerImages {
  /** The OCI image layout, relative to the release folder. */
  readonly layout: string;
  readonly repository: string;
  readonly distros: readonly {
    readonly distro: string;
    readonly tag: string;
    readonly index: string;
    readonly base: { readonly name: string; readonly digest: string };
    readonly manifests: readonly { readonly target: string; readonly digest: string; readonly caLayerAdded: boolean }[];
    readonly lacking: readonly string[];
  }[];
  readonly digests: readonly string[];
}

export function makeLedger(plan: ReleasePlan, repo: string, artifacts: readonly LedgerArtifact[]): ReleaseLedger {
  const { tag, version, stage, prerelease, publishable, commit, date, goVersion, skipped } = plan;
  return {
    schema: 1,
    repo,
    tag,
    version,
    stage,
    prerelease,
    publishable,
    commit,
    date,
    goVersion,
    artifacts: [...artifacts].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
    skipped,
  };
}
