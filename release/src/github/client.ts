/**
 * The GitHub REST client the release publishes with (decision 0035): releases and their
 * assets, drafts included, on the shared network layer (src/net, decision 0019). It owns what
 * makes a publish safe to run again: GitHub's rate limits waited out within one overall
 * budget, mutations paced, a create or upload whose answer was lost looked up before it is
 * sent twice, a 422 `already_exists` upload settled by digest, and the token sent to the API
 * and uploads origins only.
 */
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, openSync, writeSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Transform } from 'node:stream';
import type { Dispatcher } from 'undici';
import { GlideError } from '#contract';
import { withDeadline } from '../../../src/net/deadline.js';
import { errorCode, isTransientNetworkError } from '../../../src/net/errors.js';
import { sleep, withRetries, type Verdict } from '../../../src/net/retry.js';
import {
  createDispatcher,
  header,
  proxyFromEnv,
  redactUrl,
  requestFollowingRedirects,
  type ProxySettings,
  type ResponseHeaders,
} from '../../../src/net/transport.js';
import { rateLimitWait, type RateLimitWait } from './rate-limit.js';
import { expandUploadUrl, nextPageUrl } from './urls.js';

/** GitHub refuses a release body longer than this. */
export const MAX_RELEASE_BODY_CHARS = 125_000;
/** GitHub's guidance: at least a second between POST, PATCH, PUT and DELETE requests. */
export const DEFAULT_MUTATION_PAUSE_MS = 1000;
/** The whole client's time, rate-limit waits included: a primary limit resets within the hour. */
export const DEFAULT_BUDGET_MS = 30 * 60_000;
const API_VERSION = '2022-11-28';
const STALL_MS = 60_000;
// 5xx and lost connections; rate limits are waited out on their own terms, bounded by the budget.
const SERVER_ERROR_STATUSES: ReadonlySet<number> = new Set([500, 502, 503, 504]);

export interface GitHubAsset {
  readonly id: number;
  readonly name: string;
  readonly size: number;
  /** `sha256:…`, computed by GitHub at upload; null on assets older than June 2025. */
  readonly digest: string | null;
  /** `uploaded`, or `open` (the schema's word; `starter` in older answers) for an upload that never finished. */
  readonly state: string;
  /** The API URL of the asset (`GET` with `accept: application/octet-stream` downloads it). */
  readonly url: string;
  readonly browserDownloadUrl: string;
}

export interface GitHubRelease {
  readonly id: number;
  readonly tagName: string;
  readonly name: string | null;
  readonly draft: boolean;
  readonly prerelease: boolean;
  /** Set by GitHub when the release is published; null for a draft. */
  readonly publishedAt: string | null;
  readonly targetCommitish: string;
  readonly body: string | null;
  /** The RFC 6570 template `https://uploads.github.com/repos/o/r/releases/1/assets{?name,label}`. */
  readonly uploadUrl: string;
  readonly htmlUrl: string;
  readonly assets: readonly GitHubAsset[];
}

export interface NewDraftRelease {
  readonly tagName: string;
  /** The commit the tag is created on when it does not exist yet. */
  readonly targetCommitish: string;
  readonly name: string;
  readonly body: string;
  readonly prerelease: boolean;
}

export interface AssetFile {
  readonly name: string;
  readonly path: string;
  /** What the ledger recorded: the file on disk must still be this. */
  readonly size: number;
  /** Hex, as in the ledger and checksums.txt. */
  readonly sha256: string;
  readonly contentType?: string;
}

export type UploadOutcome = 'uploaded' | 'already-present';

export type RequestKind =
  | 'releases.list'
  | 'releases.latest'
  | 'releases.create'
  | 'releases.update'
  | 'assets.list'
  | 'assets.upload'
  | 'assets.download'
  | 'assets.delete'
  | 'git.ref';

/** What the client did, for `--verbose`, the bench's API-call count and tests. */
export interface GitHubStats {
  /** Requests sent, by kind: retries included, redirect hops not. */
  readonly requests: Record<RequestKind, number>;
  /** Waits for a rate limit, and their total. */
  rateLimitWaits: number;
  rateLimitWaitedMs: number;
  retries: number;
  bytesUploaded: number;
}

