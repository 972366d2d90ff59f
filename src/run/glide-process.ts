/**
 * Glide in the foreground (decision 0026): its output on our terminal, SIGINT/SIGTERM/SIGHUP/SIGQUIT
 * handed on to it one for one, and its exit code as ours. It runs in a process group of its
 * own, so a Ctrl-C at the terminal reaches it once, through us, not twice (the terminal's and
 * ours): Glide takes a second SIGINT as "stop now", which must stay the user's second Ctrl-C.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import type { Readable } from 'node:stream';
import { GlideError } from '#contract';

export interface GlideStart {
  readonly binary: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** `inherit` (default): Glide writes to our terminal. `pipe`: its output is on `stdout`/`stderr`. */
  readonly stdio?: 'inherit' | 'pipe';
}

export interface GlideExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface GlideProcess {
  /** Undefined only when the binary could not be started at all (then `exited` rejects). */
  readonly pid: number | undefined;
  /** Settles when Glide has exited; rejects with ESMOKE when it could not be started (not found, not executable). */
  readonly exited: Promise<GlideExit>;
  /** Glide's output with `stdio: 'pipe'`; null when it goes to our terminal. */
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  /** Sends `signal` (default SIGTERM) to Glide, unless it has exited. */
  stop(signal?: NodeJS.Signals): void;
}

/**
 * The signals handed on to Glide: Ctrl-C, a service manager's stop, a closed terminal, Ctrl-\.
 * Those a terminal sends reach only our process group: each one we did not forward would end
 * us and leave Glide running.
 */
export const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'];

export function startGlide({ binary, args, cwd, env, stdio = 'inherit' }: GlideStart): GlideProcess {
  const child = spawn(binary, args, {
    cwd,
    env,
    // Glide reads nothing from the terminal; from its own group it could not anyway (SIGTTIN).
    stdio: ['ignore', stdio, stdio],
    detached: true,
  });
  let running = true;
  const exited = new Promise<GlideExit>((resolve, reject) => {
    child.once('exit', (code, signal) => {
      running = false;
      resolve({ code, signal });
    });
    child.once('error', (error: NodeJS.ErrnoException) => {
      if (child.pid !== undefined) return;
      running = false;
      reject(
        new GlideError('ESMOKE', `Could not start ${binary}: ${error.code ?? error.message}.`, [
          'Install Glide again (the cached binary may be missing or not executable), then run again.',
        ]),
      );
    });
  });
  return {
    pid: child.pid,
    exited,
    stdout: child.stdout,
    stderr: child.stderr,
    stop(signal = 'SIGTERM') {
      if (running) child.kill(signal);
    },
  };
}

/**
 * Hands FORWARDED_SIGNALS that reach `target` on to Glide, and stops Glide if `target` exits
 * first (an uncaught error, `process.exit`): no Glide is left running without us. Undone when
 * Glide exits, or by calling the function returned.
 */
export function forwardSignals(child: GlideProcess, target: NodeJS.Process = process): () => void {
  const handlers = FORWARDED_SIGNALS.map((signal) => [signal, () => child.stop(signal)] as const);
  const stopOnExit = (): void => child.stop('SIGTERM');
  for (const [signal, handler] of handlers) target.on(signal, handler);
  target.on('exit', stopOnExit);
  let subscribed = true;
  const unsubscribe = (): void => {
    if (!subscribed) return;
    subscribed = false;
    for (const [signal, handler] of handlers) target.off(signal, handler);
    target.off('exit', stopOnExit);
  };
  child.exited.then(unsubscribe, unsubscribe);
  return unsubscribe;
}

/** The exit code a shell would show for Glide's end: its own code, or 128 + the number of the signal that ended it. Pure. */
export function exitCodeOf(result: GlideExit): number {
  if (result.code !== null) return result.code;
  const number = result.signal ? constants.signals[result.signal] : undefined;
  return number === undefined ? 1 : 128 + number;
}

/** Glide's end in words, for messages and for `waitForHealthy`'s `gaveUp`. Pure. */
export function describeExit(result: GlideExit): string {
  return result.code !== null ? `glide exited with code ${result.code}` : `glide was ended by ${result.signal ?? 'an unknown signal'}`;
}
