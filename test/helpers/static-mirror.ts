import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, resolve, sep } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A release mirror on loopback: a folder laid out `{tag}/{asset}` plus `index.json`, served the
 * way a static host (nginx, S3) serves it, with faults a test queues per path to break the
 * next download in a chosen way.
 */

export type MirrorFault =
  | { readonly kind: 'status'; readonly status: number }
  /** Headers and `afterBytes` bytes, then a TCP reset. */
  | { readonly kind: 'reset'; readonly afterBytes: number }
  /** Headers and `afterBytes` bytes, then silence until the client gives up or the mirror closes. */
  | { readonly kind: 'stall'; readonly afterBytes: number }
  /** A shorter file: only the first `bytes` bytes, with a Content-Length that matches them. */
  | { readonly kind: 'truncate'; readonly bytes: number }
  | { readonly kind: 'throttle'; readonly bytesPerSecond: number }
  /** A 302 to the same path on another server (`to` is its origin). */
  | { readonly kind: 'redirect'; readonly to: string };

export interface StaticMirrorOptions {
  /** Answer 401 (with a Basic challenge) to every request that lacks exactly these credentials. */
  readonly basicAuth?: { readonly username: string; readonly password: string };
}

export interface MirrorRequest {
  readonly method: string;
  /** As requested, query included. */
  readonly path: string;
  readonly range: string | undefined;
  readonly authorization: boolean;
  readonly fault: MirrorFault['kind'] | undefined;
  /** 0 until the status line is sent. */
  status: number;
  /** Body bytes sent so far: it grows while a (throttled or stalled) body is under way. */
  bytes: number;
}

export interface MirrorFaults {
  /** Queues `fault` for the next GET of `path` (e.g. `/0.0.2/glide_v0.0.2_linux_amd64.tar.gz`). */
  add(path: string, fault: MirrorFault): void;
}

export interface StaticMirror {
  readonly url: string;
  readonly log: MirrorRequest[];
  readonly faults: MirrorFaults;
  close(): Promise<void>;
}

// A reset right after the last write can beat the bytes to the client; a moment lets loopback deliver them.
const RESET_GRACE_MS = 20;

export async function startStaticMirror(root: string, options: StaticMirrorOptions = {}): Promise<StaticMirror> {
  const base = resolve(root);
  const { basicAuth } = options;
  const expectedAuthorization = basicAuth && `Basic ${Buffer.from(`${basicAuth.username}:${basicAuth.password}`).toString('base64')}`;
  const queued = new Map<string, MirrorFault[]>();
  const log: MirrorRequest[] = [];

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://mirror');
    const pathname = safeDecode(url.pathname);
    const method = req.method ?? 'GET';
    // HEAD has no body to break, and a probe must not use up the fault meant for the download.
    const fault = method === 'GET' && pathname !== undefined ? queued.get(pathname)?.shift() : undefined;
    const entry: MirrorRequest = {
      method,
      path: req.url ?? '/',
      range: req.headers.range,
      authorization: req.headers.authorization !== undefined,
      fault: fault?.kind,
      status: 0,
      bytes: 0,
    };
    log.push(entry);
    const send = (status: number, headers: Record<string, string | number>, body?: string) => {
      entry.status = status;
      res.writeHead(status, headers).end(body);
    };

    if (method !== 'GET' && method !== 'HEAD') return send(405, { allow: 'GET, HEAD' });
    if (expectedAuthorization && req.headers.authorization !== expectedAuthorization) {
      return send(401, { 'www-authenticate': 'Basic realm="mirror"', 'content-type': 'text/plain' }, 'Unauthorized\n');
    }
    if (fault?.kind === 'redirect') return send(302, { location: `${fault.to}${url.pathname}` });
    if (fault?.kind === 'status') return send(fault.status, { 'content-type': 'text/plain' }, `injected ${fault.status}\n`);
    const file = pathname === undefined ? undefined : resolve(base, `.${pathname}`);
    if (file === undefined || !file.startsWith(base + sep)) return send(404, { 'content-type': 'text/plain' }, 'Not Found\n');

    void (async () => {
      const stats = await stat(file).catch(() => undefined);
      if (!stats?.isFile()) return send(404, { 'content-type': 'text/plain' }, 'Not Found\n');
      const size = fault?.kind === 'truncate' ? Math.min(fault.bytes, stats.size) : stats.size;
      const plan = planFileResponse(req.headers, { size, mtime: stats.mtime });
      entry.status = plan.status;
      res.writeHead(plan.status, { 'content-type': contentType(file), ...plan.headers });
      if (method === 'HEAD' || plan.status === 416) return void res.end();
      // Node holds headers back until the first body write; a stall after 0 bytes must still send them.
      res.flushHeaders();

      const stopAfter = fault?.kind === 'reset' || fault?.kind === 'stall' ? fault.afterBytes : undefined;
      const bytesPerSecond = fault?.kind === 'throttle' ? fault.bytesPerSecond : undefined;
      const outcome = await sendFileBody(res, file, plan, { stopAfter, bytesPerSecond }, (n) => (entry.bytes += n));
      if (outcome !== 'stopped') return;
      if (fault?.kind === 'reset') {
        await sleep(RESET_GRACE_MS);
        res.socket?.resetAndDestroy();
      }
      // 'stall': leave the response open; close() destroys the socket.
    })().catch((error: unknown) => res.destroy(error instanceof Error ? error : undefined));
  });

  return {
    url: await listenOnLoopback(server),
    log,
    faults: {
      add(path, fault) {
        queued.set(path, [...(queued.get(path) ?? []), fault]);
      },
    },
    close: () => closeServer(server),
  };
}

