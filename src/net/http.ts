/**
 * The installers' only HTTP client, and the only module that imports undici. It owns what
 * users of other installers keep tripping over (../shared/reference/lessons.md): proxies
 * from the environment and npm's config, redirects followed by hand so the GitHub token
 * reaches the API host and a mirror's credentials that mirror's origin only, retries with
 * backoff, a stall timeout, deadlines, and plain messages for rate limits, TLS interception,
 * refused credentials and bodies cut short.
 */
import { setFlagsFromString } from 'node:v8';
import { EnvHttpProxyAgent, request, type Dispatcher } from 'undici';
import { GlideError, RETRYABLE_STATUSES, retryAfterMs, TRANSIENT_NETWORK_CODES } from '#contract';

// undici parses HTTP with a WebAssembly module, and V8's background recompile of it with its
// optimising tier costs ~35 MB of peak memory on Node 20 (measured by bench/install). The
// baseline tier is fast enough to parse headers; it keeps a 1 GB install under 100 MB.
setFlagsFromString('--liftoff-only');

export interface ProxySettings {
  readonly httpProxy?: string;
  readonly httpsProxy?: string;
  readonly noProxy?: string;
}

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
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
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

const MAX_REDIRECTS = 10;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
// A server asking for a longer pause gets an error after the retries, not a hung install.
const MAX_RETRY_AFTER_MS = 60_000;

const TLS_TRUST_CODES = new Set([
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
]);

const DISK_ERROR_CODES = new Set(['ENOSPC', 'EDQUOT', 'EACCES', 'EPERM', 'EROFS', 'EIO', 'EMFILE']);

const DEFAULT_DOCUMENT_DEADLINE_MS = 60_000;
// Glide's archives are 10–50 MB: 30 minutes still lets a 30 KB/s connection finish, and a
// run stopped by it resumes from the bytes kept.
const DEFAULT_DOWNLOAD_DEADLINE_MS = 30 * 60_000;


/** Proxy settings from the environment, then from npm's config (npx exports it as `npm_config_*`). Read here and nowhere else. */
export function proxyFromEnv(env: NodeJS.ProcessEnv): ProxySettings {
  const pick = (...names: string[]): string | undefined => names.map((name) => env[name]).find((value) => value);
  const httpsProxy = pick('HTTPS_PROXY', 'https_proxy', 'npm_config_https_proxy', 'npm_config_proxy');
  const httpProxy = pick('HTTP_PROXY', 'http_proxy', 'npm_config_proxy');
  const noProxy = pick('NO_PROXY', 'no_proxy', 'npm_config_noproxy');
  return { ...(httpsProxy ? { httpsProxy } : {}), ...(httpProxy ? { httpProxy } : {}), ...(noProxy ? { noProxy } : {}) };
}

