/**
 * The release's GitHub client, and publish's reader of GitHub built on it, against the GitHub
 * stand-in (API, uploads, CDN on 127.0.0.1, every exchange checked against the REST schema).
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GlideError } from '#contract';
import { GitHubClient, MAX_RELEASE_BODY_CHARS, type AssetFile, type GitHubClientOptions } from '../../release/src/github/client.js';
import type { ReleaseLedger } from '../../release/src/ledger.js';
import { planPublish } from '../../release/src/publish/plan.js';
import { readGithubWorld } from '../../release/src/publish/read-world.js';
import { expectedAssets } from '../../release/src/publish/world.js';
import { COMMIT, ledgerOf } from '../helpers/publish-world.js';
import { startGitHubStandin, type GitHubStandin, type GitHubStandinOptions, type StandinRelease } from '../helpers/github-standin.js';

const REPO = 'EinStack/glide';
const TOKEN = 'ghp_clientStandinSECRETtoken000000000000000';
const PUBLISHED_AT = '2026-01-01T00:00:00Z';
const DRAFT = { tagName: '0.1.0', targetCommitish: 'main', name: 'v0.1.0', body: 'notes', prerelease: false };

let github: GitHubStandin | undefined;
let client: GitHubClient | undefined;
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'github-client-'));
});
afterEach(async () => {
  await client?.close();
  // Fails the test if any request or answer broke GitHub's REST schema.
  await github?.close();
  client = undefined;
  github = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function start(releases: readonly StandinRelease[] = [], options: Partial<GitHubStandinOptions> = {}): Promise<GitHubStandin> {
  github = await startGitHubStandin({ repo: REPO, token: TOKEN, releases, ...options });
  return github;
}

function connect(options: Partial<GitHubClientOptions> = {}): GitHubClient {
  client = new GitHubClient({
    repository: REPO,
    token: TOKEN,
    apiOrigin: github!.apiUrl,
    uploadsOrigin: github!.uploadsUrl,
    proxy: {},
    mutationPauseMs: 0,
    backoffMs: 1,
    ...options,
  });
  return client;
}

async function file(name: string, content: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

async function assetFile(name: string, content: string): Promise<AssetFile> {
  const bytes = Buffer.from(content);
  return { name, path: await file(`upload-${name}`, content), size: bytes.byteLength, sha256: hex(bytes) };
}

function hex(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A draft of 0.1.0 holding `assets` (name → content); `digests: false` as uploaded before GitHub computed them. */
async function draftWith(assets: Readonly<Record<string, string>>, digests = true): Promise<StandinRelease> {
  const paths: Record<string, string> = {};
  for (const [name, content] of Object.entries(assets)) paths[name] = await file(`seed-${name}`, content);
  return {
    tag: '0.1.0',
    body: DRAFT.body,
    prerelease: false,
    draft: true,
    published_at: PUBLISHED_AT,
    assets: paths,
    ...(digests ? {} : { assetDigests: false }),
  };
}

function published(tag: string, day = 1): StandinRelease {
  return { tag, prerelease: tag.includes('-'), published_at: `2026-01-${String(day).padStart(2, '0')}T00:00:00Z`, assets: {} };
}

/** The requests that changed something. */
function mutations(standin: GitHubStandin) {
  return standin.log.filter((request) => request.method !== 'GET' && (request.host === 'api' || request.host === 'uploads'));
}

function calls(standin: GitHubStandin, operation: string) {
  return standin.log.filter((request) => request.operation === operation);
}

function assetsOf(standin: GitHubStandin, tag = '0.1.0') {
  return standin
    .snapshot()
    .releases.find((release) => release.tag === tag)
    ?.assets.map(({ name, size, digest }) => ({ name, size, digest }));
}

async function failure(promise: Promise<unknown>): Promise<GlideError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(GlideError);
  return error as GlideError;
}

