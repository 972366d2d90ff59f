/**
 * Installs one Glide version for one platform into the cache: checksums first (the
 * manifest), then one streamed pass that downloads, hashes and extracts, then a check of
 * the binary, then a rename into place. Until that rename nothing is installed; an
 * earlier install of the same version is reused only if its receipt says it was verified
 * (or verification is being skipped again) and its binary still has the receipt's sha256.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import lockfile from 'proper-lockfile';
import { archiveFormat, archiveName, binaryName, checksumsName, formatTarget, GlideError, isGlideError, parseChecksums, type Target } from '#contract';
import { downloadAsset, readLocalAsset } from '../net/download.js';
import type { HttpClient } from '../net/http.js';
import { describeFolderProblem, folderProblem, isFileSystemError, isFullDisk, type FolderProblem } from '../platform/folders.js';
import { assetLocation, describeLocation, describeSource, sourceCredentials, type ReleaseSource } from '../releases/source.js';
import { installPaths, RECEIPT_FILE, type InstallPaths, type InstallReceipt } from './cache.js';
import { checkInstalledBinary, type BinaryCheck } from './check-binary.js';
import { expectedArchive } from './checksums.js';
import { createTarGzMemberExtractor, extractZipMember } from './extract.js';

export interface InstallRequest {
  readonly version: string;
  readonly target: Target;
  /** The host can run this target's binaries (same platform), so it is smoke-run. */
  readonly runnable: boolean;
  readonly source: ReleaseSource;
  readonly cacheDir: string;
  /** Install without the checksums file. Loud by design. */
  readonly insecureSkipVerify: boolean;
  /** The archive's sha256 from the checksums file, when the caller read it already (create-glide's plan does). */
  readonly expectedSha256?: string;
}

export type InstallEvent =
  | { readonly type: 'checksums'; readonly location: string }
  | { readonly type: 'download'; readonly asset: string; readonly received: number; readonly total: number | undefined }
  | { readonly type: 'resume'; readonly asset: string; readonly from: number }
  | { readonly type: 'retry-fresh'; readonly asset: string }
  | { readonly type: 'verified'; readonly asset: string; readonly sha256: string }
  | { readonly type: 'unverified'; readonly asset: string }
  | { readonly type: 'checked'; readonly check: BinaryCheck }
  | { readonly type: 'waiting-for-lock'; readonly lock: string }
  | { readonly type: 'reinstall'; readonly reason: string };

export interface InstallResult {
  readonly binary: string;
  readonly dir: string;
  readonly receipt: InstallReceipt;
  /** An earlier install of this version was reused. */
  readonly reused: boolean;
}

export interface InstallDependencies {
  readonly client: HttpClient;
  readonly report?: (event: InstallEvent) => void;
  readonly now?: () => Date;
}

/** A lock older than this with no heartbeat belongs to a killed installer and is taken over. */
const LOCK_STALE_MS = 5_000;

export async function installGlide(request: InstallRequest, deps: InstallDependencies): Promise<InstallResult> {
  const { version, target } = request;
  const asset = archiveName(version, target);
  const paths = installPaths(request.cacheDir, version, target, asset);
  const report = deps.report ?? (() => {});

  const existing = await inspectInstall(paths, version, request.insecureSkipVerify);
  if (existing.state === 'ready') return existing.result;
  if (existing.state === 'replace') report({ type: 'reinstall', reason: existing.reason });

  await checkCacheWritable(request.cacheDir);
  const expectedSha256 = request.insecureSkipVerify ? undefined : (request.expectedSha256 ?? (await readChecksum(request, deps.client, report)));
  if (!expectedSha256) report({ type: 'unverified', asset });

  try {
    await mkdir(paths.versionDir, { recursive: true });
    await mkdir(dirname(paths.partial), { recursive: true });
    const unlock = await acquireLock(paths, report);
    try {
      return await installLocked(request, deps, paths, asset, expectedSha256, report);
    } finally {
      await unlock();
    }
  } catch (error) {
    throw await explainCacheFailure(error, request.cacheDir);
  }
}

async function installLocked(
  request: InstallRequest,
  deps: InstallDependencies,
  paths: InstallPaths,
  asset: string,
  expectedSha256: string | undefined,
  report: (event: InstallEvent) => void,
): Promise<InstallResult> {
  // Another installer may have finished this version while we waited.
  const finished = await inspectInstall(paths, request.version, request.insecureSkipVerify);
  if (finished.state === 'ready') return finished.result;
  await removeStaleStaging(paths);
  for (let attempt = 0; ; attempt++) {
    const kept = await stat(paths.partial).then(
      (file) => file.size,
      () => 0,
    );
    try {
      return await downloadAndPlace(request, deps, paths, asset, expectedSha256, kept, report);
    } catch (error) {
      // Bytes kept from an earlier run may be of another file (the mirror replaced it):
      // start once from nothing before failing closed.
      if (attempt === 0 && kept > 0 && isGlideError(error) && (error.code === 'ECHECKSUM' || error.code === 'EUNSAFEARCHIVE')) {
        await rm(paths.partial, { force: true });
        report({ type: 'retry-fresh', asset });
        continue;
      }
      throw error;
    }
  }
}

