import { main } from './cli.js';
import { abandonNow } from './interrupt.js';

// Ctrl-C (or SIGTERM) cancels: running tools are killed and scratch folders removed before
// exit 130. A second one exits at once, still killing the tools and removing the folders.
const controller = new AbortController();
const onSignal = (signal: NodeJS.Signals): void => {
  if (!controller.signal.aborted) return controller.abort(new Error(signal === 'SIGINT' ? 'cancelled' : 'terminated'));
  abandonNow();
  process.exit(130);
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

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
    process.stderr.write(
      `glide-release failed unexpectedly: ${(error as Error).stack ?? String(error)}\nPlease report this at https://github.com/EinStack/create-glide/issues\n`,
    );
    process.exitCode = 1;
  },
);
