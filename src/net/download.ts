/**
 * One pass over a release asset: every byte is appended to a `.partial` file (so a later
 * run resumes with a Range request), hashed, and handed to a sink (the extractor) in
 * order. Nothing is read twice; a run that resumes replays the `.partial` it finds.
 */
import { createHash, type Hash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { stat, truncate } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { GlideError } from '#contract';
import { bodyChunks, deadlineError, discardBody, header, isRetryableNetworkError, type BasicCredentials, type HttpClient } from './http.js';
import { withRetries, type Verdict } from './retry.js';

export interface AssetSink<T> {
  readonly sink: Writable;
  readonly done: Promise<T>;
}

export interface DownloadRequest<T> {
  /** An http(s) URL (downloadAsset), or an absolute path in a mirror folder (readLocalAsset). */
  readonly location: string;
  /** What the messages call it (`glide_v0.1.0_linux_amd64.tar.gz`). */
  readonly what: string;
  /** Where bytes are kept between attempts and runs (URLs only). */
  readonly partialPath: string;
  /** Called for a fresh sink; called again if the download has to start over. */
  readonly createSink?: () => AssetSink<T>;
  readonly onProgress?: (received: number, total: number | undefined) => void;
  /** HTTP Basic credentials for the location's origin (a mirror's). */
  readonly credentials?: BasicCredentials;
}

export interface DownloadResult<T> {
  readonly sha256: string;
  readonly size: number;
  /**
   * The last sink's outcome, settled after the whole body was fed. Left for the caller to
   * await after comparing the hash, so a truncated file is reported as a checksum mismatch.
   */
  readonly sinkResult: Promise<T | undefined>;
}

class Pass<T> {
  readonly hash: Hash = createHash('sha256');
  readonly target: AssetSink<T> | undefined;
  bytes = 0;

  constructor(createSink: (() => AssetSink<T>) | undefined) {
    this.target = createSink?.();
  }

  async feed(chunk: Uint8Array): Promise<void> {
    this.hash.update(chunk);
    this.bytes += chunk.byteLength;
    const target = this.target;
    if (!target) return;
    if (target.sink.destroyed) {
      await target.done;
      throw new Error('the extractor stopped early');
    }
    if (!target.sink.write(chunk)) await drained(target);
  }

  finish(): Promise<T | undefined> {
    if (!this.target) return Promise.resolve(undefined);
    this.target.sink.end();
    return this.target.done;
  }

  /** Stops the sink and waits until it has cleaned up (its output file is gone). */
  async discard(): Promise<void> {
    if (!this.target) return;
    this.target.sink.destroy();
    await this.target.done.catch(() => {});
  }
}

/**
 * Waits for the sink to want more. A sink that fails (an unsafe entry mid-archive) closes,
 * which rejects with its reason and stops the download at once. Listeners are removed each
 * time: racing a long-pending promise per chunk would pile up reactions for a 1 GB file.
 */
function drained<T>(target: AssetSink<T>): Promise<void> {
  return new Promise((resolve, reject) => {
    const onDrain = (): void => {
      target.sink.off('close', onClose);
      resolve();
    };
    const onClose = (): void => {
      target.sink.off('drain', onDrain);
      target.done.then(() => reject(new Error('the extractor stopped early')), reject);
    };
    target.sink.once('drain', onDrain);
    target.sink.once('close', onClose);
  });
}

export async function downloadAsset<T>(client: HttpClient, request: DownloadRequest<T>): Promise<DownloadResult<T>> {
  let pass = new Pass<T>(request.createSink);
  if ((await fileSize(request.partialPath)) > 0) {
    for await (const chunk of createReadStream(request.partialPath)) await pass.feed(chunk as Buffer);
  }
  let partial = openPartial(request.partialPath);
  let validator: string | undefined;
  let total: number | undefined;
  let answered = false;

  const startOver = async (): Promise<void> => {
    await pass.discard();
    await closeStream(partial);
    await truncate(request.partialPath, 0);
    partial = openPartial(request.partialPath);
    pass = new Pass<T>(request.createSink);
    validator = undefined;
  };

  const deadline = client.downloadDeadlineMs;
  const tooSlow = (): GlideError =>
    deadlineError(
      request.location,
      deadline,
      'a download',
      answered ? `${pass.bytes}${total === undefined ? '' : ` of the ${total}`} bytes of ${request.what} were here` : undefined,
    );

  try {
    await client.withDeadline(deadline, tooSlow, async (signal) => {
      const { retries, backoffMs } = client.retryPolicy;
      // One attempt: ask for the bytes not yet here and feed them; 'restart' when the range came back wrong.
      const attempt = async (retry: number): Promise<'done' | 'restart'> => {
        const offset = pass.bytes;
        const rangeHeaders: Record<string, string> = offset > 0 ? { range: `bytes=${offset}-` } : {};
        // If-Range: a file that changed since the first bytes comes back whole (200), not spliced.
        if (offset > 0 && validator) rangeHeaders['if-range'] = validator;
        const response = await client.get(request.location, {
          headers: rangeHeaders,
          signal,
          ...(request.credentials ? { credentials: request.credentials } : {}),
        });
        answered = true;
        const misplaced = response.status === 206 && contentRangeStart(response.headers) !== offset;
        if (response.status === 416 || misplaced) {
          discardBody(response.body);
          if (offset === 0 || retry >= retries) {
            throw new GlideError('ENETWORK', `The server answered a range request for ${request.what} wrongly (HTTP ${response.status}).`, [
              'A proxy or mirror may mangle Range requests; run again, or try without the proxy or mirror.',
            ]);
          }
          await startOver();
          return 'restart';
        }
        // The server ignored Range (or the file changed): the whole file follows.
        if (response.status === 200 && offset > 0) await startOver();
        await client.expectOk(response, request.what);
        validator ??= header(response.headers, 'etag') ?? header(response.headers, 'last-modified');
        total = totalSize(response.status, response.headers, offset);
        request.onProgress?.(pass.bytes, total);
        for await (const chunk of bodyChunks(response, request.what, { before: pass.bytes, expected: total })) {
          await writePartial(partial, chunk);
          await pass.feed(chunk);
          request.onProgress?.(pass.bytes, total);
        }
        return 'done';
      };
      try {
        await withRetries(attempt, {
          retries,
          backoffMs,
          signal,
          retryResult: (outcome): Verdict => (outcome === 'restart' ? 'now' : 'final'),
          retryError: (error): Verdict => (isRetryableNetworkError(error) ? {} : 'final'),
        });
      } catch (error) {
        throw client.explain(error, request.location);
      }
    });
    await closeStream(partial);
    return { sha256: pass.hash.digest('hex'), size: pass.bytes, sinkResult: pass.finish() };
  } catch (error) {
    // Every byte received stays in the .partial for the next run to resume from.
    await closeStream(partial).catch(() => {});
    await pass.discard();
    throw error;
  }
}

/** A mirror folder's file, in the same one pass (hash, sink, progress) as a download; `location` is its path. */
export async function readLocalAsset<T>(request: Omit<DownloadRequest<T>, 'credentials'>): Promise<DownloadResult<T>> {
  const total = await fileSize(request.location, true);
  const pass = new Pass<T>(request.createSink);
  try {
    for await (const chunk of createReadStream(request.location, { highWaterMark: 1 << 20 })) {
      await pass.feed(chunk as Buffer);
      request.onProgress?.(pass.bytes, total);
    }
    return { sha256: pass.hash.digest('hex'), size: pass.bytes, sinkResult: pass.finish() };
  } catch (error) {
    await pass.discard();
    throw error;
  }
}

async function fileSize(path: string, required = false): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    if (required) {
      throw new GlideError('ENORELEASE', `${path} does not exist in the mirror folder.`, [
        'Check the version and --download-base-url: the folder must hold {tag}/{asset} as `glide-release build` writes it.',
      ]);
    }
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
}

