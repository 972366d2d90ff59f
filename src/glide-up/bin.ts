/**
 * The glide-up executable: wires the process to main(). Before Glide runs, the first Ctrl-C
 * (or SIGTERM) cancels (exit 130) and a second exits at once; once Glide runs, signals are
 * handed on to it, and glide-up ends as Glide ended: its exit code, or its signal raised again.
 */
import { GlideError } from '#contract';
import { homeFolder } from '../install/cache.js';
import { readHostFacts } from '../platform/host.js';
import { main } from './cli.js';

const controller = new AbortController();
let interrupted = false;
let glideRunning = false;
const cancel = (): void => {
  if (glideRunning) return;
  if (interrupted) process.exit(130);
  interrupted = true;
  controller.abort(new GlideError('ECANCELLED', 'Cancelled: Glide was not started (a partial download is kept, and the next run resumes it).'));
};
process.on('SIGINT', cancel);
process.on('SIGTERM', cancel);

let endedBy: NodeJS.Signals | undefined;
const code = await main(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  platform: process.platform,
  home: homeFolder(),
  host: readHostFacts,
  signal: controller.signal,
  signals: process,
  onGlideStart: () => {
    glideRunning = true;
  },
  onGlideSignal: (signal) => {
    endedBy = signal;
  },
});
if (endedBy) {
  // As a shell expects of a wrapper: ended by the same signal, with its default action.
  process.off('SIGINT', cancel);
  process.off('SIGTERM', cancel);
  process.kill(process.pid, endedBy);
}
process.exitCode = code;