/**
 * Staging folders of this platform are made only under its lock, which we hold: any still
 * here was left by an installer killed (kill -9, SIGTERM, power loss) before its cleanup.
 */
async function removeStaleStaging(paths: InstallPaths): Promise<void> {
  const leftovers = (await readdir(paths.versionDir)).filter((name) => name.startsWith(paths.stagingPrefix) && name.length === paths.stagingPrefix.length + 6);
  for (const name of leftovers) await rm(join(paths.versionDir, name), { recursive: true, force: true });
}

/** Throws ECACHEDIR when the cache folder cannot be created or written: asked before anything is downloaded. */
export async function checkCacheWritable(cacheDir: string): Promise<void> {
  const problem = await folderProblem(cacheDir);
  if (problem) throw cacheFolderError(cacheDir, problem);
}

function cacheFolderError(cacheDir: string, problem: FolderProblem): GlideError {
  return new GlideError('ECACHEDIR', `The cache folder ${cacheDir} cannot be written: ${describeFolderProblem(problem)}.`, [
    'Point GLIDE_CACHE_DIR at a writable folder (or fix HOME), and run again. Nothing was installed.',
  ]);
}

/** A file-system failure while installing, in the user's words: a full disk, or a cache folder that cannot be written. */
async function explainCacheFailure(error: unknown, cacheDir: string): Promise<unknown> {
  if (!isFileSystemError(error)) return error;
  if (isFullDisk(error)) {
    return new GlideError('EDISK', `The disk holding the cache (${cacheDir}) is full (${error.code}).`, [
      'Nothing was installed. Free some space, or point GLIDE_CACHE_DIR at a folder on another disk, and run again.',
    ]);
  }
  const problem = await folderProblem(error.path && error.path.startsWith(cacheDir) ? dirname(error.path) : cacheDir);
  if (problem) return cacheFolderError(cacheDir, problem);
  return error;
}

