import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import { closeServer, listenOnLoopback, planFileResponse, sendFileBody } from './static-mirror.js';

/**
 * GitHub as an installer meets it, on three loopback origins: the web host (github.com: the
 * `releases/latest` redirect and download links), the REST API (api.github.com) and the
 * release-asset CDN (release-assets.githubusercontent.com), which serves signed URLs and,
 * like the S3 behind it, refuses any request that also carries an Authorization header.
 * Shapes follow @octokit/fixtures and @octokit/openapi; only the routes an installer uses exist.
 */

export interface StandinRelease {
  readonly tag: string;
  readonly prerelease: boolean;
  readonly published_at: string;
  readonly draft?: boolean;
  /** Asset name → absolute path of the file whose bytes the CDN serves. */
  readonly assets: Readonly<Record<string, string>>;
}

export interface GitHubStandinOptions {
  /** `owner/name`; routes match it case-insensitively, as GitHub does. */
  readonly repo: string;
  readonly releases: readonly StandinRelease[];
  /** When set, the API answers any other token with 401, and shows drafts to this one only. */
  readonly token?: string;
  /**
   * Repository tarballs by ref (`''`: the default branch), each a `.tar.gz` as `git archive` writes
   * it: the API's `/repos/{repo}/tarball[/{ref}]` redirects to the web host (GitHub's codeload), which serves it.
   */
  readonly tarballs?: Readonly<Record<string, string>>;
}

export type StandinHost = 'web' | 'api' | 'cdn';

export interface StandinRequest {
  readonly host: StandinHost;
  readonly method: string;
  /** As requested, query included. */
  readonly path: string;
  readonly authorization: boolean;
  /** Request headers, with the Authorization value replaced so a log or snapshot never holds a token. */
  readonly headers: Readonly<Record<string, string>>;
}

export interface GitHubStandin {
  readonly webUrl: string;
  readonly apiUrl: string;
  readonly cdnUrl: string;
  readonly log: StandinRequest[];
  /** Unauthenticated API calls get GitHub's rate-limit 403 until called with `undefined`. */
  setRateLimited(resetEpochSeconds: number | undefined): void;
  close(): Promise<void>;
}

export const REDACTED = '[redacted]';

// Arbitrary, but fixed: Link headers name the repository by id, as GitHub's do.
const REPO_ID = 706379409;
const API_VERSION = '2022-11-28';
const ANONYMOUS_LIMIT = 60;
const AUTHENTICATED_LIMIT = 5000;
const BLOB_PREFIX = '/github-production-release-asset';
const DOCS = 'https://docs.github.com/rest';

interface ServedAsset {
  readonly id: number;
  readonly name: string;
  readonly file: string;
  readonly size: number;
  readonly digest: string;
  /** The CDN object key: `{BLOB_PREFIX}/{REPO_ID}/{uuid}`. */
  readonly blob: string;
}

interface ServedRelease {
  readonly id: number;
  readonly tag: string;
  readonly prerelease: boolean;
  readonly draft: boolean;
  readonly published_at: string;
  readonly assets: readonly ServedAsset[];
}

