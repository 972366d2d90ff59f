/**
 * Which Glide version glide-up runs (decision 0027). An exact version asks nobody. `latest`
 * and `rc` ask the release source at most once an hour: the answer is kept in the cache
 * folder with the time it was asked. Offline, or when asking fails on the network, the newest
 * verified install in the cache is used, and the reason is said.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { archiveName, assetArch, GlideError, isGlideError, type Target } from '#contract';
import { installPaths } from '../install/cache.js';
import { inspectInstall } from '../install/index.js';
import { resolveVersion, type ReleaseLookup, type VersionRequest } from '../releases/resolve.js';
import { listCachedVersions } from './installs.js';

/** How long a looked-up "latest" is trusted before the source is asked again. */
export const LATEST_TTL_MS = 60 * 60 * 1000;
const ANSWERS_FILE = 'glide-up-latest.json';

export interface LatestAnswer {
  readonly version: string;
  readonly checkedAt: string;
}

/** The file's content: one answer per source and channel (a mirror's latest is not GitHub's). */
export type LatestAnswers = Readonly<Record<string, LatestAnswer>>;

export function answerKey(source: string, request: Exclude<VersionRequest, { kind: 'exact' }>): string {
  return `${request.kind} ${source}`;
}

/** The kept answer when it is younger than the TTL; a clock set back (an answer from the future) is not trusted. Pure. */
export function freshAnswer(answers: LatestAnswers, key: string, now: Date, ttlMs = LATEST_TTL_MS): string | undefined {
  const answer = answers[key];
  if (!answer) return undefined;
  const age = now.getTime() - Date.parse(answer.checkedAt);
  return age >= 0 && age < ttlMs ? answer.version : undefined;
}

export async function readAnswers(cacheDir: string): Promise<LatestAnswers> {
  try {
    const parsed = JSON.parse(await readFile(join(cacheDir, ANSWERS_FILE), 'utf8')) as unknown;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
    return Object.fromEntries(
      Object.entries(parsed as Record<string, Partial<LatestAnswer>>).filter(
        (entry): entry is [string, LatestAnswer] => typeof entry[1]?.version === 'string' && typeof entry[1].checkedAt === 'string',
      ),
    );
  } catch {
    // Missing or damaged: as if never asked.
    return {};
  }
}

/** Written to a temporary file and renamed over the old one: a reader never sees half a file. */
export async function writeAnswers(cacheDir: string, answers: LatestAnswers): Promise<void> {
  await mkdir(cacheDir, { recursive: true });
  const temporary = join(cacheDir, `.${ANSWERS_FILE}.${randomBytes(6).toString('hex')}`);
  try {
    await writeFile(temporary, `${JSON.stringify(answers, null, 2)}\n`);
    await rename(temporary, join(cacheDir, ANSWERS_FILE));
  } finally {
    await rm(temporary, { force: true });
  }
}

/** Network failures after which the cache may stand in for the source; anything else (a wrong mirror, a bad version) is said as it is. */
const OFFLINE_CODES = new Set(['ENETWORK', 'ETLS', 'ERATELIMIT']);

export function isNetworkFailure(error: unknown): error is GlideError {
  return isGlideError(error) && OFFLINE_CODES.has(error.code);
}

export interface VersionContext {
  readonly request: VersionRequest;
  readonly offline: boolean;
  readonly cacheDir: string;
  readonly target: Target;
  /** The source in words, without credentials: keys the kept answers. */
  readonly sourceName: string;
  readonly lookup: () => ReleaseLookup;
  readonly now: Date;
}

export interface ChosenVersion {
  readonly version: string;
  /** Why this is not a fresh answer from the source, for the user. */
  readonly note?: string;
}

export async function chooseVersion(ctx: VersionContext): Promise<ChosenVersion> {
  const { request } = ctx;
  if (request.kind === 'exact') return { version: request.version };
  const includeRc = request.kind === 'rc';
  if (ctx.offline) {
    const cached = await newestVerifiedInstall(ctx.cacheDir, ctx.target, includeRc);
    if (!cached) throw notCached('--offline was given', includeRc ? undefined : (await newestVerifiedInstall(ctx.cacheDir, ctx.target, true))?.version);
    return { version: cached.version, note: `--offline: using Glide ${cached.version}, the newest verified install in the cache` };
  }
  const answers = await readAnswers(ctx.cacheDir);
  const key = answerKey(ctx.sourceName, request);
  const kept = freshAnswer(answers, key, ctx.now);
  if (kept) return { version: kept };
  try {
    const version = await resolveVersion(request, ctx.lookup());
    // Best effort: a cache that cannot be written only means asking again next time; the install says why it cannot.
    await writeAnswers(ctx.cacheDir, { ...answers, [key]: { version, checkedAt: ctx.now.toISOString() } }).catch(() => {});
    return { version };
  } catch (error) {
    if (!isNetworkFailure(error)) throw error;
    const cached = await newestVerifiedInstall(ctx.cacheDir, ctx.target, includeRc);
    if (!cached) throw error;
    return {
      version: cached.version,
      note: `Could not ask ${ctx.sourceName} for the ${request.kind} version (${error.code}): using Glide ${cached.version}, the newest verified install in the cache`,
    };
  }
}

/** `cachedRc`: the newest verified RC, when only a stable was asked for (latest takes no RC by itself). */
function notCached(why: string, cachedRc?: string): GlideError {
  if (cachedRc) {
    return new GlideError('ENOTCACHED', `${why}, and the cache holds no verified stable install of Glide for this platform, only ${cachedRc}.`, [
      `To run it: --channel rc (or --glide-version ${cachedRc}).`,
    ]);
  }
  return new GlideError('ENOTCACHED', `${why}, and the cache holds no verified install of Glide for this platform.`, [
    'Run glide-up once with a network (or with --download-base-url pointing at a mirror folder) to install one, then --offline works.',
  ]);
}

/** For an exact version with --offline: it must be installed already. */
export function exactNotCached(version: string): GlideError {
  return notCached(`--offline was given for Glide ${version}`);
}

/**
 * The newest install for `target` that inspectInstall accepts as verified (its receipt says
 * verified and the binary still has the receipt's sha256): what `--offline` or a failed
 * network falls back to. `includeRc`: release candidates count (the rc channel).
 */
export async function newestVerifiedInstall(cacheDir: string, target: Target, includeRc: boolean): Promise<{ version: string; binary: string } | undefined> {
  const platform = `${target.os}_${assetArch(target)}`;
  for (const cached of await listCachedVersions(cacheDir)) {
    if (cached.platform !== platform || !cached.verified || (cached.prerelease && !includeRc)) continue;
    const inspected = await inspectInstall(installPaths(cacheDir, cached.version, target, archiveName(cached.version, target)), cached.version, false);
    if (inspected.state === 'ready') return { version: cached.version, binary: inspected.result.binary };
  }
  return undefined;
}
