import type { ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** A loopback port free right now (another process may still take it before we bind). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done, fail) => server.once('error', fail).listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

/** Stops a server process politely, then with SIGKILL if it lingers. */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', graceMs = 2_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  child.kill(signal);
  const stopped = await Promise.race([exited.then(() => 'stopped'), sleep(graceMs, 'still running')]);
  if (stopped === 'still running') {
    child.kill('SIGKILL');
    await exited;
  }
}

export interface LaunchedServer {
  readonly child: ChildProcess;
  /** Resolves 'ready' once the server accepts connections (polling until `signal` aborts). */
  ready(signal: AbortSignal): Promise<'ready' | 'aborted'>;
  /** What it said, for the error when it did not start. */
  output(): Promise<string>;
}

/**
 * Starts a server process on a free loopback port, its files in `dir` (removed when it stops, or
 * fails to start). The port is found by binding and releasing it, so another process may take
 * it in between: a start that fails is tried on another port. `launch` spawns the server last,
 * so its exit cannot pass unseen.
 */
export async function launchOnFreePort(
  name: string,
  dir: string,
  launch: (port: number) => Promise<LaunchedServer>,
  { attempts = 3, timeoutMs = 10_000 } = {},
): Promise<{ readonly port: number; stop(): Promise<void> }> {
  let failure = '';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const port = await freePort();
    const server = await launch(port);
    const exited = new Promise<string>((done) => {
      server.child.once('exit', (code, signal) => done(`exited (${signal ?? code})`));
      server.child.once('error', (error) => done(`failed to start (${error.message})`));
    });
    const waiting = new AbortController();
    const outcome = await Promise.race([
      server.ready(waiting.signal),
      exited,
      sleep(timeoutMs, 'timed out', { signal: waiting.signal }).catch(() => 'aborted'),
    ]);
    waiting.abort();
    if (outcome === 'ready') {
      return {
        port,
        async stop() {
          await stopChild(server.child);
          await rm(dir, { recursive: true, force: true });
        },
      };
    }
    failure = `${name} ${outcome} on attempt ${attempt}:\n${await server.output()}`;
    await stopChild(server.child);
  }
  await rm(dir, { recursive: true, force: true });
  throw new Error(failure);
}
