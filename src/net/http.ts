/**
 * The installers' HTTP client, on the shared network layer (transport, retry, deadline:
 * decision 0019). It owns what users of other installers keep tripping over (docs/install.md,
 * "Networks"): the GitHub token sent to the API host only and a
 * mirror's credentials to that mirror's origin only, a stall timeout, deadlines, and plain
 * messages for rate limits, TLS interception, refused credentials and bodies cut short.
 */
import type { Dispatcher } from 'undici';
import { GlideError } from '#contract';
import { withDeadline } from './deadline.js';
import { DISK_ERROR_CODES, errorCode, isTransientNetworkError, TLS_TRUST_CODES } from './errors.js';
import { RETRYABLE_STATUSES, withRetries, type Verdict } from './retry.js';
import { createDispatcher, header, redactUrl, requestFollowingRedirects, type ProxySettings, type ResponseHeaders } from './transport.js';

export { header, proxyFromEnv, redactUrl, type ProxySettings } from './transport.js';

/** HTTP Basic credentials, from a mirror URL's `user:password@`. */
export interface BasicCredentials {
  readonly username: string;
  readonly password: string;
}

export interface HttpClientOptions {
  readonly proxy: ProxySettings;
  /** The origin (`https://api.github.com`) that may see the token; no other host ever does. */
  readonly apiOrigin: string;
  readonly token?: { readonly value: string; readonly source: string };
  readonly userAgent: string;
  /** Retries after the first attempt, for resets, timeouts, 5xx and 429. */
  readonly retries?: number;
  /** First backoff delay; doubles per retry. */
  readonly backoffMs?: number;
  /** A response that sends no byte for this long is abandoned (and retried). */
  readonly stallMs?: number;
  /** A small document (checksums, index.json, an API page, a redirect), retries included, must arrive within this. */
  readonly documentDeadlineMs?: number;
  /** A whole download, retries and resumes included, must finish within this. */
  readonly downloadDeadlineMs?: number;
  readonly signal?: AbortSignal;
}

export type ResponseBody = Dispatcher.ResponseData['body'];

export interface HttpResponse {
  readonly url: string;
  readonly status: number;
  readonly headers: ResponseHeaders;
  readonly body: ResponseBody;
  /** What the request that got this answer carried: the mirror's credentials, the GitHub token, or nothing. */
  readonly authorizedWith: 'credentials' | 'token' | undefined;
}

export type TextResponse = Omit<HttpResponse, 'body'> & { readonly text: string };

/** Lets go of a body we will not read. (`destroy()` would fail it with UND_ERR_ABORTED.) */
export function discardBody(body: ResponseBody): void {
  body.dump().catch(() => {});
}

export interface GetOptions {
  readonly headers?: Readonly<Record<string, string>>;
  /** Return the first redirect instead of following it (`releases/latest` answers with its tag in `Location`). */
  readonly stopAtRedirect?: boolean;
  /** Sent as HTTP Basic auth to the URL's origin, and to no other origin a redirect leads to. */
  readonly credentials?: BasicCredentials;
  /** Ends the request and its body: a download's deadline (`withDeadline`). */
  readonly signal?: AbortSignal;
}

/**
 * The host answered, then the body stopped before its end: a reset, a close before the bytes
 * the server announced, a stall. Says how far it got, so no message claims the host was unreachable.
 */
export class BrokenBodyError extends Error {
  constructor(
    override readonly cause: unknown,
    readonly url: string,
    /** What the messages call the file. */
    readonly what: string,
    readonly received: number,
    /** What the server announced (Content-Length, or a range's total), when it did. */
    readonly expected: number | undefined,
  ) {
    super(`the body of ${what} broke off after ${received} bytes`);
    this.name = 'BrokenBodyError';
  }
}

