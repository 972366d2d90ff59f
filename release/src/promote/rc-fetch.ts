/**
 * The RC's build from its GitHub release, for a promote whose mirror has none (a fresh CI
 * runner; decision 0046). Every archive and the checksums file are downloaded into a scratch
 * folder of the mirror, each checked against GitHub's digest and each archive against the
 * checksums file, and the folder becomes `{out}/{rc}` only once all of them are. No ledger is
 * written: what the proof needs is reconstructed from the verified bytes and git and kept in
 * memory, so `build` never finds a ledger it did not write.
 */
import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  archiveFormat,
  binaryName,
  checksumsName,
  DISTROS,
  formatTarget,
  GlideError,
  imageTag,
  parseArchiveName,
  parseChecksums,
  type Distro,
  type Target,
} from '#contract';
import { RegistryClient } from '../../../src/registry/client.js';
import { parseImageReference } from '../../../src/registry/reference.js';
import { parseBuildInfo } from '../binaries/promote-proof.js';
import { runPool } from '../binaries/pool.js';
import { hashFile, replaceDir, type WrittenFile } from '../files.js';
import type { GitHubAsset, GitHubClient } from '../github/client.js';
import { readBuildInfoText } from '../toolchain.js';
import { rebuildAdvice, unpackBinary, type RcArchive, type RcBuild, type RcFacts } from './rc-build.js';
import type { Promotion } from './rules.js';

/** A checksums file of a few hundred targets is a few tens of kB. */
const MAX_CHECKSUMS_BYTES = 1024 * 1024;
/** Downloads at once, as verify: enough to fill a link, few enough for GitHub's abuse limits. */
const PARALLEL_DOWNLOADS = 4;

export interface FetchRcOptions {
  readonly client: GitHubClient;
  readonly outDir: string;
  readonly promotion: Promotion;
  /** The RC's published release. */
  readonly releaseId: number;
  /** The RC tag's commit, and that commit's date: the stamp its build put in every binary. */
  readonly commit: string;
  readonly date: string;
  /** The distros of the RC's images in the registry (rcImageDistros). */
  readonly imageDistros: readonly Distro[];
  readonly log: (line: string) => void;
  readonly signal: AbortSignal;
}

/** Pure: the RC's assets promote needs, by name: its checksums file and each of its archives with its target. */
export function rcAssetsOf(
  rc: string,
  assets: readonly GitHubAsset[],
): { readonly checksums: GitHubAsset | undefined; readonly archives: readonly { readonly asset: GitHubAsset; readonly target: Target }[] } {
  const uploaded = assets.filter((asset) => asset.state === 'uploaded');
  return {
    checksums: uploaded.find((asset) => asset.name === checksumsName(rc)),
    archives: uploaded.flatMap((asset) => {
      const parsed = parseArchiveName(asset.name);
      return parsed?.version === rc ? [{ asset, target: parsed.target }] : [];
    }),
  };
}

export async function fetchRcBuild(options: FetchRcOptions): Promise<RcBuild> {
  const { client, outDir, promotion } = options;
  const { rc } = promotion;
  const { checksums, archives } = rcAssetsOf(rc, await client.listAssets(options.releaseId));
  if (!checksums || archives.length === 0) {
    throw new GlideError(
      'ERCNOTBUILT',
      `${rc}'s GitHub release has ${checksums ? 'no archives' : `no ${checksumsName(rc)}`}, so its build cannot be downloaded and checked, and it is not in ${outDir}.`,
      [rebuildAdvice(rc, outDir)],
    );
  }
  await mkdir(outDir, { recursive: true });
  const scratch = await mkdtemp(join(outDir, `.fetch-${rc}-`));
  try {
    options.log(`downloading ${rc}'s ${archives.length} archives and ${checksums.name} from its GitHub release`);
    if (checksums.size > MAX_CHECKSUMS_BYTES) throw notChecksums(checksums.name, checksums.size);
    const checksumsFile = await downloadVerified(client, checksums, scratch, rc);
    const sums = parseChecksums(await readFile(join(scratch, checksums.name), 'utf8'));
    const unpacked = join(scratch, '.binaries');
    await mkdir(unpacked);
    const facts = await runPool(
      archives,
      PARALLEL_DOWNLOADS,
      async ({ asset, target }) => {
        const listed = sums.get(asset.name);
        if (listed === undefined) {
          throw new GlideError('ECHECKSUM', `${asset.name} is an asset of ${rc}'s GitHub release, but its ${checksums.name} does not list it.`, [
            `The release is not what glide-release publishes: check it on GitHub. ${rebuildAdvice(rc, outDir)}`,
          ]);
        }
        const file = await downloadVerified(client, asset, scratch, rc, { name: checksums.name, sha256: listed });
        return rcArchive(rc, target, { name: asset.name, path: join(scratch, asset.name), ...file }, join(unpacked, asset.name));
      },
      options.signal,
    );
    await rm(unpacked, { recursive: true, force: true });
    const goVersions = [...new Set(facts.map((archive) => archive.goVersion))];
    if (goVersions.length !== 1) {
      throw new GlideError(
        'ENOTREPRODUCIBLE',
        `${rc}'s binaries were built with several Go versions (${goVersions.join(', ')}): no one rebuild can reproduce them.`,
        ['Release a new RC, built by glide-release with one Go.'],
      );
    }
    const build: RcFacts = {
      tag: rc,
      version: rc,
      stage: 'rc',
      commit: options.commit,
      date: options.date,
      goVersion: goVersions[0]!,
      artifacts: [...facts.map((archive) => archive.artifact), { kind: 'checksums', path: `${rc}/${checksums.name}`, ...checksumsFile }],
    };
    const releaseDir = join(outDir, rc);
    // Only a folder with no ledger is replaced here (one with a ledger is read, never fetched over): an earlier fetch.
    await replaceDir(scratch, releaseDir);
    options.log(`downloaded ${rc} into ${releaseDir}: every file is what its GitHub release's digests and checksums say`);
    return { facts: build, releaseDir, source: 'github', imageDistros: options.imageDistros };
  } catch (error) {
    await rm(scratch, { recursive: true, force: true });
    throw error;
  }
}

