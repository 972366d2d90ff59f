import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { REDACTED, startGitHubStandin, type GitHubStandin } from '../helpers/github-standin.js';
import { planFileResponse, startStaticMirror, type StaticMirror } from '../helpers/static-mirror.js';

// The stand-ins other install tests rely on behave like the services they replace.

const TOKEN = 'ghp_standinTestToken000000000000000000000';
const ARCHIVE = 'glide_v0.0.2_linux_amd64.tar.gz';
const ARCHIVE_PATH = `/0.0.2/${ARCHIVE}`;
const archiveBytes = randomBytes(300_000);

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'glide-standins-'));
  await mkdir(join(dir, '0.0.2'));
  await writeFile(join(dir, ARCHIVE_PATH), archiveBytes);
  await writeFile(join(dir, 'index.json'), JSON.stringify([{ tag: '0.0.2', prerelease: false, published_at: '2024-06-01T00:00:00Z' }]));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('planFileResponse', () => {
  const file = { size: 1000, mtime: new Date('2024-06-01T00:00:00Z') };
  const etag = planFileResponse({}, file).headers.etag;

  it.each([
    ['no Range', {}, 200, 0, 1000, undefined],
    ['open range', { range: 'bytes=100-' }, 206, 100, 1000, 'bytes 100-999/1000'],
    ['closed range', { range: 'bytes=100-199' }, 206, 100, 200, 'bytes 100-199/1000'],
    ['end past the size', { range: 'bytes=900-5000' }, 206, 900, 1000, 'bytes 900-999/1000'],
    ['suffix', { range: 'bytes=-10' }, 206, 990, 1000, 'bytes 990-999/1000'],
    ['start at the size', { range: 'bytes=1000-' }, 416, 0, 0, 'bytes */1000'],
    ['empty suffix', { range: 'bytes=-0' }, 416, 0, 0, 'bytes */1000'],
    ['multiple ranges, ignored', { range: 'bytes=0-1,5-6' }, 200, 0, 1000, undefined],
    ['reversed range, ignored', { range: 'bytes=10-5' }, 200, 0, 1000, undefined],
    ['If-Range of the current ETag', { range: 'bytes=100-', 'if-range': etag }, 206, 100, 1000, 'bytes 100-999/1000'],
    ['If-Range of another ETag: the whole new file', { range: 'bytes=100-', 'if-range': '"other"' }, 200, 0, 1000, undefined],
  ])('%s', (_name, headers, status, start, end, contentRange) => {
    const plan = planFileResponse(headers, file);
    expect({ status: plan.status, start: plan.start, end: plan.end, range: plan.headers['content-range'] }).toEqual({
      status,
      start,
      end,
      range: contentRange,
    });
    if (status !== 416) expect(plan.headers['content-length']).toBe(String(end - start));
  });
});