async function draftOf(tag = '0.1.0') {
  const found = await client!.findReleaseByTag(tag);
  expect(found?.draft).toBe(true);
  return found!;
}

describe('reading releases', () => {
  it('finds a draft by its tag on a later page of the list (get-by-tag does not show drafts)', async () => {
    // GitHub lists newest first, 100 a page at most: the draft, created before the 100 others, is on page 2.
    const standin = await start([
      ...Array.from({ length: 100 }, (_, i) => published(`0.0.${i + 1}`, 2)),
      { ...(await draftWith({})), published_at: '2025-01-01T00:00:00Z' },
    ]);

    const found = await connect().findReleaseByTag('0.1.0');

    expect(found).toMatchObject({ tagName: '0.1.0', draft: true, publishedAt: null });
    expect(client!.stats.requests['releases.list']).toBe(2);
    expect(calls(standin, 'repos/list-releases')).toHaveLength(2);
    expect(await client!.findReleaseByTag('9.9.9')).toBeUndefined();
  });

  it('refuses to guess between two releases on one tag', async () => {
    await start([await draftWith({}), await draftWith({})]);
    const error = await failure(connect().findReleaseByTag('0.1.0'));
    expect(error.code).toBe('EGITHUB');
    expect(error.details.join(' ')).toMatch(/Delete the extra drafts/);
  });

  it('reads no latest release while only prereleases are published', async () => {
    await start([published('0.1.0-rc.1')]);
    expect(await connect().latestRelease()).toBeUndefined();
  });

  it('reads assets with their digests (null on assets older than digests), and the latest release', async () => {
    const old = { ...published('0.0.1'), assets: { 'old.txt': await file('old.txt', 'x') }, assetDigests: false };
    const rc = { ...published('0.1.0-rc.1', 2), assets: { 'checksums.txt': await file('checksums.txt', 'abc') } };
    await start([old, rc]);
    connect();

    expect((await client!.latestRelease())?.tagName).toBe('0.0.1');
    const assets = await Promise.all((await client!.listReleases()).map((release) => client!.listAssets(release.id)));
    expect(assets.flat().map(({ name, size, digest, state }) => ({ name, size, digest, state }))).toEqual([
      { name: 'checksums.txt', size: 3, digest: `sha256:${hex('abc')}`, state: 'uploaded' },
      { name: 'old.txt', size: 1, digest: null, state: 'uploaded' },
    ]);
  });

  it('does not follow a next page to another origin (the token would go with it)', async () => {
    const standin = await start(Array.from({ length: 101 }, (_, i) => published(`0.0.${i + 1}`)));
    standin.injectFault('repos/list-releases', { kind: 'foreign-origin', origin: standin.cdnUrl });
    const error = await failure(connect().listReleases());
    expect(error.code).toBe('EGITHUB');
    expect(error.message).toContain(`is on ${standin.cdnUrl}`);
    expect(standin.log.filter((request) => request.host === 'cdn')).toEqual([]);
  });
});

