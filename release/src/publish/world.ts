/**
 * What `publish` reads before it acts, as plain data: the GitHub release of the tag (drafts
 * included), what GitHub calls "latest", and the registry's tags. The readers (GitHub client,
 * registry client) fill it in; everything that decides takes it as given, so every case of
 * convergence is a table row in the tests.
 */
import { GlideError } from '#contract';
import type { ReleaseLedger } from '../ledger.js';

export interface GithubAsset {
  readonly id: number;
  readonly name: string;
  readonly size: number;
  /**
   * `sha256:<64 hex>`. GitHub's own field since 2025; an older asset has none, and the reader
   * downloads and hashes each asset `assetsToHash` names before planning.
   */
  readonly digest?: string;
  /** GitHub's `state`: `uploaded`, or (an upload that never finished) `open` as the REST schema names it, `starter` as GitHub's answers do. */
  readonly state: string;
}

export interface GithubRelease {
  readonly id: number;
  readonly tag: string;
  readonly name: string;
  readonly body: string;
  readonly draft: boolean;
  readonly prerelease: boolean;
  readonly assets: readonly GithubAsset[];
}

export interface PublishWorld {
  /** Every release whose tag is the ledger's, drafts included: GitHub allows several drafts of one tag. */
  readonly releases: readonly GithubRelease[];
  /** The commit the tag names on GitHub; undefined when the tag was not pushed. */
  readonly tagCommit: string | undefined;
  /** The tags of every published (not draft) release on GitHub, RCs included: "latest" is decided from them. */
  readonly publishedTags: readonly string[];
  /** The tag `/releases/latest` returns now, if any: shown in the plan, never used to decide. */
  readonly latestTag: string | undefined;
  /** The image repository's tags, each with the digest it names. */
  readonly registryTags: ReadonlyMap<string, string>;
}

/** An asset the ledger says the release must carry. */
export interface ExpectedAsset {
  readonly name: string;
  /** Relative to the output folder, as the ledger records it. */
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
}

/** The name on GitHub of a ledger path: the ledger keeps every asset directly in `{tag}/`. */
export function assetName(ledger: ReleaseLedger, path: string): string {
  return path.slice(ledger.tag.length + 1);
}

/** The release's assets, as the ledger lists them: every archive and the checksums file, under their own names. */
export function expectedAssets(ledger: ReleaseLedger): ExpectedAsset[] {
  return ledger.artifacts.map((artifact) => ({
    name: assetName(ledger, artifact.path),
    path: artifact.path,
    size: artifact.size,
    sha256: artifact.sha256,
  }));
}

export interface AssetComparison {
  /** The ledger's, not on GitHub at all. */
  readonly missing: readonly ExpectedAsset[];
  /** On GitHub under a ledger name, but an upload that never finished: replaced on a draft. */
  readonly unfinished: readonly { readonly expected: ExpectedAsset; readonly asset: GithubAsset }[];
  /** On GitHub under a ledger name, with other bytes. */
  readonly different: readonly { readonly expected: ExpectedAsset; readonly asset: GithubAsset }[];
  /** On GitHub, named nothing the ledger has. */
  readonly extra: readonly GithubAsset[];
}

/**
 * Pure: the ledger's assets against a release's; one with the same size and digest is in no
 * list. Throws when an uploaded asset's digest is unknown: the reader must hash it first
 * (`assetsToHash`), since a guess either way would be wrong (a skipped asset that differs, or
 * a burned version that is fine).
 */
export function compareAssets(expected: readonly ExpectedAsset[], assets: readonly GithubAsset[]): AssetComparison {
  const byName = new Map(assets.map((asset) => [asset.name, asset]));
  const comparison = {
    missing: [] as ExpectedAsset[],
    unfinished: [] as AssetComparison['unfinished'][number][],
    different: [] as AssetComparison['different'][number][],
  };
  for (const want of expected) {
    const asset = byName.get(want.name);
    if (asset === undefined) comparison.missing.push(want);
    else if (asset.state !== 'uploaded') comparison.unfinished.push({ expected: want, asset });
    else if (asset.digest === undefined) throw new Error(`${asset.name} has no digest: hash it before planning (assetsToHash)`);
    else if (asset.digest !== `sha256:${want.sha256}` || asset.size !== want.size) comparison.different.push({ expected: want, asset });
  }
  const names = new Set(expected.map((want) => want.name));
  return { ...comparison, extra: assets.filter((asset) => !names.has(asset.name)) };
}

/** The uploaded assets of a release whose digest GitHub does not give (older than 2025) and the ledger names: the reader downloads and hashes these. */
export function assetsToHash(ledger: ReleaseLedger, release: GithubRelease): GithubAsset[] {
  const names = new Set(expectedAssets(ledger).map((want) => want.name));
  return release.assets.filter((asset) => asset.state === 'uploaded' && asset.digest === undefined && names.has(asset.name));
}

/**
 * The check between the last upload and the publish, on the draft's assets read again: every
 * asset of the ledger is there, finished, with its digest. Publishing is the one step that
 * cannot be taken back, so it is taken only on a set seen complete.
 */
export function assertDraftComplete(expected: readonly ExpectedAsset[], release: GithubRelease): void {
  const problems = assetProblems(compareAssets(expected, release.assets), ['missing', 'unfinished', 'different', 'extra']);
  if (problems.length === 0) return;
  throw new GlideError('EDRAFTINCOMPLETE', `The draft release ${release.tag} (id ${release.id}) is not the ledger's set of assets, so it was not published.`, [
    ...problems,
    'Run publish again: it uploads what is missing. If something else is changing the draft, stop it first.',
  ]);
}

/** One line per asset of the kinds asked for that is not as the ledger says, for an error's details. */
export function assetProblems(comparison: AssetComparison, kinds: readonly (keyof AssetComparison)[]): string[] {
  const lines = {
    missing: () => comparison.missing.map((want) => `${want.name} is missing`),
    unfinished: () => comparison.unfinished.map(({ asset }) => `${asset.name} is an upload that never finished (state ${asset.state})`),
    different: () =>
      comparison.different.map(
        ({ expected, asset }) => `${asset.name} is ${asset.size} bytes ${asset.digest}, the ledger's is ${expected.size} bytes sha256:${expected.sha256}`,
      ),
    extra: () => comparison.extra.map((asset) => `${asset.name} is not in the ledger`),
  };
  return kinds.flatMap((kind) => lines[kind]());
}
