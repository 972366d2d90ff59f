/**
 * create-glide: ask → plan → apply (README.md, "create-glide"). Returns the exit
 * code: 0 done, 1 failed, 2 usage, 130 cancelled.
 */
import { reportFailure } from '../report-failure.js';
import type { CreateIo } from './create.js';
import { HELP, parseCreateOptions } from './options.js';

declare const CREATE_GLIDE_VERSION: string;

export async function main(argv: readonly string[], io: CreateIo): Promise<number> {
  try {
    const options = parseCreateOptions(argv);
    if (options.help) {
      io.stdout.write(HELP);
      return 0;
    }
    if (options.showVersion) {
      io.stdout.write(`${typeof CREATE_GLIDE_VERSION === 'string' ? CREATE_GLIDE_VERSION : 'dev'}\n`);
      return 0;
    }
    // Loaded only now, and as one module graph: --help and --version need none of the network,
    // prompt or archive code, and a run needs all of it (a chunk per module costs ~20 ms more).
    const { create } = await import('./create.js');
    return await create(options, io);
  } catch (error) {
    return reportFailure(error, io);
  }
}
