/**
 * `--start`: Glide brought up from the project just written, and the wait for its first
 * 200 from GET /v1/health/ on this machine (decision 0028).
 */
import { GlideError } from '#contract';
import { describeExit, exitCodeOf, forwardSignals, startGlide } from '../run/glide-process.js';
import { waitForHealthy } from '../run/health.js';
import { isPortFree } from '../run/port.js';
import { chatCommand, glideUrls, runningLines, type CreateContext } from './steps.js';

/** Long enough for a cold start on a slow disk, short enough that a broken config is not a hang. */
export const HEALTH_TIMEOUT_MS = 60_000;

/** Refuses before anything is written when Glide could not listen: it would only fail after the install. */
export async function checkPortFree(port: number): Promise<void> {
  if (await isPortFree(port)) return;
  throw new GlideError('EPORTINUSE', `Port ${port} on 127.0.0.1 is taken, and Glide listens there.`, [
    `Stop what listens on it (\`ss -ltnp 'sport = :${port}'\` names it), or run without --start and start Glide later.`,
  ]);
}

/**
 * Runs the binary in the foreground with the project's config and .env, Ctrl-C and SIGTERM
 * handed on to it; prints the URLs once it is healthy and returns Glide's exit code when it
 * stops. A cancel before it is healthy stops it and is a cancel (130).
 */
export async function runInForeground(
  ctx: Pick<CreateContext, 'terminal' | 'env' | 'signal'>,
  run: { readonly binary: string; readonly dir: string; readonly port: number; readonly router: string },
): Promise<number> {
  const { terminal } = ctx;
  terminal.step(`Starting ${run.binary} --config config.yaml --env .env`);
  const glide = startGlide({ binary: run.binary, args: ['--config', 'config.yaml', '--env', '.env'], cwd: run.dir, env: ctx.env });
  const unsubscribe = forwardSignals(glide);
  try {
    await waitForHealthy(glideUrls(run.port, run.router).health, {
      timeoutMs: HEALTH_TIMEOUT_MS,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      gaveUp: glide.exited.then(describeExit),
    });
  } catch (error) {
    glide.stop();
    await glide.exited.catch(() => undefined);
    unsubscribe();
    // Ctrl-C reaches Glide too: its exit may end the wait first, and it is still a cancel.
    if (ctx.signal?.aborted || (error instanceof GlideError && error.code === 'ECANCELLED')) {
      throw new GlideError(
        'ECANCELLED',
        'Cancelled while Glide was starting: it is stopped. The project is kept; `npx glide-up` in it starts this Glide again (the version pinned in .glide-version).',
      );
    }
    throw error;
  }
  // Short lines: clack's box breaks apart when a title or line is wider than the terminal.
  terminal.note('Glide is running', [
    ...runningLines(run.port, run.router),
    'stop    Ctrl-C',
    'later   npx glide-up in the project (the Glide pinned in .glide-version)',
  ]);
  terminal.command(chatCommand(run.port, run.router));
  // Ctrl-C from here on is the normal way to stop the gateway, not a cancel: Glide's own code is ours.
  const code = exitCodeOf(await glide.exited);
  terminal.outro(`Glide stopped (exit code ${code}).`);
  return code;
}
