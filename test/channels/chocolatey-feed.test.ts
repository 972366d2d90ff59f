/**
 * The community feed's state read from a real HTTP server on 127.0.0.1 answering as
 * community.chocolatey.org/api/v2 does (NuGet v2 OData Atom, shaped after NuGet.Client's recorded
 * FindPackagesById pages), then compared by planChocolatey with the nupkg this build packs.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HttpClient } from '../../src/net/http.js';
import { normalizeNuGetVersion, readChocolateyFeed } from '../../release/src/channels/chocolatey/feed.js';
import { planChocolatey } from '../../release/src/channels/chocolatey/plan.js';
import { chocolateyConfig, chocolateyLedger, feedPage as page, HASH_RC, HASH_STABLE, type Listed } from './chocolatey-fixtures.js';

const answers = new Map<string, { status: number; type?: string; body: string }>();
const asked: { url: string; headers: IncomingHttpHeaders }[] = [];
let server: Server;
let origin: string;
let feedUrl: string;
const client = new HttpClient({ proxy: {}, apiOrigin: 'https://api.github.com', userAgent: 'glide-release-test', retries: 0 });

beforeAll(async () => {
  server = createServer((request, response) => {
    asked.push({ url: request.url ?? '', headers: request.headers });
    const answer = answers.get(request.url ?? '') ?? { status: 404, type: 'text/html', body: '<html><body>Not found</body></html>' };
    response.writeHead(answer.status, { 'content-type': answer.type ?? 'application/atom+xml;type=feed;charset=utf-8' }).end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  feedUrl = `${origin}/api/v2`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  answers.clear();
  asked.length = 0;
});

const FIRST = '/api/v2/FindPackagesById()?id=%27glide%27';
const SECOND = '/api/v2/FindPackagesById()?id=%27glide%27&$skip=1';

/** The feed lists `entries`: the first on page one, the rest on page two. */
function serve(entries: readonly Listed[]): void {
  const [head, ...rest] = entries;
  answers.set(FIRST, { status: 200, body: page(feedUrl, head ? [head] : [], rest.length ? `${origin}${SECOND}` : undefined) });
  if (rest.length) answers.set(SECOND, { status: 200, body: page(feedUrl, rest) });
}

