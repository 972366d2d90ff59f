/**
 * A client for the OCI distribution API (decision 0020), so release images are pushed without
 * a Docker engine (as ko and crane do) and the installer can ask what an image holds. It owns
 * auth (anonymous, Basic, and Docker's token flow) and digest checks on every byte that goes in
 * or out: manifests travel as raw bytes, never re-serialised, because their digest is the
 * sha256 of exactly those bytes. Connections, redirects and retries are the shared network
 * layer's (src/net, decision 0019).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { GlideError } from '#contract';
import { errorCode, isTransientNetworkError } from '../net/errors.js';
import { RETRYABLE_STATUSES, withRetries, type Verdict } from '../net/retry.js';
import { createDispatcher, proxyFromEnv, requestFollowingRedirects, type ProxySettings } from '../net/transport.js';
import { parseChallenge, type Challenge } from './challenge.js';
import { isDigest, registryBaseUrl } from './reference.js';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const DOCKER_MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
/** Without an Accept naming them, registries may answer an index with one of its manifests, or convert it. */
export const ALL_MANIFEST_TYPES: readonly string[] = [OCI_INDEX, OCI_MANIFEST, DOCKER_MANIFEST_LIST, DOCKER_MANIFEST];

export interface RegistryCredentials {
  readonly username: string;
  /** A password or token (GHCR takes `GITHUB_TOKEN` here). Never printed. */
  readonly password: string;
}

export type RequestKind =
  | 'token'
  | 'manifest.head'
  | 'manifest.get'
  | 'manifest.put'
  | 'blob.head'
  | 'blob.get'
  | 'blob.mount'
  | 'upload.start'
  | 'upload.chunk'
  | 'upload.finish'
  | 'upload.cancel'
  | 'tags.list';

export interface RegistryRequest {
  readonly kind: RequestKind;
  readonly method: string;
  readonly url: string;
}

export interface RegistryClientOptions {
  /** As in an image reference: `ghcr.io`, `docker.io`, `127.0.0.1:5000`. */
  readonly registry: string;
  /** Sent as Basic auth, or to the token service when the registry asks for a bearer token. */
  readonly credentials?: RegistryCredentials;
  /** Further attempts after the first, for resets, 5xx and 429. Default 4. */
  readonly retries?: number;
  /** First backoff delay, doubled per retry, when the registry sends no `Retry-After`. Default 500 ms. */
  readonly backoffMs?: number;
  /** Called before every HTTP request is sent (retries included), e.g. for verbose logs. */
  readonly onRequest?: (request: RegistryRequest) => void;
  /** Called before each wait for another attempt, with how long it is (backoff with jitter, or the registry's `Retry-After`). */
  readonly onRetry?: (retry: { readonly operation: string; readonly delayMs: number }) => void;
  /** Proxies, as the installers take them; default: the environment's (`HTTPS_PROXY`, `NO_PROXY`, npm's config). */
  readonly proxy?: ProxySettings;
  /** Cancels requests in flight and waits between retries (Ctrl-C); the abort reason is thrown. */
  readonly signal?: AbortSignal;
}

/** What the client did, for reports and for tests that prove a re-run is a no-op. */
export interface RegistryStats {
  /** HTTP requests sent, by kind: retries, auth round-trips and redirects included. */
  readonly requests: Record<RequestKind, number>;
  retries: number;
  tokenFetches: number;
  /** Blob uploads completed (monolithic or chunked). */
  blobUploads: number;
  /** Blob bytes sent, restarted uploads counted again. */
  bytesUploaded: number;
  /** Blobs mounted from another repository instead of uploaded. */
  mounts: number;
  manifestPuts: number;
}

export interface Manifest {
  readonly mediaType: string;
  /** Exactly as served: its sha256 is `digest`. */
  readonly bytes: Buffer;
  readonly digest: string;
}

/** An open upload (the `Location` the registry gave us); the next request must use the latest one. */
export interface UploadSession {
  readonly repository: string;
  readonly location: URL;
}

export type BlobSource = Uint8Array | { readonly file: string };

export type MountResult = { readonly mounted: true } | { readonly mounted: false; readonly session: UploadSession };

export type PushBlobResult = 'exists' | 'mounted' | 'uploaded';

