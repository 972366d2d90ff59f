/** Runs the Docker tools (`docker`, `docker-compose`): their exit code and output, or that the command is not installed. */
import { spawn } from 'node:child_process';

export type CommandResult =
  { readonly found: true; readonly code: number | null; readonly stdout: string; readonly stderr: string } | { readonly found: false; readonly reason: string };

export interface CommandOptions {
  readonly env: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Ends the command (SIGTERM); the result then says it was killed (`code` null). */
  readonly signal?: AbortSignal;
  /** `inherit`: its output goes to our terminal (compose's progress), and is not in the result. */
  readonly stdio?: 'pipe' | 'inherit';
  /** A command that hangs this long is ended (a daemon that accepts and never answers). */
  readonly timeoutMs?: number;
}

export function runCommand(command: string, args: readonly string[], { env, cwd, signal, stdio = 'pipe', timeoutMs }: CommandOptions): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      env,
      ...(cwd ? { cwd } : {}),
      ...(signal ? { signal } : {}),
      ...(timeoutMs ? { timeout: timeoutMs } : {}),
      stdio: ['ignore', stdio, stdio],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr?.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.once('error', (error: NodeJS.ErrnoException) => {
      // Not started at all (ENOENT, EACCES); an abort after the start ends in 'close' with a signal.
      if (child.pid === undefined) resolve({ found: false, reason: error.code ?? error.message });
    });
    child.once('close', (code) => resolve({ found: true, code, stdout, stderr }));
  });
}

/** The first lines of what a failed command said, for an error's details. */
export function firstLines(text: string, count = 3): string {
  return text
    .trim()
    .split('\n')
    .filter((line) => line.trim() !== '')
    .slice(0, count)
    .join(' / ');
}
