import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import semver from 'semver';
import { loadGitHubSchema, type SchemaViolation } from './github-schema.js';
import { closeServer, listenOnLoopback, planFileResponse, sendFileBody } from './static-mirror.js';

/**
 * GitHub on four loopback origins: the web host (github.com: the `releases/latest` redirect and
 * download links), the REST API (api.github.com), the uploads host (uploads.github.com) and the
 * release-asset CDN (release-assets.githubusercontent.com), which serves signed URLs and, like the
 * S3 behind it, refuses any request that also carries an Authorization header.
 *
 * Releases are writable as a release pipeline meets them: drafts (hidden from get-by-tag, as on
 * GitHub), asset uploads, publishing, "latest". Published releases are immutable, as GitHub's
 * immutable releases are: their assets can be neither added nor deleted, their tag not changed.
 * An upload cut off mid-body (the client hung up, or a `drop` fault `mid-body`) leaves what GitHub
 * documents for a failed upload: an empty asset that never finished (state `open`, the schema's
 * word; GitHub's answers say `starter`), listed, not downloadable, its name taken until it is
 * deleted (decision 0043).
 * Shapes follow @octokit/fixtures (`release-assets`, `release-assets-conflict`); every API
 * request and response is checked against @octokit/openapi, and a mismatch fails `close()`.
 */

export interface StandinRelease {
  readonly tag: string;
  /** Defaults to `v{tag}`, Glide's release titles. */
  readonly name?: string;
  readonly prerelease: boolean;
  readonly published_at: string;
  readonly draft?: boolean;
  readonly body?: string;
  readonly target_commitish?: string;
  /** Asset name → absolute path of the file whose bytes the CDN serves. */
  readonly assets: Readonly<Record<string, string>>;
  /** `false`: assets uploaded before GitHub computed digests (2025), served with `digest: null`. */
  readonly assetDigests?: boolean;
}

export interface GitHubStandinOptions {
  /** `owner/name`; routes match it case-insensitively, as GitHub does. */
  readonly repo: string;
  readonly releases: readonly StandinRelease[];
  /**
   * When set, the API answers any other token with 401, shows drafts to this one only and accepts
   * writes from it only. Without it the API is read-only.
   */
  readonly token?: string;
  /**
   * Repository tarballs by ref (`''`: the default branch), each a `.tar.gz` as `git archive` writes
   * it: the API's `/repos/{repo}/tarball[/{ref}]` redirects to the web host (GitHub's codeload), which serves it.
   */
  readonly tarballs?: Readonly<Record<string, string>>;
  /** Git tags → commit sha, served by `GET /repos/{repo}/git/ref/tags/{tag}`. */
  readonly tags?: Readonly<Record<string, string>>;
  /** Which of `tags` are annotated: their ref names a tag object (`GET /repos/{repo}/git/tags/{sha}`), which names the commit. */
  readonly annotatedTags?: readonly string[];
  /** The server clock (published_at, created_at); golden tests pass a fixed one. */
  readonly now?: () => Date;
  /**
   * As a repository with GitHub's immutable releases on (the default): a published release keeps
   * its assets and tag. `false` is the older GitHub the recorded @octokit/fixtures scenarios show.
   */
  readonly immutableReleases?: boolean;
}

export type StandinHost = 'web' | 'api' | 'uploads' | 'cdn';

export interface StandinRequest {
  readonly host: StandinHost;
  readonly method: string;
  /** As requested, query included. */
  readonly path: string;
  readonly authorization: boolean;
  /** Request headers, with the Authorization value replaced so a log or snapshot never holds a token. */
  readonly headers: Readonly<Record<string, string>>;
  /** The REST operationId (`repos/upload-release-asset`) on the api and uploads hosts. */
  readonly operation?: string;
  /** The fault injected into this call, if any. */
  readonly fault?: StandinFault['kind'];
  /** When the request arrived (`Date.now()`, the real clock): the pauses a client makes between writes show here. */
  readonly receivedAt: number;
}

/**
 * What an injected call gets instead of its answer. Rate limits carry GitHub's headers and messages;
 * `drop` destroys the connection, either before the call changes anything, or after it did, halfway
 * through the response body (the client cannot tell whether the write happened), or (an upload)
 * after the first bytes of the request body, which leaves a half-written asset. `hang` reads the call
 * and never answers; `refusal` is GitHub saying no in its own words (a token without the permission);
 * `foreign-origin` is the answer as a proxy or attacker could rewrite it, every API and uploads URL in
 * it (`upload_url`, the `Link` pages) naming `origin` instead.
 */
export type StandinFault =
  | { readonly kind: 'secondary-rate-limit'; readonly status: 403 | 429; readonly retryAfterSeconds?: number }
  | { readonly kind: 'primary-rate-limit'; readonly status: 403 | 429; readonly resetEpochSeconds: number }
  | { readonly kind: 'server-error'; readonly status: 500 | 502 | 503 | 504 }
  | { readonly kind: 'drop'; readonly when: 'before-applying' | 'after-applying' | 'mid-body' }
  | { readonly kind: 'hang' }
  | { readonly kind: 'refusal'; readonly status: 401 | 403 | 404; readonly message: string }
  | { readonly kind: 'foreign-origin'; readonly origin: string };

export interface SnapshotAsset {
  readonly name: string;
  readonly label: string;
  readonly content_type: string;
  readonly size: number;
  readonly digest: string | null;
}

export interface SnapshotRelease {
  readonly tag: string;
  readonly name: string | null;
  readonly draft: boolean;
  readonly prerelease: boolean;
  /** Whether `GET /releases/latest` answers with this release. */
  readonly latest: boolean;
  readonly published_at: string | null;
  readonly target_commitish: string;
  readonly body: string | null;
  /** Sorted by name. */
  readonly assets: readonly SnapshotAsset[];
}

/** The world as a golden test compares it: no ids, no URLs, stable order. */
export interface WorldSnapshot {
  readonly latest: string | null;
  /** By tag (semver order), then creation order: duplicate drafts show up as repeated tags. */
  readonly releases: readonly SnapshotRelease[];
  readonly tags: Readonly<Record<string, string>>;
}