/** A registry's refusal or an unreachable registry. `status` is absent when no HTTP answer came. */
export class RegistryError extends GlideError {
  readonly status: number | undefined;
  /** A later attempt may succeed (connection lost, 5xx, 429). */
  readonly transient: boolean;
  /** The registry's `Retry-After`, which a caller retrying the whole operation honours too. */
  readonly retryAfter: string | undefined;

  constructor(message: string, status: number | undefined, transient: boolean, retryAfter?: string) {
    super('ENETWORK', message);
    this.name = 'RegistryError';
    this.status = status;
    this.transient = transient;
    this.retryAfter = retryAfter;
  }
}

type Method = 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
type Body = Uint8Array | Readable;

interface Exchange {
  readonly kind: RequestKind;
  /** For messages: "push manifest 0.1.0-alpine to einstack/glide". */
  readonly operation: string;
  readonly method: Method;
  readonly url: URL;
  /** Token scopes (`repository:NAME:pull,push`) this request needs. */
  readonly scopes: readonly string[];
  readonly headers?: Readonly<Record<string, string>>;
  /** Fixed credentials for this request (the token service's Basic auth) instead of the registry's. */
  readonly authorization?: string;
  /** A factory, so that a retry sends the body again. */
  readonly body?: () => Body;
  /** Statuses handed back to the caller; every other one is an error. */
  readonly ok: readonly number[];
  readonly retries?: number;
}

interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

interface CachedToken {
  readonly token: string;
  readonly expiresAt: number;
}

const USER_AGENT = 'glide-release';
const STALL_MS = 60_000;
// Tokens without `expires_in` last 60 s per the spec; renew a little early.
const DEFAULT_TOKEN_SECONDS = 60;
const TOKEN_MARGIN_MS = 5_000;

export class RegistryClient {
  readonly registry: string;
  readonly stats: RegistryStats = {
    requests: {
      token: 0,
      'manifest.head': 0,
      'manifest.get': 0,
      'manifest.put': 0,
      'blob.head': 0,
      'blob.get': 0,
      'blob.mount': 0,
      'upload.start': 0,
      'upload.chunk': 0,
      'upload.finish': 0,
      'upload.cancel': 0,
      'tags.list': 0,
    },
    retries: 0,
    tokenFetches: 0,
    blobUploads: 0,
    bytesUploaded: 0,
    mounts: 0,
    manifestPuts: 0,
  };

  readonly #base: URL;
  readonly #credentials: RegistryCredentials | undefined;
  readonly #retries: number;
  readonly #backoffMs: number;
  readonly #onRequest: ((request: RegistryRequest) => void) | undefined;
  readonly #onRetry: RegistryClientOptions['onRetry'];
  readonly #signal: AbortSignal | undefined;
  readonly #dispatcher: Dispatcher;
  // Learnt from the first 401, so later requests authenticate up front instead of being refused first.
  #challenge: Challenge | undefined;
  readonly #tokens = new Map<string, CachedToken>();

  constructor(options: RegistryClientOptions) {
    this.registry = options.registry;
    this.#base = new URL(registryBaseUrl(options.registry));
    this.#credentials = options.credentials;
    this.#retries = options.retries ?? 4;
    this.#backoffMs = options.backoffMs ?? 500;
    this.#onRequest = options.onRequest;
    this.#onRetry = options.onRetry;
    this.#signal = options.signal;
    this.#dispatcher = createDispatcher(options.proxy ?? proxyFromEnv(process.env), STALL_MS);
  }

  async close(): Promise<void> {
    await this.#dispatcher.close();
  }