export interface GitHubClientOptions {
  /** `owner/name`. */
  readonly repository: string;
  /** Sent as a bearer token to `apiOrigin` and `uploadsOrigin`, to no other host, and never printed. */
  readonly token: string;
  readonly apiOrigin?: string;
  /** Where `upload_url` must point: the token goes nowhere else. */
  readonly uploadsOrigin?: string;
  readonly userAgent?: string;
  readonly proxy?: ProxySettings;
  /** Pause from one mutation's answer to the next mutation (GitHub's secondary limits); tests pass 0. */
  readonly mutationPauseMs?: number;
  /** Every request, retry and rate-limit wait of this client must fit in this, counted from its creation. */
  readonly budgetMs?: number;
  /** Attempts after the first, for 5xx and lost connections; and the most rate-limit waits per request. */
  readonly retries?: number;
  readonly backoffMs?: number;
  /** Told before each rate-limit wait. */
  readonly onRateLimit?: (wait: RateLimitWait) => void;
  /** Cancels requests in flight and waits (Ctrl-C); the abort reason is thrown. */
  readonly signal?: AbortSignal;
}

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

interface Exchange {
  readonly kind: RequestKind;
  /** For messages: "create the draft release v0.1.0". */
  readonly operation: string;
  readonly method: Method;
  readonly url: URL;
  readonly headers?: Readonly<Record<string, string>>;
  /** A factory, so that a retry sends the body again. */
  readonly body?: () => Dispatcher.DispatchOptions['body'];
  /** Statuses handed back to the caller; any other is an error. */
  readonly ok: readonly number[];
  /** Whether the request may be sent again after a lost connection or a 5xx (a create or upload is looked up instead). */
  readonly idempotent: boolean;
  /** Hash a successful answer's body as it streams in rather than keep it (an asset download). */
  readonly hashBody?: boolean;
  /** With hashBody: a fresh reader per attempt, handed each chunk as it is hashed (a retry starts over). */
  readonly tap?: () => BodyTap;
}

/** Reads a download's bytes as they stream past (verify unpacks the binary from an archive on the way). */
export interface BodyTap {
  write(chunk: Uint8Array): void;
}

interface Reply {
  readonly status: number;
  readonly headers: ResponseHeaders;
  /** Empty when a 2xx body was hashed instead (`hashBody`). */
  readonly body: Buffer;
  readonly sha256?: string;
}

export class GitHubClient {
  readonly stats: GitHubStats = {
    requests: {
      'releases.list': 0,
      'releases.latest': 0,
      'releases.create': 0,
      'releases.update': 0,
      'assets.list': 0,
      'assets.upload': 0,
      'assets.download': 0,
      'assets.delete': 0,
      'git.ref': 0,
    },
    rateLimitWaits: 0,
    rateLimitWaitedMs: 0,
    retries: 0,
    bytesUploaded: 0,
  };

  readonly #repository: string;
  readonly #token: string;
  readonly #api: URL;
  readonly #uploadsOrigin: string;
  readonly #userAgent: string;
  readonly #mutationPauseMs: number;
  readonly #budgetMs: number;
  readonly #deadline: number;
  readonly #retries: number;
  readonly #backoffMs: number;
  readonly #onRateLimit: GitHubClientOptions['onRateLimit'];
  readonly #signal: AbortSignal | undefined;
  readonly #dispatcher: Dispatcher;
  #lastMutationAt = Number.NEGATIVE_INFINITY;

  constructor(options: GitHubClientOptions) {
    if (!/^[\w.-]+\/[\w.-]+$/.test(options.repository)) {
      throw new GlideError('ECONFIG', `"${options.repository}" is not a GitHub repository: write it as owner/name.`);
    }
    this.#repository = options.repository;
    this.#token = options.token;
    this.#api = new URL(options.apiOrigin ?? 'https://api.github.com');
    this.#uploadsOrigin = new URL(options.uploadsOrigin ?? 'https://uploads.github.com').origin;
    this.#userAgent = options.userAgent ?? 'glide-release';
    this.#mutationPauseMs = options.mutationPauseMs ?? DEFAULT_MUTATION_PAUSE_MS;
    this.#budgetMs = options.budgetMs ?? DEFAULT_BUDGET_MS;
    this.#deadline = Date.now() + this.#budgetMs;
    this.#retries = options.retries ?? 4;
    this.#backoffMs = options.backoffMs ?? 500;
    this.#onRateLimit = options.onRateLimit;
    this.#signal = options.signal;
    this.#dispatcher = createDispatcher(options.proxy ?? proxyFromEnv(process.env), STALL_MS);
  }