export interface GitHubStandin {
  readonly webUrl: string;
  readonly apiUrl: string;
  readonly uploadsUrl: string;
  readonly cdnUrl: string;
  /** What glide-release needs to talk to this stand-in: its origins, and no pause between writes (decision 0053). */
  env(): Record<string, string>;
  readonly log: StandinRequest[];
  /** Unauthenticated API calls get GitHub's rate-limit 403 until called with `undefined`. */
  setRateLimited(resetEpochSeconds: number | undefined): void;
  /**
   * The next `times` calls to `operation` (a REST operationId such as `repos/create-release`, or
   * `'*'` for any API or uploads call) get `fault`. Faults queue in the order injected.
   */
  injectFault(operation: string, fault: StandinFault, times?: number): void;
  snapshot(): WorldSnapshot;
  /** `git push origin {tag}`: GitHub learns the tag names `commit` (a test that steps through releases pushes each in turn). */
  pushTag(tag: string, commit: string): void;
  /**
   * Replaces the bytes the CDN serves for an uploaded asset of `tag`, keeping its
   * record and `digest`: storage that went bad, for a test that a download is checked.
   */
  tamperAsset(tag: string, name: string, content: Buffer | string): Promise<void>;
  /** Schema violations so far, cleared: for a test that sends a bad request on purpose. */
  takeViolations(): SchemaViolation[];
  /** Rejects, after closing, if any request or response broke the schema and was not taken. */
  close(): Promise<void>;
}

export const REDACTED = '[redacted]';
export const BODY_LIMIT = 125_000;

// Arbitrary, but fixed: Link headers name the repository by id, as GitHub's do.
const REPO_ID = 706379409;
const API_VERSION = '2022-11-28';
const ANONYMOUS_LIMIT = 60;
const AUTHENTICATED_LIMIT = 5000;
const BLOB_PREFIX = '/github-production-release-asset';
const DOCS = 'https://docs.github.com/rest';
const MAKE_LATEST = ['true', 'false', 'legacy'] as const;
type MakeLatest = (typeof MAKE_LATEST)[number];

interface ServedAsset {
  readonly id: number;
  readonly name: string;
  readonly label: string;
  readonly content_type: string;
  readonly file: string;
  readonly size: number;
  readonly digest: string | null;
  /** `open`: an upload cut off mid-body, empty and never served (see the header). */
  readonly state: 'uploaded' | 'open';
  readonly created_at: string;
  /** The CDN object key: `{BLOB_PREFIX}/{REPO_ID}/{uuid}`. */
  readonly blob: string;
}

interface ServedRelease {
  readonly id: number;
  tag: string;
  name: string | null;
  body: string | null;
  target_commitish: string;
  prerelease: boolean;
  draft: boolean;
  readonly created_at: string;
  updated_at: string;
  published_at: string | null;
  assets: ServedAsset[];
}

