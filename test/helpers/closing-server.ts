import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { resolve, sep } from 'node:path';
import { planFileResponse } from './static-mirror.js';

/**
 * A file server written on a raw TCP socket: every answer says `Connection: close`, and the
 * server ends the connection (FIN) the moment the body is written, with no HTTP library in
 * between to soften it. `cutAfter` queues a liar: the next GET of a path announces the whole
 * file but closes after that many body bytes.
 */

export interface ClosingServerRequest {
  readonly path: string;
  readonly range: string | undefined;
  readonly status: number;
}

export interface ClosingServer {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  readonly log: ClosingServerRequest[];
  /** The next GET of `path` announces the whole file but sends only `bytes` of it. */
  cutAfter(path: string, bytes: number): void;
  close(): Promise<void>;
}

const MAX_HEAD = 16 * 1024;

export async function startClosingServer(root: string): Promise<ClosingServer> {
  const base = resolve(root);
  const log: ClosingServerRequest[] = [];
  const cuts = new Map<string, number[]>();
  const sockets = new Set<Socket>();

  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let head = '';
    const onData = (chunk: Buffer): void => {
      head += chunk.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end === -1) {
        if (head.length > MAX_HEAD) socket.destroy();
        return;
      }
      socket.off('data', onData);
      void answer(socket, head.slice(0, end)).catch(() => socket.destroy());
    };
    socket.on('data', onData);
  });

  async function answer(socket: Socket, head: string): Promise<void> {
    const [requestLine = '', ...headerLines] = head.split('\r\n');
    const [method = '', target = '/'] = requestLine.split(' ');
    const headers: Record<string, string> = {};
    for (const line of headerLines) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const pathname = new URL(target, 'http://server').pathname;
    const file = resolve(base, `.${decodeURIComponent(pathname)}`);
    const stats = file.startsWith(base + sep) ? await stat(file).catch(() => undefined) : undefined;
    if (!stats?.isFile() || (method !== 'GET' && method !== 'HEAD')) {
      const status = stats?.isFile() ? 405 : 404;
      log.push({ path: target, range: headers.range, status });
      socket.end(`HTTP/1.1 ${status} ${status === 404 ? 'Not Found' : 'Method Not Allowed'}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
      return;
    }
    const plan = planFileResponse(headers, { size: stats.size, mtime: stats.mtime });
    log.push({ path: target, range: headers.range, status: plan.status });
    const reason = { 200: 'OK', 206: 'Partial Content', 416: 'Range Not Satisfiable' }[plan.status];
    const lines = [`HTTP/1.1 ${plan.status} ${reason}`, ...Object.entries(plan.headers).map(([name, value]) => `${name}: ${value}`), 'Connection: close'];
    socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    if (method === 'HEAD' || plan.status === 416) return void socket.end();

    const cut = method === 'GET' ? cuts.get(pathname)?.shift() : undefined;
    const last = cut === undefined ? plan.end - 1 : Math.min(plan.end, plan.start + cut) - 1;
    if (last >= plan.start) {
      for await (const chunk of createReadStream(file, { start: plan.start, end: last }) as AsyncIterable<Buffer>) {
        if (!socket.write(chunk)) await new Promise((done) => socket.once('drain', done));
      }
    }
    socket.end();
  }

  await new Promise<void>((done, fail) => server.once('error', fail).listen(0, '127.0.0.1', done));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the closing server has no TCP address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    log,
    cutAfter(path, bytes) {
      cuts.set(path, [...(cuts.get(path) ?? []), bytes]);
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}