describe('creating and publishing', () => {
  it('creates a draft with what it is told, and publishes it with prerelease and make_latest said outright', async () => {
    const standin = await start([published('0.1.0')]);
    connect();
    const draft = await client!.createDraftRelease({ ...DRAFT, tagName: '0.1.1-rc.1', name: 'v0.1.1-rc.1', prerelease: true });
    expect(draft).toMatchObject({ tagName: '0.1.1-rc.1', draft: true, prerelease: true, publishedAt: null });
    expect(standin.snapshot().releases.find((release) => release.tag === '0.1.1-rc.1')).toMatchObject({
      name: 'v0.1.1-rc.1',
      body: 'notes',
      target_commitish: 'main',
      draft: true,
      prerelease: true,
    });
    expect((await client!.publishRelease(draft.id, { prerelease: true, makeLatest: false })).publishedAt).not.toBeNull();

    // A stable of an older line whose draft was made a prerelease, published with both flags said: it
    // ends a stable, and not latest (GitHub's default would have made it latest).
    const patch = await client!.createDraftRelease({ ...DRAFT, tagName: '0.0.4', name: 'v0.0.4', prerelease: true });
    await client!.publishRelease(patch.id, { prerelease: false, makeLatest: false });

    expect(standin.snapshot().latest).toBe('0.1.0');
    expect(standin.snapshot().releases.map(({ tag, draft: isDraft, prerelease }) => [tag, isDraft, prerelease])).toEqual([
      ['0.0.4', false, false],
      ['0.1.0', false, false],
      ['0.1.1-rc.1', false, true],
    ]);
  });

  it('refuses notes over 125,000 characters before asking GitHub', async () => {
    const standin = await start();
    const error = await failure(connect().createDraftRelease({ ...DRAFT, body: 'x'.repeat(MAX_RELEASE_BODY_CHARS + 1) }));
    expect(error.code).toBe('EGITHUB');
    expect(standin.log).toEqual([]);
  });

  it('a create whose answer was lost is looked up, not sent twice', async () => {
    const standin = await start();
    standin.injectFault('repos/create-release', { kind: 'drop', when: 'after-applying' });
    const draft = await connect().createDraftRelease(DRAFT);
    expect(draft.tagName).toBe('0.1.0');
    expect(standin.snapshot().releases).toHaveLength(1);
    expect(calls(standin, 'repos/create-release')).toHaveLength(1);
  });

  it('a create that failed with a 5xx before taking effect is sent again', async () => {
    const standin = await start();
    standin.injectFault('repos/create-release', { kind: 'server-error', status: 502 });
    await connect().createDraftRelease(DRAFT);
    expect(standin.snapshot().releases).toHaveLength(1);
    expect(calls(standin, 'repos/create-release')).toHaveLength(2);
  });

  it('paces mutations: at least the pause between two', async () => {
    const standin = await start();
    const pause = 150;
    connect({ mutationPauseMs: pause });
    const draft = await client!.createDraftRelease(DRAFT);
    await client!.listReleases();
    await client!.publishRelease(draft.id, { prerelease: false, makeLatest: true });
    const [create, publish] = mutations(standin);
    // The pause runs from the create's answer, which came after the stand-in received it: a lower bound that holds under any load.
    expect(publish!.receivedAt - create!.receivedAt).toBeGreaterThanOrEqual(pause);
  });

  it('explains a refused token without printing it, even when the server echoes it', async () => {
    const standin = await start();
    standin.injectFault('repos/list-releases', { kind: 'refusal', status: 401, message: `Bad credentials for ${TOKEN}` });
    const error = await failure(connect().listReleases());
    expect(error.code).toBe('EGITHUB');
    expect(`${error.message} ${error.details.join(' ')}`).not.toContain(TOKEN);
    expect(error.message).toContain('Bad credentials for ***');
    expect(error.details.join(' ')).toMatch(/GITHUB_TOKEN/);
  });
});