interface Reply {
  readonly status: number;
  /** JSON body; undefined sends none. */
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

interface ApiCall {
  readonly host: 'api' | 'uploads';
  readonly method: string;
  readonly url: URL;
  readonly parts: string[];
  readonly json: Record<string, unknown>;
  readonly raw: Buffer;
  readonly contentType: string;
  readonly accept: string;
  readonly requestId: string;
}

export async function startGitHubStandin(options: GitHubStandinOptions): Promise<GitHubStandin> {
  const schema = await loadGitHubSchema();
  const immutableReleases = options.immutableReleases ?? true;
  const now = () =>
    (options.now ?? (() => new Date()))()
      .toISOString()
      .replace(/\.\d+Z$/, 'Z');
  const uploadsDir = await mkdtemp(join(tmpdir(), 'github-standin-'));
  const ids = { next: 1000 };
  const releases = await serveReleases(options.releases, ids);
  const tags = new Map(Object.entries(options.tags ?? {}));
  const annotated = new Set(options.annotatedTags ?? []);
  let latestId = legacyLatest()?.id;
  const secret = randomUUID();
  const sign = (blob: string) => createHmac('sha256', secret).update(blob).digest('hex');
  const log: StandinRequest[] = [];
  const violations: SchemaViolation[] = [];
  const faults: { operation: string; fault: StandinFault; remaining: number }[] = [];
  let rateLimitReset: number | undefined;
  const used = { anonymous: 0, authenticated: 0 };

  const web = createServer((req, res) => {
    record('web', req);
    const parts = splitPath(req);
    const method = req.method ?? 'GET';
    const tarball = parts?.[0] === 'codeload' && isRepo(parts[1], parts[2]) ? options.tarballs?.[parts.slice(4).join('/')] : undefined;
    if (tarball !== undefined && method === 'GET') {
      return void readFile(tarball).then((bytes) =>
        res.writeHead(200, { 'content-type': 'application/x-gzip', 'content-length': String(bytes.length) }).end(bytes),
      );
    }
    if (!parts || !isRepo(parts[0], parts[1]) || parts[2] !== 'releases' || (method !== 'GET' && method !== 'HEAD')) {
      return void res.writeHead(404, { 'content-type': 'text/html; charset=utf-8' }).end('Not Found');
    }
    const [, , , action, tag, asset, extra] = parts;
    if (action === 'latest' && tag === undefined) {
      const latest = latestRelease();
      if (!latest) return void res.writeHead(404, { 'content-type': 'text/html; charset=utf-8' }).end('Not Found');
      return void res.writeHead(302, { location: `${urls.web}/${options.repo}/releases/tag/${latest.tag}`, 'content-length': '0' }).end();
    }
    const release = tag === undefined ? undefined : publishedRelease(tag);
    if (action === 'tag' && release && asset === undefined) {
      const html = `<!DOCTYPE html><html><head><title>Release v${release.tag} · ${options.repo}</title></head><body><h1>v${release.tag}</h1></body></html>`;
      return void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
    }
    const served = release?.assets.find((candidate) => candidate.name === asset && candidate.state === 'uploaded');
    if (action === 'download' && served && extra === undefined) {
      return void res.writeHead(302, { location: signedUrl(served), 'content-length': '0' }).end();
    }
    res.writeHead(404, { 'content-type': 'text/html; charset=utf-8' }).end('Not Found');
  });

  // A client that hangs up mid-request leaves nothing to answer: drop the connection, keep serving.
  const api = createServer((req, res) => void serveApi('api', req, res).catch(() => res.destroy()));
  const uploads = createServer((req, res) => void serveApi('uploads', req, res).catch(() => res.destroy()));

  const cdn = createServer((req, res) => {
    record('cdn', req);
    const xml = (status: number, code: string, message: string) =>
      void res
        .writeHead(status, { 'content-type': 'application/xml' })
        .end(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`);
    if (req.headers.authorization !== undefined) {
      return xml(
        400,
        'InvalidArgument',
        'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified',
      );
    }
    const url = new URL(req.url ?? '/', 'http://cdn');
    const asset = releases.flatMap((release) => release.assets).find((candidate) => candidate.blob === url.pathname && candidate.state === 'uploaded');
    if (!asset) return xml(404, 'NoSuchKey', 'The specified key does not exist.');
    if (!signatureMatches(url.searchParams.get('X-Amz-Signature'), sign(asset.blob))) {
      return xml(
        403,
        'SignatureDoesNotMatch',
        'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
      );
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return xml(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
    void (async () => {
      const stats = await stat(asset.file);
      const plan = planFileResponse(req.headers, stats);
      res.writeHead(plan.status, {
        'content-type': url.searchParams.get('response-content-type') ?? 'application/octet-stream',
        'content-disposition': url.searchParams.get('response-content-disposition') ?? `attachment; filename=${asset.name}`,
        ...plan.headers,
      });
      if (req.method === 'HEAD' || plan.status === 416) return void res.end();
      await sendFileBody(res, asset.file, plan, {});
    })().catch((error: unknown) => res.destroy(error instanceof Error ? error : undefined));
  });

  const urls = {
    web: await listenOnLoopback(web),
    api: await listenOnLoopback(api),
    uploads: await listenOnLoopback(uploads),
    cdn: await listenOnLoopback(cdn),
  };
  const repoApi = `${urls.api}/repos/${options.repo}`;

  async function serveApi(host: 'api' | 'uploads', req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://api');
    const parts = splitPath(req) ?? [];
    const specPath = specPathOf(parts);
    const method = req.method ?? 'GET';
    const operation = specPath === undefined ? undefined : schema.operationOf(method, specPath);
    const fault = takeFault(operation);
    record(host, req, operation, fault?.kind);
    const token = bearer(req.headers.authorization);
    const authorized = options.token !== undefined && token === options.token;
    let raw: Buffer;
    try {
      raw = await readBody(req, fault?.kind === 'drop' && fault.when === 'mid-body');
    } catch (error) {
      if (host === 'uploads' && operation === 'repos/upload-release-asset' && authorized) leaveOpenAsset(parts, url);
      throw error;
    }
    const authenticated = token !== undefined;
    const counter = authenticated ? 'authenticated' : 'anonymous';
    const limit = authenticated ? AUTHENTICATED_LIMIT : ANONYMOUS_LIMIT;
    const limited = !authenticated && rateLimitReset !== undefined;
    // Calls are counted for the headers only: the limit bites when setRateLimited or a fault says so.
    if (!limited) used[counter] += 1;
    const headers: Record<string, string> = {
      'content-type': 'application/json; charset=utf-8',
      'x-github-api-version-selected': API_VERSION,
      'x-github-media-type': 'github.v3; format=json',
      'x-github-request-id': randomUUID().toUpperCase(),
      'x-ratelimit-limit': String(limit),
      'x-ratelimit-remaining': String(limited ? 0 : Math.max(limit - used[counter], 0)),
      'x-ratelimit-reset': String(limited ? rateLimitReset : Math.floor(Date.now() / 1000) + 3600),
      'x-ratelimit-used': String(limited ? limit : used[counter]),
      'x-ratelimit-resource': 'core',
      'access-control-expose-headers':
        'ETag, Link, Location, Retry-After, X-GitHub-OTP, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Used, X-RateLimit-Resource, X-RateLimit-Reset, X-OAuth-Scopes, X-Accepted-OAuth-Scopes, X-Poll-Interval, X-GitHub-Media-Type, X-GitHub-SSO, X-GitHub-Request-Id, Deprecation, Sunset',
    };
    const send = (reply: Reply, cut = false) => {
      if (operation !== undefined) {
        const errors = schema.validateResponse(operation, reply.status, reply.body);
        if (errors.length > 0) violations.push({ direction: 'response', operation, method, path: url.pathname, status: reply.status, errors });
      }
      const text = reply.body === undefined ? '' : JSON.stringify(reply.body);
      res.writeHead(reply.status, { ...headers, 'content-length': String(Buffer.byteLength(text)), ...reply.headers });
      if (!cut) return void res.end(text);
      // Half the body, then the connection dies: the client saw the status but not the answer.
      res.write(text.slice(0, Math.floor(text.length / 2)), () => res.destroy());
    };

    if (fault?.kind === 'drop' && fault.when === 'before-applying') return void req.socket.destroy();
    // Left open: close() ends it.
    if (fault?.kind === 'hang') return;
    if (fault && fault.kind !== 'drop' && fault.kind !== 'foreign-origin') return send(faultReply(fault, headers['x-github-request-id'] ?? ''));
    if (options.token !== undefined && token !== undefined && token !== options.token) {
      return send({ status: 401, body: { message: 'Bad credentials', documentation_url: DOCS, status: '401' } });
    }
    if (limited) {
      return send({
        status: 403,
        body: {
          message:
            "API rate limit exceeded for 127.0.0.1. (But here's the good news: Authenticated requests get a higher rate limit. Check out the documentation for more details.)",
          documentation_url: `${DOCS}/overview/resources-in-the-rest-api#rate-limiting`,
        },
      });
    }
    // The API host has the upload path too, but only the uploads host takes files.
    if (host === 'api' && operation === 'repos/upload-release-asset') {
      return send({ status: 404, body: { message: 'Not Found', documentation_url: DOCS, status: '404' } });
    }
    const isWrite = method !== 'GET' && method !== 'HEAD';
    let json: Record<string, unknown> = {};
    if (isWrite && host === 'api' && raw.length > 0) {
      try {
        json = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
      } catch {
        return send({ status: 400, body: { message: 'Problems parsing JSON', documentation_url: DOCS, status: '400' } });
      }
    }
    if (operation !== undefined && specPath !== undefined) {
      const errors = schema.validateRequest({
        method,
        path: specPath,
        query: Object.fromEntries(url.searchParams),
        headers: stringHeaders(req),
        body: isWrite && host === 'api' ? json : undefined,
      });
      if (errors.length > 0) {
        violations.push({ direction: 'request', operation, method, path: url.pathname, errors });
        return send({ status: 422, body: { message: `Invalid request.\n\n${errors.join('\n')}`, documentation_url: DOCS, status: '422' } });
      }
    }
    if (isWrite && !authorized) {
      return send({ status: 401, body: { message: 'Requires authentication', documentation_url: DOCS, status: '401' } });
    }
    // GitHub's uploads host wants the size up front; a chunked upload gets this (undocumented) answer.
    if (host === 'uploads' && req.headers['content-length'] === undefined) {
      return send({ status: 400, body: { message: 'Bad Content-Length: ', request_id: headers['x-github-request-id'] } });
    }
    const call: ApiCall = {
      host,
      method,
      url,
      parts,
      json,
      raw,
      contentType: req.headers['content-type'] ?? 'application/octet-stream',
      accept: req.headers.accept ?? '',
      requestId: headers['x-github-request-id'] ?? '',
    };
    const reply = await route(call, authorized);
    send(fault?.kind === 'foreign-origin' ? rewriteOrigins(reply, fault.origin) : reply, fault?.kind === 'drop');
  }

  /** The reply with every API and uploads URL in its body and headers moved to `origin`. */
  function rewriteOrigins(reply: Reply, origin: string): Reply {
    const moved = (text: string) => text.replaceAll(urls.api, origin).replaceAll(urls.uploads, origin);
    return {
      ...reply,
      ...(reply.body === undefined ? {} : { body: JSON.parse(moved(JSON.stringify(reply.body))) as unknown }),
      ...(reply.headers ? { headers: Object.fromEntries(Object.entries(reply.headers).map(([key, value]) => [key, moved(value)])) } : {}),
    };
  }

  async function route(call: ApiCall, authorized: boolean): Promise<Reply> {
    const { parts, method, url } = call;
    const notFound = (anchor = '') => ({ status: 404, body: { message: 'Not Found', documentation_url: `${DOCS}${anchor}`, status: '404' } });
    const inRepo = parts[0] === 'repos' && isRepo(parts[1], parts[2]);
    if (call.host === 'api' && inRepo && parts[3] === 'tarball' && method === 'GET') {
      const ref = parts.slice(4).join('/');
      if (options.tarballs?.[ref] === undefined) return notFound('/repos/contents#download-a-repository-archive-tar');
      return { status: 302, headers: { location: `${urls.web}/codeload/${options.repo}/legacy.tar.gz/${encodeURIComponent(ref)}` } };
    }
    if (call.host === 'api' && inRepo && parts[3] === 'git' && parts[4] === 'ref' && parts[5] === 'tags' && method === 'GET') {
      const tag = parts.slice(6).join('/');
      const sha = tags.get(tag);
      return sha === undefined ? notFound('/git/refs#get-a-reference') : { status: 200, body: refJson(tag, sha) };
    }
    if (call.host === 'api' && inRepo && parts[3] === 'git' && parts[4] === 'tags' && parts.length === 6 && method === 'GET') {
      const tag = [...tags.keys()].find((candidate) => annotated.has(candidate) && tagObjectSha(candidate) === parts[5]);
      return tag === undefined ? notFound('/git/tags#get-a-tag') : { status: 200, body: tagObjectJson(tag, tags.get(tag) ?? '') };
    }
    const isReleases = (inRepo && parts[3] === 'releases') || (parts[0] === 'repositories' && parts[1] === String(REPO_ID) && parts[2] === 'releases');
    if (!isReleases) return notFound();
    const rest = parts.slice(parts[0] === 'repos' ? 4 : 3);
    const visible = releases.filter((release) => authorized || !release.draft);
    const byId = (id: string | undefined) => visible.find((release) => String(release.id) === id);

    if (call.host === 'uploads') {
      const release = byId(rest[0]);
      if (rest.length !== 2 || rest[1] !== 'assets' || method !== 'POST' || !release) return notFound('/releases/assets#upload-a-release-asset');
      return uploadAsset(release, call);
    }
    if (rest.length === 0 && method === 'GET') {
      return paginate(url, visible.map(releaseJson), `${urls.api}/repositories/${REPO_ID}/releases`);
    }
    if (rest.length === 0 && method === 'POST') return createRelease(call.json);
    if (rest.length === 1 && rest[0] === 'latest' && method === 'GET') {
      const latest = latestRelease();
      return latest ? { status: 200, body: releaseJson(latest) } : notFound('/releases/releases#get-the-latest-release');
    }
    if (rest.length === 2 && rest[0] === 'tags' && method === 'GET') {
      // Drafts have no tag yet: GitHub's get-by-tag never returns them, even to their owner.
      const release = publishedRelease(rest[1] ?? '');
      return release ? { status: 200, body: releaseJson(release) } : notFound('/releases/releases#get-a-release-by-tag-name');
    }
    if (rest.length === 2 && rest[0] === 'assets') {
      const release = visible.find((candidate) => candidate.assets.some((asset) => String(asset.id) === rest[1]));
      const asset = release?.assets.find((candidate) => String(candidate.id) === rest[1]);
      if (!release || !asset) return notFound('/releases/assets#get-a-release-asset');
      if (method === 'DELETE') return deleteAsset(release, asset);
      if (method === 'PATCH') return updateAsset(release, asset, call.json);
      if (method !== 'GET') return notFound();
      // The authenticated download path (private repos): octet-stream answers with the CDN redirect.
      if (call.accept.includes('application/octet-stream')) {
        return asset.state === 'uploaded' ? { status: 302, headers: { location: signedUrl(asset) } } : notFound('/releases/assets#get-a-release-asset');
      }
      return { status: 200, body: assetJson(release, asset) };
    }
    const release = byId(rest[0]);
    if (!release) return notFound('/releases/releases#get-a-release');
    if (rest.length === 1 && method === 'GET') return { status: 200, body: releaseJson(release) };
    if (rest.length === 1 && method === 'PATCH') return updateRelease(release, call.json);
    if (rest.length === 1 && method === 'DELETE') return deleteRelease(release);
    if (rest.length === 2 && rest[1] === 'assets' && method === 'GET') {
      return paginate(
        url,
        release.assets.map((asset) => assetJson(release, asset)),
        `${repoApi}/releases/${release.id}/assets`,
      );
    }
    return notFound();
  }

  function createRelease(input: Record<string, unknown>): Reply {
    const tag = String(input.tag_name);
    const body = typeof input.body === 'string' ? input.body : null;
    if (body !== null && body.length > BODY_LIMIT) return bodyTooLong();
    const draft = input.draft === true;
    if (!draft && publishedRelease(tag)) return alreadyExists('Release', 'tag_name');
    const at = now();
    const release: ServedRelease = {
      id: ids.next++,
      tag,
      name: typeof input.name === 'string' ? input.name : null,
      body,
      target_commitish: typeof input.target_commitish === 'string' ? input.target_commitish : 'main',
      prerelease: input.prerelease === true,
      draft: true,
      created_at: at,
      updated_at: at,
      published_at: null,
      assets: [],
    };
    // Newest first, as GitHub lists them.
    releases.unshift(release);
    if (!draft) publish(release, makeLatestOf(input) ?? 'true');
    return { status: 201, body: releaseJson(release), headers: { location: `${repoApi}/releases/${release.id}` } };
  }

  function updateRelease(release: ServedRelease, input: Record<string, unknown>): Reply {
    if (typeof input.body === 'string' && input.body.length > BODY_LIMIT) return bodyTooLong();
    const published = !release.draft;
    const retag = typeof input.tag_name === 'string' && input.tag_name !== release.tag;
    if (immutableReleases && published && (retag || input.draft === true)) return immutable('Cannot change the tag or draft state of an immutable release.');
    const tag = typeof input.tag_name === 'string' ? input.tag_name : release.tag;
    const publishing = release.draft && input.draft === false;
    if (publishing && publishedRelease(tag)) return alreadyExists('Release', 'tag_name');
    release.tag = tag;
    if (typeof input.name === 'string') release.name = input.name;
    if (typeof input.body === 'string') release.body = input.body;
    if (typeof input.target_commitish === 'string') release.target_commitish = input.target_commitish;
    if (typeof input.prerelease === 'boolean') release.prerelease = input.prerelease;
    release.updated_at = now();
    const makeLatest = makeLatestOf(input);
    if (publishing) publish(release, makeLatest ?? 'true');
    else if (published && makeLatest !== undefined) applyMakeLatest(release, makeLatest);
    if (latestId === release.id && release.prerelease) latestId = legacyLatest()?.id;
    return { status: 200, body: releaseJson(release) };
  }

  function publish(release: ServedRelease, makeLatest: MakeLatest) {
    release.draft = false;
    release.published_at = now();
    // GitHub creates the tag on publish; here only when the target names a commit.
    if (!tags.has(release.tag) && /^[0-9a-f]{40}$/.test(release.target_commitish)) tags.set(release.tag, release.target_commitish);
    applyMakeLatest(release, makeLatest);
  }

  // Kept simple and documented: an explicit true/false decides; legacy is the most recently published stable.
  function applyMakeLatest(release: ServedRelease, makeLatest: MakeLatest) {
    if (release.draft || release.prerelease) return;
    if (makeLatest === 'true') latestId = release.id;
    if (makeLatest === 'legacy') latestId = legacyLatest()?.id;
  }

  function deleteRelease(release: ServedRelease): Reply {
    releases.splice(releases.indexOf(release), 1);
    if (latestId === release.id) latestId = legacyLatest()?.id;
    return { status: 204 };
  }

  async function uploadAsset(release: ServedRelease, call: ApiCall): Promise<Reply> {
    const name = call.url.searchParams.get('name') ?? '';
    const requestId = call.requestId;
    const id = ids.next++;
    const file = join(uploadsDir, String(id));
    await writeFile(file, call.raw);
    // Checked after the write, then added without a pause: a concurrent upload or publish cannot slip in between.
    if (!releases.includes(release)) return { status: 404, body: { message: 'Not Found', documentation_url: DOCS, status: '404' } };
    if (immutableReleases && !release.draft) return immutable('Cannot upload assets to an immutable release.');
    if (release.assets.some((asset) => asset.name === name)) return alreadyExists('ReleaseAsset', 'name', requestId);
    const asset: ServedAsset = {
      id,
      name,
      label: call.url.searchParams.get('label') ?? '',
      content_type: call.contentType,
      file,
      size: call.raw.length,
      digest: `sha256:${createHash('sha256').update(call.raw).digest('hex')}`,
      state: 'uploaded',
      created_at: now(),
      blob: `${BLOB_PREFIX}/${REPO_ID}/${randomUUID()}`,
    };
    release.assets.push(asset);
    return { status: 201, body: assetJson(release, asset) };
  }

  /**
   * What a failed upload leaves on GitHub ("an empty asset with a state of starter. It can be safely
   * deleted."): the name taken by an empty, unfinished asset, on a release that took the upload.
   */
  function leaveOpenAsset(parts: readonly string[], url: URL) {
    const [, owner, name, section, id, assets] = parts;
    const release =
      section === 'releases' && assets === 'assets' && isRepo(owner, name) ? releases.find((candidate) => String(candidate.id) === id) : undefined;
    const assetName = url.searchParams.get('name') ?? '';
    if (!release || (immutableReleases && !release.draft) || release.assets.some((asset) => asset.name === assetName)) return;
    release.assets.push({
      id: ids.next++,
      name: assetName,
      label: url.searchParams.get('label') ?? '',
      content_type: 'application/octet-stream',
      // Never served: an unfinished asset has no bytes to download.
      file: '',
      size: 0,
      digest: null,
      state: 'open',
      created_at: now(),
      blob: `${BLOB_PREFIX}/${REPO_ID}/${randomUUID()}`,
    });
  }

  function deleteAsset(release: ServedRelease, asset: ServedAsset): Reply {
    if (immutableReleases && !release.draft) return immutable('Cannot delete assets of an immutable release.');
    release.assets = release.assets.filter((candidate) => candidate !== asset);
    return { status: 204 };
  }

  function updateAsset(release: ServedRelease, asset: ServedAsset, input: Record<string, unknown>): Reply {
    if (immutableReleases && !release.draft) return immutable('Cannot change assets of an immutable release.');
    const name = typeof input.name === 'string' ? input.name : asset.name;
    if (name !== asset.name && release.assets.some((candidate) => candidate.name === name)) return alreadyExists('ReleaseAsset', 'name');
    const updated: ServedAsset = { ...asset, name, label: typeof input.label === 'string' ? input.label : asset.label };
    release.assets = release.assets.map((candidate) => (candidate === asset ? updated : candidate));
    return { status: 200, body: assetJson(release, updated) };
  }

  function paginate(url: URL, items: unknown[], base: string): Reply {
    const perPage = clampInt(url.searchParams.get('per_page'), 30, 1, 100);
    const page = clampInt(url.searchParams.get('page'), 1, 1, Number.MAX_SAFE_INTEGER);
    const lastPage = Math.max(Math.ceil(items.length / perPage), 1);
    const link = linkHeader(base, page, lastPage, perPage);
    return { status: 200, body: items.slice((page - 1) * perPage, page * perPage), headers: link ? { link } : {} };
  }

  function takeFault(operation: string | undefined): StandinFault | undefined {
    const armed = faults.find((entry) => entry.operation === '*' || entry.operation === operation);
    if (!armed) return undefined;
    armed.remaining -= 1;
    if (armed.remaining === 0) faults.splice(faults.indexOf(armed), 1);
    return armed.fault;
  }

  function record(host: StandinHost, req: IncomingMessage, operation?: string, fault?: StandinFault['kind']) {
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers[key] = key === 'authorization' ? REDACTED : String(value);
    }
    log.push({
      host,
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      authorization: req.headers.authorization !== undefined,
      headers,
      receivedAt: Date.now(),
      ...(operation !== undefined ? { operation } : {}),
      ...(fault !== undefined ? { fault } : {}),
    });
  }

  /** The path as the spec writes it, so the schema can name the operation; undefined off the REST API. */
  function specPathOf(parts: string[]): string | undefined {
    if (parts[0] === 'repositories' && parts[1] === String(REPO_ID)) return `/repos/${options.repo}/${parts.slice(2).join('/')}`;
    // A git ref holds slashes; the spec's {ref} is one segment.
    if (parts[3] === 'git' && parts[4] === 'ref') return `/${parts.slice(0, 5).join('/')}/${encodeURIComponent(parts.slice(5).join('/'))}`;
    return parts.length > 0 ? `/${parts.map(encodeURIComponent).join('/')}` : undefined;
  }

  function isRepo(ownerPart: string | undefined, namePart: string | undefined): boolean {
    return `${ownerPart}/${namePart}`.toLowerCase() === options.repo.toLowerCase();
  }

  function publishedRelease(tag: string): ServedRelease | undefined {
    return releases.find((release) => release.tag === tag && !release.draft);
  }

  function latestRelease(): ServedRelease | undefined {
    return releases.find((release) => release.id === latestId);
  }

  // GitHub's legacy rule: the most recently published release that is neither a draft nor a prerelease.
  function legacyLatest(): ServedRelease | undefined {
    return releases
      .filter((release) => !release.draft && !release.prerelease)
      .sort((a, b) => Date.parse(b.published_at ?? '') - Date.parse(a.published_at ?? ''))[0];
  }

  function signedUrl(asset: ServedAsset): string {
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '');
    const query = new URLSearchParams({
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Credential': `releaseassetproduction/${stamp.slice(0, 8)}/us-east-1/s3/aws4_request`,
      'X-Amz-Date': stamp,
      'X-Amz-Expires': '300',
      'X-Amz-Signature': sign(asset.blob),
      'X-Amz-SignedHeaders': 'host',
      actor_id: '0',
      key_id: '0',
      repo_id: String(REPO_ID),
    });
    // GitHub percent-encodes these two with %20, not URLSearchParams' '+'.
    const disposition = `response-content-disposition=${encodeURIComponent(`attachment; filename=${asset.name}`)}`;
    return `${urls.cdn}${asset.blob}?${query}&${disposition}&response-content-type=application%2Foctet-stream`;
  }

  function linkHeader(base: string, page: number, lastPage: number, perPage: number): string | undefined {
    const at = (n: number) => `<${base}?per_page=${perPage}&page=${n}>`;
    const links = [
      ...(page > 1 ? [`${at(Math.min(page - 1, lastPage))}; rel="prev"`] : []),
      ...(page < lastPage ? [`${at(page + 1)}; rel="next"`, `${at(lastPage)}; rel="last"`] : []),
      ...(page > 1 ? [`${at(1)}; rel="first"`] : []),
    ];
    return links.length > 0 ? links.join(', ') : undefined;
  }

  // Glide's releases are published by GoReleaser from GitHub Actions.
  const bot = {
    login: 'github-actions[bot]',
    id: 41898282,
    node_id: 'MDM6Qm90NDE4OTgyODI=',
    avatar_url: `${urls.cdn}/in/15368?v=4`,
    gravatar_id: '',
    url: `${urls.api}/users/github-actions%5Bbot%5D`,
    html_url: `${urls.web}/apps/github-actions`,
    followers_url: `${urls.api}/users/github-actions%5Bbot%5D/followers`,
    following_url: `${urls.api}/users/github-actions%5Bbot%5D/following{/other_user}`,
    gists_url: `${urls.api}/users/github-actions%5Bbot%5D/gists{/gist_id}`,
    starred_url: `${urls.api}/users/github-actions%5Bbot%5D/starred{/owner}{/repo}`,
    subscriptions_url: `${urls.api}/users/github-actions%5Bbot%5D/subscriptions`,
    organizations_url: `${urls.api}/users/github-actions%5Bbot%5D/orgs`,
    repos_url: `${urls.api}/users/github-actions%5Bbot%5D/repos`,
    events_url: `${urls.api}/users/github-actions%5Bbot%5D/events{/privacy}`,
    received_events_url: `${urls.api}/users/github-actions%5Bbot%5D/received_events`,
    type: 'Bot',
    user_view_type: 'public',
    site_admin: false,
  };

  function assetJson(release: ServedRelease, asset: ServedAsset) {
    return {
      url: `${repoApi}/releases/assets/${asset.id}`,
      id: asset.id,
      node_id: nodeId('RA', asset.id),
      name: asset.name,
      label: asset.label,
      uploader: bot,
      content_type: asset.content_type,
      state: asset.state,
      size: asset.size,
      digest: asset.digest,
      download_count: 0,
      created_at: asset.created_at,
      updated_at: asset.created_at,
      browser_download_url: `${urls.web}/${options.repo}/releases/download/${encodeURIComponent(release.tag)}/${encodeURIComponent(asset.name)}`,
    };
  }

  function releaseJson(release: ServedRelease) {
    return {
      url: `${repoApi}/releases/${release.id}`,
      assets_url: `${repoApi}/releases/${release.id}/assets`,
      upload_url: `${urls.uploads}/repos/${options.repo}/releases/${release.id}/assets{?name,label}`,
      html_url: `${urls.web}/${options.repo}/releases/tag/${release.tag}`,
      id: release.id,
      author: bot,
      node_id: nodeId('RE', release.id),
      tag_name: release.tag,
      target_commitish: release.target_commitish,
      name: release.name,
      draft: release.draft,
      immutable: !release.draft,
      prerelease: release.prerelease,
      created_at: release.created_at,
      updated_at: release.updated_at,
      // Drafts are unpublished: GitHub sends null until they are.
      published_at: release.published_at,
      assets: release.assets.map((asset) => assetJson(release, asset)),
      tarball_url: `${repoApi}/tarball/${release.tag}`,
      zipball_url: `${repoApi}/zipball/${release.tag}`,
      body: release.body,
    };
  }

  function refJson(tag: string, sha: string) {
    const object = annotated.has(tag)
      ? { sha: tagObjectSha(tag), type: 'tag', url: `${repoApi}/git/tags/${tagObjectSha(tag)}` }
      : { sha, type: 'commit', url: `${repoApi}/git/commits/${sha}` };
    return {
      ref: `refs/tags/${tag}`,
      node_id: `REF_kwDO${Buffer.from(`${REPO_ID}:refs/tags/${tag}`).toString('base64url')}`,
      url: `${repoApi}/git/refs/tags/${encodeURIComponent(tag)}`,
      object,
    };
  }

  function tagObjectJson(tag: string, commit: string) {
    const sha = tagObjectSha(tag);
    return {
      node_id: nodeId('TAG', Number.parseInt(sha.slice(0, 8), 16)),
      tag,
      sha,
      url: `${repoApi}/git/tags/${sha}`,
      message: `Release ${tag}\n`,
      tagger: { name: bot.login, email: '41898282+github-actions[bot]@users.noreply.github.com', date: now() },
      object: { sha: commit, type: 'commit', url: `${repoApi}/git/commits/${commit}` },
      verification: { verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null },
    };
  }

  return {
    webUrl: urls.web,
    apiUrl: urls.api,
    uploadsUrl: urls.uploads,
    cdnUrl: urls.cdn,
    env: () => ({ GLIDE_RELEASE_GITHUB_API_URL: urls.api, GLIDE_RELEASE_GITHUB_UPLOADS_URL: urls.uploads, GLIDE_RELEASE_GITHUB_MUTATION_PAUSE_MS: '0' }),
    log,
    setRateLimited(resetEpochSeconds) {
      rateLimitReset = resetEpochSeconds;
    },
    injectFault(operation, fault, times = 1) {
      if (!Number.isInteger(times) || times < 1) throw new Error(`injectFault: times must be a positive integer, got ${times}`);
      if (operation !== '*' && !operation.includes('/')) throw new Error(`injectFault: ${operation} is not a REST operationId such as repos/create-release`);
      faults.push({ operation, fault, remaining: times });
    },
    snapshot() {
      return snapshotOf(releases, latestId, tags);
    },
    pushTag(tag, commit) {
      tags.set(tag, commit);
    },
    async tamperAsset(tag, name, content) {
      const asset = releases.find((release) => release.tag === tag)?.assets.find((candidate) => candidate.name === name);
      if (!asset?.file) throw new Error(`the stand-in has no uploaded asset ${name} on ${tag}`);
      await writeFile(asset.file, content);
    },
    takeViolations() {
      return violations.splice(0);
    },
    async close() {
      await Promise.all([closeServer(web), closeServer(api), closeServer(uploads), closeServer(cdn)]);
      await rm(uploadsDir, { recursive: true, force: true });
      if (violations.length > 0) {
        throw new Error(`The GitHub stand-in saw requests or responses that break the REST schema:\n${JSON.stringify(violations, null, 2)}`);
      }
    },
  };
}