/** The response's chunks; a failure before the end of the body becomes a BrokenBodyError that counts from `before`. */
export async function* bodyChunks(
  response: Pick<HttpResponse, 'url' | 'body'>,
  what: string,
  { before = 0, expected }: { before?: number; expected?: number | undefined } = {},
): AsyncGenerator<Uint8Array> {
  let received = before;
  try {
    for await (const chunk of response.body) {
      received += (chunk as Uint8Array).byteLength;
      yield chunk as Uint8Array;
    }
  } catch (error) {
    // A deadline or Ctrl-C aborted it: that is the error to report, not the broken body.
    if (error instanceof GlideError || (error instanceof Error && error.name === 'AbortError')) throw error;
    throw new BrokenBodyError(error, response.url, what, received, expected);
  }
}

const DEFAULT_DOCUMENT_DEADLINE_MS = 60_000;
// Glide's archives are 10–50 MB: 30 minutes still lets a 30 KB/s connection finish, and a
// run stopped by it resumes from the bytes kept.
const DEFAULT_DOWNLOAD_DEADLINE_MS = 30 * 60_000;

export class HttpClient {
  readonly #options: HttpClientOptions;
  readonly #dispatcher: Dispatcher;

  constructor(options: HttpClientOptions) {
    this.#options = options;
    this.#dispatcher = createDispatcher(options.proxy, options.stallMs ?? 30_000);
  }

  /**
   * GET with retries, following redirects. The caller consumes or destroys `body`, and
   * bounds it: a download passes the signal of its `withDeadline`.
   */
  async get(url: string, options: GetOptions = {}): Promise<HttpResponse> {
    return this.#withRetries(url, options.signal, () => this.#getOnce(url, options));
  }

