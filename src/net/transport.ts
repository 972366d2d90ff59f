/**
 * The connections every client here uses: one undici dispatcher (proxies, stall timeouts) and
 * one request that follows redirects, with credentials kept to the origin they were given for.
 * The only module that sends requests through undici; the clients on top (the installers'
 * `HttpClient`, the registry client) add their own auth and messages. Decision 0019.
 */
import { setFlagsFromString } from 'node:v8';
import type { Dispatcher } from 'undici';
// undici's modules, not its index: the index loads fetch, WebSocket, caches and mocks too,
// half the bundled undici, none of it used here (decision 0030).
import api from 'undici/lib/api/index.js';
import DispatcherClass from 'undici/lib/dispatcher/dispatcher.js';
import EnvHttpProxyAgent from 'undici/lib/dispatcher/env-http-proxy-agent.js';
import { GlideError } from '#contract';

// undici parses HTTP with a WebAssembly module, and V8's background recompile of it with its
// optimising tier costs ~35 MB of peak memory on Node 20 (measured by bench/install). The
// baseline tier is fast enough to parse headers; it keeps a 1 GB install under 100 MB.
setFlagsFromString('--liftoff-only');

// What undici's index does on load: every dispatcher gets request(), connect() … (a ProxyAgent
// opens its tunnel with connect()).
Object.assign(DispatcherClass.prototype, api);

export interface ProxySettings {
  readonly httpProxy?: string;
  readonly httpsProxy?: string;
  readonly noProxy?: string;
}

export type ResponseHeaders = Readonly<Record<string, string | string[] | undefined>>;

/** Proxy settings from the environment, then from npm's config (npx exports it as `npm_config_*`). Read here and nowhere else. */
export function proxyFromEnv(env: NodeJS.ProcessEnv): ProxySettings {
  const pick = (...names: string[]): string | undefined => names.map((name) => env[name]).find((value) => value);
  const httpsProxy = pick('HTTPS_PROXY', 'https_proxy', 'npm_config_https_proxy', 'npm_config_proxy');
  const httpProxy = pick('HTTP_PROXY', 'http_proxy', 'npm_config_proxy');
  const noProxy = pick('NO_PROXY', 'no_proxy', 'npm_config_noproxy');
  return { ...(httpsProxy ? { httpsProxy } : {}), ...(httpProxy ? { httpProxy } : {}), ...(noProxy ? { noProxy } : {}) };
}

/** A dispatcher through the given proxies that abandons a connection silent for `stallMs` (connect, headers or body). */
export function createDispatcher(proxy: ProxySettings, stallMs: number): Dispatcher {
  return new EnvHttpProxyAgent({
    // Explicit values (even empty) keep undici from reading the environment a second time.
    httpProxy: proxy.httpProxy ?? '',
    httpsProxy: proxy.httpsProxy ?? '',
    noProxy: proxy.noProxy ?? '',
    headersTimeout: stallMs,
    bodyTimeout: stallMs,
    connect: { timeout: stallMs },
  });
}

export function header(headers: ResponseHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Redirects followed before giving up: curl's and browsers' limits are higher, but no honest chain needs more. */
export const MAX_REDIRECTS = 10;
const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

export interface HopRequest {
  readonly dispatcher: Dispatcher;
  readonly method?: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
  /**
   * The headers for one hop. `firstOrigin` says whether the hop is on the first URL's origin:
   * only then may it carry credentials given for that URL (a redirect to a CDN gets none).
   */
  readonly headers: (hop: URL, firstOrigin: boolean) => Record<string, string>;
  /** A factory, so that each send has a fresh body (a stream cannot be replayed). */
  readonly body?: () => Dispatcher.DispatchOptions['body'];
  readonly signal?: AbortSignal | undefined;
  /** Follow redirects at all (the registry follows its reads only: a write's body is not sent twice). Default true. */
  readonly follow?: boolean;
  /** Return the first redirect, its target as `url`, instead of following it (`releases/latest` answers with its tag in `Location`). */
  readonly stopAtRedirect?: boolean;
  /** Told before each hop is sent. */
  readonly onHop?: (hop: URL) => void;
}

export interface HopResponse {
  /** The URL that answered, or with `stopAtRedirect` the one it redirects to. */
  readonly url: URL;
  readonly response: Dispatcher.ResponseData;
}

/** One request, following up to MAX_REDIRECTS redirects; refuses a redirect from https to plain http. The caller reads or dumps the body. */
export async function requestFollowingRedirects(url: URL, options: HopRequest): Promise<HopResponse> {
  let current = url;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    options.onHop?.(current);
    const response = await options.dispatcher.request({
      origin: current.origin,
      path: `${current.pathname}${current.search}`,
      method: options.method ?? 'GET',
      headers: options.headers(current, current.origin === url.origin),
      body: options.body?.() ?? null,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const location = header(response.headers, 'location');
    if (options.follow === false || !REDIRECT_STATUSES.has(response.statusCode) || !location) return { url: current, response };
    const next = new URL(location, current);
    if (current.protocol === 'https:' && next.protocol === 'http:') {
      response.body.dump().catch(() => {});
      throw new GlideError('ENETWORK', `${current.host} redirected to plain http (${next.host}); refusing to follow it.`, [
        'A proxy or mirror may be misconfigured. Use an https URL, or for a download a mirror folder.',
      ]);
    }
    if (options.stopAtRedirect) return { url: next, response };
    await response.body.dump();
    current = next;
  }
  throw new GlideError('ENETWORK', `More than ${MAX_REDIRECTS} redirects from ${withoutSecrets(url)}.`, [
    'A proxy or mirror may be misconfigured; try the URL in a browser.',
  ]);
}

/** A URL for messages and receipts: no user or password (a user name can be a token too), no signature or token parameter. */
export function redactUrl(url: string): string {
  try {
    return withoutSecrets(new URL(url));
  } catch {
    return url.replace(/\/\/[^/?#]*@/, '//');
  }
}

function withoutSecrets(url: URL): string {
  const parsed = new URL(url);
  parsed.username = '';
  parsed.password = '';
  for (const key of [...parsed.searchParams.keys()]) {
    if (/signature|token|credential|sig$/i.test(key)) parsed.searchParams.set(key, '***');
  }
  return parsed.toString();
}