describe('readChocolateyFeed', () => {
  it('reads every page: each version, lower case and normalized, with its sha512 PackageHash', async () => {
    serve([
      { version: '0.1.0-RC01', hash: HASH_RC },
      { version: '0.1.0.0', normalized: '0.1.0', hash: HASH_STABLE },
    ]);
    const feed = await readChocolateyFeed('glide', { client, feedUrl });
    expect([...feed]).toEqual([
      ['0.1.0-rc01', HASH_RC],
      ['0.1.0', HASH_STABLE],
    ]);
    expect(asked.map((request) => request.url)).toEqual([FIRST, SECOND]);
    expect(asked[0]!.headers.accept).toBe('application/atom+xml');
    expect(asked[0]!.headers.authorization).toBeUndefined();
  });

  it('a package the feed does not have holds no version: a 404, or a feed without entries', async () => {
    expect((await readChocolateyFeed('glide', { client, feedUrl })).size).toBe(0);
    serve([]);
    expect((await readChocolateyFeed('glide', { client, feedUrl: `${feedUrl}/` })).size).toBe(0);
    expect(asked.map((request) => request.url)).toEqual([FIRST, FIRST]);
  });

  it('a hash that is null or of another algorithm is listed as not known', async () => {
    serve([
      { version: '0.1.0-rc01', hash: null },
      { version: '0.0.9', hash: 'q'.repeat(43) + '=', algorithm: 'SHA256' },
    ]);
    expect([...(await readChocolateyFeed('glide', { client, feedUrl }))]).toEqual([
      ['0.1.0-rc01', undefined],
      ['0.0.9', undefined],
    ]);
  });

  it.each([
    [
      'an HTML error page',
      { status: 200, type: 'text/html', body: '<!DOCTYPE html><html><head><title>Error</title></head><body><p>Oops<br></p></body></html>' },
    ],
    ['JSON', { status: 200, type: 'application/json', body: '{"d":{"results":[]}}' }],
    ['well-formed XML that is not a feed', { status: 200, body: '<?xml version="1.0"?><service><workspace /></service>' }],
    [
      'an entry without a version',
      { status: 200, body: page('https://x', []).replace('</feed>', '<entry><m:properties><d:Id>glide</d:Id></m:properties></entry></feed>') },
    ],
    ['a hash that is not a sha512', { status: 200, body: page('https://x', [{ version: '0.1.0', hash: 'c2hvcnQ=' }]) }],
    ['a page cut short', { status: 200, body: page('https://x', [{ version: '0.1.0' }, { version: '0.1.1' }]).slice(0, -2000) }],
  ])('%s is ECHOCOFEED', async (_name, answer) => {
    answers.set(FIRST, answer);
    await expect(readChocolateyFeed('glide', { client, feedUrl })).rejects.toMatchObject({ code: 'ECHOCOFEED' });
  });

  it('a feed that never ends is ECHOCOFEED after 100 pages, the most the feed serves', async () => {
    const skip = (n: number): string => (n === 0 ? FIRST : `${FIRST}&$skip=${n}`);
    for (let n = 0; n <= 100; n++) answers.set(skip(n), { status: 200, body: page(feedUrl, [{ version: `0.0.${n}` }], `${origin}${skip(n + 1)}`) });
    await expect(readChocolateyFeed('glide', { client, feedUrl })).rejects.toMatchObject({ code: 'ECHOCOFEED' });
    expect(asked).toHaveLength(100);
  });

  it('an HTTP error after the retries is ECHOCOFEED, saying the status', async () => {
    answers.set(FIRST, { status: 503, type: 'text/plain', body: 'Service Unavailable' });
    await expect(readChocolateyFeed('glide', { client, feedUrl })).rejects.toMatchObject({
      code: 'ECHOCOFEED',
      details: ['HTTP 503', 'Run again later; the community feed may be down.'],
    });
  });

  it('a next link to another host, or back to a page already read, is ECHOCOFEED (nothing followed)', async () => {
    answers.set(FIRST, { status: 200, body: page(feedUrl, [{ version: '0.1.0' }], 'http://127.0.0.2:9/api/v2/FindPackagesById()?id=%27glide%27&$skip=1') });
    await expect(readChocolateyFeed('glide', { client, feedUrl })).rejects.toMatchObject({ code: 'ECHOCOFEED' });
    answers.set(FIRST, { status: 200, body: page(feedUrl, [{ version: '0.1.0' }], `${origin}${FIRST}`) });
    await expect(readChocolateyFeed('glide', { client, feedUrl })).rejects.toMatchObject({ code: 'ECHOCOFEED' });
    expect(asked.map((request) => request.url)).toEqual([FIRST, FIRST]);
  });
});

describe('the feed read, then planChocolatey', () => {
  const rc = chocolateyLedger('0.1.0-rc.1');
  const config = chocolateyConfig();

  it('the same package on the feed → nothing to push; other bytes → ECHOCOCONFLICT; absent → one push', async () => {
    const nupkg = (await planChocolatey(rc, config, new Map())).mutations[0]!.nupkg;
    serve([{ version: '0.0.9' }, { version: '0.1.0-rc01', hash: createHash('sha512').update(nupkg).digest('base64') }]);
    expect((await planChocolatey(rc, config, await readChocolateyFeed('glide', { client, feedUrl }))).mutations).toEqual([]);

    serve([{ version: '0.0.9' }, { version: '0.1.0-rc01', hash: HASH_STABLE }]);
    await expect(planChocolatey(rc, config, await readChocolateyFeed('glide', { client, feedUrl }))).rejects.toMatchObject({ code: 'ECHOCOCONFLICT' });

    serve([{ version: '0.0.9' }]);
    const plan = await planChocolatey(rc, config, await readChocolateyFeed('glide', { client, feedUrl }));
    expect(plan.mutations.map((push) => push.version)).toEqual(['0.1.0-rc01']);
  });
});

describe('normalizeNuGetVersion', () => {
  it.each([
    ['0.1.0', '0.1.0'],
    ['0.1.0-RC01', '0.1.0-rc01'],
    ['1.0', '1.0.0'],
    ['1.0.0.0', '1.0.0'],
    ['1.2.3.4', '1.2.3.4'],
    ['01.02.03', '1.2.3'],
    ['1.0.12345678901234567890123', '1.0.12345678901234567890123'],
    ['1.0.0-rc.1+build.5', '1.0.0-rc.1'],
    ['v1.0.0', undefined],
    ['1', undefined],
    ['1.0.0-', undefined],
  ])('%s → %s', (version, normalized) => {
    expect(normalizeNuGetVersion(version)).toBe(normalized);
  });
});
