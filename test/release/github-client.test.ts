/** The release's GitHub client against a loopback GitHub (API, uploads and CDN origins) on 127.0.0.1. */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GlideError } from '#contract';
import { GitHubClient, MAX_RELEASE_BODY_CHARS, type AssetFile, type GitHubClientOptions } from '../../release/src/github/client.js';
import { GitHubLoopback, OWNER_REPO, sha256, TOKEN } from './github-loopback.js';

const require = createRequire(import.meta.url);
let github: GitHubLoopback;
let client: GitHubClient;
let dir: string;

beforeEach(async () => {
  github = await GitHubLoopback.start();
  dir = await mkdtemp(join(tmpdir(), 'github-client-'));
});
afterEach(async () => {
  await client?.close();
  await github.close();
});

function connect(options: Partial<GitHubClientOptions> = {}): GitHubClient {
  client = new GitHubClient({
    repository: OWNER_REPO,
    token: TOKEN,
    apiOrigin: github.api,
    uploadsOrigin: github.uploads,
    proxy: {},
    mutationPauseMs: 0,
    backoffMs: 1,
    ...options,
  });
  return client;
}

async function assetFile(name: string, content: string): Promise<AssetFile> {
  const path = join(dir, name);
  await writeFile(path, content);
  const bytes = Buffer.from(content);
  return { name, path, size: bytes.byteLength, sha256: sha256(bytes).slice('sha256:'.length) };
}

async function failure(promise: Promise<unknown>): Promise<GlideError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(GlideError);
  return error as GlideError;
}

const DRAFT = { tagName: '0.1.0', targetCommitish: 'main', name: 'v0.1.0', body: 'notes', prerelease: false };