  async close(): Promise<void> {
    await this.#dispatcher.close();
  }

  /** Every release, drafts included (they are listed to a token that may push, and only so). */
  async listReleases(): Promise<GitHubRelease[]> {
    const pages = await this.#pages('releases.list', 'list the releases', this.#repoUrl('/releases'));
    return pages.map(parseRelease);
  }

  /**
   * The release of `tag`, draft or published, or undefined. Found by listing, since
   * `releases/tags/{tag}` does not show drafts; two releases on one tag (drafts left by a
   * tool that created without looking) are refused rather than guessed between.
   */
  async findReleaseByTag(tag: string): Promise<GitHubRelease | undefined> {
    const found = (await this.listReleases()).filter((release) => release.tagName === tag);
    if (found.length > 1) {
      throw new GlideError(
        'EGITHUB',
        `${this.#repository} has ${found.length} releases on the tag ${tag} (ids ${found.map((release) => release.id).join(', ')}).`,
        ['Delete the extra drafts on GitHub (Releases → the draft → Delete), keeping the one you want, then run again.'],
      );
    }
    return found[0];
  }

  /** The release GitHub marks "latest", or undefined when there is none. */
  async latestRelease(): Promise<GitHubRelease | undefined> {
    const reply = await this.#send({
      kind: 'releases.latest',
      operation: 'read the latest release',
      method: 'GET',
      url: this.#repoUrl('/releases/latest'),
      ok: [200, 404],
      idempotent: true,
    });
    return reply.status === 404 ? undefined : parseRelease(parseJson(reply.body));
  }

  async listAssets(releaseId: number): Promise<GitHubAsset[]> {
    const pages = await this.#pages('assets.list', `list the assets of release ${releaseId}`, this.#repoUrl(`/releases/${releaseId}/assets`));
    return pages.map(parseAsset);
  }

  /**
   * Creates the release as a draft. When the answer is lost (connection, 5xx), the drafts are
   * listed before anything is sent again: GitHub takes several drafts on one tag, so a blind
   * retry could leave two.
   */
  async createDraftRelease(release: NewDraftRelease): Promise<GitHubRelease> {
    if (release.body.length > MAX_RELEASE_BODY_CHARS) {
      throw new GlideError(
        'EGITHUB',
        `The notes of ${release.tagName} are ${release.body.length} characters; GitHub takes at most ${MAX_RELEASE_BODY_CHARS}.`,
        ['Shorten them: the commit list can be cut, with a line saying so.'],
      );
    }
    const payload = JSON.stringify({
      tag_name: release.tagName,
      target_commitish: release.targetCommitish,
      name: release.name,
      body: release.body,
      draft: true,
      prerelease: release.prerelease,
    });
    for (let attempt = 0; ; attempt++) {
      try {
        const reply = await this.#send({
          kind: 'releases.create',
          operation: `create the draft release ${release.name}`,
          method: 'POST',
          url: this.#repoUrl('/releases'),
          headers: { 'content-type': 'application/json' },
          body: () => payload,
          ok: [201],
          idempotent: false,
        });
        return parseRelease(parseJson(reply.body));
      } catch (error) {
        if (!(error instanceof LostAnswer) || attempt >= this.#retries) throw unwrap(error);
        const created = await this.findReleaseByTag(release.tagName);
        if (created) return created;
        await this.#backoff(attempt + 1);
      }
    }
  }

  /**
   * Uploads a file to the release's `upload_url`, streamed with its length. An asset of the
   * same name already there (a run that stopped, or whose answer was lost) is compared by
   * digest, or by download when GitHub has none: the same bytes are `already-present`,
   * different ones are `EASSETCONFLICT`. A half-finished upload GitHub kept is deleted and
   * sent again.
   */
  async uploadAsset(release: Pick<GitHubRelease, 'id' | 'tagName' | 'uploadUrl'>, file: AssetFile): Promise<{ asset: GitHubAsset; outcome: UploadOutcome }> {
    const onDisk = (await stat(file.path)).size;
    if (onDisk !== file.size) {
      throw new GlideError('ECHECKSUM', `${file.path} is ${onDisk} bytes, but the ledger recorded ${file.size}: it changed after the build.`, [
        'Build the release again (glide-release build) rather than publishing a file the ledger does not describe.',
      ]);
    }
    const url = new URL(expandUploadUrl(release.uploadUrl, { name: file.name }));
    if (url.origin !== this.#uploadsOrigin) {
      throw new GlideError(
        'EGITHUB',
        `GitHub gave ${redactUrl(url.origin)} as the upload address of ${release.tagName}, not ${this.#uploadsOrigin}; the token is not sent there.`,
        ['If you use GitHub Enterprise, set the uploads origin to match; otherwise something rewrote the API answer.'],
      );
    }
    const expected = `sha256:${file.sha256}`;
    for (let attempt = 0; ; attempt++) {
      let sent: string | undefined;
      try {
        const reply = await this.#send({
          kind: 'assets.upload',
          operation: `upload ${file.name} to ${release.tagName}`,
          method: 'POST',
          url,
          headers: { 'content-type': file.contentType ?? 'application/octet-stream', 'content-length': String(file.size) },
          body: () => {
            const hash = createHash('sha256');
            return createReadStream(file.path).pipe(
              new Transform({
                transform: (chunk: Buffer, _encoding, done) => {
                  hash.update(chunk);
                  this.stats.bytesUploaded += chunk.byteLength;
                  done(null, chunk);
                },
                flush: (done) => {
                  sent = `sha256:${hash.digest('hex')}`;
                  done();
                },
              }),
            );
          },
          ok: [201, 422],
          idempotent: false,
        });
        if (reply.status === 201) {
          const asset = parseAsset(parseJson(reply.body));
          const stored = asset.digest ?? sent;
          if (stored !== expected) {
            await this.deleteAsset(asset.id);
            throw new GlideError(
              'ECHECKSUM',
              `${file.path} is not the file the ledger recorded: its sha256 is ${stored}, the ledger's ${expected}. The upload was deleted.`,
              ['Build the release again (glide-release build) rather than publishing a file that changed.'],
            );
          }
          return { asset, outcome: 'uploaded' };
        }
        if (!isAlreadyExists(reply.body)) throw this.#httpError(reply, `upload ${file.name} to ${release.tagName}`, url);
      } catch (error) {
        if (!(error instanceof LostAnswer)) throw error;
        if (attempt >= this.#retries) throw uploadLost(error.failure, attempt + 1);
        await this.#backoff(attempt + 1);
      }
      // The name is taken (or the answer was lost): what is there now decides.
      const existing = (await this.listAssets(release.id)).find((asset) => asset.name === file.name);
      if (existing?.state === 'uploaded') {
        if ((await this.assetDigest(existing)) === expected) return { asset: existing, outcome: 'already-present' };
        throw assetConflict(release.tagName, existing, expected);
      }
      if (existing) await this.deleteAsset(existing.id);
      if (attempt >= this.#retries) {
        throw new GlideError(
          'EGITHUB',
          `${file.name} could not be uploaded to ${release.tagName}: GitHub kept reporting the name taken by an unfinished upload.`,
          ['Delete that asset on GitHub (the draft release → the asset → Delete) and run again.'],
        );
      }
    }
  }

  /**
   * The commit the tag names on GitHub, or undefined when the tag was not pushed. An annotated
   * tag's ref names a tag object, peeled here: the ledger records the commit.
   */
  async tagCommit(tag: string): Promise<string | undefined> {
    let reply = await this.#send({
      kind: 'git.ref',
      operation: `read the tag ${tag}`,
      method: 'GET',
      url: this.#repoUrl(`/git/ref/tags/${encodeURIComponent(tag)}`),
      ok: [200, 404],
      idempotent: true,
    });
    if (reply.status === 404) return undefined;
    for (let hops = 0; hops < 4; hops++) {
      const object = (parseJson(reply.body) as { object?: { sha?: unknown; type?: unknown } } | undefined)?.object;
      if (typeof object?.sha !== 'string') throw unexpected(`read the tag ${tag}`, 'a git reference');
      if (object.type !== 'tag') return object.sha;
      reply = await this.#send({
        kind: 'git.ref',
        operation: `read the tag object of ${tag}`,
        method: 'GET',
        url: this.#repoUrl(`/git/tags/${object.sha}`),
        ok: [200],
        idempotent: true,
      });
    }
    throw unexpected(`read the tag ${tag}`, 'a tag that leads to a commit');
  }

  /** Sets a draft's title and notes (a run that stopped left older ones). */
  async updateDraft(releaseId: number, text: { readonly name: string; readonly body: string }): Promise<GitHubRelease> {
    return this.#patchRelease(releaseId, `update the draft release ${text.name}`, { name: text.name, body: text.body });
  }

  /** Deletes an asset; one already gone is fine. */
  async deleteAsset(assetId: number): Promise<void> {
    await this.#send({
      kind: 'assets.delete',
      operation: `delete asset ${assetId}`,
      method: 'DELETE',
      url: this.#repoUrl(`/releases/assets/${assetId}`),
      ok: [204, 404],
      idempotent: true,
    });
  }

  /**
   * Publishes a draft with `prerelease` and `make_latest` said outright: GitHub's default makes
   * any newly published release "latest", an RC or an old line's patch included.
   */
  async publishRelease(releaseId: number, flags: { readonly prerelease: boolean; readonly makeLatest: boolean }): Promise<GitHubRelease> {
    return this.#patchRelease(releaseId, `publish release ${releaseId}`, {
      draft: false,
      prerelease: flags.prerelease,
      make_latest: flags.makeLatest ? 'true' : 'false',
    });
  }

  /** `PATCH releases/{id}`: idempotent, so sent again after a lost answer. */
  async #patchRelease(releaseId: number, operation: string, fields: Readonly<Record<string, unknown>>): Promise<GitHubRelease> {
    const payload = JSON.stringify(fields);
    const reply = await this.#send({
      kind: 'releases.update',
      operation,
      method: 'PATCH',
      url: this.#repoUrl(`/releases/${releaseId}`),
      headers: { 'content-type': 'application/json' },
      body: () => payload,
      ok: [200],
      idempotent: true,
    });
    return parseRelease(parseJson(reply.body));
  }

  /** The asset's digest: GitHub's when it has one, else the sha256 of its bytes, downloaded. */
  async assetDigest(asset: GitHubAsset): Promise<string> {
    return asset.digest ?? this.downloadAssetDigest(asset);
  }

  /** Downloads the asset, hashing it as it streams in (never held whole): `sha256:…` of the bytes served. */
  async downloadAssetDigest(asset: GitHubAsset, tap?: () => BodyTap): Promise<string> {
    return (await this.#download(asset, true, tap)).sha256 as string;
  }

  /**
   * Downloads the asset to `path` as it streams in, hashing the same bytes: `sha256:…` of what
   * was written. A retry starts the file over, so it never holds two attempts' bytes.
   */
  async downloadAssetToFile(asset: GitHubAsset, path: string): Promise<string> {
    let fd: number | undefined;
    const restart = (): BodyTap => {
      if (fd !== undefined) closeSync(fd);
      fd = openSync(path, 'w');
      const file = fd;
      return {
        // The tap is synchronous: the bytes are on disk before the next chunk is read.
        write: (chunk) => {
          for (let written = 0; written < chunk.byteLength;) written += writeSync(file, chunk, written);
        },
      };
    };
    try {
      return await this.downloadAssetDigest(asset, restart);
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }

  /** A small asset's bytes (a checksums file); one larger than `maxBytes` is refused before it is downloaded. */
  async downloadSmallAsset(asset: GitHubAsset, maxBytes: number): Promise<Buffer> {
    if (asset.size > maxBytes) {
      throw new GlideError('ECHECKSUM', `${asset.name} is ${asset.size} bytes; a checksums file is at most ${maxBytes}.`, [
        'The release holds something else under that name: check it on GitHub.',
      ]);
    }
    return (await this.#download(asset, false)).body;
  }

  async #download(asset: GitHubAsset, hashBody: boolean, tap?: () => BodyTap): Promise<Reply> {
    return this.#send({
      kind: 'assets.download',
      operation: `download ${asset.name}`,
      method: 'GET',
      url: new URL(asset.url),
      headers: { accept: 'application/octet-stream' },
      ok: [200],
      idempotent: true,
      hashBody,
      ...(tap ? { tap } : {}),
    });
  }

  /** Every item of a paginated list, following `Link: rel="next"` on the API origin only. */
  async #pages(kind: RequestKind, operation: string, first: URL): Promise<unknown[]> {
    first.searchParams.set('per_page', '100');
    const items: unknown[] = [];
    for (let url: URL | undefined = first; url;) {
      const reply = await this.#send({ kind, operation, method: 'GET', url, ok: [200], idempotent: true });
      const page = parseJson(reply.body);
      if (!Array.isArray(page)) throw unexpected(operation, 'a list');
      items.push(...(page as unknown[]));
      const next = nextPageUrl(header(reply.headers, 'link'));
      url = next === undefined ? undefined : new URL(next, url);
      if (url && url.origin !== this.#api.origin) {
        throw new GlideError('EGITHUB', `GitHub's next page of "${operation}" is on ${url.origin}, not ${this.#api.origin}; the token is not sent there.`, [
          'Something rewrote the API answer (a proxy?). Check the network path to GitHub.',
        ]);
      }
    }
    return items;
  }

  /**
   * One request: paced if it mutates, retried after 5xx and lost connections if idempotent
   * (else a `LostAnswer` for the caller to look up), rate limits waited out, all within the
   * budget. Any status not in `ok` is an error.
   */
  async #send(exchange: Exchange): Promise<Reply> {
    const remaining = this.#deadline - Date.now();
    const tooSlow = (): GlideError =>
      new GlideError('ENETWORK', `GitHub did not finish "${exchange.operation}" within the client's ${duration(this.#budgetMs)}.`, [
        'Run again: what was published stays, and the run goes on from there.',
      ]);
    if (remaining <= 0) throw tooSlow();
    return withDeadline(remaining, tooSlow, this.#signal, async (signal) => {
      for (let refused = 0; ; refused++) {
        await this.#pace(exchange, signal);
        let reply: Reply;
        try {
          reply = await this.#attempt(exchange, signal);
        } finally {
          // From the answer, not the sending: GitHub then sees the whole pause between two mutations.
          if (exchange.method !== 'GET') this.#lastMutationAt = Date.now();
        }
        const wait = rateLimitWait({ status: reply.status, headers: reply.headers, message: jsonMessage(reply.body) }, Date.now(), refused);
        if (!wait) {
          if (exchange.ok.includes(reply.status)) return reply;
          throw this.#httpError(reply, exchange.operation, exchange.url);
        }
        if (refused >= this.#retries || Date.now() + wait.waitMs > this.#deadline) throw this.#rateLimitError(wait, exchange.operation, refused);
        this.stats.rateLimitWaits++;
        this.stats.rateLimitWaitedMs += wait.waitMs;
        this.#onRateLimit?.(wait);
        await sleep(wait.waitMs, signal);
      }
    });
  }

  /** Sends, with the shared retry loop for 5xx and lost connections when the request may be repeated. */
  async #attempt(exchange: Exchange, signal: AbortSignal): Promise<Reply> {
    try {
      return await withRetries(() => this.#exchange(exchange, signal), {
        retries: exchange.idempotent ? this.#retries : 0,
        backoffMs: this.#backoffMs,
        signal,
        retryResult: (reply): Verdict => (SERVER_ERROR_STATUSES.has(reply.status) ? {} : 'final'),
        retryError: (error): Verdict => (isTransientNetworkError(error) ? {} : 'final'),
        onRetry: () => {
          this.stats.retries++;
        },
      }).then((reply) => {
        if (!exchange.idempotent && SERVER_ERROR_STATUSES.has(reply.status)) throw new LostAnswer(this.#httpError(reply, exchange.operation, exchange.url));
        return reply;
      });
    } catch (error) {
      if (error instanceof GlideError || error instanceof LostAnswer || signal.aborted) throw error;
      const code = errorCode(error) ?? (error instanceof Error ? error.message : String(error));
      const failed = new GlideError('ENETWORK', `${exchange.url.host}: "${exchange.operation}" failed: ${this.#redact(code)}.`, [
        'Check the connection to GitHub (and HTTPS_PROXY, NO_PROXY), then run again: the run goes on from what was done.',
      ]);
      throw !exchange.idempotent && isTransientNetworkError(error) ? new LostAnswer(failed) : failed;
    }
  }

  /** Sends once, following redirects for reads (an asset download goes to a CDN); the token goes to GitHub's own origins only. */
  async #exchange(exchange: Exchange, signal: AbortSignal): Promise<Reply> {
    const { response } = await requestFollowingRedirects(exchange.url, {
      dispatcher: this.#dispatcher,
      method: exchange.method,
      headers: (hop) => ({
        accept: 'application/vnd.github+json',
        'x-github-api-version': API_VERSION,
        'user-agent': this.#userAgent,
        ...exchange.headers,
        // No token: a public release is read anonymously (verify), not with an empty bearer.
        ...(this.#token && this.#trusted(hop) ? { authorization: `Bearer ${this.#token}` } : {}),
      }),
      ...(exchange.body ? { body: exchange.body } : {}),
      signal,
      follow: exchange.method === 'GET',
    });
    this.stats.requests[exchange.kind]++;
    const { statusCode: status, headers, body } = response;
    if (exchange.hashBody && status >= 200 && status < 300) {
      const hash = createHash('sha256');
      const tap = exchange.tap?.();
      for await (const chunk of body) {
        hash.update(chunk as Uint8Array);
        tap?.write(chunk as Uint8Array);
      }
      return { status, headers, body: Buffer.alloc(0), sha256: `sha256:${hash.digest('hex')}` };
    }
    return { status, headers, body: Buffer.from(await body.arrayBuffer()) };
  }

  async #pace(exchange: Exchange, signal: AbortSignal): Promise<void> {
    if (exchange.method === 'GET') return;
    const until = this.#lastMutationAt + this.#mutationPauseMs;
    // A timer may fire a millisecond early against Date.now(): wait again until the pause is whole.
    for (let wait = until - Date.now(); wait > 0; wait = until - Date.now()) await sleep(wait, signal);
  }

  async #backoff(retry: number): Promise<void> {
    this.stats.retries++;
    await sleep(this.#backoffMs * 2 ** (retry - 1), this.#signal);
  }

  #trusted(hop: URL): boolean {
    return hop.origin === this.#api.origin || hop.origin === this.#uploadsOrigin;
  }

  #repoUrl(path: string): URL {
    return new URL(`/repos/${this.#repository}${path}`, this.#api);
  }

  #rateLimitError(wait: RateLimitWait, operation: string, refused: number): GlideError {
    const limit = wait.kind === 'primary' ? "GitHub's API rate limit for this token is used up" : 'GitHub asks us to slow down (secondary rate limit)';
    const why =
      Date.now() + wait.waitMs > this.#deadline
        ? `it asks for ${duration(wait.waitMs)}, past the client's ${duration(this.#budgetMs)}`
        : `still after ${refused} ${refused === 1 ? 'wait' : 'waits'}`;
    return new GlideError('ERATELIMIT', `${limit} while trying to ${operation}: ${why}.`, [
      `Run again after ${wait.until.toISOString().slice(11, 19)} UTC: the run goes on from what was done.`,
    ]);
  }

  #httpError(reply: Reply, operation: string, url: URL): GlideError {
    const message = jsonMessage(reply.body);
    const said = message ? ` (${this.#redact(message)}${validationErrors(reply.body)})` : '';
    const hint = (() => {
      if (reply.status === 401) return 'GitHub refused the token: check the one set (GLIDE_GITHUB_TOKEN, else GH_TOKEN, else GITHUB_TOKEN) is not expired.';
      if (reply.status === 403) return `The token may not do this: it needs "contents: write" on ${this.#repository}.`;
      if (reply.status === 404) return `Check the repository (${this.#repository}) and that the token can see it.`;
      if (SERVER_ERROR_STATUSES.has(reply.status)) return 'GitHub is failing; run again later: what was done stays done.';
      return 'GitHub rejected the request as shown; fix what it names and run again.';
    })();
    return new GlideError('EGITHUB', `${url.host}: "${operation}" failed: HTTP ${reply.status}${said}.`, [hint]);
  }

  // Our messages never hold the token; this covers text the server wrote, which might echo it.
  #redact(text: string): string {
    return this.#token ? text.replaceAll(this.#token, '***') : text;
  }
}