  /** GET a small JSON or text document, with retries covering the body too, all within the document deadline. */
  async getText(url: string, options: GetOptions = {}): Promise<TextResponse> {
    const what = documentName(url);
    const deadline = this.#options.documentDeadlineMs ?? DEFAULT_DOCUMENT_DEADLINE_MS;
    let answered = false;
    const tooSlow = (): GlideError => deadlineError(url, deadline, 'a small file', answered ? `${what} was still incomplete` : undefined);
    return this.withDeadline(deadline, tooSlow, (signal) =>
      this.#withRetries(url, signal, async () => {
        const { body, ...response } = await this.#getOnce(url, { ...options, signal });
        answered = true;
        const length = Number(header(response.headers, 'content-length'));
        const chunks: Uint8Array[] = [];
        for await (const chunk of bodyChunks({ url: response.url, body }, what, { expected: Number.isFinite(length) ? length : undefined })) {
          chunks.push(chunk);
        }
        return { ...response, text: Buffer.concat(chunks).toString('utf8') };
      }),
    );
  }

  /**
   * Runs `work` with a signal that aborts, with `tooSlow()`'s error as the reason, once
   * `ms` have passed (or when the client's own signal aborts: Ctrl-C).
   */
  withDeadline<T>(ms: number, tooSlow: () => GlideError, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return withDeadline(ms, tooSlow, this.#options.signal, work);
  }

  get downloadDeadlineMs(): number {
    return this.#options.downloadDeadlineMs ?? DEFAULT_DOWNLOAD_DEADLINE_MS;
  }

  /** Attempts after the first, and the first backoff delay: downloads retry their bodies with the same. */
  get retryPolicy(): { readonly retries: number; readonly backoffMs: number } {
    return { retries: this.#options.retries ?? 4, backoffMs: this.#options.backoffMs ?? 500 };
  }

  /**
   * Runs `attempt` again after a network error or a retryable status (the shared loop and its
   * `Retry-After` rule). Downloads retry their bodies themselves, resuming.
   */
  async #withRetries<T extends { status: number; headers: ResponseHeaders; body?: ResponseBody }>(
    url: string,
    signal: AbortSignal | undefined,
    attempt: () => Promise<T>,
  ): Promise<T> {
    try {
      return await withRetries(attempt, {
        ...this.retryPolicy,
        signal: signal ?? this.#options.signal,
        retryResult: (result): Verdict => (RETRYABLE_STATUSES.has(result.status) ? { retryAfter: header(result.headers, 'retry-after') } : 'final'),
        retryError: (error): Verdict => (isRetryableNetworkError(error) ? {} : 'final'),
        drop: (result) => {
          if (result.body) discardBody(result.body);
        },
      });
    } catch (error) {
      throw this.explain(error, url);
    }
  }

  async #getOnce(url: string, options: GetOptions): Promise<HttpResponse> {
    let authorizedWith: HttpResponse['authorizedWith'];
    const { url: answered, response } = await requestFollowingRedirects(new URL(url), {
      dispatcher: this.#dispatcher,
      signal: options.signal ?? this.#options.signal,
      ...(options.stopAtRedirect ? { stopAtRedirect: true } : {}),
      headers: (hop, firstOrigin) => {
        const built = this.#headersFor(hop, options.headers, firstOrigin ? options.credentials : undefined);
        authorizedWith = built.authorizedWith;
        return built.headers;
      },
    });
    return { url: answered.toString(), status: response.statusCode, headers: response.headers, body: response.body, authorizedWith };
  }

  #headersFor(
    url: URL,
    extra: Readonly<Record<string, string>> = {},
    credentials: BasicCredentials | undefined,
  ): { headers: Record<string, string>; authorizedWith: HttpResponse['authorizedWith'] } {
    const headers: Record<string, string> = { 'user-agent': this.#options.userAgent, ...extra };
    if (credentials) {
      headers.authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
      return { headers, authorizedWith: 'credentials' };
    }
    // The token goes to the API origin only: GitHub's download CDN rejects a second auth
    // mechanism, and a token must never reach a third party (a mirror included).
    if (this.#options.token && url.origin === this.#options.apiOrigin) {
      headers.authorization = `Bearer ${this.#options.token.value}`;
      return { headers, authorizedWith: 'token' };
    }
    return { headers, authorizedWith: undefined };
  }

  /** Turns a low-level failure into a GlideError that says what to do next. */
  explain(error: unknown, url: string): Error {
    if (error instanceof GlideError) return error;
    if (this.#options.signal?.aborted) {
      const reason: unknown = this.#options.signal.reason;
      return reason instanceof GlideError ? reason : new GlideError('ECANCELLED', 'Cancelled.');
    }
    // undici reports a refused CONNECT as an abort: "Proxy response (407) !== 200 when HTTP Tunneling".
    const proxyStatus = /Proxy response \((\d+)\)/.exec(error instanceof Error ? error.message : '')?.[1];
    if (proxyStatus === '407' || proxyStatus === '401') {
      return new GlideError('ENETWORK', `The proxy asked for credentials (${proxyStatus}) or refused the ones given.`, [
        "Put them in the proxy URL: HTTPS_PROXY=http://user:password@proxy:port (or npm's https-proxy setting).",
      ]);
    }
    if (proxyStatus) {
      return new GlideError('ENETWORK', `The proxy refused to connect to ${safeHost(url)} (HTTP ${proxyStatus}).`, [
        "Check NO_PROXY (hosts that must not go through the proxy) and the proxy's own rules.",
      ]);
    }
    if (error instanceof BrokenBodyError) return brokenBodyError(error);
    const code = errorCode(error);
    if (code && DISK_ERROR_CODES.has(code)) {
      return new GlideError('EDISK', `Could not write the download to disk (${code}).`, [
        'Free some space or fix permissions in the cache folder (or point GLIDE_CACHE_DIR elsewhere), then run again.',
      ]);
    }
    const host = safeHost(url);
    if (code && TLS_TRUST_CODES.has(code)) {
      return new GlideError('ETLS', `The TLS certificate of ${host} is not trusted (${code}).`, [
        'A proxy or antivirus that inspects HTTPS signs with its own certificate.',
        'Save its root certificate as PEM and run again with NODE_EXTRA_CA_CERTS=/path/to/root.pem.',
      ]);
    }
    if (code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
      return new GlideError('ENETWORK', `${host} stopped sending data (${code}) and retries did not help.`, [
        'Check your connection (or proxy) and run again: a partial download resumes where it stopped.',
      ]);
    }
    const proxyNote = this.#options.proxy.httpsProxy || this.#options.proxy.httpProxy ? ' (through the proxy from HTTPS_PROXY/HTTP_PROXY)' : '';
    const message = error instanceof Error ? error.message : String(error);
    return new GlideError('ENETWORK', `Could not reach ${host}${proxyNote}: ${code ?? message}.`, [
      'Check your connection and proxy settings (HTTPS_PROXY, NO_PROXY) and run again.',
    ]);
  }

  /** Fails with a clear error unless the response is a 2xx; explains rate limits, refused tokens and credentials, and proxies asking for them. */
  async expectOk(response: Omit<HttpResponse, 'body'> & { body?: HttpResponse['body'] }, what: string): Promise<void> {
    if (response.status >= 200 && response.status < 300) return;
    if (response.body) discardBody(response.body);
    const url = response.url;
    const fromApi = new URL(url).origin === this.#options.apiOrigin;
    if (fromApi) {
      if ((response.status === 403 || response.status === 429) && header(response.headers, 'x-ratelimit-remaining') === '0') {
        throw rateLimitError(response.headers, this.#options.token?.source);
      }
      if (response.status === 401 && this.#options.token) {
        throw new GlideError('ENETWORK', `GitHub refused the token from ${this.#options.token.source} (401 Bad credentials).`, [
          `Fix or unset ${this.#options.token.source}; public releases need no token.`,
        ]);
      }
    }
    if ((response.status === 401 || response.status === 403) && response.authorizedWith === 'credentials') {
      throw new GlideError('ENETWORK', `The mirror ${safeHost(url)} refused the user name and password in its URL (HTTP ${response.status}) for ${what}.`, [
        'Check them in --download-base-url (or GLIDE_DOWNLOAD_BASE_URL): https://user:password@host/path, with characters such as @ : / % written %-encoded.',
      ]);
    }
    if (response.status === 401 && !fromApi) {
      throw new GlideError('ENETWORK', `${safeHost(url)} asks for credentials (HTTP 401) for ${what}.`, [
        'For a mirror that needs them, put them in its URL: --download-base-url https://user:password@host/path (or GLIDE_DOWNLOAD_BASE_URL). They are sent to that host only.',
      ]);
    }
    if (response.status === 403 && !fromApi) {
      throw new GlideError('ENETWORK', `${safeHost(url)} refused access to ${what} (HTTP 403).`, [
        'If the mirror needs credentials, put them in its URL: --download-base-url https://user:password@host/path.',
        'Otherwise the mirror does not allow this file to be read; ask whoever runs it.',
      ]);
    }
    if (response.status === 407) {
      throw new GlideError('ENETWORK', `The proxy asked for credentials (407) while fetching ${what}.`, [
        'Put them in the proxy URL: HTTPS_PROXY=http://user:password@proxy:port',
      ]);
    }
    if (response.status === 404) {
      throw new GlideError('ENORELEASE', `${what} was not found (404 at ${redactUrl(url)}).`, [
        'Check the version (tags have no "v": 0.1.0-rc.1) and the repository (GLIDE_REPO).',
      ]);
    }
    // A Retry-After longer than the retry loop waits ends it at once: say what the server asked.
    const asked = RETRYABLE_STATUSES.has(response.status) ? header(response.headers, 'retry-after') : undefined;
    throw new GlideError('ENETWORK', `Fetching ${what} failed: HTTP ${response.status} from ${safeHost(url)}${asked ? ` (Retry-After: ${asked})` : ''}.`, [
      'Run again later; if it persists, check the mirror or proxy.',
    ]);
  }

  async close(): Promise<void> {
    await this.#dispatcher.close();
  }
}

function rateLimitError(headers: HttpResponse['headers'], tokenSource: string | undefined): GlideError {
  const reset = Number(header(headers, 'x-ratelimit-reset'));
  const when = Number.isFinite(reset) && reset > 0 ? new Date(reset * 1000) : undefined;
  const minutes = when ? Math.max(1, Math.ceil((when.getTime() - Date.now()) / 60_000)) : undefined;
  const resetText = when ? ` It resets at ${when.toISOString().slice(11, 16)} UTC (in ${minutes} min).` : '';
  const advice = tokenSource
    ? [`The token from ${tokenSource} is used up too; wait for the reset.`]
    : ['Set GLIDE_GITHUB_TOKEN (or GH_TOKEN / GITHUB_TOKEN) to any GitHub token: the limit rises from 60 to 5,000 an hour.'];
  return new GlideError('ERATELIMIT', `GitHub's API rate limit is used up.${resetText}`, [
    ...advice,
    'Or pass an exact version (--glide-version 0.1.0): it needs no API call.',
  ]);
}

/** A connection that failed, or a body that broke off after the host answered (resumed, for a download). */
const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['127.0.0.1', '[::1]', 'localhost']);