async function downloadAndPlace(
  request: InstallRequest,
  deps: InstallDependencies,
  paths: InstallPaths,
  asset: string,
  expectedSha256: string | undefined,
  kept: number,
  report: (event: InstallEvent) => void,
): Promise<InstallResult> {
  const { version, target, source } = request;
  const member = binaryName(target.os);
  const staging = await mkdtemp(join(paths.versionDir, paths.stagingPrefix));
  // mkdtemp makes 0700; an install is as readable as any other program the user installs.
  await chmod(staging, 0o755);
  const stagedBinary = join(staging, member);
  try {
    const location = assetLocation(source, version, asset);
    const streamed = archiveFormat(target.os) === 'tar.gz';
    if (kept > 0 && location.kind === 'url') report({ type: 'resume', asset, from: kept });
    const assetRead = {
      what: asset,
      partialPath: paths.partial,
      ...(streamed ? { createSink: () => createTarGzMemberExtractor(member, stagedBinary) } : {}),
      onProgress: (received: number, total: number | undefined) => report({ type: 'download', asset, received, total }),
    };
    // Only a URL is downloaded (and kept in .partial to resume); a mirror folder's file is read where it is.
    const download = await (
      location.kind === 'url'
        ? downloadAsset(deps.client, { ...assetRead, location: location.url.href, ...sourceCredentials(source) })
        : readLocalAsset({ ...assetRead, location: location.path })
    ).catch(async (error: unknown) => {
      // A damaged archive (not a network failure) would only fail again when resumed.
      if (isGlideError(error) && error.code === 'EUNSAFEARCHIVE') await rm(paths.partial, { force: true });
      throw error;
    });

    if (expectedSha256 && download.sha256 !== expectedSha256) {
      await download.sinkResult.catch(() => {});
      await rm(paths.partial, { force: true });
      throw new GlideError('ECHECKSUM', `${asset} does not match the release's checksums file.`, [
        `expected sha256 ${expectedSha256}`,
        `received sha256 ${download.sha256} (${download.size} bytes)`,
        'Nothing was installed. Run again; if it persists, the download is being altered on its way (a proxy?) or the release is broken.',
        'Only --insecure-skip-verify installs without this check, and it should not be used to get past a mismatch.',
      ]);
    }
    if (expectedSha256) report({ type: 'verified', asset, sha256: download.sha256 });
    const streamedBinary = await download.sinkResult.catch(async (error: unknown) => {
      await rm(paths.partial, { force: true });
      throw error;
    });
    const binary = streamedBinary ?? (await extractZipMember(location.kind === 'url' ? paths.partial : location.path, member, stagedBinary));
    // The bytes are verified and unpacked: whatever fails from here, resuming them cannot help.
    await rm(paths.partial, { force: true });

    const check = await checkInstalledBinary(stagedBinary, target, request.runnable);
    report({ type: 'checked', check });

    const receipt: InstallReceipt = {
      version,
      target: formatTarget(target),
      asset,
      sha256: download.sha256,
      verified: expectedSha256 !== undefined,
      binarySize: binary.bytes,
      binarySha256: binary.sha256,
      source: describeLocation(location),
      installedAt: (deps.now?.() ?? new Date()).toISOString(),
    };
    await writeFile(join(staging, RECEIPT_FILE), `${JSON.stringify(receipt, null, 2)}\n`);
    // An install inspectInstall refused (no valid receipt, unverified, damaged) is replaced.
    await rm(paths.dir, { recursive: true, force: true });
    await rename(staging, paths.dir);
    return { binary: paths.binary, dir: paths.dir, receipt, reused: false };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/**
 * The sha256 the release's checksums file gives the archive for `target`: one small read,
 * which also says whether the release has that platform at all (EUNSUPPORTEDPLATFORM).
 */
export async function readChecksum(
  request: Pick<InstallRequest, 'version' | 'target' | 'source'>,
  client: HttpClient,
  report: (event: InstallEvent) => void = () => {},
): Promise<string> {
  const name = checksumsName(request.version);
  const location = assetLocation(request.source, request.version, name);
  report({ type: 'checksums', location: describeLocation(location) });
  let text: string;
  if (location.kind === 'url') {
    const response = await client.getText(location.url.href, sourceCredentials(request.source));
    if (response.status === 404) {
      throw new GlideError('ECHECKSUM', `Glide ${request.version} has no checksums file (${name}) in ${describeSource(request.source)}.`, [
        'Check the version: every Glide release publishes one. Nothing was installed.',
        'To install without verification anyway, pass --insecure-skip-verify (it skips the only integrity check).',
      ]);
    }
    await client.expectOk(response, name);
    text = response.text;
  } else {
    try {
      text = await readFile(location.path, 'utf8');
    } catch {
      throw new GlideError('ENORELEASE', `${location.path} does not exist in the mirror folder.`, [
        `Check the version and --download-base-url: the folder must hold {tag}/${name} as \`glide-release build\` writes it.`,
      ]);
    }
  }
  return expectedArchive(parseChecksums(text), request.version, request.target).sha256;
}

/** What the cache holds for a version and platform: an install to reuse, one to replace (and why), or none. */
export type CachedInstall =
  { readonly state: 'ready'; readonly result: InstallResult } | { readonly state: 'replace'; readonly reason: string } | { readonly state: 'absent' };

/**
 * Checks an earlier install before it is reused: its receipt must say it was verified
 * (unless this run skips verification too) and the binary must still hash to the receipt's
 * sha256. A same-size file of zeros, or an install made with --insecure-skip-verify, is
 * replaced, and the reason is said.
 */
export async function inspectInstall(paths: InstallPaths, version: string, acceptUnverified: boolean): Promise<CachedInstall> {
  let receipt: Partial<InstallReceipt>;
  try {
    receipt = JSON.parse(await readFile(paths.receipt, 'utf8')) as Partial<InstallReceipt>;
  } catch (error) {
    const dirExists = await stat(paths.dir).then(
      () => true,
      () => false,
    );
    if (!dirExists && (error as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'absent' };
    return { state: 'replace', reason: 'the install in the cache has no readable receipt' };
  }
  if (receipt.version !== version) return { state: 'replace', reason: `the receipt in the cache is for ${String(receipt.version)}, not ${version}` };
  if (typeof receipt.binarySha256 !== 'string') {
    return { state: 'replace', reason: "the install in the cache predates receipts with the binary's sha256, so it cannot be checked" };
  }
  if (receipt.verified !== true && !acceptUnverified) {
    return { state: 'replace', reason: 'the install in the cache was made with --insecure-skip-verify' };
  }
  const actual = await sha256OfFile(paths.binary).catch(() => undefined);
  if (actual === undefined) return { state: 'replace', reason: 'the glide in the cache is missing' };
  if (actual !== receipt.binarySha256) {
    return { state: 'replace', reason: "the glide in the cache does not match its receipt's sha256 (damaged or altered)" };
  }
  return { state: 'ready', result: { binary: paths.binary, dir: paths.dir, receipt: receipt as InstallReceipt, reused: true } };
}

async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function acquireLock(paths: InstallPaths, report: (event: InstallEvent) => void): Promise<() => Promise<void>> {
  let compromised: Error | undefined;
  const options = {
    lockfilePath: paths.lock,
    realpath: false,
    stale: LOCK_STALE_MS,
    onCompromised: (error: Error) => {
      compromised = error;
    },
  };
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(paths.dir, options);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
    report({ type: 'waiting-for-lock', lock: paths.lock });
    try {
      release = await lockfile.lock(paths.dir, { ...options, retries: { retries: 300, factor: 1, minTimeout: 200, maxTimeout: 200 } });
    } catch (waitError) {
      if ((waitError as NodeJS.ErrnoException).code !== 'ELOCKED') throw waitError;
      throw new GlideError('ELOCKED', `Another installer has held ${paths.lock} for over a minute.`, [
        'Wait for it to finish; if none is running, delete that folder and run again.',
      ]);
    }
  }
  return async () => {
    if (!compromised) await release().catch(() => {});
  };
}
