import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadGitHubSchema } from '../helpers/github-schema.js';
import { BODY_LIMIT, startGitHubStandin, type GitHubStandin, type GitHubStandinOptions, type StandinFault } from '../helpers/github-standin.js';

// The writable GitHub that the release pipeline's tests publish to: it must behave like GitHub where
// a publisher can get it wrong (drafts, immutability, latest, conflicts, limits, faults).

const TOKEN = 'ghp_releaseStandinToken0000000000000000000';
const REPO = 'EinStack/glide';
const SHA = 'a'.repeat(40);
const FIXTURES = 'node_modules/@octokit/fixtures/scenarios/api.github.com';

interface FixtureCall {
  scope: string;
  method: string;
  path: string;
  body: unknown;
  status: number;
  response: unknown;
  reqheaders: Record<string, string | number>;
}

let clock: Date;
let github: GitHubStandin;

async function start(overrides: Partial<GitHubStandinOptions> = {}) {
  github = await startGitHubStandin({ repo: REPO, token: TOKEN, releases: [], now: () => clock, ...overrides });
}

function api(path: string, init: { method?: string; body?: unknown; token?: string | null; headers?: Record<string, string> } = {}) {
  const token = init.token === undefined ? TOKEN : init.token;
  return fetch(`${github.apiUrl}/repos/${REPO}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      accept: 'application/vnd.github+json',
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...init.headers,
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
}

interface ReleaseJson {
  id: number;
  tag_name: string;
  draft: boolean;
  prerelease: boolean;
  published_at: string | null;
  upload_url: string;
  assets: { id: number; name: string; digest: string; browser_download_url: string }[];
}

async function createRelease(body: Record<string, unknown>): Promise<ReleaseJson> {
  const response = await api('/releases', { method: 'POST', body });
  expect(response.status).toBe(201);
  return (await response.json()) as ReleaseJson;
}

/** Expands the RFC 6570 `{?name,label}` template GitHub sends as `upload_url`. */
function uploadUrl(release: ReleaseJson, name: string): string {
  return `${release.upload_url.replace(/\{\?name,label\}$/, '')}?name=${encodeURIComponent(name)}`;
}

function upload(release: ReleaseJson, name: string, bytes: Buffer) {
  return fetch(uploadUrl(release, name), {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/octet-stream', 'content-length': String(bytes.length) },
    body: bytes,
  });
}

/** The one asset of `name` on the draft is a half-written upload: listed as open and empty, never downloadable. */
async function expectHalfWritten(draft: ReleaseJson, name: string): Promise<{ id: number }> {
  const listed = (await (await api(`/releases/${draft.id}/assets`)).json()) as {
    id: number;
    name: string;
    state: string;
    size: number;
    digest: string | null;
  }[];
  expect(listed.map(({ name: listedName, state, size, digest }) => ({ name: listedName, state, size, digest }))).toEqual([
    { name, state: 'open', size: 0, digest: null },
  ]);
  const [open] = listed;
  expect((await api(`/releases/assets/${open!.id}`, { headers: { accept: 'application/octet-stream' } })).status).toBe(404);
  return open!;
}

const publish = (release: ReleaseJson, extra: Record<string, unknown> = {}) =>
  api(`/releases/${release.id}`, { method: 'PATCH', body: { draft: false, ...extra } });

beforeEach(() => {
  clock = new Date('2026-01-01T00:00:00Z');
});

describe('replays the recorded @octokit/fixtures scenarios', () => {
  afterEach(async () => {
    await github.close();
  });

  it.each(['release-assets', 'release-assets-conflict'])(
    '%s: same statuses, every recorded field, same values where they are not ids or URLs',
    async (scenario) => {
      const calls = JSON.parse(await readFile(join(FIXTURES, scenario, 'normalized-fixture.json'), 'utf8')) as FixtureCall[];
      const recordedRepo = `octokit-fixture-org/${scenario}`;
      // The recordings predate immutable releases: they upload to a published release.
      await start({
        immutableReleases: false,
        releases: [{ tag: 'v1.0.0', name: 'Version 1.0.0', prerelease: false, published_at: '2026-01-01T00:00:00Z', assets: {} }],
      });
      if (scenario === 'release-assets-conflict') {
        // The conflict scenario starts with the asset already there, as the plain scenario uploads it.
        const release = (await (await api('/releases/tags/v1.0.0')).json()) as ReleaseJson;
        const seeded = await fetch(`${uploadUrl(release, 'test-upload.txt')}&label=test`, {
          method: 'POST',
          headers: { authorization: `token ${TOKEN}`, 'content-type': 'text/plain' },
          body: 'Hello, world!\n',
        });
        expect(seeded.status).toBe(201);
      }
      const ids = new Map<string, string>();
      for (const call of calls) {
        const origin = call.scope.startsWith('https://uploads.') ? github.uploadsUrl : github.apiUrl;
        // Recorded ids (1000) stand for whatever ids the stand-in handed out for the same things.
        const path = call.path.replace(recordedRepo, REPO).replace(/\/(releases|assets)\/(\d+)/g, (whole, kind: string, id: string) => {
          const ours = ids.get(`${kind}:${id}`);
          return ours === undefined ? whole : `/${kind}/${ours}`;
        });
        const headers: Record<string, string> = {};
        for (const [key, value] of Object.entries(call.reqheaders)) if (key !== 'host' && key !== 'content-length') headers[key] = String(value);
        headers.authorization = `token ${TOKEN}`;
        const body = call.body === '' ? undefined : typeof call.body === 'string' ? call.body : JSON.stringify(call.body);
        const response = await fetch(`${origin}${path}`, { method: call.method.toUpperCase(), headers, ...(body === undefined ? {} : { body }) });
        expect(`${call.method} ${call.path} ${response.status}`).toBe(`${call.method} ${call.path} ${call.status}`);
        const text = await response.text();
        if (call.status === 204) {
          expect(text).toBe('');
          continue;
        }
        const ours = JSON.parse(text) as unknown;
        const recorded = call.response;
        const pairs = Array.isArray(recorded) ? recorded.map((item, index) => [item, (ours as unknown[])[index]] as const) : [[recorded, ours] as const];
        for (const [want, got] of pairs) {
          const wanted = want as Record<string, unknown>;
          const served = got as Record<string, unknown>;
          expect(Object.keys(wanted).filter((key) => !(key in served))).toEqual([]);
          for (const key of ['name', 'label', 'state', 'size', 'content_type', 'draft', 'prerelease', 'tag_name', 'message', 'errors']) {
            if (key in wanted) expect([key, served[key]]).toEqual([key, wanted[key]]);
          }
          if (call.path.endsWith('/releases/tags/v1.0.0')) ids.set('releases:1000', String(served.id));
          if (typeof wanted.id === 'number' && 'browser_download_url' in wanted) ids.set(`assets:${wanted.id}`, String(served.id));
        }
      }
      expect(github.takeViolations()).toEqual([]);
    },
  );
});

describe('writable releases', () => {
  beforeEach(async () => {
    await start({ tags: { '0.0.9': SHA } });
  });

  afterEach(async () => {
    await github.close();
  });

  it('hides a draft from get-by-tag and from other tokens, shows it to its owner by id and in the list', async () => {
    const draft = await createRelease({ tag_name: '0.1.0-rc.1', name: 'v0.1.0-rc.1', draft: true, prerelease: true, target_commitish: SHA });
    expect(draft).toMatchObject({ draft: true, published_at: null, tag_name: '0.1.0-rc.1' });
    expect((await api('/releases/tags/0.1.0-rc.1')).status).toBe(404);
    expect((await api(`/releases/${draft.id}`)).status).toBe(200);
    expect((await api(`/releases/${draft.id}`, { token: null })).status).toBe(404);
    expect(((await (await api('/releases')).json()) as ReleaseJson[]).map((release) => release.id)).toEqual([draft.id]);
    expect(await (await api('/releases', { token: null })).json()).toEqual([]);
  });

  it('publishes a draft at the server clock, makes its tag at the target commit, then serves it by tag', async () => {
    const draft = await createRelease({ tag_name: '0.1.0', draft: true, target_commitish: SHA });
    clock = new Date('2026-01-02T03:04:05.678Z');
    const published = (await (await publish(draft)).json()) as ReleaseJson;
    expect(published).toMatchObject({ draft: false, published_at: '2026-01-02T03:04:05Z' });
    expect(await (await api('/releases/tags/0.1.0')).json()).toMatchObject({ id: draft.id });
    expect(await (await api('/git/ref/tags/0.1.0')).json()).toMatchObject({ ref: 'refs/tags/0.1.0', object: { sha: SHA, type: 'commit' } });
    expect(await (await api('/git/ref/tags/0.0.9')).json()).toMatchObject({ object: { sha: SHA, type: 'commit' } });
    expect((await api('/git/ref/tags/9.9.9')).status).toBe(404);
  });

  it('serves an annotated tag as git does: its ref names a tag object, which names the commit', async () => {
    await github.close();
    await start({ tags: { '0.1.0': SHA }, annotatedTags: ['0.1.0'] });
    const ref = (await (await api('/git/ref/tags/0.1.0')).json()) as { object: { sha: string; type: string } };
    expect(ref.object.type).toBe('tag');
    expect(ref.object.sha).not.toBe(SHA);
    expect(await (await api(`/git/tags/${ref.object.sha}`)).json()).toMatchObject({ tag: '0.1.0', object: { sha: SHA, type: 'commit' } });
    expect((await api(`/git/tags/${'f'.repeat(40)}`)).status).toBe(404);
  });

  it('uploads to the upload_url host with a sha256 digest; the bytes come back through the download link', async () => {
    const draft = await createRelease({ tag_name: '0.1.0', draft: true });
    expect(new URL(draft.upload_url.replace(/\{.*\}$/, '')).origin).toBe(github.uploadsUrl);
    const bytes = randomBytes(70_000);
    const uploaded = await upload(draft, 'glide_0.1.0_linux_amd64.tar.gz', bytes);
    expect(uploaded.status).toBe(201);
    const asset = (await uploaded.json()) as ReleaseJson['assets'][number] & { size: number };
    expect(asset).toMatchObject({ size: bytes.length, digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}` });
    // Uploads belong to the uploads host: the API host does not take them.
    const wrongHost = await fetch(`${github.apiUrl}/repos/${REPO}/releases/${draft.id}/assets?name=x`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/octet-stream' },
      body: bytes,
    });
    expect(wrongHost.status).toBe(404);
    await publish(draft);
    const downloaded = await fetch(asset.browser_download_url);
    expect(Buffer.from(await downloaded.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it('serves assets from before GitHub computed digests with digest null, which the schema allows', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'github-standin-')), 'old.tar.gz');
    await writeFile(file, 'old bytes');
    await github.close();
    await start({ releases: [{ tag: '0.0.1', prerelease: false, published_at: '2024-01-01T00:00:00Z', assets: { 'old.tar.gz': file }, assetDigests: false }] });
    const [asset] = ((await (await api('/releases/tags/0.0.1')).json()) as ReleaseJson).assets;
    expect(asset).toMatchObject({ name: 'old.tar.gz', digest: null });
    expect(github.snapshot().releases[0]?.assets).toMatchObject([{ name: 'old.tar.gz', size: 9, digest: null }]);
    await rm(dirname(file), { recursive: true, force: true });
  });

  it("lets the token download a draft's asset through the API (the way to compare bytes when a digest is missing)", async () => {
    const draft = await createRelease({ tag_name: '0.1.0', draft: true });
    const bytes = randomBytes(5000);
    const asset = (await (await upload(draft, 'a.tar.gz', bytes)).json()) as { id: number; browser_download_url: string };
    // A draft has no public download yet.
    expect((await fetch(asset.browser_download_url)).status).toBe(404);
    const viaApi = await api(`/releases/assets/${asset.id}`, { headers: { accept: 'application/octet-stream' } });
    expect(Buffer.from(await viaApi.arrayBuffer()).equals(bytes)).toBe(true);
    expect(github.log.filter((entry) => entry.host === 'cdn').map((entry) => entry.authorization)).toEqual([false]);
  });

  it('answers a second upload of a name with 422 already_exists, as the recorded conflict does', async () => {
    const draft = await createRelease({ tag_name: '0.1.0', draft: true });
    expect((await upload(draft, 'checksums.txt', Buffer.from('one'))).status).toBe(201);
    const conflict = await upload(draft, 'checksums.txt', Buffer.from('two'));
    expect(conflict.status).toBe(422);
    expect(await conflict.json()).toMatchObject({
      message: 'Validation Failed',
      errors: [{ resource: 'ReleaseAsset', code: 'already_exists', field: 'name' }],
    });
  });

  it('refuses an upload without Content-Length (a chunked stream) with 400 Bad Content-Length, as uploads.github.com does', async () => {
    const draft = await createRelease({ tag_name: '0.1.0', draft: true });
    const chunked = await fetch(uploadUrl(draft, 'a.txt'), {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/octet-stream' },
      body: new Blob([randomBytes(1000)]).stream(),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(400);
    expect(await chunked.json()).toMatchObject({ message: 'Bad Content-Length: ' });
    expect(github.snapshot().releases[0]?.assets).toEqual([]);
  });

  it('keeps what GitHub keeps of an upload whose client hung up halfway: an empty asset in state open, its name taken until deleted', async () => {
    const draft = await createRelease({ tag_name: '0.1.0', draft: true });
    const target = new URL(uploadUrl(draft, 'a.txt'));
    const socket = connect(Number(target.port), target.hostname);
    await new Promise<void>((done) => socket.once('connect', done));
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    socket.write(
      `POST ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\nAuthorization: Bearer ${TOKEN}\r\n` +
        'Content-Type: application/octet-stream\r\nContent-Length: 100000\r\n\r\npartial',
      () => socket.destroy(),
    );
    await closed;
    await vi.waitFor(() => expect(github.snapshot().releases[0]?.assets).toHaveLength(1));
    await expectHalfWritten(draft, 'a.txt');
  });

  it('refuses an upload on the name of an unfinished one (422 already_exists) and takes it again once that is deleted', async () => {
    const draft = await createRelease({ tag_name: '0.1.0', draft: true });
    github.injectFault('repos/upload-release-asset', { kind: 'drop', when: 'mid-body' });
    await expect(upload(draft, 'a.tar.gz', randomBytes(300_000))).rejects.toThrow();
    const open = await expectHalfWritten(draft, 'a.tar.gz');
    const again = await upload(draft, 'a.tar.gz', Buffer.from('whole'));
    expect(again.status).toBe(422);
    expect(await again.json()).toMatchObject({ errors: [{ resource: 'ReleaseAsset', code: 'already_exists', field: 'name' }] });
    expect((await api(`/releases/assets/${open.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await upload(draft, 'a.tar.gz', Buffer.from('whole'))).status).toBe(201);
    expect(((await (await api(`/releases/${draft.id}/assets`)).json()) as { state: string; size: number }[]).map(({ state, size }) => [state, size])).toEqual([
      ['uploaded', 5],
    ]);
  });

  it('leaves nothing of an upload cut off mid-body when the release does not take uploads (published, immutable)', async () => {
    const draft = await createRelease({ tag_name: '0.1.0', draft: true });
    await publish(draft);
    github.injectFault('repos/upload-release-asset', { kind: 'drop', when: 'mid-body' });
    await expect(upload(draft, 'a.tar.gz', randomBytes(300_000))).rejects.toThrow();
    expect(github.snapshot().releases[0]?.assets).toEqual([]);
  });

  it('takes one of two concurrent uploads of a name and refuses the other', async () => {
    const draft = await createRelease({ tag_name: '0.1.0', draft: true });
    const answers = await Promise.all([upload(draft, 'a.txt', randomBytes(200_000)), upload(draft, 'a.txt', randomBytes(200_000))]);
    expect(answers.map((response) => response.status).sort()).toEqual([201, 422]);
    expect(github.snapshot().releases[0]?.assets).toHaveLength(1);
  });

  it('keeps a published release immutable: no uploads, no asset deletes, no new tag, no way back to draft', async () => {
    const draft = await createRelease({ tag_name: '0.1.0', draft: true });
    const asset = (await (await upload(draft, 'a.txt', Buffer.from('a'))).json()) as { id: number };
    await publish(draft);
    const refusals = [
      await upload(draft, 'b.txt', Buffer.from('b')),
      await api(`/releases/assets/${asset.id}`, { method: 'DELETE' }),
      await api(`/releases/${draft.id}`, { method: 'PATCH', body: { tag_name: '0.1.1' } }),
      await api(`/releases/${draft.id}`, { method: 'PATCH', body: { draft: true } }),
    ];
    expect(refusals.map((response) => response.status)).toEqual([422, 422, 422, 422]);
    expect(github.snapshot().releases[0]?.assets.map((served) => served.name)).toEqual(['a.txt']);
    // Notes stay editable, as on GitHub.
    expect((await api(`/releases/${draft.id}`, { method: 'PATCH', body: { body: 'edited' } })).status).toBe(200);
  });

  it('refuses a second published release of a tag, but lets drafts of it pile up (the duplicates a re-run must not make)', async () => {
    await createRelease({ tag_name: '0.1.0', draft: false });
    const again = await api('/releases', { method: 'POST', body: { tag_name: '0.1.0' } });
    expect(again.status).toBe(422);
    expect(await again.json()).toMatchObject({ errors: [{ resource: 'Release', code: 'already_exists', field: 'tag_name' }] });
    const first = await createRelease({ tag_name: '0.2.0', draft: true });
    const second = await createRelease({ tag_name: '0.2.0', draft: true });
    expect(github.snapshot().releases.map((release) => [release.tag, release.draft])).toEqual([
      ['0.1.0', false],
      ['0.2.0', true],
      ['0.2.0', true],
    ]);
    expect((await publish(first)).status).toBe(200);
    const refused = await publish(second);
    expect(refused.status).toBe(422);
    expect(await refused.json()).toMatchObject({ errors: [{ resource: 'Release', code: 'already_exists', field: 'tag_name' }] });
  });

  it.each([
    ['create', BODY_LIMIT, 201],
    ['create', BODY_LIMIT + 1, 422],
    ['update', BODY_LIMIT, 200],
    ['update', BODY_LIMIT + 1, 422],
  ])('%s with a body of %i characters answers %i', async (action, length, status) => {
    const body = 'x'.repeat(length);
    if (action === 'create') {
      const response = await api('/releases', { method: 'POST', body: { tag_name: '0.1.0', draft: true, body } });
      expect(response.status).toBe(status);
      if (status === 422) expect(await response.json()).toMatchObject({ errors: [{ field: 'body', code: 'custom' }] });
    } else {
      const draft = await createRelease({ tag_name: '0.1.0', draft: true });
      expect((await api(`/releases/${draft.id}`, { method: 'PATCH', body: { body } })).status).toBe(status);
    }
  });

  it('deletes drafts and their assets', async () => {
    const draft = await createRelease({ tag_name: '0.1.0', draft: true });
    const asset = (await (await upload(draft, 'a.txt', Buffer.from('a'))).json()) as { id: number };
    expect((await api(`/releases/assets/${asset.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await api(`/releases/${draft.id}/assets`)).status).toBe(200);
    expect(await (await api(`/releases/${draft.id}/assets`)).json()).toEqual([]);
    expect((await api(`/releases/${draft.id}`, { method: 'DELETE' })).status).toBe(204);
    expect(github.snapshot().releases).toEqual([]);
  });

  it('pages the assets of a release 30 at a time with Link headers', async () => {
    const draft = await createRelease({ tag_name: '0.1.0', draft: true });
    for (let index = 0; index < 31; index += 1) await upload(draft, `asset-${String(index).padStart(2, '0')}.txt`, Buffer.from(String(index)));
    const first = await api(`/releases/${draft.id}/assets`);
    expect(((await first.json()) as unknown[]).length).toBe(30);
    const next = /<([^>]+)>; rel="next"/.exec(first.headers.get('link') ?? '')?.[1];
    expect(next).toBeDefined();
    const second = await fetch(next ?? '', { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(((await second.json()) as { name: string }[]).map((asset) => asset.name)).toEqual(['asset-30.txt']);
  });

  it('refuses writes without the token', async () => {
    expect((await api('/releases', { method: 'POST', body: { tag_name: '0.1.0' }, token: null })).status).toBe(401);
    expect((await api('/releases', { method: 'POST', body: { tag_name: '0.1.0' }, token: 'ghp_wrong' })).status).toBe(401);
    expect(github.snapshot().releases).toEqual([]);
  });
});

describe('"latest"', () => {
  beforeEach(async () => {
    await start();
  });

  afterEach(async () => {
    await github.close();
  });

  /** Creates a draft and publishes it a day later, as publish will. */
  async function release(tag: string, prerelease: boolean, makeLatest?: 'true' | 'false' | 'legacy') {
    const draft = await createRelease({ tag_name: tag, name: `v${tag}`, draft: true, prerelease });
    clock = new Date(clock.getTime() + 86_400_000);
    expect((await publish(draft, makeLatest === undefined ? {} : { make_latest: makeLatest })).status).toBe(200);
  }

  const latestTag = async () => {
    const response = await api('/releases/latest');
    return response.status === 404 ? null : ((await response.json()) as ReleaseJson).tag_name;
  };

  it('follows an explicit make_latest; prereleases never take it; legacy is the most recently published stable', async () => {
    await release('0.1.0-rc.1', true, 'true');
    expect([await latestTag(), github.snapshot().latest]).toEqual([null, null]);
    await release('0.1.0', false, 'true');
    await release('0.1.1-rc.1', true, 'true');
    await release('0.0.4', false, 'false');
    expect(await latestTag()).toBe('0.1.0');
    const page = await fetch(`${github.webUrl}/${REPO}/releases/latest`, { redirect: 'manual' });
    expect(page.headers.get('location')).toMatch(/\/releases\/tag\/0\.1\.0$/);
    await release('0.0.5', false, 'legacy');
    expect(await latestTag()).toBe('0.0.5');
    await release('0.0.6', false);
    expect(github.snapshot()).toEqual({
      latest: '0.0.6',
      tags: {},
      releases: [
        ['0.0.4', false, '2026-01-05T00:00:00Z'],
        ['0.0.5', false, '2026-01-06T00:00:00Z'],
        ['0.0.6', true, '2026-01-07T00:00:00Z'],
        ['0.1.0-rc.1', false, '2026-01-02T00:00:00Z'],
        ['0.1.0', false, '2026-01-03T00:00:00Z'],
        ['0.1.1-rc.1', false, '2026-01-04T00:00:00Z'],
      ].map(([tag, latest, published_at]) => ({
        tag,
        name: `v${String(tag)}`,
        draft: false,
        prerelease: String(tag).includes('-rc.'),
        latest,
        published_at,
        target_commitish: 'main',
        body: null,
        assets: [],
      })),
    });
  });

  it('keeps a prerelease created published from taking latest, and moves latest off a release turned prerelease', async () => {
    await release('0.0.4', false, 'true');
    await release('0.1.0', false, 'true');
    await createRelease({ tag_name: '0.2.0-rc.1', prerelease: true, make_latest: 'true' });
    expect(await latestTag()).toBe('0.1.0');
    const latest = (await (await api('/releases/latest')).json()) as ReleaseJson;
    expect((await api(`/releases/${latest.id}`, { method: 'PATCH', body: { prerelease: true } })).status).toBe(200);
    expect(await latestTag()).toBe('0.0.4');
  });

  it('falls back to the legacy rule when the latest release is deleted', async () => {
    await release('0.0.4', false, 'true');
    await release('0.1.0', false, 'true');
    const latest = (await (await api('/releases/latest')).json()) as ReleaseJson;
    expect((await api(`/releases/${latest.id}`, { method: 'DELETE' })).status).toBe(204);
    expect(await latestTag()).toBe('0.0.4');
  });
});

describe('fault injection', () => {
  beforeEach(async () => {
    await start();
  });

  afterEach(async () => {
    await github.close();
  });

  it.each<[string, StandinFault, number, Record<string, string>, RegExp]>([
    ['secondary 403', { kind: 'secondary-rate-limit', status: 403, retryAfterSeconds: 7 }, 403, { 'retry-after': '7' }, /secondary rate limit/],
    ['secondary 429', { kind: 'secondary-rate-limit', status: 429, retryAfterSeconds: 3 }, 429, { 'retry-after': '3' }, /secondary rate limit/],
    [
      'primary 403',
      { kind: 'primary-rate-limit', status: 403, resetEpochSeconds: 1_900_000_000 },
      403,
      { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1900000000' },
      /API rate limit exceeded/,
    ],
    ['server error', { kind: 'server-error', status: 502 }, 502, {}, /Server Error/],
  ])('%s: the next N calls to the operation fail as GitHub does, then it answers again', async (_name, fault, status, headers, message) => {
    github.injectFault('repos/create-release', fault, 2);
    for (let attempt = 0; attempt < 2; attempt += 1) {
      // Other operations are not affected.
      expect((await api('/releases')).status).toBe(200);
      const refused = await api('/releases', { method: 'POST', body: { tag_name: '0.1.0', draft: true } });
      expect(refused.status).toBe(status);
      for (const [key, value] of Object.entries(headers)) expect([key, refused.headers.get(key)]).toEqual([key, value]);
      expect(((await refused.json()) as { message: string }).message).toMatch(message);
    }
    expect(github.snapshot().releases).toEqual([]);
    expect((await api('/releases', { method: 'POST', body: { tag_name: '0.1.0', draft: true } })).status).toBe(201);
    expect(github.log.filter((entry) => entry.fault !== undefined).map((entry) => entry.operation)).toEqual(['repos/create-release', 'repos/create-release']);
  });

  it('drops the connection before applying: the call fails and nothing changed', async () => {
    github.injectFault('repos/create-release', { kind: 'drop', when: 'before-applying' });
    await expect(api('/releases', { method: 'POST', body: { tag_name: '0.1.0', draft: true } })).rejects.toThrow();
    expect(github.snapshot().releases).toEqual([]);
  });

  it('drops the connection after applying: the client sees a broken answer, yet the upload happened', async () => {
    const draft = await createRelease({ tag_name: '0.1.0', draft: true });
    github.injectFault('repos/upload-release-asset', { kind: 'drop', when: 'after-applying' });
    await expect(upload(draft, 'a.txt', Buffer.from('a')).then((response) => response.text())).rejects.toThrow();
    expect(github.snapshot().releases[0]?.assets.map((asset) => asset.name)).toEqual(['a.txt']);
    expect((await upload(draft, 'a.txt', Buffer.from('a'))).status).toBe(422);
  });

  it('refuses in its own words, hangs without an answer, or hands out URLs on another origin', async () => {
    github.injectFault('repos/list-releases', { kind: 'refusal', status: 403, message: 'Resource not accessible by integration' });
    const refused = await api('/releases');
    expect([refused.status, ((await refused.json()) as { message: string }).message]).toEqual([403, 'Resource not accessible by integration']);

    const draft = await createRelease({ tag_name: '0.1.0', draft: true });
    github.injectFault('repos/list-releases', { kind: 'foreign-origin', origin: 'https://attacker.example' });
    const [listed] = (await (await api('/releases')).json()) as ReleaseJson[];
    expect(listed?.upload_url).toBe(`https://attacker.example/repos/${REPO}/releases/${draft.id}/assets{?name,label}`);
    expect((await (await api('/releases')).json()) as ReleaseJson[]).toMatchObject([{ upload_url: draft.upload_url }]);

    github.injectFault('repos/list-releases', { kind: 'hang' });
    const hung = api('/releases').then(
      () => 'answered',
      () => 'cut when the stand-in closed',
    );
    await vi.waitFor(() => expect(github.log.filter((entry) => entry.fault === 'hang')).toHaveLength(1));
    await github.close();
    expect(await hung).toBe('cut when the stand-in closed');
    await start();
  });

  it("'*' faults any API call; a bad operation name or count is refused", async () => {
    github.injectFault('*', { kind: 'server-error', status: 500 });
    expect((await api('/releases/latest')).status).toBe(500);
    expect((await api('/releases/latest')).status).toBe(404);
    expect(() => github.injectFault('create-release', { kind: 'server-error', status: 500 })).toThrow(/operationId/);
    expect(() => github.injectFault('repos/create-release', { kind: 'server-error', status: 500 }, 0)).toThrow(/positive/);
  });
});

describe('schema checks', () => {
  it('answers a request that breaks the schema with 422, records it, and fails close() unless taken', async () => {
    await start();
    const bad = await api('/releases', { method: 'POST', body: { tag_name: '0.1.0', draft: 'yes' } });
    expect(bad.status).toBe(422);
    expect(github.takeViolations()).toMatchObject([
      { direction: 'request', operation: 'repos/create-release', errors: ['/requestBody/draft: must be boolean'] },
    ]);
    await api('/releases', { method: 'POST', body: { draft: true } });
    await expect(github.close()).rejects.toThrow(/break the REST schema[\s\S]*tag_name/);
  });

  it('catches a response without the asset digest the fixtures predate, and takes an empty 204 as the null the spec declares', async () => {
    const schema = await loadGitHubSchema();
    const calls = JSON.parse(await readFile(join(FIXTURES, 'release-assets', 'normalized-fixture.json'), 'utf8')) as FixtureCall[];
    const recorded = calls.find((call) => call.method === 'get' && call.path.endsWith('/releases/assets/1000'))?.response as Record<string, unknown>;
    expect(schema.validateResponse('repos/get-release-asset', 200, recorded)).toEqual(["/: must have required property 'digest'"]);
    expect(schema.validateResponse('repos/get-release-asset', 200, { ...recorded, digest: `sha256:${'0'.repeat(64)}` })).toEqual([]);
    expect(schema.validateResponse('repos/delete-release-asset', 204, undefined)).toEqual([]);
    expect(schema.operationOf('POST', `/repos/${REPO}/releases/1/assets`)).toBe('repos/upload-release-asset');
  });
});
