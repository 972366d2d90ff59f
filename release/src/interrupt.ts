/**
 * Cancelling a release run. Each tool glide-release starts (go, and the compilers go starts in
 * turn; a binary under qemu) runs in a process group of its own, killed whole on abort: a
 * signal sent to glide-release alone would otherwise leave `compile` processes running. Scratch
 * folders are tracked too, so a second Ctrl-C, which exits without waiting for the first's
 * cleanup, still removes them.
 */
import { rmSync } from 'node:fs';
import type { Options } from 'execa';

const groups = new Set<number>();
const scratch = new Set<string>();

/** Registers a scratch folder for `abandonNow`; the returned function forgets it (once removed normally). */
export function trackScratch(path: string): () => void {
  scratch.add(path);
  return () => void scratch.delete(path);
}

export interface GroupedRun {
  readonly cwd: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly signal: AbortSignal;
  readonly timeout?: number;
  /** Whether a non-zero exit rejects (as execa's `reject`). */
  readonly reject?: boolean;
}

/**
 * Runs `file` in a new process group, all of which is killed when `signal` aborts; then the
 * abort's reason is thrown, not the kill's error.
 */
export async function runGrouped(file: string, args: readonly string[], run: GroupedRun) {
  run.signal.throwIfAborted();
  // Loaded on first use: bin.ts imports this module, and --help needs no execa.
  const { execa } = await import('execa');
  const options = {
    cwd: run.cwd,
    ...(run.env ? { env: run.env } : {}),
    ...(run.timeout ? { timeout: run.timeout } : {}),
    reject: run.reject ?? true,
    all: true,
    stdin: 'ignore',
    detached: true,
  } satisfies Options;
  const child = execa(file, args, options);
  const pid = child.pid;
  const killGroup = (): void => {
    if (pid !== undefined) killGroupNow(pid);
  };
  if (pid !== undefined) groups.add(pid);
  run.signal.addEventListener('abort', killGroup, { once: true });
  try {
    return await child;
  } catch (error) {
    if (run.signal.aborted) throw run.signal.reason;
    throw error;
  } finally {
    run.signal.removeEventListener('abort', killGroup);
    if (pid !== undefined) groups.delete(pid);
  }
}

function killGroupNow(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // The group is already gone.
  }
}

/** For a process about to exit without waiting: kills every running tool and removes every scratch folder. */
export function abandonNow(): void {
  for (const pid of groups) killGroupNow(pid);
  for (const path of scratch) rmSync(path, { recursive: true, force: true });
}
