import { main } from './cli.js';

// Ctrl-C cancels: running builds are killed and the staging folder removed before exit 130.
// A second Ctrl-C exits at once.
const controller = new AbortController();
process.once('SIGINT', () => {
  controller.abort(new Error('cancelled'));
  process.once('SIGINT', () => process.exit(130));
});
process.once('SIGTERM', () => controller.abort(new Error('terminated')));

main(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  cwd: process.cwd(),
  signal: controller.signal,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`glide-release failed unexpectedly: ${(error as Error).stack ?? String(error)}\nPlease report this at https://github.com/EinStack/glide/issues\n`);
    process.exitCode = 1;
  },
);
