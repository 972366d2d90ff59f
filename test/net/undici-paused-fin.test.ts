// undici 7's HTTP/1 parser, paused by a body nobody is reading yet, used to meet the server's
// FIN with `assert(!this.paused)` in Parser.finish: an AssertionError thrown from a socket
// handler, which no caller can catch (undici #5360). Both HTTP stacks here import this same
// undici, patched with the upstream fix (decision 0012). Each case waits until the client's
// socket has closed before reading a byte, so the parser is paused at the FIN every time.
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Agent, request } from 'undici';

// undici's body stream pauses the parser once this much is buffered (its highWaterMark).
const PAYLOAD = Buffer.alloc(64 * 1024, 0x61);

let server: Server;
let answer: (socket: Socket) => void;
const uncaught: Error[] = [];
let onUncaught: ((error: Error) => void) | undefined;
const recordUncaught = (error: Error): void => {
  uncaught.push(error);
  onUncaught?.(error);
};

beforeAll(async () => {
  process.on('uncaughtException', recordUncaught);
  server = createServer((socket) => {
    socket.on('error', () => {});
    socket.once('data', () => answer(socket));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
});

afterAll(async () => {
  process.off('uncaughtException', recordUncaught);
  await new Promise<void>((done) => server.close(() => done()));
});

afterEach(() => {
  uncaught.length = 0;
});

/** GETs from the server, waits for the client's socket to close, then reads the body: its bytes, or the error it ended with. */
async function readAfterClose(): Promise<{ bytes: number } | { error: string }> {
  let closed: Promise<void> | undefined;
  const agent = new Agent({
    connect(options, callback) {
      const socket = connect({ host: options.hostname, port: Number(options.port) });
      closed = new Promise((done) => socket.once('close', () => done()));
      socket.once('connect', () => callback(null, socket));
      return socket;
    },
  });
  const crashed = new Promise<never>((_, fail) => (onUncaught = fail));
  try {
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no server address');
    const response = await request(`http://127.0.0.1:${address.port}/`, { dispatcher: agent });
    await Promise.race([closed, crashed]);
    const read = response.body.arrayBuffer().then(
      (body) => ({ bytes: body.byteLength }),
      (error: unknown) => ({ error: (error as { code?: string }).code ?? (error as Error).name }),
    );
    return await Promise.race([read, crashed]);
  } finally {
    onUncaught = undefined;
    await agent.destroy();
  }
}

describe('undici: the server closes while the body is paused by backpressure', () => {
  it.each([
    ['a Content-Length body completes', `Content-Length: ${PAYLOAD.length}\r\n`, PAYLOAD, { bytes: PAYLOAD.length }],
    ['a body delimited by the close completes', '', PAYLOAD, { bytes: PAYLOAD.length }],
    [
      'a body shorter than its Content-Length is an error, never a complete body',
      `Content-Length: ${PAYLOAD.length * 2}\r\n`,
      PAYLOAD,
      { error: 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH' },
    ],
    [
      'a chunked body without its last chunk is an error',
      'Transfer-Encoding: chunked\r\n',
      Buffer.concat([Buffer.from(`${PAYLOAD.length.toString(16)}\r\n`), PAYLOAD]),
      { error: 'HTTPParserError' },
    ],
  ])('%s', async (_name, framing, body, expected) => {
    answer = (socket) => {
      socket.write(`HTTP/1.1 200 OK\r\n${framing}Connection: close\r\n\r\n`);
      socket.end(body);
    };
    expect(await readAfterClose()).toEqual(expected);
    expect(uncaught).toEqual([]);
  });
});
