/** The shared network layer (src/net: retry, transport, deadline) against in-process servers on 127.0.0.1. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Dispatcher } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GlideError } from '#contract';
import { withDeadline } from '../../src/net/deadline.js';
import { HttpClient } from '../../src/net/http.js';
import { backoffMs, MAX_RETRY_AFTER_MS, retryDelayMs, withRetries, type Verdict } from '../../src/net/retry.js';
import { createDispatcher, MAX_REDIRECTS, requestFollowingRedirects } from '../../src/net/transport.js';

interface TestServer {
  readonly origin: string;
  readonly requests: IncomingMessage[];
  close(): Promise<void>;
}

const servers: TestServer[] = [];

async function serve(handler: (req: IncomingMessage, res: ServerResponse, count: number) => void): Promise<TestServer> {
  const requests: IncomingMessage[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(req);
    handler(req, res, requests.length);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const started: TestServer = {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => {
      server.closeAllConnections();
      return new Promise((done) => server.close(() => done()));
    },
  };
  servers.push(started);
  return started;
}

let dispatcher: Dispatcher;
beforeAll(() => {
  dispatcher = createDispatcher({}, 5_000);
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});
afterAll(async () => {
  await dispatcher.close();
});

/** A GET through the layer, retried on the shared rules; the body is read whole. */
function getWithRetries(url: string, options: { retries?: number; backoffMs?: number; signal?: AbortSignal; onRetry?: (delayMs: number) => void } = {}) {
  return withRetries(
    async () => {
      const { response } = await requestFollowingRedirects(new URL(url), {
        dispatcher,
        headers: () => ({}),
        ...(options.signal ? { signal: options.signal } : {}),
      });
      return { status: response.statusCode, headers: response.headers, text: await response.body.text() };
    },
    {
      retries: options.retries ?? 4,
      backoffMs: options.backoffMs ?? 10,
      signal: options.signal,
      retryResult: (result): Verdict =>
        [429, 500, 502, 503, 504].includes(result.status) ? { retryAfter: result.headers['retry-after'] as string | undefined } : 'final',
      onRetry: (_retry, delay) => options.onRetry?.(delay),
    },
  );
}

describe('backoff and Retry-After (pure)', () => {
  it.each([
    [1, 100, 0, 75],
    [1, 100, 1, 125],
    [2, 100, 0.5, 200],
    [4, 500, 0.5, 4000],
  ])('retry %i from %i ms with random %f waits %i ms', (retry, base, random, expected) => {
    expect(backoffMs(retry, base, () => random)).toBe(expected);
  });

  const now = Date.parse('2026-01-01T00:00:00Z');
  it.each([
    ['seconds', '1', 1000],
    ['the longest we wait', String(MAX_RETRY_AFTER_MS / 1000), MAX_RETRY_AFTER_MS],
    ['an HTTP date', 'Thu, 01 Jan 2026 00:00:30 GMT', 30_000],
    ['a date already past', 'Wed, 31 Dec 2025 23:00:00 GMT', 0],
    ['longer than we wait: report the answer now', '61', undefined],
  ])('Retry-After as %s', (_name, value, expected) => {
    expect(retryDelayMs(1, 100, value, now)).toBe(expected);
  });

  it.each([[undefined], ['soon'], ['']])('Retry-After %o: the backoff, with jitter', (value) => {
    const delay = retryDelayMs(3, 100, value, now);
    expect(delay).toBeGreaterThanOrEqual(300);
    expect(delay).toBeLessThanOrEqual(500);
  });
});

describe('withRetries over real requests', () => {
  it('retries 503s with a jittered, doubling backoff, then returns the answer', async () => {
    const server = await serve((_req, res, count) => res.writeHead(count < 3 ? 503 : 200).end(count < 3 ? '' : 'ok'));
    const delays: number[] = [];
    const result = await getWithRetries(server.origin, { backoffMs: 20, onRetry: (delay) => delays.push(delay) });
    expect(result).toMatchObject({ status: 200, text: 'ok' });
    expect(server.requests).toHaveLength(3);
    expect(delays[0]).toBeGreaterThanOrEqual(15);
    expect(delays[0]).toBeLessThanOrEqual(25);
    expect(delays[1]).toBeGreaterThanOrEqual(30);
    expect(delays[1]).toBeLessThanOrEqual(50);
  });

  it('waits what Retry-After asks', async () => {
    const server = await serve((_req, res, count) => res.writeHead(count === 1 ? 429 : 200, count === 1 ? { 'retry-after': '1' } : {}).end());
    const delays: number[] = [];
    expect((await getWithRetries(server.origin, { onRetry: (delay) => delays.push(delay) })).status).toBe(200);
    expect(delays).toEqual([1000]);
  });

  it('a Retry-After longer than we wait ends the loop at once with that answer', async () => {
    const server = await serve((_req, res) => res.writeHead(429, { 'retry-after': '120' }).end());
    const result = await getWithRetries(server.origin);
    expect(result.status).toBe(429);
    expect(server.requests).toHaveLength(1);
  });

  it('gives the last answer back once the retries are spent', async () => {
    const server = await serve((_req, res) => res.writeHead(502).end());
    expect((await getWithRetries(server.origin, { retries: 2 })).status).toBe(502);
    expect(server.requests).toHaveLength(3);
  });

  it('retries a connection reset, and throws what the last attempt threw', async () => {
    const server = await serve((req) => req.socket.destroy());
    const error = await getWithRetries(server.origin, { retries: 1 }).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(Error);
    expect(server.requests).toHaveLength(2);
  });

  it('does not retry a failure that is not the network (a GlideError)', async () => {
    let attempts = 0;
    const refused = new GlideError('ECONFIG', 'no');
    await expect(
      withRetries(
        async () => {
          attempts++;
          throw refused;
        },
        { retries: 3, backoffMs: 1 },
      ),
    ).rejects.toBe(refused);
    expect(attempts).toBe(1);
  });

  it('a cancel ends the wait between attempts at once, with its reason', async () => {
    const server = await serve((_req, res) => res.writeHead(503).end());
    const cancel = new AbortController();
    const reason = new GlideError('ECANCELLED', 'Cancelled.');
    const waiting = getWithRetries(server.origin, { backoffMs: 600_000, signal: cancel.signal, onRetry: () => cancel.abort(reason) });
    await expect(waiting).rejects.toBe(reason);
    expect(server.requests).toHaveLength(1);
  });
});

