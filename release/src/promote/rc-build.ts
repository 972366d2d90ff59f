/**
 * The RC's own build, which promote proves the stable against: its archives in the release
 * mirror with the facts of its build (its ledger, or the same facts reconstructed from its
 * GitHub release, decision 0046), checked to be what its GitHub release serves, and each binary
 * unpacked from an archive that hashes to the recorded sha256 (decision 0041).
 */
import { createReadStream } from 'node:fs';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { GlideError, type Distro } from '#contract';
import { createTarGzMemberExtractor, extractZipMember } from '../../../src/install/extract.js';
import { hashFile } from '../files.js';
import type { GitHubAsset, GitHubClient } from '../github/client.js';
import { assertLedgerOf, readLedger, type LedgerArchive, type LedgerArtifact, type ReleaseLedger } from '../ledger.js';
import type { Promotion } from './rules.js';

/** An RC's archive as the proof reads it: a ledger's, less what only the RC's own build could record (how its version was proven). */
export type RcArchive = Omit<LedgerArchive, 'proof' | 'promotedFrom'>;
export type RcArtifact = RcArchive | Extract<LedgerArtifact, { kind: 'checksums' }>;

/** What the proof needs of the RC's build: a ledger's facts, whether read from its ledger or reconstructed from its verified assets. */
export interface RcFacts extends Pick<ReleaseLedger, 'tag' | 'version' | 'stage' | 'commit' | 'date' | 'goVersion' | 'images'> {
  readonly artifacts: readonly RcArtifact[];
}

export interface RcBuild {
  readonly facts: RcFacts;
  /** `{out}/{rc}`: the RC's archives (and its ledger when it was built here). */
  readonly releaseDir: string;
  /** Where the facts come from: the ledger of a build in the mirror, or the RC's GitHub release (downloaded, no ledger). */
  readonly source: 'mirror' | 'github';
  /** The distros of the RC's published images (its ledger's, or its `{rc}-{distro}` tags in the registry); empty when it had none. */
  readonly imageDistros: readonly Distro[];
}

export function rebuildAdvice(rc: string, outDir: string): string {
  return `Build it into the mirror: git checkout ${rc} && glide-release build --tag ${rc} --out ${outDir} (a reproducible rebuild gives the bytes its GitHub release has, and promote checks that), then promote again.`;
}

/** The RC's build in `{out}/{rc}`, by its ledger, of the RC's commit; undefined when the mirror has no ledger of it. */
export async function readRcBuild(outDir: string, promotion: Promotion, rcCommit: string): Promise<RcBuild | undefined> {
  const releaseDir = join(outDir, promotion.rc);
  const ledger = await readLedger(releaseDir);
  if (!ledger) return undefined;
  assertLedgerOf(ledger, { tag: promotion.rc, commit: rcCommit }, releaseDir);
  return { facts: ledger, releaseDir, source: 'mirror', imageDistros: ledger.images?.distros.map((image) => image.distro) ?? [] };
}

/**
 * Pure: how the RC's build differs from what its GitHub release serves (`digests`: asset name →
 * `sha256:…`); empty when every archive and the checksums file are there with the ledger's bytes.
 */
export function publishedDifferences(ledger: Pick<RcFacts, 'tag' | 'artifacts'>, digests: ReadonlyMap<string, string>): string[] {
  return ledger.artifacts.flatMap((artifact) => {
    const name = artifact.path.slice(ledger.tag.length + 1);
    const served = digests.get(name);
    if (served === undefined) return [`${name} is not an asset of the release`];
    return served === `sha256:${artifact.sha256}` ? [] : [`${name} is ${served} on GitHub, but sha256:${artifact.sha256} in ${ledger.tag}'s build`];
  });
}

/** Refuses an RC build in the mirror that is not the bytes its GitHub release serves (ECHECKSUM): the proof would be against other binaries. */
export async function assertRcBuildPublished(client: GitHubClient, rc: RcBuild, assets: readonly GitHubAsset[], outDir: string): Promise<void> {
  const wanted = new Set(rc.facts.artifacts.map((artifact) => artifact.path.slice(rc.facts.tag.length + 1)));
  const digests = new Map(
    await Promise.all(assets.filter((asset) => wanted.has(asset.name)).map(async (asset) => [asset.name, await client.assetDigest(asset)] as const)),
  );
  const differences = publishedDifferences(rc.facts, digests);
  if (differences.length > 0) {
    throw new GlideError('ECHECKSUM', `${rc.releaseDir} is not the build ${rc.facts.tag}'s GitHub release serves:`, [
      ...differences,
      rebuildAdvice(rc.facts.tag, outDir),
    ]);
  }
}

/**
 * Refuses an RC build whose files are not the ledger's (ERCNOTBUILT when one is missing,
 * ECHECKSUM when one hashes otherwise): checked before the stable is tagged.
 */
export async function assertRcFilesIntact(rc: RcBuild): Promise<void> {
  for (const artifact of rc.facts.artifacts) await checkedRcFile(rc, artifact);
}

/** The path of one of the RC's files, after checking it hashes to the ledger's sha256. */
async function checkedRcFile(rc: RcBuild, artifact: RcArtifact): Promise<string> {
  const path = join(rc.releaseDir, artifact.path.slice(rc.facts.tag.length + 1));
  const advice = rebuildAdvice(rc.facts.tag, dirname(rc.releaseDir));
  const file = await hashFile(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
    throw new GlideError('ERCNOTBUILT', `${path} is missing, though ${rc.facts.tag}'s ledger lists it.`, [advice]);
  });
  if (file.sha256 !== artifact.sha256) {
    throw new GlideError('ECHECKSUM', `${path} hashes to ${file.sha256}, but ${rc.facts.tag}'s ledger says ${artifact.sha256}.`, [advice]);
  }
  return path;
}

/**
 * Writes the RC's binary of `archive` to `destination`, from an archive that hashes to the
 * ledger's sha256 (checked again: it is read now). The binary's own hash is the proof's to check.
 */
export async function unpackRcBinary(rc: RcBuild, archive: RcArchive, destination: string): Promise<void> {
  await unpackBinary(await checkedRcFile(rc, archive), archive.format, archive.binary.name, destination);
}

/** Writes the member `name` of the archive at `path` (`zip` or `tar.gz`) to `destination`, with the installers' extractor. */
export async function unpackBinary(path: string, format: string, name: string, destination: string): Promise<void> {
  if (format === 'zip') {
    await extractZipMember(path, name, destination);
    return;
  }
  const { sink, done } = createTarGzMemberExtractor(name, destination);
  // A failed extraction destroys the sink without an error: `done` says why, not the pipeline.
  await Promise.all([done, pipeline(createReadStream(path), sink).catch(() => undefined)]);
}