describe('uploading assets', () => {
  it('streams the file with its length to the uploads origin', async () => {
    const standin = await start([await draftWith({})]);
    const upload = await assetFile('glide_0.1.0_linux_amd64.tar.gz', 'the archive');
    connect();
    const draft = await draftOf();

    const { asset, outcome } = await client!.uploadAsset(draft, upload);

    expect(outcome).toBe('uploaded');
    expect(asset.digest).toBe(`sha256:${upload.sha256}`);
    const [sent] = mutations(standin);
    expect(sent).toMatchObject({ host: 'uploads', method: 'POST', path: `/repos/${REPO}/releases/${draft.id}/assets?name=glide_0.1.0_linux_amd64.tar.gz` });
    expect(sent!.headers['content-length']).toBe(String(upload.size));
    expect(assetsOf(standin)).toEqual([{ name: upload.name, size: upload.size, digest: `sha256:${upload.sha256}` }]);
    expect(client!.stats.bytesUploaded).toBe(upload.size);
  });

  it('a name already taken by the same bytes is done: nothing deleted, nothing sent again', async () => {
    const standin = await start([await draftWith({ 'checksums.txt': 'sums' })]);
    connect();

    const { outcome } = await client!.uploadAsset(await draftOf(), await assetFile('checksums.txt', 'sums'));

    expect(outcome).toBe('already-present');
    expect(mutations(standin).map((request) => request.operation)).toEqual(['repos/upload-release-asset']);
    expect(assetsOf(standin)).toHaveLength(1);
  });

  it('a name already taken by other bytes is EASSETCONFLICT, and the asset stays', async () => {
    const standin = await start([await draftWith({ 'checksums.txt': 'other sums' })]);
    connect();

    const error = await failure(client!.uploadAsset(await draftOf(), await assetFile('checksums.txt', 'sums')));

    expect(error.code).toBe('EASSETCONFLICT');
    expect(error.details.join(' ')).toMatch(/burned/);
    expect(assetsOf(standin)).toEqual([{ name: 'checksums.txt', size: 10, digest: `sha256:${hex('other sums')}` }]);
  });

  it.each([
    ['the same bytes: done', 'sums', 'already-present'],
    ['other bytes: EASSETCONFLICT', 'other sums', 'EASSETCONFLICT'],
  ])('without a digest on GitHub, the asset is downloaded to compare (token not sent to the CDN): %s', async (_name, stored, expected) => {
    const standin = await start([await draftWith({ 'checksums.txt': stored }, false)]);
    connect();
    const upload = client!.uploadAsset(await draftOf(), await assetFile('checksums.txt', 'sums'));

    if (expected === 'already-present') expect((await upload).outcome).toBe('already-present');
    else expect((await failure(upload)).code).toBe(expected);

    expect(standin.log.filter((request) => request.host === 'cdn').map((request) => request.authorization)).toEqual([false]);
  });

  it('an upload dropped mid-body leaves a half-written asset on the name: deleted and sent again, one asset in the end', async () => {
    const standin = await start([await draftWith({})]);
    standin.injectFault('repos/upload-release-asset', { kind: 'drop', when: 'mid-body' });
    const upload = await assetFile('glide_0.1.0_linux_amd64.tar.gz', 'x'.repeat(300_000));
    connect();

    const { outcome } = await client!.uploadAsset(await draftOf(), upload);

    expect(outcome).toBe('uploaded');
    expect(mutations(standin).map((request) => request.operation)).toEqual([
      'repos/upload-release-asset',
      'repos/delete-release-asset',
      'repos/upload-release-asset',
    ]);
    expect(assetsOf(standin)).toEqual([{ name: upload.name, size: upload.size, digest: `sha256:${upload.sha256}` }]);
  });

  it('an upload cut off on every attempt fails saying how often it was sent, and that the next run replaces what GitHub kept', async () => {
    const standin = await start([await draftWith({})]);
    standin.injectFault('repos/upload-release-asset', { kind: 'drop', when: 'mid-body' }, 2);
    const upload = await assetFile('glide_0.1.0_linux_amd64.tar.gz', 'x'.repeat(300_000));

    const error = await failure(connect({ retries: 1 }).uploadAsset(await draftOf(), upload));

    expect(error.code).toBe('ENETWORK');
    expect(error.message).toMatch(/^127\.0\.0\.1:\d+: "upload glide_0\.1\.0_linux_amd64\.tar\.gz to 0\.1\.0" failed: /);
    expect(error.details[0]).toBe(
      'It was sent 2 times and lost each time. GitHub may keep the last one as an unfinished asset of the draft: the next run deletes it and uploads again.',
    );
    expect(assetsOf(standin)).toEqual([{ name: upload.name, size: 0, digest: null }]);
  });

  it('an upload whose answer was lost is settled by what GitHub holds, without a duplicate', async () => {
    const standin = await start([await draftWith({})]);
    standin.injectFault('repos/upload-release-asset', { kind: 'drop', when: 'after-applying' });
    connect();

    const { outcome } = await client!.uploadAsset(await draftOf(), await assetFile('checksums.txt', 'sums'));

    expect(outcome).toBe('already-present');
    expect(assetsOf(standin)).toHaveLength(1);
  });

  it('refuses a file that is not the size the ledger recorded, before uploading', async () => {
    const standin = await start([await draftWith({})]);
    const upload = await assetFile('checksums.txt', 'sums');
    connect();
    const error = await failure(client!.uploadAsset(await draftOf(), { ...upload, size: upload.size + 1 }));
    expect(error.code).toBe('ECHECKSUM');
    expect(mutations(standin)).toEqual([]);
  });

  it('deletes what it uploaded when the bytes sent are not the ledger’s', async () => {
    const standin = await start([await draftWith({})]);
    const upload = await assetFile('checksums.txt', 'sums');
    connect();
    const error = await failure(client!.uploadAsset(await draftOf(), { ...upload, sha256: '0'.repeat(64) }));
    expect(error.code).toBe('ECHECKSUM');
    expect(assetsOf(standin)).toEqual([]);
  });

  it('does not send the token to an upload_url on another origin (a rewritten release)', async () => {
    const standin = await start([await draftWith({})]);
    standin.injectFault('repos/list-releases', { kind: 'foreign-origin', origin: standin.cdnUrl });
    connect();
    const draft = await draftOf();
    expect(new URL(draft.uploadUrl.replace(/\{.*\}$/, '')).origin).toBe(standin.cdnUrl);

    const error = await failure(client!.uploadAsset(draft, await assetFile('checksums.txt', 'sums')));

    expect(error.code).toBe('EGITHUB');
    expect(error.message).toContain('the token is not sent there');
    expect(standin.log.filter((request) => request.host === 'cdn' || request.host === 'uploads')).toEqual([]);
  });
});

