/**
 * A small GitHub on 127.0.0.1 for the release client's tests: the API, a separate uploads
 * origin (as uploads.github.com) and a download CDN, with releases and assets in memory. Its
 * answers are the recorded ones of @octokit/fixtures' `release-assets` scenarios, with the
 * loopback URLs, our values and the `digest` GitHub has added since. Faults are queued per
 * request. The shared, schema-checked stand-in (test/helpers/github-standin.ts) replaces it
 * when both are merged.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';

interface RecordedExchange {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly response: unknown;
}

const recordings = createRequire(import.meta.url)
  .resolve('@octokit/fixtures/package.json')
  .replace(/package\.json$/, 'scenarios/api.github.com/');
const recorded = JSON.parse(readFileSync(`${recordings}release-assets/normalized-fixture.json`, 'utf8')) as RecordedExchange[];
const conflict = JSON.parse(readFileSync(`${recordings}release-assets-conflict/normalized-fixture.json`, 'utf8')) as RecordedExchange[];
const RELEASE_TEMPLATE = recorded.find((exchange) => exchange.path.includes('/releases/tags/'))!.response as Record<string, unknown>;
const ASSET_TEMPLATE = recorded.find((exchange) => exchange.method === 'post')!.response as Record<string, unknown>;
/** GitHub's 422 for an asset name already taken, exactly as recorded. */
export const ALREADY_EXISTS = conflict.find((exchange) => exchange.status === 422)!.response as Record<string, unknown>;

export const OWNER_REPO = 'octokit-fixture-org/release-assets';
export const TOKEN = 'ghp_loopbackSECRETtoken0000000000000000';

export interface StoredAsset {
  id: number;
  name: string;
  bytes: Buffer;
  state: 'uploaded' | 'open';
  /** null: an asset from before GitHub computed digests. */
  digest: string | null;
}

export interface StoredRelease {
  id: number;
  tag_name: string;
  target_commitish: string;
  name: string;
  body: string;
  draft: boolean;
  prerelease: boolean;
  published_at: string | null;
  assets: StoredAsset[];
}

export interface RecordedRequest {
  readonly origin: 'api' | 'uploads' | 'cdn';
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
  readonly at: number;
}

/** A queued answer for the next request that matches: a status with headers and JSON, a connection dropped (after the request took effect, with `afterHandling`), or no answer at all. */
export type Fault =
  | { readonly status: number; readonly headers?: Record<string, string>; readonly json?: unknown }
  | { readonly drop: true; readonly afterHandling?: boolean }
  | { readonly hang: true };

type Origin = RecordedRequest['origin'];

export class GitHubLoopback {
  readonly releases: StoredRelease[] = [];
  readonly requests: RecordedRequest[] = [];
  latestId: number | undefined;
  /** Items per page when the client asks for more (GitHub caps per_page at 100; tests page sooner). */
  pageSize = 100;
  /** Where `upload_url` points; a test may point it elsewhere. */
  uploadsOriginInUrls = '';
  #nextId = 1000;
  readonly #faults: { origin: Origin; method: string; path: RegExp; fault: Fault }[] = [];
  readonly #servers: Server[] = [];
  api = '';
  uploads = '';
  cdn = '';

  static async start(): Promise<GitHubLoopback> {
    const github = new GitHubLoopback();
    github.api = await github.#listen('api');
    github.uploads = await github.#listen('uploads');
    github.cdn = await github.#listen('cdn');
    github.uploadsOriginInUrls = github.uploads;
    return github;
  }