function snapshotOf(releases: readonly ServedRelease[], latestId: number | undefined, tags: ReadonlyMap<string, string>): WorldSnapshot {
  const ordered = [...releases].sort((a, b) => compareTags(a.tag, b.tag) || a.id - b.id);
  return {
    latest: ordered.find((release) => release.id === latestId)?.tag ?? null,
    releases: ordered.map((release) => ({
      tag: release.tag,
      name: release.name,
      draft: release.draft,
      prerelease: release.prerelease,
      latest: release.id === latestId,
      published_at: release.published_at,
      target_commitish: release.target_commitish,
      body: release.body,
      assets: release.assets
        .map(({ name, label, content_type, size, digest }) => ({ name, label, content_type, size, digest }))
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    })),
    tags: Object.fromEntries([...tags].sort(([a], [b]) => compareTags(a, b))),
  };
}

function compareTags(a: string, b: string): number {
  const [left, right] = [semver.valid(semver.clean(a)), semver.valid(semver.clean(b))];
  if (left && right) return semver.compare(left, right);
  return a < b ? -1 : a > b ? 1 : 0;
}

function faultReply(fault: Exclude<StandinFault, { kind: 'drop' | 'hang' | 'foreign-origin' }>, requestId: string): Reply {
  if (fault.kind === 'server-error') return { status: fault.status, body: { message: 'Server Error', documentation_url: DOCS, status: String(fault.status) } };
  if (fault.kind === 'refusal') return { status: fault.status, body: { message: fault.message, documentation_url: DOCS, status: String(fault.status) } };
  if (fault.kind === 'primary-rate-limit') {
    return {
      status: fault.status,
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(fault.resetEpochSeconds) },
      body: {
        message: 'API rate limit exceeded for user ID 41898282.',
        documentation_url: `${DOCS}/overview/rate-limits-for-the-rest-api`,
        status: String(fault.status),
      },
    };
  }
  return {
    status: fault.status,
    headers: fault.retryAfterSeconds === undefined ? {} : { 'retry-after': String(fault.retryAfterSeconds) },
    body: {
      message: `You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID ${requestId}.`,
      documentation_url: `${DOCS}/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits`,
      status: String(fault.status),
    },
  };
}

