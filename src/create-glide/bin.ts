/**
 * The create-glide executable: wires the process to main(). The first Ctrl-C (or SIGTERM, as
 * a CI job's cancel sends) cancels: a download stops and cleans up, exit 130; a second one
 * exits at once.
 */
import { GlideError } from '#contract';
import { readHostFacts } from '../platform/host.js';
import { main } from './cli.js';

const controller = new AbortController();
let interrupted = false;
const cancel = (): void => {
  if (interrupted) process.exit(130);
  interrupted = true;
  controller.abort(new GlideError('ECANCELLED', 'Cancelled: nothing was installed or written (a partial download is kept, and the next run resumes it).'));
};
process.on('SIGINT', cancel);
process.on('SIGTERM', cancel);

const code = await main(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  host: readHostFacts,
  signal: controller.signal,
});
process.exitCode = code;
