/**
 * The installers' only HTTP client, and the only module that imports undici. It owns what
 * users of other installers keep tripping over (../shared/reference/lessons.md): proxies
 * from the environment and npm's config, redirects followed by hand so the GitHub token
 * reaches the API host and nothing else, retries with backoff, a stall timeout, and plain
 * messages for rate limits and TLS interception.
 */
import { setFlagsFromString } from 'node:v8';
import { EnvHttpProxyAgent, request, type Dispatcher } from 'undici';
import { GlideError, RETRYABLE_STATUSES, retryAfterMs, TRANSIENT_NETWORK_CODES } from '../contract/index.js';

// undici parses HTTP with a WebAssembly module, and V8's background recompile of it with its
// optimising tier costs ~35 MB of peak memory on Node 20 (measured by bench/install). The
// baseline tier is fast enough to parse headers; it keeps a 1 GB install under 100 MB.
setFlagsFromString('--liftoff-only');

export interface ProxySettings {
  readonly httpProxy?: string;
  readonly httpsProxy?: string;
  readonly noProxy?: string;
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
  readonly signal?: AbortSignal;
}

export type ResponseBody = Dispatcher.ResponseData['body'];

export interface HttpResponse {
  readonly url: string;
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: ResponseBody;
}

/** Lets go of a body we will not read. (`destroy()` would fail it with UND_ERR_ABORTED.) */
export function discardBody(body: ResponseBody): void {
  body.dump().catch(() => {});
}

export interface GetOptions {
  readonly headers?: Readonly<Record<string, string>>;
  /** Return the first redirect instead of following it (`releases/latest` answers with its tag in `Location`). */
  readonly stopAtRedirect?: boolean;
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


/** Proxy settings from the environment, then from npm's config (npx exports it as `npm_config_*`). Read here and nowhere else. */
export function proxyFromEnv(env: NodeJS.ProcessEnv): ProxySettings {
  const pick = (...names: string[]): string | undefined => names.map((name) => env[name]).find((value) => value);
  const httpsProxy = pick('HTTPS_PROXY', 'https_proxy', 'npm_config_https_proxy', 'npm_config_proxy');
  const httpProxy = pick('HTTP_PROXY', 'http_proxy', 'npm_config_proxy');
  const noProxy = pick('NO_PROXY', 'no_proxy', 'npm_config_noproxy');
  return { ...(httpsProxy ? { httpsProxy } : {}), ...(httpProxy ? { httpProxy } : {}), ...(noProxy ? { noProxy } : {}) };
}

/** A proxy URL with its password replaced, for messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    for (const key of [...parsed.searchParams.keys()]) {
      if (/signature|token|credential|sig$/i.test(key)) parsed.searchParams.set(key, '***');
    }
    return parsed.toString();
  } catch {
    return url;
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

  /** GET with retries, following redirects by hand. The caller consumes or destroys `body`. */
  async get(url: string, options: GetOptions = {}): Promise<HttpResponse> {
    return this.#withRetries(url, () => this.#getOnce(url, options));
  }

  /** GET a small JSON or text document, with retries covering the body too. */
  async getText(url: string, options: GetOptions = {}): Promise<{ status: number; text: string; headers: HttpResponse['headers'] }> {
    return this.#withRetries(url, async () => {
      const response = await this.#getOnce(url, options);
      const chunks: Uint8Array[] = [];
      for await (const chunk of response.body) chunks.push(chunk);
      return { status: response.status, text: Buffer.concat(chunks).toString('utf8'), headers: response.headers };
    });
  }

  /**
   * Runs `attempt` again after a network error or a retryable status, with exponential
   * backoff (honouring `Retry-After`). Downloads retry their bodies themselves, resuming.
   */
  async #withRetries<T extends { status: number; headers: HttpResponse['headers'] }>(
    url: string,
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
      await sleep(delay, this.#options.signal);
    }
  }

  backoff(tries: number): number {
    const base = this.#options.backoffMs ?? 500;
    return Math.round(base * 2 ** tries * (0.75 + Math.random() * 0.5));
  }

  get retries(): number {
    return this.#options.retries ?? 4;
  }

  get signal(): AbortSignal | undefined {
    return this.#options.signal;
  }

  async #getOnce(url: string, options: GetOptions): Promise<HttpResponse> {
    let current = url;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const response = await request(current, {
        method: 'GET',
        dispatcher: this.#dispatcher,
        headers: this.#headersFor(current, options.headers),
        ...(this.#options.signal ? { signal: this.#options.signal } : {}),
      });
      const location = header(response.headers, 'location');
      if (!REDIRECT_STATUSES.has(response.statusCode) || !location) {
        return { url: current, status: response.statusCode, headers: response.headers, body: response.body };
      }
      await response.body.dump();
      const next = new URL(location, current).toString();
      if (current.startsWith('https:') && next.startsWith('http:')) {
        throw new GlideError('ENETWORK', `${safeHost(current)} redirected to plain http (${safeHost(next)}); refusing to download over it.`, [
          'A proxy or mirror may be misconfigured. Use an https mirror, or a folder.',
        ]);
      }
      if (options.stopAtRedirect) {
        return { url: next, status: response.statusCode, headers: response.headers, body: response.body };
      }
      current = next;
    }
    throw new GlideError('ENETWORK', `More than ${MAX_REDIRECTS} redirects from ${redactUrl(url)}.`, [
      'A proxy or mirror may be misconfigured; try the URL in a browser.',
    ]);
  }

  #headersFor(url: string, extra: Readonly<Record<string, string>> = {}): Record<string, string> {
    const headers: Record<string, string> = { 'user-agent': this.#options.userAgent, ...extra };
    // The token goes to the API origin only: GitHub's download CDN rejects a second auth
    // mechanism, and a token must never reach a third party.
    if (this.#options.token && new URL(url).origin === this.#options.apiOrigin) {
      headers.authorization = `Bearer ${this.#options.token.value}`;
    }
    return headers;
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

  /** Fails with a clear error unless the response is a 2xx; explains rate limits, refused tokens and proxies asking for credentials. */
  async expectOk(response: { status: number; headers: HttpResponse['headers']; url: string; body?: HttpResponse['body'] }, what: string): Promise<void> {
    if (response.status >= 200 && response.status < 300) return;
    if (response.body) discardBody(response.body);
    const url = response.url;
    if (new URL(url).origin === this.#options.apiOrigin) {
      if ((response.status === 403 || response.status === 429) && header(response.headers, 'x-ratelimit-remaining') === '0') {
        throw rateLimitError(response.headers, this.#options.token?.source);
      }
      if (response.status === 401 && this.#options.token) {
        throw new GlideError('ENETWORK', `GitHub refused the token from ${this.#options.token.source} (401 Bad credentials).`, [
          `Fix or unset ${this.#options.token.source}; public releases need no token.`,
        ]);
      }
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

export function isRetryableNetworkError(error: unknown): boolean {
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