  async close(): Promise<void> {
    await Promise.all(
      this.#servers.map((server) => {
        server.closeAllConnections();
        return new Promise<void>((done) => server.close(() => done()));
      }),
    );
  }

  /** Answers the next request on `origin` with this method and a path matching `path` with `fault` instead. */
  inject(origin: Origin, method: string, path: RegExp, fault: Fault): void {
    this.#faults.push({ origin, method, path, fault });
  }

  addRelease(fields: Partial<StoredRelease> & { tag_name: string }): StoredRelease {
    const release: StoredRelease = {
      id: this.#nextId++,
      target_commitish: 'main',
      name: `v${fields.tag_name}`,
      body: '',
      draft: true,
      prerelease: false,
      published_at: null,
      assets: [],
      ...fields,
    };
    this.releases.push(release);
    return release;
  }

  addAsset(release: StoredRelease, name: string, bytes: Buffer, options: { digest?: boolean; state?: StoredAsset['state'] } = {}): StoredAsset {
    const asset: StoredAsset = { id: this.#nextId++, name, bytes, state: options.state ?? 'uploaded', digest: options.digest === false ? null : sha256(bytes) };
    release.assets.push(asset);
    return asset;
  }

  /** The requests that changed something: what pacing and "no duplicate" tests look at. */
  mutations(): RecordedRequest[] {
    return this.requests.filter((request) => request.method !== 'GET' && request.origin !== 'cdn');
  }

  async #listen(origin: Origin): Promise<string> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const request: RecordedRequest = {
          origin,
          method: req.method ?? 'GET',
          url: req.url ?? '/',
          headers: req.headers,
          body: Buffer.concat(chunks),
          at: Date.now(),
        };
        this.requests.push(request);
        this.#answer(request, res);
      });
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    this.#servers.push(server);
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  #answer(request: RecordedRequest, res: ServerResponse): void {
    const path = new URL(request.url, 'http://x').pathname;
    const index = this.#faults.findIndex((fault) => fault.origin === request.origin && fault.method === request.method && fault.path.test(path));
    const fault = index >= 0 ? this.#faults.splice(index, 1)[0]!.fault : undefined;
    if (fault && 'drop' in fault) {
      if (fault.afterHandling) this.#route(request, { writeHead: () => undefined, end: () => undefined } as unknown as ServerResponse);
      res.socket?.destroy();
      return;
    }
    if (fault && 'hang' in fault) return;
    if (fault) return send(res, fault.status, fault.json ?? { message: 'injected' }, fault.headers);
    if (request.origin !== 'cdn' && request.headers.authorization !== `Bearer ${TOKEN}`) {
      return send(res, 401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' });
    }
    this.#route(request, res);
  }

  #route(request: RecordedRequest, res: ServerResponse): void {
    const url = new URL(request.url, 'http://x');
    const repo = `/repos/${OWNER_REPO}`;
    const json = (): Record<string, unknown> => JSON.parse(request.body.toString('utf8') || '{}') as Record<string, unknown>;
    const notFound = (): void => send(res, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
    const byId = (id: string | undefined): StoredRelease | undefined => this.releases.find((release) => release.id === Number(id));
    const assetById = (id: string | undefined): [StoredRelease, StoredAsset] | undefined => {
      for (const release of this.releases) {
        const asset = release.assets.find((candidate) => candidate.id === Number(id));
        if (asset) return [release, asset];
      }
      return undefined;
    };
    const route = `${request.origin} ${request.method} ${url.pathname}`;
    let match: RegExpExecArray | null;

    if (request.origin === 'cdn' && (match = /^cdn GET \/download\/(\d+)$/.exec(route))) {
      const found = assetById(match[1]);
      if (!found) return notFound();
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': found[1].bytes.byteLength });
      return void res.end(found[1].bytes);
    }
    if (route === `api GET ${repo}/releases`)
      return this.#page(
        res,
        url,
        [...this.releases].reverse().map((release) => this.#releaseJson(release)),
      );
    if (route === `api GET ${repo}/releases/latest`) {
      const latest = this.releases.find((release) => release.id === this.latestId);
      return latest ? send(res, 200, this.#releaseJson(latest)) : notFound();
    }
    if (route === `api POST ${repo}/releases`) {
      const body = json();
      if (this.releases.some((release) => release.tag_name === body.tag_name && !release.draft)) {
        return send(res, 422, {
          message: 'Validation Failed',
          errors: [{ resource: 'Release', code: 'already_exists', field: 'tag_name' }],
          documentation_url: 'https://docs.github.com/rest',
        });
      }
      const release = this.addRelease({
        tag_name: String(body.tag_name),
        target_commitish: String(body.target_commitish),
        name: String(body.name),
        body: String(body.body),
        draft: body.draft === true,
        prerelease: body.prerelease === true,
      });
      return send(res, 201, this.#releaseJson(release));
    }
    if ((match = new RegExp(`^api PATCH ${repo}/releases/(\\d+)$`).exec(route))) {
      const release = byId(match[1]);
      if (!release) return notFound();
      const body = json();
      if (typeof body.prerelease === 'boolean') release.prerelease = body.prerelease;
      if (body.draft === false && release.draft) {
        release.draft = false;
        release.published_at = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      }
      if (body.make_latest === 'true' && !release.draft && !release.prerelease) this.latestId = release.id;
      return send(res, 200, this.#releaseJson(release));
    }
    if ((match = new RegExp(`^api GET ${repo}/releases/(\\d+)/assets$`).exec(route))) {
      const release = byId(match[1]);
      return release
        ? this.#page(
            res,
            url,
            release.assets.map((asset) => this.#assetJson(asset)),
          )
        : notFound();
    }
    if ((match = new RegExp(`^api GET ${repo}/releases/assets/(\\d+)$`).exec(route))) {
      const found = assetById(match[1]);
      if (!found) return notFound();
      if (request.headers.accept === 'application/octet-stream') {
        res.writeHead(302, { location: `${this.cdn}/download/${found[1].id}` });
        return void res.end();
      }
      return send(res, 200, this.#assetJson(found[1]));
    }
    if ((match = new RegExp(`^api DELETE ${repo}/releases/assets/(\\d+)$`).exec(route))) {
      const found = assetById(match[1]);
      if (!found) return notFound();
      found[0].assets.splice(found[0].assets.indexOf(found[1]), 1);
      res.writeHead(204);
      return void res.end();
    }
    if ((match = new RegExp(`^uploads POST ${repo}/releases/(\\d+)/assets$`).exec(route))) {
      const release = byId(match[1]);
      const name = url.searchParams.get('name');
      if (!release || !name) return notFound();
      if (release.assets.some((asset) => asset.name === name)) return send(res, 422, ALREADY_EXISTS);
      return send(res, 201, this.#assetJson(this.addAsset(release, name, request.body)));
    }
    notFound();
  }

  #page(res: ServerResponse, url: URL, items: unknown[]): void {
    const perPage = Math.min(Number(url.searchParams.get('per_page') ?? 30), this.pageSize);
    const page = Number(url.searchParams.get('page') ?? 1);
    const last = Math.max(1, Math.ceil(items.length / perPage));
    const link = (n: number, rel: string): string => {
      const target = new URL(url.pathname + url.search, this.api);
      target.searchParams.set('page', String(n));
      return `<${target}>; rel="${rel}"`;
    };
    const links = [...(page > 1 ? [link(page - 1, 'prev')] : []), ...(page < last ? [link(page + 1, 'next'), link(last, 'last')] : [])];
    send(res, 200, items.slice((page - 1) * perPage, page * perPage), links.length ? { link: links.join(', ') } : {});
  }

  #releaseJson(release: StoredRelease): Record<string, unknown> {
    const api = `${this.api}/repos/${OWNER_REPO}/releases/${release.id}`;
    return {
      ...RELEASE_TEMPLATE,
      url: api,
      assets_url: `${api}/assets`,
      upload_url: `${this.uploadsOriginInUrls}/repos/${OWNER_REPO}/releases/${release.id}/assets{?name,label}`,
      html_url: `https://github.com/${OWNER_REPO}/releases/tag/${release.tag_name}`,
      id: release.id,
      tag_name: release.tag_name,
      target_commitish: release.target_commitish,
      name: release.name,
      body: release.body,
      draft: release.draft,
      prerelease: release.prerelease,
      published_at: release.published_at,
      assets: release.assets.map((asset) => this.#assetJson(asset)),
    };
  }

  #assetJson(asset: StoredAsset): Record<string, unknown> {
    return {
      ...ASSET_TEMPLATE,
      url: `${this.api}/repos/${OWNER_REPO}/releases/assets/${asset.id}`,
      id: asset.id,
      name: asset.name,
      label: null,
      content_type: 'application/octet-stream',
      state: asset.state,
      size: asset.bytes.byteLength,
      digest: asset.digest,
      browser_download_url: `${this.cdn}/download/${asset.id}`,
    };
  }
}

export function sha256(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

function send(res: ServerResponse, status: number, json: unknown, headers: Record<string, string> = {}): void {
  const body = Buffer.from(JSON.stringify(json));
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.byteLength, ...headers });
  res.end(body);
}