/** A non-idempotent request whose fate is unknown (sent, then no answer or a 5xx): look before sending it again. */
class LostAnswer extends Error {
  constructor(readonly failure: GlideError) {
    super(failure.message);
    this.name = 'LostAnswer';
  }
}

function unwrap(error: unknown): unknown {
  return error instanceof LostAnswer ? error.failure : error;
}

/** An upload that lost its answer on every attempt: an upload cut off mid-body may have left GitHub an unfinished asset of the name. */
function uploadLost(failure: GlideError, attempts: number): GlideError {
  return new GlideError(failure.code, failure.message, [
    `It was sent ${attempts} times and lost each time. GitHub may keep the last one as an unfinished asset of the draft: the next run deletes it and uploads again.`,
    ...failure.details,
  ]);
}

function assetConflict(tag: string, existing: GitHubAsset, expected: string): GlideError {
  return new GlideError(
    'EASSETCONFLICT',
    `${tag} already has an asset ${existing.name} with other bytes (${existing.digest ?? 'no digest; downloaded and compared'}) than this build's (${expected}).`,
    [
      'If the release is still a draft, delete that asset (or the draft) on GitHub and run again.',
      'If it is published, the version is burned: release the next one instead.',
    ],
  );
}

function isAlreadyExists(body: Buffer): boolean {
  const errors = (parseJson(body) as { errors?: unknown } | undefined)?.errors;
  return Array.isArray(errors) && errors.some((error: { code?: unknown }) => error?.code === 'already_exists');
}

