/** The feed read through a real forward proxy (tinyproxy), the way the installers honour HTTP_PROXY. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { HttpClient, proxyFromEnv } from '../../src/net/http.js';
import { readChocolateyFeed } from '../../release/src/channels/chocolatey/feed.js';
import { startChocolateyFeedStandin, type ChocolateyFeedStandin } from '../helpers/chocolatey-feed-standin.js';
import { startTinyproxy, type Tinyproxy } from '../helpers/tinyproxy.js';
import { HASH_STABLE } from './chocolatey-fixtures.js';

let feed: ChocolateyFeedStandin;
let proxy: Tinyproxy;

beforeAll(async () => {
  feed = await startChocolateyFeedStandin();
  feed.hold('glide', { version: '0.1.0', hash: HASH_STABLE });
  proxy = await startTinyproxy();
});
afterAll(async () => {
  await proxy?.stop();
  await feed?.close();
});

it('reads the feed through HTTP_PROXY', async () => {
  const client = new HttpClient({
    proxy: proxyFromEnv({ HTTP_PROXY: proxy.url }),
    apiOrigin: 'https://api.github.com',
    userAgent: 'glide-release-test',
    retries: 0,
  });
  try {
    expect([...(await readChocolateyFeed('glide', { client, feedUrl: feed.url }))]).toEqual([['0.1.0', HASH_STABLE]]);
  } finally {
    await client.close();
  }
  // undici tunnels plain HTTP through the proxy too: the request is a CONNECT to the feed's host.
  expect(await proxy.readLog()).toContain(`CONNECT ${new URL(feed.url).host} HTTP/1.1`);
});