export async function startGitHubStandin(options: GitHubStandinOptions): Promise<GitHubStandin> {
  const releases = await serveReleases(options.releases);
  const blobs = new Map(releases.flatMap((release) => release.assets.map((asset) => [asset.blob, asset] as const)));
  const secret = randomUUID();
  const sign = (blob: string) => createHmac('sha256', secret).update(blob).digest('hex');
  const log: StandinRequest[] = [];
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
    const release = tag === undefined ? undefined : publicRelease(tag);
    if (action === 'tag' && release && asset === undefined) {
      const html = `<!DOCTYPE html><html><head><title>Release v${release.tag} · ${options.repo}</title></head><body><h1>v${release.tag}</h1></body></html>`;
      return void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
    }
    const served = release?.assets.find((candidate) => candidate.name === asset);
    if (action === 'download' && served && extra === undefined) {
      return void res.writeHead(302, { location: signedUrl(served), 'content-length': '0' }).end();
    }
    res.writeHead(404, { 'content-type': 'text/html; charset=utf-8' }).end('Not Found');
  });

  const api = createServer((req, res) => {
    record('api', req);
    const url = new URL(req.url ?? '/', 'http://api');
    const token = bearer(req.headers.authorization);
    const authenticated = token !== undefined;
    const counter = authenticated ? 'authenticated' : 'anonymous';
    const limit = authenticated ? AUTHENTICATED_LIMIT : ANONYMOUS_LIMIT;
    const limited = !authenticated && rateLimitReset !== undefined;
    // Calls are counted for the headers only: the limit bites when setRateLimited says so.
    if (!limited) used[counter] += 1;
    const headers = {
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
    const json = (status: number, body: unknown, extra: Record<string, string> = {}) =>
      void res.writeHead(status, { ...headers, ...extra }).end(JSON.stringify(body));
    const notFound = (anchor: string) => json(404, { message: 'Not Found', documentation_url: `${DOCS}/releases/${anchor}`, status: '404' });

    if (options.token !== undefined && token !== undefined && token !== options.token) {
      return json(401, { message: 'Bad credentials', documentation_url: DOCS, status: '401' });
    }
    if (limited) {
      return json(403, {
        message:
          "API rate limit exceeded for 127.0.0.1. (But here's the good news: Authenticated requests get a higher rate limit. Check out the documentation for more details.)",
        documentation_url: `${DOCS}/overview/resources-in-the-rest-api#rate-limiting`,
      });
    }
    const tarballPath = splitPath(req);
    if (tarballPath?.[0] === 'repos' && isRepo(tarballPath[1], tarballPath[2]) && tarballPath[3] === 'tarball' && req.method === 'GET') {
      const ref = tarballPath.slice(4).join('/');
      if (options.tarballs?.[ref] === undefined)
        return json(404, { message: 'Not Found', documentation_url: `${DOCS}/repos/contents#download-a-repository-archive-tar`, status: '404' });
      return void res
        .writeHead(302, { ...headers, location: `${urls.web}/codeload/${options.repo}/legacy.tar.gz/${encodeURIComponent(ref)}`, 'content-length': '0' })
        .end();
    }
    const showDrafts = options.token !== undefined && token === options.token;
    const visible = releases.filter((release) => showDrafts || !release.draft);
    const parts = splitPath(req);
    const isReleases =
      parts !== undefined &&
      ((parts[0] === 'repos' && isRepo(parts[1], parts[2]) && parts[3] === 'releases') ||
        (parts[0] === 'repositories' && parts[1] === String(REPO_ID) && parts[2] === 'releases'));
    if (!parts || !isReleases || req.method !== 'GET') return json(404, { message: 'Not Found', documentation_url: DOCS, status: '404' });
    const rest = parts.slice(parts[0] === 'repos' ? 4 : 3);

    if (rest.length === 0) {
      const perPage = clampInt(url.searchParams.get('per_page'), 30, 1, 100);
      const page = clampInt(url.searchParams.get('page'), 1, 1, Number.MAX_SAFE_INTEGER);
      const lastPage = Math.max(Math.ceil(visible.length / perPage), 1);
      const items = visible.slice((page - 1) * perPage, page * perPage);
      const link = linkHeader(page, lastPage, perPage);
      return json(200, items.map(releaseJson), link ? { link } : {});
    }
    if (rest.length === 1 && rest[0] === 'latest') {
      const latest = latestRelease();
      return latest ? json(200, releaseJson(latest)) : notFound('releases#get-the-latest-release');
    }
    if (rest.length === 2 && rest[0] === 'tags') {
      const release = visible.find((candidate) => candidate.tag === rest[1]);
      return release ? json(200, releaseJson(release)) : notFound('releases#get-a-release-by-tag-name');
    }
    if (rest.length === 2 && rest[0] === 'assets') {
      const release = visible.find((candidate) => candidate.assets.some((asset) => String(asset.id) === rest[1]));
      const asset = release?.assets.find((candidate) => String(candidate.id) === rest[1]);
      if (!release || !asset) return notFound('assets#get-a-release-asset');
      // The authenticated download path (private repos): octet-stream answers with the CDN redirect.
      if (req.headers.accept?.includes('application/octet-stream')) {
        return void res.writeHead(302, { ...headers, location: signedUrl(asset), 'content-length': '0' }).end();
      }
      return json(200, assetJson(release, asset));
    }
    json(404, { message: 'Not Found', documentation_url: DOCS, status: '404' });
  });

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
    const asset = blobs.get(url.pathname);
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

  const urls = { web: await listenOnLoopback(web), api: await listenOnLoopback(api), cdn: await listenOnLoopback(cdn) };
  const repoApi = `${urls.api}/repos/${options.repo}`;

  function record(host: StandinHost, req: IncomingMessage) {
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers[key] = key === 'authorization' ? REDACTED : String(value);
    }
    log.push({ host, method: req.method ?? 'GET', path: req.url ?? '/', authorization: req.headers.authorization !== undefined, headers });
  }

  function isRepo(ownerPart: string | undefined, namePart: string | undefined): boolean {
    return `${ownerPart}/${namePart}`.toLowerCase() === options.repo.toLowerCase();
  }

  function publicRelease(tag: string): ServedRelease | undefined {
    return releases.find((release) => release.tag === tag && !release.draft);
  }

  // GitHub's rule: the most recent release that is neither a draft nor a prerelease.
  function latestRelease(): ServedRelease | undefined {
    return releases.find((release) => !release.draft && !release.prerelease);
  }

  function signedUrl(asset: ServedAsset): string {
    const now = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '');
    const query = new URLSearchParams({
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Credential': `releaseassetproduction/${now.slice(0, 8)}/us-east-1/s3/aws4_request`,
      'X-Amz-Date': now,
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

  function linkHeader(page: number, lastPage: number, perPage: number): string | undefined {
    const at = (n: number) => `<${urls.api}/repositories/${REPO_ID}/releases?per_page=${perPage}&page=${n}>`;
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
      label: '',
      uploader: bot,
      content_type: assetContentType(asset.name),
      state: 'uploaded',
      size: asset.size,
      digest: asset.digest,
      download_count: 0,
      created_at: release.published_at,
      updated_at: release.published_at,
      browser_download_url: `${urls.web}/${options.repo}/releases/download/${encodeURIComponent(release.tag)}/${encodeURIComponent(asset.name)}`,
    };
  }

  function releaseJson(release: ServedRelease) {
    return {
      url: `${repoApi}/releases/${release.id}`,
      assets_url: `${repoApi}/releases/${release.id}/assets`,
      // There is no uploads host here; the template shape is what matters.
      upload_url: `${repoApi}/releases/${release.id}/assets{?name,label}`,
      html_url: `${urls.web}/${options.repo}/releases/tag/${release.tag}`,
      id: release.id,
      author: bot,
      node_id: nodeId('RE', release.id),
      tag_name: release.tag,
      target_commitish: 'main',
      name: `v${release.tag}`,
      draft: release.draft,
      immutable: false,
      prerelease: release.prerelease,
      created_at: release.published_at,
      updated_at: release.published_at,
      // Drafts are unpublished: GitHub sends null until they are.
      published_at: release.draft ? null : release.published_at,
      assets: release.assets.map((asset) => assetJson(release, asset)),
      tarball_url: `${repoApi}/tarball/${release.tag}`,
      zipball_url: `${repoApi}/zipball/${release.tag}`,
      body: `## Changelog\n\nRelease ${release.tag}.`,
    };
  }

  return {
    webUrl: urls.web,
    apiUrl: urls.api,
    cdnUrl: urls.cdn,
    log,
    setRateLimited(resetEpochSeconds) {
      rateLimitReset = resetEpochSeconds;
    },
    async close() {
      await Promise.all([closeServer(web), closeServer(api), closeServer(cdn)]);
    },
  };
}

/** Newest first by published_at (ties keep the given order), with ids and digests fixed up front. */
async function serveReleases(releases: readonly StandinRelease[]): Promise<ServedRelease[]> {
  let nextId = 1000;
  const served: ServedRelease[] = [];
  for (const release of releases) {
    const id = nextId++;
    const assets: ServedAsset[] = [];
    for (const [assetName, file] of Object.entries(release.assets)) {
      const bytes = await readFile(file);
      assets.push({
        id: nextId++,
        name: assetName,
        file,
        size: bytes.length,
        digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`,
        blob: `${BLOB_PREFIX}/${REPO_ID}/${randomUUID()}`,
      });
    }
    served.push({ id, tag: release.tag, prerelease: release.prerelease, draft: release.draft ?? false, published_at: release.published_at, assets });
  }
  return served.sort((a, b) => Date.parse(b.published_at) - Date.parse(a.published_at));
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