function jsonMessage(body: Buffer): string | undefined {
  const message = (parseJson(body) as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' ? message : undefined;
}

/** `: ReleaseAsset.name already_exists` from GitHub's `errors: [{ resource, field, code }]`. */
function validationErrors(body: Buffer): string {
  const errors = (parseJson(body) as { errors?: unknown } | undefined)?.errors;
  if (!Array.isArray(errors)) return '';
  const named = errors.map((error: { resource?: unknown; field?: unknown; code?: unknown }) =>
    [[error.resource, error.field].filter((part) => typeof part === 'string').join('.'), error.code]
      .filter((part) => typeof part === 'string' && part)
      .join(' '),
  );
  return named.length ? `: ${named.join('; ')}` : '';
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

function unexpected(what: string, expected: string): GlideError {
  return new GlideError('EGITHUB', `GitHub answered "${what}" with something other than ${expected}.`, [
    'Check that the API URL is GitHub (or GitHub Enterprise) and that no proxy rewrites its answers.',
  ]);
}

function parseRelease(value: unknown): GitHubRelease {
  const release = value as Record<string, unknown> | undefined;
  if (
    typeof release?.id !== 'number' ||
    typeof release.tag_name !== 'string' ||
    typeof release.draft !== 'boolean' ||
    typeof release.prerelease !== 'boolean' ||
    typeof release.upload_url !== 'string' ||
    !Array.isArray(release.assets)
  ) {
    throw unexpected('a release', 'a release');
  }
  return {
    id: release.id,
    tagName: release.tag_name,
    name: typeof release.name === 'string' ? release.name : null,
    draft: release.draft,
    prerelease: release.prerelease,
    publishedAt: typeof release.published_at === 'string' ? release.published_at : null,
    targetCommitish: typeof release.target_commitish === 'string' ? release.target_commitish : '',
    body: typeof release.body === 'string' ? release.body : null,
    uploadUrl: release.upload_url,
    htmlUrl: typeof release.html_url === 'string' ? release.html_url : '',
    assets: (release.assets as unknown[]).map(parseAsset),
  };
}

function parseAsset(value: unknown): GitHubAsset {
  const asset = value as Record<string, unknown> | undefined;
  if (typeof asset?.id !== 'number' || typeof asset.name !== 'string' || typeof asset.size !== 'number' || typeof asset.url !== 'string') {
    throw unexpected('a release asset', 'an asset');
  }
  return {
    id: asset.id,
    name: asset.name,
    size: asset.size,
    digest: typeof asset.digest === 'string' ? asset.digest : null,
    state: typeof asset.state === 'string' ? asset.state : 'uploaded',
    url: asset.url,
    browserDownloadUrl: typeof asset.browser_download_url === 'string' ? asset.browser_download_url : '',
  };
}

/** `45 s`, `30 min` */
function duration(ms: number): string {
  return ms < 120_000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms / 60_000)} min`;
}
