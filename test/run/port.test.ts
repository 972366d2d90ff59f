import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { isPortFree } from '../../src/run/port.js';
import { freePort } from '../helpers/process.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((done) => server.close(done))));
});

async function listen(port: number, host: string): Promise<void> {
  const server = createServer();
  servers.push(server);
  await new Promise<void>((done, fail) => server.once('error', fail).listen(port, host, done));
}

describe('isPortFree', () => {
  it('a port nobody listens on is free, and stays free after asking', async () => {
    const port = await freePort();
    expect(await isPortFree(port)).toBe(true);
    expect(await isPortFree(port)).toBe(true);
  });

  it.each(['127.0.0.1', '0.0.0.0'])('a port taken on %s is not free on 127.0.0.1', async (host) => {
    const port = await freePort();
    await listen(port, host);
    expect(await isPortFree(port)).toBe(false);
  });

  it('a host this machine does not have is an error, not "taken"', async () => {
    await expect(isPortFree(await freePort(), '192.0.2.1')).rejects.toMatchObject({ code: 'EADDRNOTAVAIL' });
  });
});