/** Streams the asset into `dir` under its name; ECHECKSUM unless its bytes are GitHub's digest (and `listed`'s sha256). */
async function downloadVerified(
  client: GitHubClient,
  asset: GitHubAsset,
  dir: string,
  rc: string,
  listed?: { readonly name: string; readonly sha256: string },
): Promise<WrittenFile> {
  const path = join(dir, asset.name);
  const served = await client.downloadAssetToFile(asset, path);
  const damaged = (what: string) =>
    new GlideError('ECHECKSUM', `${asset.name} downloaded from ${rc}'s GitHub release hashes to ${served}, but ${what}: nothing of ${rc} was kept.`, [
      'The download or the stored asset is damaged. Run promote again; if it persists, the release on GitHub is not what was published: report it, and release a new RC.',
    ]);
  // Assets uploaded before GitHub kept digests have none: the archives are still checked against the checksums file.
  if (asset.digest !== null && served !== asset.digest) throw damaged(`GitHub's digest of it is ${asset.digest}`);
  if (listed && served !== `sha256:${listed.sha256}`) throw damaged(`${listed.name} says sha256:${listed.sha256}`);
  return { size: (await stat(path)).size, sha256: served.slice('sha256:'.length) };
}

/** One verified archive as the proof reads it: its binary unpacked (into `unpackDir`, removed by the caller) to hash it and read its Go version. */
async function rcArchive(
  rc: string,
  target: Target,
  archive: WrittenFile & { readonly name: string; readonly path: string },
  unpackDir: string,
): Promise<{ readonly artifact: RcArchive; readonly goVersion: string }> {
  const { name, size, sha256 } = archive;
  const format = archiveFormat(target.os);
  const binary = binaryName(target.os);
  await mkdir(unpackDir);
  const unpacked = join(unpackDir, binary);
  await unpackBinary(archive.path, format, binary, unpacked);
  const [hashed, info] = await Promise.all([hashFile(unpacked), readBuildInfoText(unpacked).then(parseBuildInfo)]);
  const goVersion = info?.get('go');
  if (goVersion === undefined) {
    throw new GlideError('ENOTREPRODUCIBLE', `The ${binary} in ${rc}'s ${name} holds no Go build info: it is not a binary glide-release built.`, [
      'Release a new RC with glide-release.',
    ]);
  }
  return {
    artifact: {
      kind: 'archive',
      path: `${rc}/${name}`,
      size,
      sha256,
      target: formatTarget(target),
      format,
      binary: { name: binary, size: hashed.size, sha256: hashed.sha256 },
    },
    goVersion,
  };
}

function notChecksums(name: string, size: number): GlideError {
  return new GlideError('ECHECKSUM', `${name} is ${size} bytes; a checksums file is at most ${MAX_CHECKSUMS_BYTES}.`, [
    'The release holds something else under that name: check it on GitHub.',
  ]);
}

/**
 * The distros of the RC's images in `repository` (its `{rc}-{distro}` tags), read anonymously:
 * GitHub cannot say whether the RC was published with images, its registry can.
 */
export async function rcImageDistros(repository: string, rc: string, signal: AbortSignal): Promise<Distro[]> {
  const target = parseImageReference(repository);
  const registry = new RegistryClient({ registry: target.registry, signal });
  try {
    const tags = new Set(await registry.listTags(target.repository));
    return DISTROS.filter((distro) => tags.has(imageTag(rc, distro)));
  } finally {
    await registry.close();
  }
}
