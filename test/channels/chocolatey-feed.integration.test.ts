/** The feed read through a real forward proxy (tinyproxy), the way the installers honour HTTP_PROXY. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { HttpClient, proxyFromEnv } from '../../src/net/http.js';
import { readChocolateyFeed } from '../../release/src/channels/chocolatey/feed.js';
import { startTinyproxy, type Tinyproxy } from '../helpers/tinyproxy.js';
import { feedPage, HASH_STABLE } from './chocolatey-fixtures.js';

let server: Server;
let feedUrl: string;
let proxy: Tinyproxy;

beforeAll(async () => {
  server = createServer((request, response) => {
    response.writeHead(200, { 'content-type': 'application/atom+xml' }).end(feedPage(feedUrl, [{ version: '0.1.0', hash: HASH_STABLE }]));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  feedUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v2`;
  proxy = await startTinyproxy();
});
afterAll(async () => {
  await proxy?.stop();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

it('reads the feed through HTTP_PROXY', async () => {
  const client = new HttpClient({
    proxy: proxyFromEnv({ HTTP_PROXY: proxy.url }),
    apiOrigin: 'https://api.github.com',
    userAgent: 'glide-release-test',
    retries: 0,
  });
  try {
    expect([...(await readChocolateyFeed('glide', { client, feedUrl }))]).toEqual([['0.1.0', HASH_STABLE]]);
  } finally {
    await client.close();
  }
  // undici tunnels plain HTTP through the proxy too: the request is a CONNECT to the feed's host.
  expect(await proxy.readLog()).toContain(`CONNECT ${new URL(feedUrl).host} HTTP/1.1`);
});