describe('where the token goes', () => {
  it('downloads an asset whose url a rewritten answer moved to another origin without the token', async () => {
    const standin = await start([await draftWith({ 'checksums.txt': 'sums' }, false)]);
    standin.injectFault('repos/list-releases', { kind: 'foreign-origin', origin: standin.cdnUrl });
    connect();
    const [asset] = (await draftOf()).assets;
    expect(new URL(asset!.url).origin).toBe(standin.cdnUrl);

    await failure(client!.assetDigest(asset!));

    expect(standin.log.filter((request) => request.host === 'cdn').map(({ method, authorization }) => [method, authorization])).toEqual([['GET', false]]);
  });
});

describe('downloading assets', () => {
  it('downloads to a file, streamed and hashed, the same bytes after a 5xx retry', async () => {
    const content = 'sha256-of-me\n'.repeat(10_000);
    const standin = await start([await draftWith({ 'glide_v0.1.0_linux_amd64.tar.gz': content })]);
    standin.injectFault('repos/get-release-asset', { kind: 'server-error', status: 502 });
    connect();
    const [asset] = (await draftOf()).assets;
    const path = join(dir, 'downloaded');

    const digest = await client!.downloadAssetToFile(asset!, path);

    expect(await readFile(path, 'utf8')).toBe(content);
    expect(digest).toBe(`sha256:${createHash('sha256').update(content).digest('hex')}`);
    expect(digest).toBe(asset!.digest);
    expect(client!.stats.retries).toBe(1);
  });
});