function alreadyExists(resource: 'Release' | 'ReleaseAsset', field: string, requestId?: string): Reply {
  return {
    status: 422,
    body: {
      message: 'Validation Failed',
      // The uploads host names the request in the body too, as the recorded conflict shows.
      ...(requestId === undefined ? {} : { request_id: requestId }),
      documentation_url: DOCS,
      errors: [{ resource, code: 'already_exists', field }],
      status: '422',
    },
  };
}

function bodyTooLong(): Reply {
  return {
    status: 422,
    body: {
      message: 'Validation Failed',
      documentation_url: `${DOCS}/releases/releases#create-a-release`,
      errors: [{ resource: 'Release', code: 'custom', field: 'body', message: `body is too long (maximum is ${BODY_LIMIT} characters)` }],
      status: '422',
    },
  };
}

// The message is ours: GitHub documents that immutable releases refuse these changes, not the wording.
function immutable(message: string): Reply {
  return {
    status: 422,
    body: {
      message,
      documentation_url: 'https://docs.github.com/code-security/supply-chain-security/understanding-your-software-supply-chain/immutable-releases',
      status: '422',
    },
  };
}

function makeLatestOf(input: Record<string, unknown>): MakeLatest | undefined {
  return MAKE_LATEST.find((value) => value === input.make_latest);
}

