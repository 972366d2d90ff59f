/**
 * Installs one Glide version for one platform into the cache: checksums first (the
 * manifest), then one streamed pass that downloads, hashes and extracts, then a check of
 * the binary, then a rename into place. Until that rename nothing is installed; an
 * earlier install of the same version is reused and never touched.
 */
import { chmod, mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import lockfile from 'proper-lockfile';
import {
  archiveFormat,
  archiveName,
  binaryName,
  checksumsName,
  formatTarget,
  GlideError,
  isGlideError,
  type Target,
} from '../contract/index.js';
import { downloadAsset } from '../net/download.js';
import type { HttpClient } from '../net/http.js';
import { redactUrl } from '../net/http.js';
import { assetLocation, describeSource, sourceCredentials, type ReleaseSource } from '../releases/source.js';
import { installPaths, type InstallPaths, type InstallReceipt } from './cache.js';
import { checkInstalledBinary, type BinaryCheck } from './check-binary.js';
import { expectedArchive, parseChecksums } from './checksums.js';
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
}

export type InstallEvent =
  | { readonly type: 'checksums'; readonly location: string }
  | { readonly type: 'download'; readonly asset: string; readonly received: number; readonly total: number | undefined }
  | { readonly type: 'resume'; readonly asset: string; readonly from: number }
  | { readonly type: 'retry-fresh'; readonly asset: string }
  | { readonly type: 'verified'; readonly asset: string; readonly sha256: string }
  | { readonly type: 'unverified'; readonly asset: string }
  | { readonly type: 'checked'; readonly check: BinaryCheck }
  | { readonly type: 'waiting-for-lock'; readonly lock: string };

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

  const existing = await readInstall(paths, version);
  if (existing) return existing;

  const expectedSha256 = request.insecureSkipVerify ? undefined : await readExpectedSha256(request, deps, report);
  if (!expectedSha256) report({ type: 'unverified', asset });

  await mkdir(paths.versionDir, { recursive: true });
  await mkdir(dirname(paths.partial), { recursive: true });
  const unlock = await acquireLock(paths, report);
  try {
    // Another installer may have finished this version while we waited.
    const finished = await readInstall(paths, version);
    if (finished) return finished;
    for (let attempt = 0; ; attempt++) {
      const kept = await stat(paths.partial).then((file) => file.size, () => 0);
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
  } finally {
    await unlock();
  }
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
  const staging = await mkdtemp(join(paths.versionDir, `.staging-${target.os}_`));
  // mkdtemp makes 0700; an install is as readable as any other program the user installs.
  await chmod(staging, 0o755);
  const stagedBinary = join(staging, member);
  try {
    const location = assetLocation(source, version, asset);
    const streamed = archiveFormat(target.os) === 'tar.gz';
    if (kept > 0 && isUrl(location)) report({ type: 'resume', asset, from: kept });
    const download = await downloadAsset(deps.client, {
      location,
      what: asset,
      partialPath: paths.partial,
      ...sourceCredentials(source),
      ...(streamed ? { createSink: () => createTarGzMemberExtractor(member, stagedBinary) } : {}),
      onProgress: (received, total) => report({ type: 'download', asset, received, total }),
    }).catch(async (error: unknown) => {
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
    await download.sinkResult.catch(async (error: unknown) => {
      await rm(paths.partial, { force: true });
      throw error;
    });
    if (!streamed) await extractZipMember(isUrl(location) ? paths.partial : location, member, stagedBinary);
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
      binarySize: (await stat(stagedBinary)).size,
      source: isUrl(location) ? redactUrl(location) : location,
      installedAt: (deps.now?.() ?? new Date()).toISOString(),
    };
    await writeFile(join(staging, 'receipt.json'), `${JSON.stringify(receipt, null, 2)}\n`);
    // A folder without a valid receipt is a broken leftover (readInstall refused it): replace it.
    await rm(paths.dir, { recursive: true, force: true });
    await rename(staging, paths.dir);
    return { binary: paths.binary, dir: paths.dir, receipt, reused: false };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

async function readExpectedSha256(
  request: InstallRequest,
  deps: InstallDependencies,
  report: (event: InstallEvent) => void,
): Promise<string> {
  const name = checksumsName(request.version);
  const location = assetLocation(request.source, request.version, name);
  report({ type: 'checksums', location: isUrl(location) ? redactUrl(location) : location });
  let text: string;
  if (isUrl(location)) {
    const response = await deps.client.getText(location, sourceCredentials(request.source));
    if (response.status === 404) {
      throw new GlideError('ECHECKSUM', `Glide ${request.version} has no checksums file (${name}) in ${describeSource(request.source)}.`, [
        'Check the version: every Glide release publishes one. Nothing was installed.',
        'To install without verification anyway, pass --insecure-skip-verify (it skips the only integrity check).',
      ]);
    }
    await deps.client.expectOk(response, name);
    text = response.text;
  } else {
    try {
      text = await readFile(location, 'utf8');
    } catch {
      throw new GlideError('ENORELEASE', `${location} does not exist in the mirror folder.`, [
        `Check the version and --download-base-url: the folder must hold {tag}/${name} as \`glide-release build\` writes it.`,
      ]);
    }
  }
  return expectedArchive(parseChecksums(text), request.version, request.target).sha256;
}

/** A finished install of `version`, or undefined when there is none (or only a broken leftover). */
export async function readInstall(paths: InstallPaths, version: string): Promise<InstallResult | undefined> {
  try {
    const receipt = JSON.parse(await readFile(paths.receipt, 'utf8')) as InstallReceipt;
    const binary = await stat(paths.binary);
    if (receipt.version !== version || binary.size !== receipt.binarySize) return undefined;
    return { binary: paths.binary, dir: paths.dir, receipt, reused: true };
  } catch {
    return undefined;
  }
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

function isUrl(location: string): boolean {
  return /^https?:\/\//.test(location);
}