/** A URL for messages and receipts: no user or password (a user name can be a token too), no signature or token parameter. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    for (const key of [...parsed.searchParams.keys()]) {
      if (/signature|token|credential|sig$/i.test(key)) parsed.searchParams.set(key, '***');
    }
    return parsed.toString();
  } catch {
    return url.replace(/\/\/[^/?#]*@/, '//');
  }
}

export class HttpClient {
  readonly #options: HttpClientOptions;
  readonly #dispatcher: Dispatcher;

  constructor(options: HttpClientOptions) {
    this.#options = options;
    const stall = options.stallMs ?? 30_000;
    this.#dispatcher = new EnvHttpProxyAgent({
      // Explicit values (even empty) keep undici from reading the environment a second time.
      httpProxy: options.proxy.httpProxy ?? '',
      httpsProxy: options.proxy.httpsProxy ?? '',
      noProxy: options.proxy.noProxy ?? '',
      headersTimeout: stall,
      bodyTimeout: stall,
      connect: { timeout: stall },
    });
  }

  /**
   * GET with retries, following redirects by hand. The caller consumes or destroys `body`, and
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
  async withDeadline<T>(ms: number, tooSlow: () => GlideError, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(tooSlow()), ms);
    const cancel = this.#options.signal;
    const onCancel = (): void => deadline.abort(cancel?.reason);
    if (cancel?.aborted) onCancel();
    cancel?.addEventListener('abort', onCancel, { once: true });
    try {
      return await work(deadline.signal);
    } catch (error) {
      // Whatever the aborted request threw, the deadline is what happened.
      throw deadline.signal.aborted && !cancel?.aborted ? deadline.signal.reason : error;
    } finally {
      clearTimeout(timer);
      cancel?.removeEventListener('abort', onCancel);
    }
  }

  get downloadDeadlineMs(): number {
    return this.#options.downloadDeadlineMs ?? DEFAULT_DOWNLOAD_DEADLINE_MS;
  }

  /**
   * Runs `attempt` again after a network error or a retryable status, with exponential
   * backoff (honouring `Retry-After`). Downloads retry their bodies themselves, resuming.
   */
  async #withRetries<T extends { status: number; headers: HttpResponse['headers'] }>(
    url: string,
    signal: AbortSignal | undefined,
    attempt: () => Promise<T>,
  ): Promise<T> {
    const retries = this.#options.retries ?? 4;
    for (let tries = 0; ; tries++) {
      let delay: number;
      try {
        const result = await attempt();
        if (!RETRYABLE_STATUSES.has(result.status) || tries >= retries) return result;
        if ('body' in result) discardBody(result.body as ResponseBody);
        const asked = retryAfterMs(header(result.headers, 'retry-after'), Date.now());
        delay = asked === undefined ? this.backoff(tries) : Math.min(asked, MAX_RETRY_AFTER_MS);
      } catch (error) {
        if (!isRetryableNetworkError(error) || tries >= retries) throw this.explain(error, url);
        delay = this.backoff(tries);
      }
      await sleep(delay, signal ?? this.#options.signal);
    }
  }

  backoff(tries: number): number {
    const base = this.#options.backoffMs ?? 500;
    return Math.round(base * 2 ** tries * (0.75 + Math.random() * 0.5));
  }

  get retries(): number {
    return this.#options.retries ?? 4;
  }

  async #getOnce(url: string, options: GetOptions): Promise<HttpResponse> {
    const signal = options.signal ?? this.#options.signal;
    const credentialsOrigin = options.credentials ? new URL(url).origin : undefined;
    let current = url;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const credentials = new URL(current).origin === credentialsOrigin ? options.credentials : undefined;
      const { headers, authorizedWith } = this.#headersFor(current, options.headers, credentials);
      const response = await request(current, {
        method: 'GET',
        dispatcher: this.#dispatcher,
        headers,
        ...(signal ? { signal } : {}),
      });
      const location = header(response.headers, 'location');
      if (!REDIRECT_STATUSES.has(response.statusCode) || !location) {
        return { url: current, status: response.statusCode, headers: response.headers, body: response.body, authorizedWith };
      }
      const next = new URL(location, current).toString();
      if (current.startsWith('https:') && next.startsWith('http:')) {
        discardBody(response.body);
        throw new GlideError('ENETWORK', `${safeHost(current)} redirected to plain http (${safeHost(next)}); refusing to download over it.`, [
          'A proxy or mirror may be misconfigured. Use an https mirror, or a folder.',
        ]);
      }
      // The caller reads (or discards) the redirect's own body.
      if (options.stopAtRedirect) {
        return { url: next, status: response.statusCode, headers: response.headers, body: response.body, authorizedWith };
      }
      await response.body.dump();
      current = next;
    }
    throw new GlideError('ENETWORK', `More than ${MAX_REDIRECTS} redirects from ${redactUrl(url)}.`, [
      'A proxy or mirror may be misconfigured; try the URL in a browser.',
    ]);
  }

  #headersFor(
    url: string,
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
    if (this.#options.token && new URL(url).origin === this.#options.apiOrigin) {
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
        'Put them in the proxy URL: HTTPS_PROXY=http://user:password@proxy:port (or npm\'s https-proxy setting).',
      ]);
    }
    if (proxyStatus) {
      return new GlideError('ENETWORK', `The proxy refused to connect to ${safeHost(url)} (HTTP ${proxyStatus}).`, [
        'Check NO_PROXY (hosts that must not go through the proxy) and the proxy\'s own rules.',
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
    throw new GlideError('ENETWORK', `Fetching ${what} failed: HTTP ${response.status} from ${safeHost(url)}.`, [
      'Run again later; if it persists, check the mirror or proxy.',
    ]);
  }

  async close(): Promise<void> {
    await this.#dispatcher.close();
  }
}

export function header(headers: HttpResponse['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
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
export function isRetryableNetworkError(error: unknown): boolean {
  if (error instanceof BrokenBodyError) return true;
  const code = errorCode(error);
  return code !== undefined && TRANSIENT_NETWORK_CODES.has(code);
}

function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  // undici wraps the socket's error in `cause`.
  for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'UND_ERR_REQ_RETRY') {
      if (code !== 'UND_ERR' || !(current as { cause?: unknown }).cause) return code;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
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
          expected === undefined ? `before the end of ${what}: ${received} bytes arrived` : `before sending all ${expected} bytes of ${what} it announced: ${received} arrived`
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

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