/** https, or plain http to this machine only: where a token goes, or an answer that decides what is published, comes from. */
export function isHttpsOrLoopback(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
}

export function isRetryableNetworkError(error: unknown): boolean {
  return error instanceof BrokenBodyError || isTransientNetworkError(error);
}

/** The message for a body that broke off: the host was reached, what it announced, and how much arrived. */
function brokenBodyError(error: BrokenBodyError): GlideError {
  const host = safeHost(error.url);
  const code = errorCode(error.cause) ?? (error.cause instanceof Error ? error.cause.name : String(error.cause));
  const { what, received, expected } = error;
  const message =
    code === 'UND_ERR_BODY_TIMEOUT'
      ? `${host} stopped sending data partway through ${what}: ${received}${expected === undefined ? '' : ` of its ${expected}`} bytes arrived`
      : `${host} ${code === 'ECONNRESET' ? 'reset' : 'closed'} the connection ${
          expected === undefined
            ? `before the end of ${what}: ${received} bytes arrived`
            : `before sending all ${expected} bytes of ${what} it announced: ${received} arrived`
        }`;
  return new GlideError('ENETWORK', `${message} (${code}).`, [
    'Run again: a download resumes from the bytes already saved. If it keeps happening, the mirror or a proxy in between is cutting transfers short.',
  ]);
}

/** What the messages call a document: the last segment of its URL's path. */
function documentName(url: string): string {
  try {
    return decodeURIComponent(new URL(url).pathname.split('/').filter(Boolean).at(-1) ?? url);
  } catch {
    return url;
  }
}

/** How a deadline ends a fetch: whether the host answered at all, and if so how far it got (`progress`). */
export function deadlineError(url: string, ms: number, kind: 'a download' | 'a small file', progress: string | undefined): GlideError {
  const limit = `${duration(ms)}, the time ${kind} may take`;
  if (progress === undefined) {
    return new GlideError('ENETWORK', `${safeHost(url)} did not answer within ${limit}.`, [
      'Check your connection and proxy settings (HTTPS_PROXY, NO_PROXY) and run again.',
    ]);
  }
  return new GlideError('ENETWORK', `${safeHost(url)} answered but is too slow: ${progress} after ${limit}.`, [
    'Run again: a download resumes from the bytes already kept.',
    'If the server is always this slow, use another mirror (--download-base-url).',
  ]);
}

/** `1 s`, `45 s`, `30 min` */
function duration(ms: number): string {
  return ms < 120_000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms / 60_000)} min`;
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