describe('redirects', () => {
  /** A server that redirects `hops` times (to itself, or to `next` for the last hop) then answers 200. */
  async function redirecting(hops: number): Promise<TestServer> {
    return serve((req, res) => {
      const left = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('left') ?? hops);
      if (left > 0) res.writeHead(302, { location: `/?left=${left - 1}` }).end();
      else res.writeHead(200).end('here');
    });
  }

  it(`follows ${MAX_REDIRECTS} redirects`, async () => {
    const server = await redirecting(MAX_REDIRECTS);
    const { url, response } = await requestFollowingRedirects(new URL(server.origin), { dispatcher, headers: () => ({}) });
    expect(await response.body.text()).toBe('here');
    expect(url.search).toBe('?left=0');
    expect(server.requests).toHaveLength(MAX_REDIRECTS + 1);
  });

  it(`refuses the ${MAX_REDIRECTS + 1}th, saying so`, async () => {
    const server = await redirecting(MAX_REDIRECTS + 1);
    await expect(requestFollowingRedirects(new URL(server.origin), { dispatcher, headers: () => ({}) })).rejects.toThrow(
      `More than ${MAX_REDIRECTS} redirects`,
    );
    expect(server.requests).toHaveLength(MAX_REDIRECTS + 1);
  });

  it("credentials go to the first URL's origin only: never to the origin a redirect leads to, again when it leads back", async () => {
    let first: TestServer | undefined;
    const other = await serve((_req, res) => res.writeHead(307, { location: `${first?.origin}/back` }).end());
    first = await serve((req, res) => {
      if (req.url === '/back') res.writeHead(200).end('back');
      else res.writeHead(302, { location: `${other.origin}/cdn` }).end();
    });
    const { response } = await requestFollowingRedirects(new URL(`${first.origin}/start`), {
      dispatcher,
      headers: (_hop, firstOrigin): Record<string, string> => (firstOrigin ? { authorization: 'Basic c2VjcmV0' } : {}),
    });
    expect(await response.body.text()).toBe('back');
    expect(first.requests.map((req) => req.headers.authorization)).toEqual(['Basic c2VjcmV0', 'Basic c2VjcmV0']);
    expect(other.requests.map((req) => req.headers.authorization)).toEqual([undefined]);
  });

  it('follow: false hands the redirect back (a write is never sent twice)', async () => {
    const server = await redirecting(1);
    const { response } = await requestFollowingRedirects(new URL(server.origin), {
      dispatcher,
      method: 'PUT',
      body: () => 'x',
      follow: false,
      headers: () => ({}),
    });
    await response.body.dump();
    expect(response.statusCode).toBe(302);
    expect(server.requests).toHaveLength(1);
  });
});

describe('deadline', () => {
  it("a request still unanswered at the deadline fails with the deadline's error, not the abort's", async () => {
    const server = await serve(() => {});
    const tooSlow = new GlideError('ENETWORK', 'too slow');
    const fetching = withDeadline(
      200,
      () => tooSlow,
      undefined,
      async (signal) => {
        await requestFollowingRedirects(new URL(server.origin), { dispatcher, headers: () => ({}), signal });
      },
    );
    await expect(fetching).rejects.toBe(tooSlow);
  });

  it("a cancel before the deadline fails with the cancel's reason", async () => {
    const server = await serve(() => {});
    const cancel = new AbortController();
    const reason = new GlideError('ECANCELLED', 'Cancelled.');
    const fetching = withDeadline(
      600_000,
      () => new GlideError('ENETWORK', 'too slow'),
      cancel.signal,
      async (signal) => {
        const answer = requestFollowingRedirects(new URL(server.origin), { dispatcher, headers: () => ({}), signal });
        cancel.abort(reason);
        await answer;
      },
    );
    await expect(fetching).rejects.toBe(reason);
  });
});

describe("the installers' client on the shared rules", () => {
  it('a 429 asking for longer than a minute fails at once and says what the server asked (it waited 60 s and asked again before)', async () => {
    const server = await serve((_req, res) => res.writeHead(429, { 'retry-after': '120' }).end());
    const client = new HttpClient({ proxy: {}, apiOrigin: 'https://api.github.com', userAgent: 'test', backoffMs: 10, documentDeadlineMs: 5_000 });
    try {
      const response = await client.getText(`${server.origin}/glide_v0.1.0_checksums.txt`);
      const error = await client.expectOk(response, 'the checksums file').catch((reason: unknown) => reason);
      expect(error).toBeInstanceOf(GlideError);
      expect((error as GlideError).message).toMatch(/HTTP 429 from 127\.0\.0\.1:\d+ \(Retry-After: 120\)/);
      expect(server.requests).toHaveLength(1);
    } finally {
      await client.close();
    }
  });
});