describe('the loopback GitHub', () => {
  it("answers with every field GitHub's REST schema requires of a release and an asset", async () => {
    const schema = JSON.parse(await readFile(require.resolve('@octokit/openapi/generated/api.github.com.json'), 'utf8')) as {
      components: { schemas: Record<string, { required: string[] }> };
    };
    const release = github.addRelease({ tag_name: '0.1.0' });
    github.addAsset(release, 'checksums.txt', Buffer.from('sums'));
    const response = await fetch(`${github.api}/repos/${OWNER_REPO}/releases`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const [listed] = (await response.json()) as Record<string, unknown>[];
    const asset = (listed!.assets as Record<string, unknown>[])[0]!;
    expect(schema.components.schemas.release!.required.filter((field) => !(field in listed!))).toEqual([]);
    expect(schema.components.schemas['release-asset']!.required.filter((field) => !(field in asset))).toEqual([]);
  });
});

describe('reading releases', () => {
  it('finds a draft by its tag on a later page of the list (get-by-tag does not show drafts)', async () => {
    github.pageSize = 2;
    const wanted = github.addRelease({ tag_name: '0.1.0-rc.1', draft: true });
    for (const tag of ['0.0.1', '0.0.2', '0.0.3', '0.0.4']) github.addRelease({ tag_name: tag, draft: false, published_at: '2026-01-01T00:00:00Z' });

    const found = await connect().findReleaseByTag('0.1.0-rc.1');

    expect(found).toMatchObject({ id: wanted.id, tagName: '0.1.0-rc.1', draft: true, publishedAt: null });
    expect(client.stats.requests['releases.list']).toBe(3);
    expect(await client.findReleaseByTag('9.9.9')).toBeUndefined();
  });

  it('refuses to guess between two releases on one tag', async () => {
    github.addRelease({ tag_name: '0.1.0' });
    github.addRelease({ tag_name: '0.1.0' });
    const error = await failure(connect().findReleaseByTag('0.1.0'));
    expect(error.code).toBe('EGITHUB');
    expect(error.details.join(' ')).toMatch(/Delete the extra drafts/);
  });

  it('reads assets with their digests, and the latest release (none: undefined)', async () => {
    const release = github.addRelease({ tag_name: '0.1.0', draft: false });
    github.addAsset(release, 'checksums.txt', Buffer.from('abc'));
    github.addAsset(release, 'old.txt', Buffer.from('x'), { digest: false });
    connect();
    expect(await client.latestRelease()).toBeUndefined();
    github.latestId = release.id;

    expect((await client.latestRelease())?.tagName).toBe('0.1.0');
    expect((await client.listAssets(release.id)).map(({ name, size, digest }) => ({ name, size, digest }))).toEqual([
      { name: 'checksums.txt', size: 3, digest: sha256(Buffer.from('abc')) },
      { name: 'old.txt', size: 1, digest: null },
    ]);
  });

  it('does not follow a next page to another origin (the token would go with it)', async () => {
    github.inject('api', 'GET', /\/releases$/, { status: 200, json: [], headers: { link: `<${github.cdn}/repos/${OWNER_REPO}/releases?page=2>; rel="next"` } });
    const error = await failure(connect().listReleases());
    expect(error.code).toBe('EGITHUB');
    expect(github.requests.filter((request) => request.origin === 'cdn')).toEqual([]);
  });
});

describe('creating and publishing', () => {
  it('creates a draft with what it is told, and publishes it with prerelease and make_latest said outright', async () => {
    connect();
    const draft = await client.createDraftRelease({ ...DRAFT, tagName: '0.1.1-rc.1', name: 'v0.1.1-rc.1', prerelease: true });
    expect(draft).toMatchObject({ tagName: '0.1.1-rc.1', draft: true, prerelease: true, publishedAt: null });
    expect(JSON.parse(github.mutations()[0]!.body.toString())).toEqual({
      tag_name: '0.1.1-rc.1',
      target_commitish: 'main',
      name: 'v0.1.1-rc.1',
      body: 'notes',
      draft: true,
      prerelease: true,
    });

    const published = await client.publishRelease(draft.id, { prerelease: true, makeLatest: false });

    expect(JSON.parse(github.mutations()[1]!.body.toString())).toEqual({ draft: false, prerelease: true, make_latest: 'false' });
    expect(published.publishedAt).not.toBeNull();
    expect(github.latestId).toBeUndefined();
  });

  it('refuses notes over 125,000 characters before asking GitHub', async () => {
    const error = await failure(connect().createDraftRelease({ ...DRAFT, body: 'x'.repeat(MAX_RELEASE_BODY_CHARS + 1) }));
    expect(error.code).toBe('EGITHUB');
    expect(github.requests).toEqual([]);
  });

  it('a create whose answer was lost is looked up, not sent twice', async () => {
    github.inject('api', 'POST', /\/releases$/, { drop: true, afterHandling: true });
    const draft = await connect().createDraftRelease(DRAFT);
    expect(draft.tagName).toBe('0.1.0');
    expect(github.releases).toHaveLength(1);
    expect(github.mutations()).toHaveLength(1);
  });

  it('a create that failed with a 5xx before taking effect is sent again', async () => {
    github.inject('api', 'POST', /\/releases$/, { status: 502, json: { message: 'Server Error' } });
    await connect().createDraftRelease(DRAFT);
    expect(github.releases).toHaveLength(1);
    expect(github.mutations()).toHaveLength(2);
  });

  it('paces mutations: at least the pause between two', async () => {
    const pause = 150;
    connect({ mutationPauseMs: pause });
    const draft = await client.createDraftRelease(DRAFT);
    await client.listReleases();
    await client.publishRelease(draft.id, { prerelease: false, makeLatest: true });
    const [create, publish] = github.mutations();
    expect(publish!.at - create!.at).toBeGreaterThanOrEqual(pause - 5);
  });

  it('explains a refused token without printing it, even when the server echoes it', async () => {
    github.inject('api', 'GET', /\/releases$/, { status: 401, json: { message: `Bad credentials for ${TOKEN}` } });
    const error = await failure(connect().listReleases());
    expect(error.code).toBe('EGITHUB');
    expect(`${error.message} ${error.details.join(' ')}`).not.toContain(TOKEN);
    expect(error.details.join(' ')).toMatch(/GITHUB_TOKEN/);
  });
});

describe('uploading assets', () => {
  it('streams the file with its length to the uploads origin', async () => {
    const release = github.addRelease({ tag_name: '0.1.0' });
    const file = await assetFile('glide_0.1.0_linux_amd64.tar.gz', 'the archive');
    connect();

    const { asset, outcome } = await client.uploadAsset((await client.findReleaseByTag('0.1.0'))!, file);

    expect(outcome).toBe('uploaded');
    expect(asset.digest).toBe(`sha256:${file.sha256}`);
    const upload = github.mutations()[0]!;
    expect(upload).toMatchObject({
      origin: 'uploads',
      method: 'POST',
      url: `/repos/${OWNER_REPO}/releases/${release.id}/assets?name=glide_0.1.0_linux_amd64.tar.gz`,
    });
    expect(upload.headers['content-length']).toBe(String(file.size));
    expect(upload.body.toString()).toBe('the archive');
    expect(client.stats.bytesUploaded).toBe(file.size);
  });

  it('a name already taken by the same bytes is done: nothing deleted, nothing sent again', async () => {
    const release = github.addRelease({ tag_name: '0.1.0' });
    github.addAsset(release, 'checksums.txt', Buffer.from('sums'));
    connect();

    const { outcome } = await client.uploadAsset((await client.findReleaseByTag('0.1.0'))!, await assetFile('checksums.txt', 'sums'));

    expect(outcome).toBe('already-present');
    expect(github.mutations().map((request) => request.method)).toEqual(['POST']);
    expect(release.assets).toHaveLength(1);
  });

  it('a name already taken by other bytes is EASSETCONFLICT, and the asset stays', async () => {
    const release = github.addRelease({ tag_name: '0.1.0' });
    github.addAsset(release, 'checksums.txt', Buffer.from('other sums'));
    connect();

    const error = await failure(client.uploadAsset((await client.findReleaseByTag('0.1.0'))!, await assetFile('checksums.txt', 'sums')));

    expect(error.code).toBe('EASSETCONFLICT');
    expect(error.details.join(' ')).toMatch(/burned/);
    expect(release.assets[0]!.bytes.toString()).toBe('other sums');
  });

  it.each([
    ['the same bytes: done', 'sums', 'already-present'],
    ['other bytes: EASSETCONFLICT', 'other sums', 'EASSETCONFLICT'],
  ])('without a digest on GitHub, the asset is downloaded to compare (token not sent to the CDN): %s', async (_name, stored, expected) => {
    const release = github.addRelease({ tag_name: '0.1.0' });
    github.addAsset(release, 'checksums.txt', Buffer.from(stored), { digest: false });
    connect();
    const upload = client.uploadAsset((await client.findReleaseByTag('0.1.0'))!, await assetFile('checksums.txt', 'sums'));

    if (expected === 'already-present') expect((await upload).outcome).toBe('already-present');
    else expect((await failure(upload)).code).toBe(expected);

    const download = github.requests.filter((request) => request.origin === 'cdn');
    expect(download).toHaveLength(1);
    expect(download[0]!.headers.authorization).toBeUndefined();
  });

  it('an unfinished upload GitHub kept under the name is deleted and sent again', async () => {
    const release = github.addRelease({ tag_name: '0.1.0' });
    github.addAsset(release, 'checksums.txt', Buffer.from('su'), { state: 'open' });
    connect();

    const { outcome } = await client.uploadAsset((await client.findReleaseByTag('0.1.0'))!, await assetFile('checksums.txt', 'sums'));

    expect(outcome).toBe('uploaded');
    expect(github.mutations().map((request) => `${request.origin} ${request.method}`)).toEqual(['uploads POST', 'api DELETE', 'uploads POST']);
    expect(release.assets.map((asset) => asset.bytes.toString())).toEqual(['sums']);
  });

  it('an upload whose answer was lost is settled by what GitHub holds, without a duplicate', async () => {
    const release = github.addRelease({ tag_name: '0.1.0' });
    github.inject('uploads', 'POST', /\/assets$/, { drop: true, afterHandling: true });
    connect();

    const { outcome } = await client.uploadAsset((await client.findReleaseByTag('0.1.0'))!, await assetFile('checksums.txt', 'sums'));

    expect(outcome).toBe('already-present');
    expect(release.assets).toHaveLength(1);
  });

  it('refuses a file that is not the size the ledger recorded, before uploading', async () => {
    github.addRelease({ tag_name: '0.1.0' });
    const file = await assetFile('checksums.txt', 'sums');
    connect();
    const error = await failure(client.uploadAsset((await client.findReleaseByTag('0.1.0'))!, { ...file, size: file.size + 1 }));
    expect(error.code).toBe('ECHECKSUM');
    expect(github.mutations()).toEqual([]);
  });

  it('deletes what it uploaded when the bytes sent are not the ledger’s', async () => {
    const release = github.addRelease({ tag_name: '0.1.0' });
    const file = await assetFile('checksums.txt', 'sums');
    connect();
    const error = await failure(client.uploadAsset((await client.findReleaseByTag('0.1.0'))!, { ...file, sha256: '0'.repeat(64) }));
    expect(error.code).toBe('ECHECKSUM');
    expect(release.assets).toEqual([]);
  });

  it('does not send the token to an upload_url on another origin', async () => {
    github.addRelease({ tag_name: '0.1.0' });
    github.uploadsOriginInUrls = github.cdn;
    connect();
    const error = await failure(client.uploadAsset((await client.findReleaseByTag('0.1.0'))!, await assetFile('checksums.txt', 'sums')));
    expect(error.code).toBe('EGITHUB');
    expect(github.requests.filter((request) => request.origin === 'cdn')).toEqual([]);
  });
});

describe('rate limits and time', () => {
  it('waits out a secondary limit for what Retry-After asks, then goes on', async () => {
    github.inject('api', 'GET', /\/releases$/, {
      status: 403,
      headers: { 'retry-after': '0' },
      json: { message: 'You have exceeded a secondary rate limit.' },
    });
    const waits: number[] = [];
    connect({ onRateLimit: (wait) => waits.push(wait.waitMs) });
    expect(await client.listReleases()).toEqual([]);
    expect(waits).toEqual([0]);
    expect(client.stats.requests['releases.list']).toBe(2);
  });

  it('waits until the primary limit resets when that fits the budget', async () => {
    const reset = Math.floor(Date.now() / 1000) - 1;
    github.inject('api', 'GET', /\/releases$/, {
      status: 429,
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) },
      json: { message: 'API rate limit exceeded' },
    });
    const waits: string[] = [];
    connect({ onRateLimit: (wait) => waits.push(wait.kind) });
    await client.listReleases();
    expect(waits).toEqual(['primary']);
  });

  it('fails at once, naming the time, when the primary reset is past the budget', async () => {
    const reset = Math.floor(Date.now() / 1000) + 3600;
    github.inject('api', 'GET', /\/releases$/, {
      status: 403,
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) },
      json: { message: 'API rate limit exceeded' },
    });
    const error = await failure(connect({ budgetMs: 60_000 }).listReleases());
    expect(error.code).toBe('ERATELIMIT');
    expect(error.details.join(' ')).toContain(new Date((reset + 1) * 1000).toISOString().slice(11, 16));
    expect(github.requests).toHaveLength(1);
  });

  it('a secondary limit without Retry-After waits a minute: past a short budget it fails at once', async () => {
    github.inject('api', 'POST', /\/releases$/, {
      status: 403,
      json: { message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.' },
    });
    const error = await failure(connect({ budgetMs: 30_000 }).createDraftRelease(DRAFT));
    expect(error.code).toBe('ERATELIMIT');
    expect(error.message).toMatch(/secondary/);
    expect(github.releases).toEqual([]);
  });

  it('a 403 for missing permissions is not waited on', async () => {
    github.inject('api', 'POST', /\/releases$/, { status: 403, json: { message: 'Resource not accessible by integration' } });
    const error = await failure(connect().createDraftRelease(DRAFT));
    expect(error.code).toBe('EGITHUB');
    expect(error.details.join(' ')).toMatch(/contents: write/);
    expect(client.stats.rateLimitWaits).toBe(0);
  });

  it('retries reads after 5xx and dropped connections', async () => {
    github.inject('api', 'GET', /\/releases$/, { status: 503, json: { message: 'unavailable' } });
    github.inject('api', 'GET', /\/releases$/, { drop: true });
    github.addRelease({ tag_name: '0.1.0' });
    expect(await connect().listReleases()).toHaveLength(1);
    expect(client.stats.retries).toBe(2);
  });

  it('a cancel (Ctrl-C) ends a rate-limit wait at once, with its own reason', async () => {
    github.inject('api', 'GET', /\/releases$/, { status: 429, headers: { 'retry-after': '600' }, json: { message: 'slow down' } });
    const cancel = new AbortController();
    connect({ signal: cancel.signal, onRateLimit: () => cancel.abort(new GlideError('ECANCELLED', 'Cancelled.')) });
    const error = await failure(client.listReleases());
    expect(error.code).toBe('ECANCELLED');
    expect(github.requests).toHaveLength(1);
  });

  it('bounds the whole client by its budget', async () => {
    github.inject('api', 'GET', /\/releases$/, {
      status: 403,
      headers: { 'retry-after': '5' },
      json: { message: 'You have exceeded a secondary rate limit.' },
    });
    const error = await failure(connect({ budgetMs: 2_000 }).listReleases());
    expect(error.code).toBe('ERATELIMIT');
    expect(error.message).toMatch(/past the client's 2 s/);
  });

  it('ends a request that gets no answer when the budget runs out', async () => {
    github.inject('api', 'GET', /\/releases$/, { hang: true });
    const error = await failure(connect({ budgetMs: 1000 }).listReleases());
    expect(error.code).toBe('ENETWORK');
    expect(error.message).toMatch(/did not finish "list the releases" within the client's 1 s/);
    expect(error.details.join(' ')).toMatch(/Run again/);
  });
});