  /** The digest a tag (or digest) points at, or undefined when there is none. */
  async manifestDigest(repository: string, reference: string): Promise<string | undefined> {
    const reply = await this.#send({
      kind: 'manifest.head',
      operation: `look up manifest ${reference} in ${repository}`,
      method: 'HEAD',
      url: this.#url(`/v2/${repository}/manifests/${reference}`),
      scopes: [pullScope(repository)],
      headers: { accept: ALL_MANIFEST_TYPES.join(', ') },
      ok: [200, 404],
    });
    if (reply.status === 404) return undefined;
    const digest = headerValue(reply.headers, 'docker-content-digest');
    if (digest) return digest;
    // The header is optional in the OCI spec; the bytes always tell.
    return (await this.getManifest(repository, reference)).digest;
  }

  async getManifest(repository: string, reference: string, accept: readonly string[] = ALL_MANIFEST_TYPES): Promise<Manifest> {
    const operation = `read manifest ${reference} from ${repository}`;
    const reply = await this.#send({
      kind: 'manifest.get',
      operation,
      method: 'GET',
      url: this.#url(`/v2/${repository}/manifests/${reference}`),
      scopes: [pullScope(repository)],
      headers: { accept: accept.join(', ') },
      ok: [200],
    });
    const digest = sha256(reply.body);
    if (isDigest(reference)) this.#expectDigest(reference, digest, operation);
    const served = headerValue(reply.headers, 'docker-content-digest');
    if (served) this.#expectDigest(served, digest, operation);
    const contentType = headerValue(reply.headers, 'content-type')?.split(';')[0]?.trim();
    return { mediaType: contentType || mediaTypeOf(reply.body), bytes: reply.body, digest };
  }

  /** Puts the bytes under `reference` (a tag, or their own digest) and returns their digest. */
  async putManifest(repository: string, reference: string, mediaType: string, bytes: Uint8Array): Promise<string> {
    const operation = `push manifest ${reference} to ${repository}`;
    const digest = sha256(bytes);
    if (isDigest(reference)) this.#expectDigest(reference, digest, operation);
    const reply = await this.#send({
      kind: 'manifest.put',
      operation,
      method: 'PUT',
      url: this.#url(`/v2/${repository}/manifests/${reference}`),
      scopes: [pushScope(repository)],
      headers: { 'content-type': mediaType },
      body: () => bytes,
      ok: [201],
    });
    const stored = headerValue(reply.headers, 'docker-content-digest');
    if (stored) this.#expectDigest(digest, stored, operation);
    this.stats.manifestPuts++;
    return digest;
  }

  async blobExists(repository: string, digest: string): Promise<boolean> {
    const reply = await this.#send({
      kind: 'blob.head',
      operation: `look up blob ${digest} in ${repository}`,
      method: 'HEAD',
      url: this.#url(`/v2/${repository}/blobs/${digest}`),
      scopes: [pullScope(repository)],
      ok: [200, 404],
    });
    return reply.status === 200;
  }

  /** The blob's bytes, checked against `digest` before they are returned. */
  async getBlob(repository: string, digest: string): Promise<Buffer> {
    const operation = `read blob ${digest} from ${repository}`;
    const reply = await this.#send({
      kind: 'blob.get',
      operation,
      method: 'GET',
      url: this.#url(`/v2/${repository}/blobs/${digest}`),
      scopes: [pullScope(repository)],
      ok: [200],
    });
    this.#expectDigest(digest, sha256(reply.body), operation);
    return reply.body;
  }

  /**
   * Asks the registry to link a blob that `fromRepository` holds into `toRepository`. When it
   * will not (another registry's blob, no pull access, mounting disabled) it opens an upload
   * instead: pass that session to `uploadBlob`, or `cancelUpload` it.
   */
  async mountBlob(toRepository: string, digest: string, fromRepository: string): Promise<MountResult> {
    const url = this.#url(`/v2/${toRepository}/blobs/uploads/`);
    url.searchParams.set('mount', digest);
    url.searchParams.set('from', fromRepository);
    const reply = await this.#send({
      kind: 'blob.mount',
      operation: `mount blob ${digest} from ${fromRepository} into ${toRepository}`,
      method: 'POST',
      url,
      scopes: [pushScope(toRepository), pullScope(fromRepository)],
      ok: [201, 202],
    });
    if (reply.status === 201) {
      this.stats.mounts++;
      return { mounted: true };
    }
    return { mounted: false, session: this.#session(toRepository, reply, 'mount') };
  }

  async cancelUpload(session: UploadSession): Promise<void> {
    await this.#send({
      kind: 'upload.cancel',
      operation: `cancel an upload to ${session.repository}`,
      method: 'DELETE',
      url: session.location,
      scopes: [pushScope(session.repository)],
      // 404: the registry already forgot it, which is all we wanted.
      ok: [204, 404],
    });
  }

  /**
   * Uploads a blob, in one PUT or, with `chunkSize`, in PATCHes of that many bytes. A lost
   * connection or a failing registry restarts the upload from a new session (bounded), since a
   * half-sent PATCH leaves the session in an unknown state.
   */
  async uploadBlob(
    repository: string,
    digest: string,
    source: BlobSource,
    options: { readonly chunkSize?: number; readonly session?: UploadSession } = {},
  ): Promise<void> {
    const { chunkSize } = options;
    if (chunkSize !== undefined && !(Number.isInteger(chunkSize) && chunkSize > 0)) {
      throw new GlideError('ECONFIG', `The upload chunk size must be a positive whole number of bytes, not ${chunkSize}.`);
    }
    const size = source instanceof Uint8Array ? source.byteLength : (await stat(source.file)).size;
    const operation = `upload blob ${digest} to ${repository}`;
    await withRetries(
      async (retry) => {
        const session = (retry === 0 ? options.session : undefined) ?? (await this.#startUpload(repository));
        const last = chunkSize === undefined ? session : await this.#uploadChunks(session, digest, source, size, chunkSize);
        await this.#finishUpload(last, digest, chunkSize === undefined ? { source, size } : undefined);
        this.stats.blobUploads++;
      },
      {
        ...this.#retryPolicy(operation),
        // A PATCH or the final PUT is never resent alone (a half-sent one leaves the session in an unknown state): start over from a new session.
        retryError: (error): Verdict => (error instanceof RegistryError && error.transient ? { retryAfter: error.retryAfter } : 'final'),
      },
    );
  }

  /** Makes the blob present in `repository` the cheapest way: already there, mounted, or uploaded. */
  async pushBlob(
    repository: string,
    digest: string,
    source: BlobSource,
    options: {
      readonly chunkSize?: number;
      readonly mountFrom?: string;
      /** The caller has just seen the repository lack the blob (publish's plan): skip the HEAD. */
      readonly knownAbsent?: boolean;
    } = {},
  ): Promise<PushBlobResult> {
    if (!options.knownAbsent && (await this.blobExists(repository, digest))) return 'exists';
    let session: UploadSession | undefined;
    if (options.mountFrom !== undefined && options.mountFrom !== repository) {
      const mount = await this.mountBlob(repository, digest, options.mountFrom);
      if (mount.mounted) return 'mounted';
      session = mount.session;
    }
    await this.uploadBlob(repository, digest, source, {
      ...(options.chunkSize !== undefined ? { chunkSize: options.chunkSize } : {}),
      ...(session ? { session } : {}),
    });
    return 'uploaded';
  }

  /** Every tag of the repository (none if it does not exist yet), following `Link` pages of `pageSize`. */
  async listTags(repository: string, options: { readonly pageSize?: number } = {}): Promise<string[]> {
    let url: URL | undefined = this.#url(`/v2/${repository}/tags/list`);
    if (options.pageSize !== undefined) url.searchParams.set('n', String(options.pageSize));
    const tags: string[] = [];
    while (url) {
      const reply = await this.#send({
        kind: 'tags.list',
        operation: `list the tags of ${repository}`,
        method: 'GET',
        url,
        scopes: [pullScope(repository)],
        ok: [200, 404],
      });
      if (reply.status === 404) return tags;
      const page = parseJson(reply.body) as { tags?: unknown } | undefined;
      if (Array.isArray(page?.tags)) tags.push(...page.tags.filter((tag): tag is string => typeof tag === 'string'));
      const next = nextLink(headerValue(reply.headers, 'link'));
      url = next ? new URL(next, url) : undefined;
    }
    return tags;
  }

  async #startUpload(repository: string): Promise<UploadSession> {
    const reply = await this.#send({
      kind: 'upload.start',
      operation: `start a blob upload to ${repository}`,
      method: 'POST',
      url: this.#url(`/v2/${repository}/blobs/uploads/`),
      scopes: [pushScope(repository)],
      ok: [202],
      // A retried POST at worst leaves an unused session, which the registry purges.
    });
    return this.#session(repository, reply, 'start');
  }

  async #uploadChunks(session: UploadSession, digest: string, source: BlobSource, size: number, chunkSize: number): Promise<UploadSession> {
    let current = session;
    let offset = 0;
    while (offset < size) {
      const end = Math.min(offset + chunkSize, size);
      const chunk = await readRange(source, offset, end);
      const reply = await this.#send({
        kind: 'upload.chunk',
        operation: `upload bytes ${offset}-${end - 1} of blob ${digest} to ${session.repository}`,
        method: 'PATCH',
        url: current.location,
        scopes: [pushScope(session.repository)],
        headers: { 'content-type': 'application/octet-stream', 'content-range': `${offset}-${end - 1}` },
        body: () => chunk,
        ok: [202],
        retries: 0,
      });
      this.stats.bytesUploaded += chunk.byteLength;
      current = this.#session(session.repository, reply, 'chunk');
      // The registry's Range says how much it holds; resend from there if it kept less.
      const held = /^(?:bytes=)?0-(\d+)$/.exec(headerValue(reply.headers, 'range') ?? '');
      const next = held ? Number(held[1]) + 1 : end;
      if (next <= offset || next > end) {
        throw new RegistryError(
          `${this.registry}: upload of blob ${digest} to ${session.repository} went wrong: the registry holds bytes 0-${next - 1} after we sent ${offset}-${end - 1}. Run again; the upload restarts.`,
          reply.status,
          true,
        );
      }
      offset = next;
    }
    return current;
  }

  async #finishUpload(session: UploadSession, digest: string, whole: { source: BlobSource; size: number } | undefined): Promise<void> {
    const url = new URL(session.location);
    url.searchParams.append('digest', digest);
    const reply = await this.#send({
      kind: 'upload.finish',
      operation: `finish the upload of blob ${digest} to ${session.repository}`,
      method: 'PUT',
      url,
      scopes: [pushScope(session.repository)],
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(whole?.size ?? 0) },
      body: () => (whole ? bodyOf(whole.source) : Buffer.alloc(0)),
      ok: [201],
      retries: 0,
    });
    if (whole) this.stats.bytesUploaded += whole.size;
    const stored = headerValue(reply.headers, 'docker-content-digest');
    if (stored) this.#expectDigest(digest, stored, `upload blob ${digest} to ${session.repository}`);
  }

  #session(repository: string, reply: Reply, step: string): UploadSession {
    const location = headerValue(reply.headers, 'location');
    if (!location) {
      throw new RegistryError(
        `${this.registry}: the registry answered a blob upload (${step}) without a Location header; it does not follow the distribution spec.`,
        reply.status,
        false,
      );
    }
    // Registries answer with absolute or relative URLs (distribution's `http.relativeurls`).
    return { repository, location: new URL(location, this.#base) };
  }

  #url(path: string): URL {
    return new URL(path, this.#base);
  }

  #expectDigest(expected: string, actual: string, operation: string): void {
    if (expected !== actual) {
      throw new GlideError(
        'ECHECKSUM',
        `${this.registry}: ${operation}: expected digest ${expected}, got ${actual}. The registry or something between us altered the content; do not use it.`,
      );
    }
  }

  /** One request with auth, retries and redirects; throws RegistryError for any status not in `ok`. */
  async #send(exchange: Exchange): Promise<Reply> {
    let retried = 0;
    let reauthenticated = false;
    let reply: Reply;
    try {
      reply = await withRetries(
        async (retry) => {
          retried = retry;
          const first = await this.#exchange(exchange, await this.#authorization(exchange));
          if (first.status !== 401 || exchange.kind === 'token' || reauthenticated || !(await this.#answerChallenge(first, exchange))) return first;
          reauthenticated = true;
          return this.#exchange(exchange, await this.#authorization(exchange));
        },
        {
          ...this.#retryPolicy(exchange.operation),
          retries: exchange.retries ?? this.#retries,
          retryResult: (answer): Verdict => (RETRYABLE_STATUSES.has(answer.status) ? { retryAfter: headerValue(answer.headers, 'retry-after') } : 'final'),
          retryError: (error): Verdict => (!(error instanceof GlideError) && isTransientNetworkError(error) ? {} : 'final'),
        },
      );
    } catch (error) {
      if (this.#signal?.aborted) throw this.#signal.reason;
      if (error instanceof GlideError) throw error;
      const code = errorCode(error) ?? (error instanceof Error ? error.message : String(error));
      throw new RegistryError(
        `${this.registry}: ${exchange.operation} failed: ${this.#redact(code)}${retried ? ` (after ${plural(retried, 'retry', 'retries')})` : ''}. Check that ${exchange.url.host} is up and reachable, then run again${keptNote(exchange)}.`,
        undefined,
        isTransientNetworkError(error),
      );
    }
    if (exchange.ok.includes(reply.status)) return reply;
    throw this.#httpError(exchange, reply, retried);
  }

  #retryPolicy(operation: string): { retries: number; backoffMs: number; signal: AbortSignal | undefined; onRetry: (retry: number, delayMs: number) => void } {
    return {
      retries: this.#retries,
      backoffMs: this.#backoffMs,
      signal: this.#signal,
      onRetry: (_retry, delayMs) => {
        this.stats.retries++;
        this.#onRetry?.({ operation, delayMs });
      },
    };
  }

  /** Sends once, following redirects for reads (blob storage often lives on a CDN); auth goes to the registry's origin only. */
  async #exchange(exchange: Exchange, authorization: string | undefined): Promise<Reply> {
    const { response } = await requestFollowingRedirects(exchange.url, {
      dispatcher: this.#dispatcher,
      method: exchange.method,
      headers: (_hop, firstOrigin) => ({
        'user-agent': USER_AGENT,
        ...exchange.headers,
        ...(authorization && firstOrigin ? { authorization } : {}),
      }),
      ...(exchange.body ? { body: exchange.body } : {}),
      signal: this.#signal,
      follow: exchange.method === 'GET' || exchange.method === 'HEAD',
      onHop: (hop) => {
        this.stats.requests[exchange.kind]++;
        this.#onRequest?.({ kind: exchange.kind, method: exchange.method, url: hop.toString() });
      },
    });
    const body = exchange.method === 'HEAD' ? (await response.body.dump(), Buffer.alloc(0)) : Buffer.from(await response.body.arrayBuffer());
    return { status: response.statusCode, headers: response.headers, body };
  }

  async #authorization(exchange: Exchange): Promise<string | undefined> {
    if (exchange.kind === 'token') return exchange.authorization;
    const challenge = this.#challenge;
    if (!challenge) return undefined;
    if (challenge.scheme === 'basic') return this.#credentials ? basicAuthorization(this.#credentials) : undefined;
    const key = exchange.scopes.join(' ');
    const cached = this.#tokens.get(key);
    if (cached && cached.expiresAt > Date.now()) return `Bearer ${cached.token}`;
    return `Bearer ${await this.#fetchToken(challenge, exchange.scopes)}`;
  }

  /** Learns how the registry wants to be asked; false when there is nothing more we can offer. */
  async #answerChallenge(reply: Reply, exchange: Exchange): Promise<boolean> {
    const challenge = parseChallenge(reply.headers['www-authenticate']);
    if (!challenge) return false;
    const before = this.#challenge;
    this.#challenge = challenge;
    if (challenge.scheme === 'basic') return this.#credentials !== undefined && before?.scheme !== 'basic';
    // A cached token may have expired or lack this scope: ask for a fresh one.
    this.#tokens.delete(exchange.scopes.join(' '));
    return true;
  }

  async #fetchToken(challenge: Extract<Challenge, { scheme: 'bearer' }>, scopes: readonly string[]): Promise<string> {
    const url = new URL(challenge.realm);
    if (challenge.service) url.searchParams.set('service', challenge.service);
    for (const scope of scopes) url.searchParams.append('scope', scope);
    const credentials = this.#credentials;
    if (credentials && url.protocol !== 'https:' && !['localhost', '127.0.0.1'].includes(url.hostname)) {
      throw new RegistryError(
        `${this.registry}: the token service ${url.host} is plain HTTP; credentials are sent over HTTPS (or to loopback) only.`,
        undefined,
        false,
      );
    }
    this.stats.tokenFetches++;
    const reply = await this.#send({
      kind: 'token',
      operation: `get a token from ${url.host} for ${scopes.join(' ')}`,
      method: 'GET',
      url,
      scopes,
      ...(credentials ? { authorization: basicAuthorization(credentials) } : {}),
      ok: [200],
    });
    const answer = parseJson(reply.body) as { token?: unknown; access_token?: unknown; expires_in?: unknown } | undefined;
    const token = typeof answer?.token === 'string' ? answer.token : typeof answer?.access_token === 'string' ? answer.access_token : undefined;
    if (!token) throw new RegistryError(`${this.registry}: the token service ${url.host} answered without a token.`, reply.status, false);
    const seconds = typeof answer?.expires_in === 'number' && answer.expires_in > 0 ? answer.expires_in : DEFAULT_TOKEN_SECONDS;
    this.#tokens.set(scopes.join(' '), { token, expiresAt: Date.now() + seconds * 1000 - TOKEN_MARGIN_MS });
    return token;
  }

  #httpError(exchange: Exchange, reply: Reply, retries: number): RegistryError {
    const found = registryErrors(reply.body);
    const transient = RETRYABLE_STATUSES.has(reply.status);
    const host = this.registry;
    const hint = (() => {
      if (exchange.kind === 'token' && (reply.status === 401 || reply.status === 403)) {
        return `The token service refused the credentials for ${host}: check the user and token (for ghcr.io, a GITHUB_TOKEN with packages:write).`;
      }
      if (reply.status === 401) {
        return this.#credentials
          ? `The registry refused the credentials for ${host}: check the user and token.`
          : `The registry needs credentials: provide them for ${host} (GITHUB_TOKEN for ghcr.io, or \`docker login ${host}\`).`;
      }
      if (reply.status === 403) return `The credentials for ${host} lack the access this needs: check that they may push to the repository.`;
      if (reply.status === 404) return 'Check the repository name and the tag or digest.';
      if (reply.status === 429) {
        const asked = headerValue(reply.headers, 'retry-after');
        return `The registry is rate limiting us${asked ? ` (Retry-After: ${asked})` : ''}; run again later${keptNote(exchange)}.`;
      }
      if (transient)
        return `The registry is failing${retries ? ` (gave up after ${plural(retries, 'retry', 'retries')})` : ''}; run again later${keptNote(exchange)}.`;
      return 'The registry rejected the request as shown; fix what it names and run again.';
    })();
    return new RegistryError(
      `${host}: ${exchange.operation} failed: HTTP ${reply.status}${found ? ` (${this.#redact(found)})` : ''}. ${hint}`,
      reply.status,
      transient,
      headerValue(reply.headers, 'retry-after'),
    );
  }

  // We never put a secret in a message; this covers text the server wrote, which might echo one.
  #redact(text: string): string {
    const secret = this.#credentials?.password;
    return secret ? text.replaceAll(secret, '***') : text;
  }
}

