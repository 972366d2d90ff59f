/**
 * publish's read of the Snap Store and the Chocolatey feed (decision 0052), against the loopback
 * stand-ins: what they hold, a store that is down (its requests stay planned), Ctrl-C, and both
 * reads through a real forward proxy.
 */
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultSnapConfig } from '../../release/src/channels/snap/config.js';
import { readStores } from '../../release/src/publish/stores.js';
import { chocolateyConfig, HASH_STABLE } from '../channels/chocolatey-fixtures.js';
import { rejection } from '../channels/snap-errors.js';
import { startChocolateyFeedStandin, type ChocolateyFeedStandin } from '../helpers/chocolatey-feed-standin.js';
import { startSnapStoreStandin, type SnapStoreStandin } from '../helpers/snap-store-standin.js';
import { startTinyproxy, type Tinyproxy } from '../helpers/tinyproxy.js';

const SHA3 = 'ab'.repeat(48);
const config = { snap: defaultSnapConfig(), chocolatey: chocolateyConfig() };

let snapStore: SnapStoreStandin;
let feed: ChocolateyFeedStandin;
let proxy: Tinyproxy;

beforeAll(async () => {
  [snapStore, feed, proxy] = await Promise.all([startSnapStoreStandin(), startChocolateyFeedStandin({ pageSize: 1 }), startTinyproxy()]);
  snapStore.hold('glide', { version: '0.1.0', architecture: 'amd64', sha3_384: SHA3, size: 4096 }, ['latest/stable', 'latest/edge']);
  feed.hold('glide', { version: '0.1.0-rc01', hash: null });
  feed.hold('glide', { version: '0.1.0', hash: HASH_STABLE });
});
afterAll(async () => {
  await Promise.all([snapStore?.close(), feed?.close(), proxy?.stop()]);
});

const standins = () => ({ GLIDE_RELEASE_SNAP_STORE_API_URL: snapStore.url, GLIDE_RELEASE_CHOCOLATEY_FEED_URL: feed.url });
const read = (env: NodeJS.ProcessEnv, signal = new AbortController().signal) => readStores({ config, env, signal });

/** A loopback port nothing listens on: a store that is down. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('readStores', () => {
  it('reads what each store holds, every page of the feed, asking the store as snapd does', async () => {
    expect(await read(standins())).toEqual({
      snap: {
        held: [
          { channel: 'latest/stable', architecture: 'amd64', version: '0.1.0', sha3_384: SHA3 },
          { channel: 'latest/edge', architecture: 'amd64', version: '0.1.0', sha3_384: SHA3 },
        ],
      },
      chocolatey: {
        held: new Map([
          ['0.1.0-rc01', undefined],
          ['0.1.0', HASH_STABLE],
        ]),
      },
    });
    expect(snapStore.requests.at(-1)).toMatchObject({ path: '/v2/snaps/info/glide', headers: { 'snap-device-series': '16' } });
    expect(feed.requests.filter((path) => path.includes('FindPackagesById()'))).toHaveLength(2);
  });

  it('only the enabled stores are read', async () => {
    const before = feed.requests.length;
    expect(await readStores({ config: { snap: defaultSnapConfig() }, env: standins(), signal: new AbortController().signal })).toEqual({
      snap: { held: expect.any(Array) },
    });
    expect(feed.requests).toHaveLength(before);
  });

  it('a store that is down is not read, and says why; the other is read', async () => {
    const down = `http://127.0.0.1:${await closedPort()}`;
    const states = await read({ ...standins(), GLIDE_RELEASE_SNAP_STORE_API_URL: down });
    expect(states.snap).toEqual({ unread: expect.stringMatching(/^ENETWORK: Could not reach 127\.0\.0\.1:\d+: ECONNREFUSED/) });
    expect(states.chocolatey).toEqual({ held: expect.any(Map) });
  });

  it('Ctrl-C is not a store that cannot be read: it ends the read', async () => {
    const controller = new AbortController();
    controller.abort();
    expect((await rejection(read(standins(), controller.signal))).code).toBe('ECANCELLED');
  });

  it('an override that is not a store URL refuses before anything is read (ECONFIG)', async () => {
    expect((await rejection(read({ ...standins(), GLIDE_RELEASE_CHOCOLATEY_FEED_URL: 'https://u:p@feed.example' }))).code).toBe('ECONFIG');
  });

  it('both stores are read through HTTP_PROXY', async () => {
    const states = await read({ ...standins(), HTTP_PROXY: proxy.url });
    expect('held' in states.snap! && 'held' in states.chocolatey!).toBe(true);
    const log = await proxy.readLog();
    // undici tunnels plain HTTP through the proxy too: one CONNECT per store's host.
    expect(log).toContain(`CONNECT ${new URL(snapStore.url).host} HTTP/1.1`);
    expect(log).toContain(`CONNECT ${new URL(feed.url).host} HTTP/1.1`);
  });
});
