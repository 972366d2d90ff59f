// The tinyproxy stand-in (test/helpers/tinyproxy.ts) behaves like the forward proxies the
// installer meets: CONNECT tunnels, plain-http forwarding, and Basic proxy authentication.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startStaticMirror, type StaticMirror } from '../helpers/static-mirror.js';
import { startTinyproxy, type Tinyproxy } from '../helpers/tinyproxy.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'glide-standins-'));
  await writeFile(join(dir, 'index.json'), JSON.stringify([{ tag: '0.0.2', prerelease: false, published_at: '2024-06-01T00:00:00Z' }]));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('tinyproxy', () => {
  let target: StaticMirror;
  let proxy: Tinyproxy;
  let guarded: Tinyproxy;
  const credentials = { user: 'alice', password: 's3cret' };

  beforeAll(async () => {
    target = await startStaticMirror(dir);
    [proxy, guarded] = await Promise.all([startTinyproxy(), startTinyproxy({ basicAuth: credentials })]);
  });

  afterAll(async () => {
    await Promise.all([proxy?.stop(), guarded?.stop(), target?.close()]);
  });

  const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

  /** Opens a CONNECT tunnel to `target` as HTTPS_PROXY clients do; the response tells whether the proxy agreed. */
  function connect(proxyUrl: string, authorization?: string): Promise<{ response: IncomingMessage; socket: Socket }> {
    const { host } = new URL(target.url);
    const { hostname, port } = new URL(proxyUrl);
    return new Promise((done, fail) => {
      request({ hostname, port, method: 'CONNECT', path: host, headers: { host, ...(authorization ? { 'proxy-authorization': authorization } : {}) } })
        .once('connect', (response, socket) => done({ response, socket }))
        .once('error', fail)
        .end();
    });
  }

  /** GET over an open tunnel. */
  function getThrough(socket: Socket, path: string): Promise<{ status: number; body: string }> {
    return new Promise((done, fail) => {
      request({ createConnection: () => socket, path, headers: { host: new URL(target.url).host, connection: 'close' } }, (response) => {
        let body = '';
        response.setEncoding('utf8').on('data', (text: string) => (body += text));
        response.once('end', () => done({ status: response.statusCode ?? 0, body }));
      })
        .once('error', fail)
        .end();
    });
  }

  it('tunnels CONNECT to a loopback port and logs it', async () => {
    const { response, socket } = await connect(proxy.url);
    expect(response.statusCode).toBe(200);
    const { status, body } = await getThrough(socket, '/index.json');
    expect(status).toBe(200);
    expect(JSON.parse(body)).toEqual([expect.objectContaining({ tag: '0.0.2' })]);
    await vi.waitFor(async () => expect(await proxy.readLog()).toContain(`CONNECT ${new URL(target.url).host} HTTP/1.1`));
  });

  it('forwards a plain-http request and logs it', async () => {
    const { hostname, port } = new URL(proxy.url);
    const status = await new Promise<number>((done, fail) => {
      request({ hostname, port, path: `${target.url}/index.json` }, (response) => {
        response.resume();
        done(response.statusCode ?? 0);
      })
        .once('error', fail)
        .end();
    });
    expect(status).toBe(200);
    await vi.waitFor(async () => expect(await proxy.readLog()).toContain(`GET ${target.url}/index.json HTTP/1.1`));
  });

  it('with BasicAuth: 407 without credentials, a tunnel with them', async () => {
    const refused = await connect(guarded.url);
    expect(refused.response.statusCode).toBe(407);
    expect(refused.response.headers['proxy-authenticate']).toBe('Basic realm="Tinyproxy"');
    refused.socket.destroy();

    const { response, socket } = await connect(guarded.url, basic(credentials.user, credentials.password));
    expect(response.statusCode).toBe(200);
    expect((await getThrough(socket, '/index.json')).status).toBe(200);
  });

  // Worth knowing when mapping proxy failures to messages: 401 can come from the proxy, not the server.
  it('tinyproxy 1.11 answers wrong credentials with 401, not 407', async () => {
    const { response, socket } = await connect(guarded.url, basic(credentials.user, 'wrong'));
    expect(response.statusCode).toBe(401);
    socket.destroy();
  });
});
