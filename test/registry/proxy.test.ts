/** The registry client goes through the same proxies as the installers (decision 0019), against in-process servers on 127.0.0.1. */
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../src/registry/client.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function listen(server: Server): Promise<string> {
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  closers.push(() => {
    server.closeAllConnections();
    return new Promise((done) => server.close(() => done()));
  });
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A registry that knows one repository's tags. */
function startRegistry(): Promise<string> {
  return listen(
    createServer((req, res) =>
      res
        .writeHead(req.url === '/v2/einstack/glide/tags/list' ? 200 : 404, { 'content-type': 'application/json' })
        .end('{"name":"einstack/glide","tags":["0.1.0-alpine"]}'),
    ),
  );
}

/** A forward proxy that tunnels CONNECT (undici tunnels plain http too) and records each target. */
async function startProxy(): Promise<{ url: string; tunnels: string[] }> {
  const tunnels: string[] = [];
  const server = createServer((_req, res) => res.writeHead(405).end());
  server.on('connect', (req, client, head) => {
    tunnels.push(req.url ?? '');
    const [host, port] = (req.url ?? '').split(':');
    const upstream = connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  return { url: `http://${await listen(server)}`, tunnels };
}

describe('the registry client and proxies', () => {
  it('goes through the proxy it is given', async () => {
    const registry = await startRegistry();
    const proxy = await startProxy();
    const client = new RegistryClient({ registry, proxy: { httpProxy: proxy.url, httpsProxy: proxy.url } });
    try {
      expect(await client.listTags('einstack/glide')).toEqual(['0.1.0-alpine']);
      expect(proxy.tunnels).toEqual([registry]);
    } finally {
      await client.close();
    }
  });

  it("takes the environment's proxy by default, and NO_PROXY keeps a host direct", async () => {
    const registry = await startRegistry();
    const proxy = await startProxy();
    const saved = { HTTP_PROXY: process.env.HTTP_PROXY, NO_PROXY: process.env.NO_PROXY };
    process.env.HTTP_PROXY = proxy.url;
    try {
      const proxied = new RegistryClient({ registry });
      process.env.NO_PROXY = '127.0.0.1';
      const direct = new RegistryClient({ registry });
      try {
        await proxied.listTags('einstack/glide');
        await direct.listTags('einstack/glide');
        expect(proxy.tunnels).toEqual([registry]);
      } finally {
        await proxied.close();
        await direct.close();
      }
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });
});