const WRITES: ReadonlySet<RequestKind> = new Set(['manifest.put', 'blob.mount', 'upload.start', 'upload.chunk', 'upload.finish', 'upload.cancel']);

/** Only a failed write has pushed something already; reads (a build's base, a dry run) have not. */
function keptNote(exchange: Exchange): string {
  return WRITES.has(exchange.kind) ? ': what was pushed stays pushed' : '';
}

function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}

function pullScope(repository: string): string {
  return `repository:${repository}:pull`;
}

function pushScope(repository: string): string {
  return `repository:${repository}:pull,push`;
}

function basicAuthorization({ username, password }: RegistryCredentials): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

function mediaTypeOf(bytes: Buffer): string {
  const parsed = parseJson(bytes) as { mediaType?: unknown } | undefined;
  return typeof parsed?.mediaType === 'string' ? parsed.mediaType : 'application/octet-stream';
}

/** `BLOB_UNKNOWN: blob unknown to registry` from the spec's `{"errors":[{"code","message"}]}`. */
function registryErrors(body: Buffer): string | undefined {
  const parsed = parseJson(body) as { errors?: unknown } | undefined;
  if (!Array.isArray(parsed?.errors)) return undefined;
  const lines = parsed.errors.map((error: { code?: unknown; message?: unknown }) =>
    [error.code, error.message].filter((part) => typeof part === 'string' && part !== '').join(': '),
  );
  return lines.filter((line) => line !== '').join('; ') || undefined;
}

/** The `rel="next"` target of a `Link` header (tag list pagination). */
function nextLink(link: string | undefined): string | undefined {
  return link ? /<([^>]+)>\s*;\s*rel="?next"?/.exec(link)?.[1] : undefined;
}

function bodyOf(source: BlobSource): Body {
  return source instanceof Uint8Array ? source : createReadStream(source.file);
}

async function readRange(source: BlobSource, start: number, end: number): Promise<Uint8Array> {
  if (source instanceof Uint8Array) return source.subarray(start, end);
  const file = await open(source.file, 'r');
  try {
    const chunk = Buffer.alloc(end - start);
    const { bytesRead } = await file.read(chunk, 0, chunk.byteLength, start);
    if (bytesRead !== chunk.byteLength) throw new GlideError('EDISK', `${source.file} is shorter than when the upload began; it changed underneath us.`);
    return chunk;
  } finally {
    await file.close();
  }
}
