/** The store's channel map read from a real HTTP server on 127.0.0.1 answering as api.snapcraft.io does. */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../../src/net/http.js';
import { defaultSnapConfig } from '../../release/src/channels/snap/config.js';
import { planSnap } from '../../release/src/channels/snap/plan.js';
import { readSnapChannelMap } from '../../release/src/channels/snap/read-store.js';
import { rejection } from './snap-errors.js';
import { ledgerOf } from '../helpers/publish-world.js';

const SHA3 = 'ab'.repeat(48);

/** The shape of `GET /v2/snaps/info/{name}` (track `latest`'s channel names carry no track). */
function entry(track: string, risk: string, architecture: string, version: string, sha3 = SHA3) {
  return {
    channel: { architecture, name: track === 'latest' ? risk : `${track}/${risk}`, risk, track, 'released-at': '2024-07-10T00:00:00+00:00' },
    'created-at': '2024-07-09T00:00:00+00:00',
    download: { deltas: [], 'sha3-384': sha3, size: 4096, url: 'https://api.snapcraft.io/api/v1/snaps/download/x_1.snap' },
    revision: 1,
    type: 'app',
    version,
  };
}

const answers = new Map<string, { status: number; body: string }>();
const seen: IncomingHttpHeaders[] = [];
let server: Server;
let origin: string;
const client = new HttpClient({ proxy: {}, apiOrigin: 'https://api.github.com', userAgent: 'glide-release-test', retries: 0 });

beforeAll(async () => {
  server = createServer((request, response) => {
    seen.push(request.headers);
    const answer = answers.get(request.url ?? '') ?? { status: 404, body: '{"error-list":[{"code":"resource-not-found"}]}' };
    response.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('readSnapChannelMap', () => {
  it('reads each channel as track/risk with its version and sha3-384, asking as snapd does', async () => {
    answers.set('/v2/snaps/info/glide', {
      status: 200,
      body: JSON.stringify({
        'channel-map': [entry('latest', 'stable', 'amd64', '0.1.0'), entry('0.0', 'beta', 'arm64', '0.0.5-rc.1', 'cd'.repeat(48))],
        name: 'glide',
      }),
    });
    expect(await readSnapChannelMap(client, 'glide', origin)).toEqual([
      { channel: 'latest/stable', architecture: 'amd64', version: '0.1.0', sha3_384: SHA3 },
      { channel: '0.0/beta', architecture: 'arm64', version: '0.0.5-rc.1', sha3_384: 'cd'.repeat(48) },
    ]);
    expect(seen.at(-1)?.['snap-device-series']).toBe('16');
  });

  it('a snap the store does not have yet holds nothing', async () => {
    expect(await readSnapChannelMap(client, 'glide-unregistered', origin)).toEqual([]);
  });

  it.each([
    ['an error status', 503, '{}'],
    ['no JSON', 200, '<html>'],
    ['no channel map', 200, '{"name":"glide"}'],
    ['no sha3-384', 200, JSON.stringify({ 'channel-map': [{ ...entry('latest', 'stable', 'amd64', '0.1.0'), download: {} }] })],
  ])('refuses %s (ESNAPSTORE)', async (_what, status, body) => {
    answers.set('/v2/snaps/info/glide-odd', { status, body });
    expect((await rejection(readSnapChannelMap(client, 'glide-odd', origin))).code).toBe('ESNAPSTORE');
  });

  it('what it reads makes a re-run plan nothing', async () => {
    const ledger = ledgerOf('0.1.0');
    answers.set('/v2/snaps/info/glide', {
      status: 200,
      body: JSON.stringify({ 'channel-map': ['stable', 'candidate', 'beta', 'edge'].map((risk) => entry('latest', risk, 'amd64', '0.1.0')) }),
    });
    const channelMap = await readSnapChannelMap(client, 'glide', origin);
    const snap = { architecture: 'amd64', path: '0.1.0/snap/glide_0.1.0_amd64.snap', size: 4096, sha3_384: SHA3 } as const;
    expect(planSnap(ledger, defaultSnapConfig(), [snap], { channelMap, publishedVersions: ['0.1.0'] })).toEqual([]);
  });
});