describe('GitHub stand-in', () => {
  let github: GitHubStandin;
  const download = (tag: string, asset: string) => `${github.webUrl}/EinStack/glide/releases/download/${tag}/${asset}`;

  beforeAll(async () => {
    const asset = { [ARCHIVE]: join(dir, ARCHIVE_PATH) };
    github = await startGitHubStandin({
      repo: 'EinStack/glide',
      token: TOKEN,
      // Out of order on purpose: the stand-in sorts by published_at.
      releases: [
        { tag: '0.0.2', prerelease: false, published_at: '2024-06-01T00:00:00Z', assets: asset },
        { tag: '0.0.4', prerelease: false, draft: true, published_at: '2024-08-01T00:00:00Z', assets: asset },
        { tag: '0.0.1', prerelease: false, published_at: '2024-05-01T00:00:00Z', assets: asset },
        { tag: '0.0.3-rc.1', prerelease: true, published_at: '2024-07-01T00:00:00Z', assets: asset },
      ],
    });
  });

  afterAll(async () => {
    await github.close();
  });

  beforeEach(() => {
    github.log.length = 0;
    github.setRateLimited(undefined);
  });

  describe('web host', () => {
    it('releases/latest redirects to the newest stable, past prereleases and drafts, in any letter case', async () => {
      const hop = await fetch(`${github.webUrl}/einstack/GLIDE/releases/latest`, { redirect: 'manual' });
      expect(hop.status).toBe(302);
      expect(hop.headers.get('location')).toBe(`${github.webUrl}/EinStack/glide/releases/tag/0.0.2`);
      expect((await fetch(hop.headers.get('location') ?? '', { method: 'HEAD' })).status).toBe(200);
    });

    it('a download link redirects to a signed CDN URL, and following it gets the bytes without any token', async () => {
      const hop = await fetch(download('0.0.2', ARCHIVE), { redirect: 'manual' });
      expect(hop.status).toBe(302);
      const location = hop.headers.get('location') ?? '';
      const cdn = new URL(location);
      expect(cdn.origin).toBe(github.cdnUrl);
      expect(cdn.pathname).toMatch(/^\/github-production-release-asset\/\d+\/[0-9a-f-]{36}$/);
      expect(cdn.searchParams.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
      expect(cdn.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
      expect(location).toContain(`&response-content-disposition=attachment%3B%20filename%3D${ARCHIVE}&`);

      const response = await fetch(download('0.0.2', ARCHIVE));
      expect(response.status).toBe(200);
      expect(response.headers.get('content-length')).toBe(String(archiveBytes.length));
      expect(response.headers.get('accept-ranges')).toBe('bytes');
      expect(response.headers.get('etag')).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/);
      expect(response.headers.get('last-modified')).toMatch(/ GMT$/);
      expect(Buffer.from(await response.arrayBuffer()).equals(archiveBytes)).toBe(true);
      expect(github.log.map((entry) => [entry.host, entry.authorization])).toEqual([
        ['web', false],
        ['web', false],
        ['cdn', false],
      ]);
    });

    it.each([
      ['an unknown asset', '0.0.2', 'glide_v0.0.2_plan9_amd64.tar.gz'],
      ['an unknown tag', '9.9.9', ARCHIVE],
      ['a draft', '0.0.4', ARCHIVE],
    ])('404 for %s', async (_name, tag, asset) => {
      expect((await fetch(download(tag, asset), { redirect: 'manual' })).status).toBe(404);
    });
  });

  describe('CDN', () => {
    const signedUrl = async () => (await fetch(download('0.0.2', ARCHIVE), { redirect: 'manual' })).headers.get('location') ?? '';

    it("refuses a request that carries an Authorization header with S3's 400, and the log never holds the token", async () => {
      const response = await fetch(await signedUrl(), { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toBe('application/xml');
      expect(await response.text()).toContain(
        '<Error><Code>InvalidArgument</Code><Message>Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified</Message></Error>',
      );
      const cdnRequest = github.log.find((entry) => entry.host === 'cdn');
      expect(cdnRequest).toMatchObject({ authorization: true, headers: { authorization: REDACTED } });
      expect(JSON.stringify(github.log)).not.toContain(TOKEN);
    });

    it('refuses a URL whose signature it did not issue', async () => {
      const forged = (await signedUrl()).replace(/X-Amz-Signature=[0-9a-f]+/, `X-Amz-Signature=${'0'.repeat(64)}`);
      const response = await fetch(forged);
      expect(response.status).toBe(403);
      expect(await response.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
    });

    it('resumes with Range: 206 from an offset, 416 past the end', async () => {
      const url = await signedUrl();
      const partial = await fetch(url, { headers: { range: 'bytes=100000-' } });
      expect(partial.status).toBe(206);
      expect(partial.headers.get('content-range')).toBe(`bytes 100000-${archiveBytes.length - 1}/${archiveBytes.length}`);
      expect(Buffer.from(await partial.arrayBuffer()).equals(archiveBytes.subarray(100_000))).toBe(true);
      const past = await fetch(url, { headers: { range: `bytes=${archiveBytes.length}-` } });
      expect(past.status).toBe(416);
      expect(past.headers.get('content-range')).toBe(`bytes */${archiveBytes.length}`);
    });
  });

  describe('API', () => {
    const releases = `/repos/EinStack/glide/releases`;
    const api = (path: string, headers: Record<string, string> = {}) => fetch(`${github.apiUrl}${path}`, { headers });
    const tags = async (response: Response) => ((await response.json()) as { tag_name: string }[]).map((release) => release.tag_name);

    it('lists releases newest first, drafts hidden, in pages linked the way GitHub links them', async () => {
      const first = await api(`${releases}?per_page=2`);
      expect(first.status).toBe(200);
      expect(await tags(first)).toEqual(['0.0.3-rc.1', '0.0.2']);
      const page = (n: number) => `${github.apiUrl}/repositories/706379409/releases?per_page=2&page=${n}`;
      expect(first.headers.get('link')).toBe(`<${page(2)}>; rel="next", <${page(2)}>; rel="last"`);

      const second = await fetch(page(2));
      expect(await tags(second)).toEqual(['0.0.1']);
      expect(second.headers.get('link')).toBe(`<${page(1)}>; rel="prev", <${page(1)}>; rel="first"`);

      const single = await api(releases);
      expect(single.headers.get('link')).toBeNull();
      expect(await tags(single)).toEqual(['0.0.3-rc.1', '0.0.2', '0.0.1']);
    });

    it('shows drafts to the configured token only', async () => {
      expect(await tags(await api(releases, { authorization: `Bearer ${TOKEN}` }))).toEqual(['0.0.4', '0.0.3-rc.1', '0.0.2', '0.0.1']);
      expect((await api(`${releases}/tags/0.0.4`)).status).toBe(404);
    });

    it('answers latest and tags/{tag}, and 404 with GitHub’s body for an unknown tag', async () => {
      const latest = (await (await api(`${releases}/latest`)).json()) as { tag_name: string; name: string };
      expect(latest).toMatchObject({ tag_name: '0.0.2', name: 'v0.0.2' });
      const rc = (await (await api(`${releases}/tags/0.0.3-rc.1`)).json()) as { prerelease: boolean };
      expect(rc.prerelease).toBe(true);
      const missing = await api(`${releases}/tags/9.9.9`);
      expect(missing.status).toBe(404);
      expect(await missing.json()).toEqual({
        message: 'Not Found',
        documentation_url: 'https://docs.github.com/rest/releases/releases#get-a-release-by-tag-name',
        status: '404',
      });
    });

    it('sends the headers GitHub sends', async () => {
      const response = await api(`${releases}/latest`);
      const header = (name: string) => response.headers.get(name);
      expect(header('content-type')).toBe('application/json; charset=utf-8');
      expect(header('x-github-api-version-selected')).toBe('2022-11-28');
      expect(header('x-ratelimit-limit')).toBe('60');
      expect(header('x-ratelimit-resource')).toBe('core');
      expect(Number(header('x-ratelimit-remaining')) + Number(header('x-ratelimit-used'))).toBe(60);
      expect(Number(header('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000);
    });

    it('an asset asked for as octet-stream redirects to the CDN, as the authenticated download path does', async () => {
      const [asset] = ((await (await api(`${releases}/latest`)).json()) as { assets: { url: string }[] }).assets;
      const hop = await fetch(asset?.url ?? '', { redirect: 'manual', headers: { accept: 'application/octet-stream', authorization: `token ${TOKEN}` } });
      expect(hop.status).toBe(302);
      expect(new URL(hop.headers.get('location') ?? '').origin).toBe(github.cdnUrl);
    });

    it('401 for a token that is not the configured one; the configured one gets the higher limit', async () => {
      const bad = await api(`${releases}/latest`, { authorization: 'Bearer ghp_wrong' });
      expect(bad.status).toBe(401);
      expect(await bad.json()).toEqual({ message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest', status: '401' });
      const good = await api(`${releases}/latest`, { authorization: `token ${TOKEN}` });
      expect(good.status).toBe(200);
      expect(good.headers.get('x-ratelimit-limit')).toBe('5000');
    });

    it('when rate limited, refuses anonymous calls with 403 and the reset time; tokens and the web host still work', async () => {
      const reset = Math.floor(Date.now() / 1000) + 1234;
      github.setRateLimited(reset);
      const refused = await api(`${releases}/latest`);
      expect(refused.status).toBe(403);
      expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');
      expect(refused.headers.get('x-ratelimit-reset')).toBe(String(reset));
      expect(await refused.json()).toEqual({
        message:
          "API rate limit exceeded for 127.0.0.1. (But here's the good news: Authenticated requests get a higher rate limit. Check out the documentation for more details.)",
        documentation_url: 'https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting',
      });
      expect((await api(`${releases}/latest`, { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
      expect((await fetch(`${github.webUrl}/EinStack/glide/releases/latest`, { redirect: 'manual' })).status).toBe(302);
      github.setRateLimited(undefined);
      expect((await api(`${releases}/latest`)).status).toBe(200);
    });

    describe('shapes', () => {
      type Schema = { $ref?: string; type?: string; required?: string[]; properties?: Record<string, Schema>; items?: Schema };
      let schemas: Record<string, Schema>;
      let served: Record<string, unknown>[];

      beforeAll(async () => {
        const openapi = JSON.parse(await readFile(resolve('node_modules/@octokit/openapi/generated/api.github.com.json'), 'utf8')) as {
          components: { schemas: Record<string, Schema> };
        };
        schemas = openapi.components.schemas;
        const list = await api(releases, { authorization: `Bearer ${TOKEN}` });
        served = (await list.json()) as Record<string, unknown>[];
      });

      /** Paths of `required` properties missing from `value`, following $ref, objects and arrays. */
      function missingRequired(value: unknown, schema: Schema, at = '$'): string[] {
        if (schema.$ref) return missingRequired(value, schemas[schema.$ref.replace('#/components/schemas/', '')] ?? {}, at);
        if (Array.isArray(value) && schema.items) {
          const items = schema.items;
          return value.flatMap((item, index) => missingRequired(item, items, `${at}[${index}]`));
        }
        if (value === null || typeof value !== 'object') return [];
        const record = value as Record<string, unknown>;
        return [
          ...(schema.required ?? []).filter((key) => !(key in record)).map((key) => `${at}.${key}`),
          ...Object.entries(schema.properties ?? {}).flatMap(([key, property]) =>
            key in record ? missingRequired(record[key], property, `${at}.${key}`) : [],
          ),
        ];
      }

      it('every property the OpenAPI schema requires of release, release-asset and their users is served', () => {
        expect(served).toHaveLength(4);
        expect(missingRequired(served, { type: 'array', items: { $ref: '#/components/schemas/release' } })).toEqual([]);
        // The walk can fail: an asset without its digest is caught.
        const assetWithoutDigest = { ...(served[0]?.assets as Record<string, unknown>[])[0], digest: undefined };
        delete assetWithoutDigest.digest;
        expect(missingRequired(assetWithoutDigest, { $ref: '#/components/schemas/release-asset' })).toEqual(['$.digest']);
      });

      it('carries every field of the recorded @octokit/fixtures release and asset', async () => {
        const fixture = JSON.parse(
          await readFile(resolve('node_modules/@octokit/fixtures/scenarios/api.github.com/release-assets/normalized-fixture.json'), 'utf8'),
        ) as { response: Record<string, unknown> }[];
        const [release, asset] = [fixture[0]?.response ?? {}, fixture[3]?.response ?? {}];
        const ours = served[1] ?? {};
        const ourAsset = (ours.assets as Record<string, unknown>[])[0] ?? {};
        expect(Object.keys(release).filter((key) => !(key in ours))).toEqual([]);
        expect(Object.keys(asset).filter((key) => !(key in ourAsset))).toEqual([]);
        expect(ourAsset.browser_download_url).toBe(download('0.0.3-rc.1', ARCHIVE));
      });
    });
  });
});

describe('static mirror', () => {
  let mirror: StaticMirror;

  beforeEach(async () => {
    mirror = await startStaticMirror(dir);
  });

  afterEach(async () => {
    await mirror.close();
  });

  /** Reads a body until it ends or fails, keeping what arrived. */
  async function drain(response: Response): Promise<{ received: number; error: unknown }> {
    let received = 0;
    try {
      for await (const chunk of response.body ?? []) received += (chunk as Uint8Array).length;
      return { received, error: undefined };
    } catch (error) {
      return { received, error };
    }
  }

  it('serves files with validators, HEAD, Range and 404, and logs whether Authorization came', async () => {
    const full = await fetch(`${mirror.url}${ARCHIVE_PATH}`, { headers: { authorization: 'Bearer x' } });
    expect(full.status).toBe(200);
    expect(full.headers.get('content-type')).toBe('application/gzip');
    expect(full.headers.get('etag')).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/);
    expect(Buffer.from(await full.arrayBuffer()).equals(archiveBytes)).toBe(true);
    const head = await fetch(`${mirror.url}${ARCHIVE_PATH}`, { method: 'HEAD' });
    expect(head.headers.get('content-length')).toBe(String(archiveBytes.length));
    const partial = await fetch(`${mirror.url}${ARCHIVE_PATH}`, { headers: { range: 'bytes=299000-' } });
    expect(partial.status).toBe(206);
    expect(Buffer.from(await partial.arrayBuffer()).equals(archiveBytes.subarray(299_000))).toBe(true);
    expect(await (await fetch(`${mirror.url}/index.json`)).json()).toEqual([expect.objectContaining({ tag: '0.0.2' })]);
    expect((await fetch(`${mirror.url}/0.0.9/nothing.tar.gz`)).status).toBe(404);
    expect((await fetch(`${mirror.url}/%2e%2e/%2e%2e/etc/passwd`)).status).toBe(404);
    expect(mirror.log.map(({ method, status, bytes, authorization, range }) => [method, status, bytes, authorization, range])).toEqual([
      ['GET', 200, archiveBytes.length, true, undefined],
      ['HEAD', 200, 0, false, undefined],
      ['GET', 206, 1000, false, 'bytes=299000-'],
      ['GET', 200, expect.any(Number), false, undefined],
      ['GET', 404, 0, false, undefined],
      ['GET', 404, 0, false, undefined],
    ]);
  });

  it('status faults answer the next GETs of their path in order; HEAD does not use them up', async () => {
    mirror.faults.add(ARCHIVE_PATH, { kind: 'status', status: 500 });
    mirror.faults.add(ARCHIVE_PATH, { kind: 'status', status: 503 });
    const statuses = [];
    for (const method of ['GET', 'HEAD', 'GET', 'GET']) statuses.push((await fetch(`${mirror.url}${ARCHIVE_PATH}`, { method })).status);
    expect(statuses).toEqual([500, 200, 503, 200]);
  });

  it('reset: the first bytes arrive, then the connection is reset', async () => {
    mirror.faults.add(ARCHIVE_PATH, { kind: 'reset', afterBytes: 100_000 });
    const response = await fetch(`${mirror.url}${ARCHIVE_PATH}`);
    expect(response.headers.get('content-length')).toBe(String(archiveBytes.length));
    const { received, error } = await drain(response);
    expect(received).toBe(100_000);
    expect((error as { cause?: { code?: string } }).cause?.code).toBe('ECONNRESET');
    expect(mirror.log[0]).toMatchObject({ fault: 'reset', status: 200, bytes: 100_000 });
  });

  it('stall: the first bytes arrive, then nothing, until the client gives up; the next request is served', async () => {
    mirror.faults.add(ARCHIVE_PATH, { kind: 'stall', afterBytes: 1000 });
    const abort = new AbortController();
    const response = await fetch(`${mirror.url}${ARCHIVE_PATH}`, { signal: abort.signal });
    const reader = response.body?.getReader();
    let received = 0;
    while (received < 1000) received += (await reader?.read())?.value?.length ?? Infinity;
    expect(received).toBe(1000);
    const next = await Promise.race([reader?.read(), new Promise((done) => setTimeout(done, 300, 'stalled'))]);
    expect(next).toBe('stalled');
    abort.abort();
    expect((await fetch(`${mirror.url}${ARCHIVE_PATH}`)).status).toBe(200);
  });

  it('truncate: a shorter file with a Content-Length to match', async () => {
    mirror.faults.add(ARCHIVE_PATH, { kind: 'truncate', bytes: 1234 });
    const response = await fetch(`${mirror.url}${ARCHIVE_PATH}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBe('1234');
    expect(Buffer.from(await response.arrayBuffer()).equals(archiveBytes.subarray(0, 1234))).toBe(true);
  });

  it('throttle: the body arrives intact at the given rate', async () => {
    mirror.faults.add(ARCHIVE_PATH, { kind: 'throttle', bytesPerSecond: 100_000 });
    const started = performance.now();
    const response = await fetch(`${mirror.url}${ARCHIVE_PATH}`, { headers: { range: 'bytes=0-49999' } });
    expect(Buffer.from(await response.arrayBuffer()).equals(archiveBytes.subarray(0, 50_000))).toBe(true);
    expect(performance.now() - started).toBeGreaterThanOrEqual(450);
  });

  it('close() ends a stalled download instead of waiting for it', async () => {
    mirror.faults.add(ARCHIVE_PATH, { kind: 'stall', afterBytes: 0 });
    const response = await fetch(`${mirror.url}${ARCHIVE_PATH}`);
    const body = drain(response);
    await vi.waitFor(() => expect(mirror.log[0]?.status).toBe(200));
    await mirror.close();
    const { received, error } = await body;
    expect(received).toBe(0);
    expect(error).toBeInstanceOf(Error);
  });
});
