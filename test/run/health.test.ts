import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { GlideError } from '#contract';
import { waitForHealthy } from '../../src/run/health.js';
import { freePort } from '../helpers/process.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((done) => server.close(done))));
});

/** A server that answers each request with the next status of `statuses` (the last one repeated), counting the requests. */
async function answering(...statuses: number[]): Promise<{ url: URL; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    res.writeHead(statuses[Math.min(requests.length, statuses.length) - 1]!).end('{}');
  });
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { url: new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/health/`), requests };
}

async function failure(promise: Promise<unknown>): Promise<GlideError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(GlideError);
  return error as GlideError;
}

describe('waitForHealthy', () => {
  it('returns on the first 200, after answers that were not 200', async () => {
    const { url, requests } = await answering(503, 404, 200);
    await waitForHealthy(url, { timeoutMs: 60_000, intervalMs: 1 });
    expect(requests).toEqual(['GET /v1/health/', 'GET /v1/health/', 'GET /v1/health/']);
  });

  it('takes no redirect for health: a 301 is an answer that is not 200', async () => {
    const { url } = await answering(301);
    const error = await failure(waitForHealthy(url, { timeoutMs: 300, intervalMs: 1 }));
    expect(error.code).toBe('EUNHEALTHY');
    expect(error.message).toContain('the last answer: HTTP 301');
  });

  it('gives up at the deadline naming the last answer', async () => {
    const { url } = await answering(503);
    const error = await failure(waitForHealthy(url, { timeoutMs: 300, intervalMs: 1 }));
    expect(error.code).toBe('EUNHEALTHY');
    expect(error.message).toBe(`Glide did not answer ${url} with 200 within 300 ms; the last answer: HTTP 503.`);
  });

  it('names the connection error when nothing listens', async () => {
    const url = new URL(`http://127.0.0.1:${await freePort()}/v1/health/`);
    const error = await failure(waitForHealthy(url, { timeoutMs: 300, intervalMs: 1 }));
    expect(error.code).toBe('EUNHEALTHY');
    expect(error.message).toContain('the last answer: no connection (ECONNREFUSED)');
  });

  it('ends at once when gaveUp settles, saying why, long before its deadline', async () => {
    const { url, requests } = await answering(503);
    const error = await failure(waitForHealthy(url, { timeoutMs: 3_600_000, gaveUp: Promise.resolve('glide exited with code 1') }));
    expect(error.code).toBe('EUNHEALTHY');
    expect(error.message).toBe('Glide stopped before it was healthy: glide exited with code 1.');
    expect(requests.length).toBeLessThanOrEqual(1);
  });

  it('ends with gaveUp’s own error when it rejects (Glide could not be started at all)', async () => {
    const { url } = await answering(503);
    const notStarted = new GlideError('ESMOKE', 'Could not start glide: ENOENT.');
    const error = await failure(waitForHealthy(url, { timeoutMs: 2_000, gaveUp: Promise.reject(notStarted) }));
    expect(error).toBe(notStarted);
  });

  it('ends with ECANCELLED when its signal aborts, and with the signal’s own GlideError when it has one', async () => {
    const { url } = await answering(503);
    const cancel = new AbortController();
    const waiting = waitForHealthy(url, { timeoutMs: 3_600_000, signal: cancel.signal });
    cancel.abort();
    expect((await failure(waiting)).code).toBe('ECANCELLED');

    const aborted = AbortSignal.abort(new GlideError('EPORTINUSE', 'taken'));
    expect((await failure(waitForHealthy(url, { timeoutMs: 3_600_000, signal: aborted }))).code).toBe('EPORTINUSE');
  });

  it('asks Glide itself, not the proxy in HTTP_PROXY', async () => {
    const { url, requests } = await answering(200);
    const saved = { ...process.env };
    Object.assign(process.env, { HTTP_PROXY: `http://127.0.0.1:${await freePort()}`, http_proxy: `http://127.0.0.1:${await freePort()}`, NO_PROXY: '' });
    try {
      await waitForHealthy(url, { timeoutMs: 5_000, intervalMs: 1 });
    } finally {
      process.env = saved;
    }
    expect(requests).toEqual(['GET /v1/health/']);
  });

  it('hides a password in the URL it names', async () => {
    const { url } = await answering(503);
    url.username = 'user';
    url.password = 'hunter2';
    const error = await failure(waitForHealthy(url, { timeoutMs: 200, intervalMs: 1 }));
    expect(error.message).not.toContain('hunter2');
  });
});