describe('rate limits and time', () => {
  it('waits out a secondary limit for what Retry-After asks, then goes on', async () => {
    const standin = await start();
    standin.injectFault('repos/list-releases', { kind: 'secondary-rate-limit', status: 403, retryAfterSeconds: 0 });
    const waits: number[] = [];
    connect({ onRateLimit: (wait) => waits.push(wait.waitMs) });
    expect(await client!.listReleases()).toEqual([]);
    expect(waits).toEqual([0]);
    expect(client!.stats.requests['releases.list']).toBe(2);
  });

  it('waits until the primary limit resets when that fits the budget', async () => {
    const standin = await start();
    standin.injectFault('repos/list-releases', { kind: 'primary-rate-limit', status: 429, resetEpochSeconds: Math.floor(Date.now() / 1000) - 1 });
    const waits: string[] = [];
    connect({ onRateLimit: (wait) => waits.push(wait.kind) });
    await client!.listReleases();
    expect(waits).toEqual(['primary']);
  });

  it('fails at once, naming the time, when the primary reset is past the budget', async () => {
    const standin = await start();
    const reset = Math.floor(Date.now() / 1000) + 3600;
    standin.injectFault('repos/list-releases', { kind: 'primary-rate-limit', status: 403, resetEpochSeconds: reset });
    const error = await failure(connect({ budgetMs: 60_000 }).listReleases());
    expect(error.code).toBe('ERATELIMIT');
    expect(error.details.join(' ')).toContain(new Date((reset + 1) * 1000).toISOString().slice(11, 16));
    expect(standin.log).toHaveLength(1);
  });

  it('a secondary limit without Retry-After waits a minute: past a short budget it fails at once', async () => {
    const standin = await start();
    standin.injectFault('repos/create-release', { kind: 'secondary-rate-limit', status: 403 });
    const error = await failure(connect({ budgetMs: 30_000 }).createDraftRelease(DRAFT));
    expect(error.code).toBe('ERATELIMIT');
    expect(error.message).toMatch(/secondary/);
    expect(standin.snapshot().releases).toEqual([]);
  });

  it('a 403 for missing permissions is not waited on', async () => {
    const standin = await start();
    standin.injectFault('repos/create-release', { kind: 'refusal', status: 403, message: 'Resource not accessible by integration' });
    const error = await failure(connect().createDraftRelease(DRAFT));
    expect(error.code).toBe('EGITHUB');
    expect(error.details.join(' ')).toMatch(/contents: write/);
    expect(client!.stats.rateLimitWaits).toBe(0);
  });

  it('retries reads after 5xx and dropped connections', async () => {
    const standin = await start([await draftWith({})]);
    standin.injectFault('repos/list-releases', { kind: 'server-error', status: 503 });
    standin.injectFault('repos/list-releases', { kind: 'drop', when: 'before-applying' });
    expect(await connect().listReleases()).toHaveLength(1);
    expect(client!.stats.retries).toBe(2);
  });

  it('a cancel (Ctrl-C) ends a rate-limit wait at once, with its own reason', async () => {
    const standin = await start();
    standin.injectFault('repos/list-releases', { kind: 'secondary-rate-limit', status: 429, retryAfterSeconds: 600 });
    const cancel = new AbortController();
    connect({ signal: cancel.signal, onRateLimit: () => cancel.abort(new GlideError('ECANCELLED', 'Cancelled.')) });
    const error = await failure(client!.listReleases());
    expect(error.code).toBe('ECANCELLED');
    expect(standin.log).toHaveLength(1);
  });

  it('bounds the whole client by its budget', async () => {
    const standin = await start();
    standin.injectFault('repos/list-releases', { kind: 'secondary-rate-limit', status: 403, retryAfterSeconds: 5 });
    const error = await failure(connect({ budgetMs: 2_000 }).listReleases());
    expect(error.code).toBe('ERATELIMIT');
    expect(error.message).toMatch(/past the client's 2 s/);
  });

  it('ends a request that gets no answer when the budget runs out', async () => {
    const standin = await start();
    standin.injectFault('repos/list-releases', { kind: 'hang' });
    const error = await failure(connect({ budgetMs: 1000 }).listReleases());
    expect(error.code).toBe('ENETWORK');
    expect(error.message).toMatch(/did not finish "list the releases" within the client's 1 s/);
    expect(error.details.join(' ')).toMatch(/Run again/);
  });
});

describe("publish's reader (readGithubWorld) and plan, on the draft a failed run left", () => {
  /** The ledger of 0.1.0 (two archives and the checksums file), each artifact `the bytes of {name}` on disk. */
  function ledgerOfContents(): ReleaseLedger {
    const base = ledgerOf('0.1.0');
    const artifacts = base.artifacts.map((artifact) => {
      const bytes = Buffer.from(`the bytes of ${artifact.path.slice(base.tag.length + 1)}`);
      return { ...artifact, size: bytes.length, sha256: hex(bytes) };
    });
    return { ...base, artifacts };
  }

  /** The draft holds the first archive as uploaded before GitHub computed digests (`first`), and the second half-written. */
  async function draftLeftBehind(ledger: ReleaseLedger, first: string): Promise<GitHubStandin> {
    const [archive, second] = expectedAssets(ledger);
    const standin = await start([await draftWith({ [archive!.name]: first }, false)], { tags: { [ledger.tag]: COMMIT } });
    standin.injectFault('repos/upload-release-asset', { kind: 'drop', when: 'mid-body' });
    const cut = await connect({ retries: 0 })
      .uploadAsset(await draftOf(), await assetFile(second!.name, 'x'.repeat(300_000)))
      .then(
        () => 'uploaded',
        () => 'cut',
      );
    expect(cut).toBe('cut');
    return standin;
  }

  it('the half-written asset is not there: deleted, then uploaded again; the digestless one is downloaded, found equal, kept', async () => {
    const ledger = ledgerOfContents();
    const [archive, second, checksums] = expectedAssets(ledger);
    const standin = await draftLeftBehind(ledger, `the bytes of ${archive!.name}`);

    const { world } = await readGithubWorld(client!, ledger);

    const assets = world.releases[0]!.assets;
    const halfWritten = assets.find((asset) => asset.name === second!.name);
    expect(halfWritten).toEqual({ id: halfWritten!.id, name: second!.name, size: 0, state: 'open' });
    expect(assets.find((asset) => asset.name === archive!.name)).toMatchObject({ state: 'uploaded', digest: `sha256:${archive!.sha256}` });
    // The digestless asset alone was downloaded, anonymously, from the CDN; the half-written one was not.
    expect(standin.log.filter((request) => request.host === 'cdn').map((request) => request.authorization)).toEqual([false]);

    const plan = planPublish(ledger, world, { defaultDistro: 'alpine', body: DRAFT.body, only: 'github' });
    const steps = plan.mutations.map((mutation) =>
      mutation.kind === 'delete-asset'
        ? `delete ${mutation.asset} ${mutation.name}`
        : mutation.kind === 'upload-asset'
          ? `upload ${mutation.asset.name}`
          : mutation.kind,
    );
    expect(steps).toEqual([`delete ${halfWritten!.id} ${second!.name}`, `upload ${second!.name}`, `upload ${checksums!.name}`, 'publish-release']);
  });

  it('a digestless asset whose downloaded bytes differ is refused by name, not skipped', async () => {
    const ledger = ledgerOfContents();
    const [archive] = expectedAssets(ledger);
    await draftLeftBehind(ledger, 'other bytes');

    const { world } = await readGithubWorld(client!, ledger);

    expect(() => planPublish(ledger, world, { defaultDistro: 'alpine', body: DRAFT.body, only: 'github' })).toThrow(
      expect.objectContaining({
        code: 'ERELEASECONFLICT',
        details: expect.arrayContaining([
          `${archive!.name} is 11 bytes sha256:${hex('other bytes')}, the ledger's is ${archive!.size} bytes sha256:${archive!.sha256}`,
        ]),
      }),
    );
  });
});