/** Newest first by published_at (ties keep the given order), with ids and digests fixed up front. */
async function serveReleases(releases: readonly StandinRelease[], ids: { next: number }): Promise<ServedRelease[]> {
  const served: ServedRelease[] = [];
  for (const release of releases) {
    const id = ids.next++;
    const assets: ServedAsset[] = [];
    for (const [assetName, file] of Object.entries(release.assets)) {
      const bytes = await readFile(file);
      assets.push({
        id: ids.next++,
        name: assetName,
        label: '',
        content_type: assetContentType(assetName),
        file,
        size: bytes.length,
        digest: release.assetDigests === false ? null : `sha256:${createHash('sha256').update(bytes).digest('hex')}`,
        state: 'uploaded',
        created_at: release.published_at,
        blob: `${BLOB_PREFIX}/${REPO_ID}/${randomUUID()}`,
      });
    }
    const draft = release.draft ?? false;
    served.push({
      id,
      tag: release.tag,
      name: release.name ?? `v${release.tag}`,
      body: release.body ?? `## Changelog\n\nRelease ${release.tag}.`,
      target_commitish: release.target_commitish ?? 'main',
      prerelease: release.prerelease,
      draft,
      created_at: release.published_at,
      updated_at: release.published_at,
      published_at: draft ? null : release.published_at,
      assets,
    });
  }
  return served.sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at));
}

