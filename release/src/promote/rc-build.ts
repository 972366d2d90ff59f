/**
 * The RC's own build, which promote proves the stable against: its ledger and archives in the
 * release mirror, checked to be what its GitHub release serves, and each binary unpacked from
 * an archive that hashes to the ledger's sha256. Nothing is downloaded (decision 0041).
 */
import { createReadStream } from 'node:fs';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { GlideError } from '#contract';
import { createTarGzMemberExtractor, extractZipMember } from '../../../src/install/extract.js';
import { hashFile } from '../files.js';
import type { GitHubAsset, GitHubClient } from '../github/client.js';
import { assertLedgerOf, readLedger, type LedgerArchive, type LedgerArtifact, type ReleaseLedger } from '../ledger.js';
import type { Promotion } from './rules.js';

export interface RcBuild {
  readonly ledger: ReleaseLedger;
  /** `{out}/{rc}`: the RC's ledger and archives. */
  readonly releaseDir: string;
}

function rebuildAdvice(rc: string, outDir: string): string {
  return `Build it into the mirror: git checkout ${rc} && glide-release build --tag ${rc} --out ${outDir} (a reproducible rebuild gives the bytes its GitHub release has, and promote checks that), then promote again.`;
}

/** The RC's ledger in `{out}/{rc}`, of the RC's commit; ERCNOTBUILT when the mirror has none. */
export async function readRcBuild(outDir: string, promotion: Promotion, rcCommit: string): Promise<RcBuild> {
  const releaseDir = join(outDir, promotion.rc);
  const ledger = await readLedger(releaseDir);
  if (!ledger) {
    throw new GlideError(
      'ERCNOTBUILT',
      `${promotion.rc}'s build is not in ${outDir} (there is no ${join(releaseDir, 'release.json')}): the stable is proven against the RC's own binaries.`,
      [rebuildAdvice(promotion.rc, outDir)],
    );
  }
  assertLedgerOf(ledger, { tag: promotion.rc, commit: rcCommit }, releaseDir);
  return { ledger, releaseDir };
}

/**
 * Pure: how the RC's build differs from what its GitHub release serves (`digests`: asset name →
 * `sha256:…`); empty when every archive and the checksums file are there with the ledger's bytes.
 */
export function publishedDifferences(ledger: ReleaseLedger, digests: ReadonlyMap<string, string>): string[] {
  return ledger.artifacts.flatMap((artifact) => {
    const name = artifact.path.slice(ledger.tag.length + 1);
    const served = digests.get(name);
    if (served === undefined) return [`${name} is not an asset of the release`];
    return served === `sha256:${artifact.sha256}` ? [] : [`${name} is ${served} on GitHub, but sha256:${artifact.sha256} in ${ledger.tag}/release.json`];
  });
}

/** Refuses an RC build in the mirror that is not the bytes its GitHub release serves (ECHECKSUM): the proof would be against other binaries. */
export async function assertRcBuildPublished(client: GitHubClient, rc: RcBuild, assets: readonly GitHubAsset[], outDir: string): Promise<void> {
  const wanted = new Set(rc.ledger.artifacts.map((artifact) => artifact.path.slice(rc.ledger.tag.length + 1)));
  const digests = new Map(
    await Promise.all(assets.filter((asset) => wanted.has(asset.name)).map(async (asset) => [asset.name, await client.assetDigest(asset)] as const)),
  );
  const differences = publishedDifferences(rc.ledger, digests);
  if (differences.length > 0) {
    throw new GlideError('ECHECKSUM', `${rc.releaseDir} is not the build ${rc.ledger.tag}'s GitHub release serves:`, [
      ...differences,
      rebuildAdvice(rc.ledger.tag, outDir),
    ]);
  }
}

/**
 * Refuses an RC build whose files are not the ledger's (ERCNOTBUILT when one is missing,
 * ECHECKSUM when one hashes otherwise): checked before the stable is tagged.
 */
export async function assertRcFilesIntact(rc: RcBuild): Promise<void> {
  for (const artifact of rc.ledger.artifacts) await checkedRcFile(rc, artifact);
}

/** The path of one of the RC's files, after checking it hashes to the ledger's sha256. */
async function checkedRcFile(rc: RcBuild, artifact: LedgerArtifact): Promise<string> {
  const path = join(rc.releaseDir, artifact.path.slice(rc.ledger.tag.length + 1));
  const advice = rebuildAdvice(rc.ledger.tag, dirname(rc.releaseDir));
  const file = await hashFile(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
    throw new GlideError('ERCNOTBUILT', `${path} is missing, though ${rc.ledger.tag}'s ledger lists it.`, [advice]);
  });
  if (file.sha256 !== artifact.sha256) {
    throw new GlideError('ECHECKSUM', `${path} hashes to ${file.sha256}, but ${rc.ledger.tag}'s ledger says ${artifact.sha256}.`, [advice]);
  }
  return path;
}

/**
 * Writes the RC's binary of `archive` to `destination`, from an archive that hashes to the
 * ledger's sha256 (checked again: it is read now). The binary's own hash is the proof's to check.
 */
export async function unpackRcBinary(rc: RcBuild, archive: LedgerArchive, destination: string): Promise<void> {
  const path = await checkedRcFile(rc, archive);
  if (archive.format === 'zip') {
    await extractZipMember(path, archive.binary.name, destination);
    return;
  }
  const { sink, done } = createTarGzMemberExtractor(archive.binary.name, destination);
  // A failed extraction destroys the sink without an error: `done` says why, not the pipeline.
  await Promise.all([done, pipeline(createReadStream(path), sink).catch(() => undefined)]);
}