export interface FileResponsePlan {
  readonly status: 200 | 206 | 416;
  readonly headers: Record<string, string>;
  /** The byte span to send: [start, end). */
  readonly start: number;
  readonly end: number;
}

/**
 * How a static host answers GET or HEAD for a file: validators, one `bytes=` range (206, or 416
 * past the end), and `If-Range` so a resume against a changed file gets the whole new file.
 * Multiple or malformed ranges are ignored (a full 200), as RFC 9110 allows.
 */
export function planFileResponse(request: IncomingHttpHeaders, file: { size: number; mtime: Date }): FileResponsePlan {
  const { size } = file;
  const etag = `"${Math.floor(file.mtime.getTime()).toString(16)}-${size.toString(16)}"`;
  const lastModified = file.mtime.toUTCString();
  const common = { 'accept-ranges': 'bytes', etag, 'last-modified': lastModified };
  const full: FileResponsePlan = { status: 200, headers: { ...common, 'content-length': String(size) }, start: 0, end: size };

  const match = /^bytes=(\d*)-(\d*)$/.exec(request.range?.trim() ?? '');
  const ifRange = request['if-range'];
  if (!match || (ifRange !== undefined && ifRange !== etag && ifRange !== lastModified)) return full;
  const [, first = '', last = ''] = match;
  let start: number;
  let end: number;
  if (first === '') {
    if (last === '') return full;
    start = Math.max(size - Number(last), 0);
    end = Number(last) === 0 ? 0 : size;
  } else {
    start = Number(first);
    end = last === '' ? size : Math.min(Number(last) + 1, size);
    if (last !== '' && Number(last) < start) return full;
  }
  if (start >= size || end <= start) {
    return { status: 416, headers: { ...common, 'content-range': `bytes */${size}`, 'content-length': '0' }, start: 0, end: 0 };
  }
  return {
    status: 206,
    headers: { ...common, 'content-range': `bytes ${start}-${end - 1}/${size}`, 'content-length': String(end - start) },
    start,
    end,
  };
}

/**
 * Streams `plan`'s span of `file` to `res`, honouring backpressure. `stopAfter` stops early
 * without ending the response (the caller decides how the connection dies);
 * `bytesPerSecond` paces the body in small slices.
 */
export async function sendFileBody(
  res: ServerResponse,
  file: string,
  plan: Pick<FileResponsePlan, 'start' | 'end'>,
  pacing: { stopAfter?: number | undefined; bytesPerSecond?: number | undefined },
  onBytes: (count: number) => void = () => {},
): Promise<'complete' | 'stopped' | 'gone'> {
  const limit = Math.min(plan.end - plan.start, pacing.stopAfter ?? Infinity);
  const slice = pacing.bytesPerSecond ? Math.max(1, Math.floor(pacing.bytesPerSecond / 20)) : Infinity;
  let sent = 0;
  if (limit > 0) {
    const stream = createReadStream(file, { start: plan.start, end: plan.start + limit - 1 });
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      for (let offset = 0; offset < chunk.length; offset += slice) {
        if (res.destroyed) return 'gone';
        const piece = chunk.subarray(offset, offset + slice);
        // The callback fires once the kernel has the bytes: a reset after it cannot overtake them.
        await new Promise<void>((done, fail) => res.write(piece, (error) => (error ? fail(error) : done())));
        sent += piece.length;
        onBytes(piece.length);
        if (pacing.bytesPerSecond) await sleep((piece.length / pacing.bytesPerSecond) * 1000);
      }
    }
  }
  if (sent < plan.end - plan.start) return 'stopped';
  res.end();
  return 'complete';
}

/** Listens on an ephemeral 127.0.0.1 port; resolves to the origin, e.g. `http://127.0.0.1:40123`. */
export async function listenOnLoopback(server: Server): Promise<string> {
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', fail);
      done();
    });
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Closes the server and destroys every open connection, stalled responses included, so tests end. */
export async function closeServer(server: Server): Promise<void> {
  const closed = new Promise<void>((done) => server.close(() => done()));
  server.closeAllConnections();
  await closed;
}

function safeDecode(pathname: string): string | undefined {
  try {
    return decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
}

function contentType(file: string): string {
  if (file.endsWith('.tar.gz') || file.endsWith('.tgz')) return 'application/gzip';
  const byExtension: Record<string, string> = {
    '.json': 'application/json',
    '.txt': 'text/plain; charset=utf-8',
    '.zip': 'application/zip',
  };
  return byExtension[extname(file)] ?? 'application/octet-stream';
}