/** The request body; with `cut`, the connection is destroyed after its first bytes (an upload dropped mid-body), and this throws. */
async function readBody(req: IncomingMessage, cut = false): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    if (cut) {
      req.socket.destroy();
      throw new Error('the connection was dropped mid-body');
    }
  }
  if (!req.complete) throw new Error('the client hung up mid-body');
  return Buffer.concat(chunks);
}

function stringHeaders(req: IncomingMessage): Record<string, string> {
  return Object.fromEntries(Object.entries(req.headers).flatMap(([key, value]) => (value === undefined ? [] : [[key, String(value)]])));
}

function splitPath(req: IncomingMessage): string[] | undefined {
  try {
    return new URL(req.url ?? '/', 'http://x').pathname.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    return undefined;
  }
}

/** The token from `Bearer x` or `token x` (GitHub accepts both); '' for any other Authorization. */
function bearer(authorization: string | undefined): string | undefined {
  const match = /^(?:bearer|token)\s+(\S+)$/i.exec(authorization?.trim() ?? '');
  return match ? match[1] : authorization === undefined ? undefined : '';
}

function signatureMatches(given: string | null, expected: string): boolean {
  return given !== null && given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}

function clampInt(value: string | null, fallback: number, min: number, max: number): number {
  const parsed = Number.parseInt(value ?? '', 10);
  return Number.isNaN(parsed) ? fallback : Math.min(Math.max(parsed, min), max);
}

/** A fixed stand-in for the sha of the tag object git would write for `tag`. */
function tagObjectSha(tag: string): string {
  return createHash('sha1').update(`tag ${tag}`).digest('hex');
}

function nodeId(prefix: string, id: number): string {
  return `${prefix}_kwDO${Buffer.from(`${REPO_ID}:${id}`).toString('base64url')}`;
}

// What GoReleaser uploads Glide's assets as.
function assetContentType(name: string): string {
  if (name.endsWith('.tar.gz')) return 'application/gzip';
  if (name.endsWith('.zip')) return 'application/zip';
  if (name.endsWith('.txt')) return 'text/plain; charset=utf-8';
  return 'application/octet-stream';
}