function contentRangeStart(headers: Readonly<Record<string, string | string[] | undefined>>): number | undefined {
  const match = /^bytes (\d+)-/.exec(header(headers, 'content-range') ?? '');
  return match ? Number(match[1]) : undefined;
}

function totalSize(status: number, headers: Readonly<Record<string, string | string[] | undefined>>, offset: number): number | undefined {
  if (status === 206) {
    const match = /\/(\d+)$/.exec(header(headers, 'content-range') ?? '');
    if (match) return Number(match[1]);
  }
  const length = Number(header(headers, 'content-length'));
  return Number.isFinite(length) && header(headers, 'content-length') !== undefined ? length + (status === 206 ? offset : 0) : undefined;
}

type PartialFile = WriteStream & { failure?: Error };

/** The `.partial` writer. A disk error (ENOSPC) is kept and thrown at the next write, not left to crash the process. */
function openPartial(path: string): PartialFile {
  const stream: PartialFile = createWriteStream(path, { flags: 'a', highWaterMark: 1 << 20 });
  stream.on('error', (error) => {
    stream.failure ??= error;
  });
  return stream;
}

async function writePartial(stream: PartialFile, chunk: Uint8Array): Promise<void> {
  if (stream.failure) throw stream.failure;
  if (!stream.write(chunk)) await once(stream, 'drain');
}

async function closeStream(stream: PartialFile): Promise<void> {
  if (!stream.closed) {
    stream.end();
    await once(stream, 'close');
  }
  if (stream.failure) throw stream.failure;
}
