/**
 * glide-up: run Glide (the latest by default), `doctor`, or `cache list|prune|clear`. Returns
 * the exit code: Glide's own once it ran; else 0 done, 1 failed, 2 usage, 130 cancelled.
 */
import { createInterface } from 'node:readline/promises';
import { hostTarget } from '../platform/detect.js';
import { reportFailure } from '../report-failure.js';
import { HELP, parseGlideUpOptions } from './options.js';
import type { GlideUpIo } from './run-command.js';

declare const GLIDE_UP_VERSION: string;

export async function main(argv: readonly string[], io: GlideUpIo): Promise<number> {
  try {
    const command = parseGlideUpOptions(argv);
    if (command.kind === 'help') {
      io.stdout.write(HELP);
      return 0;
    }
    if (command.kind === 'version') {
      io.stdout.write(`${typeof GLIDE_UP_VERSION === 'string' ? GLIDE_UP_VERSION : 'dev'}\n`);
      return 0;
    }
    if (command.kind === 'doctor') {
      const { doctorReport } = await import('./doctor.js');
      const host = hostTarget(await io.host());
      io.stdout.write(`${(await doctorReport({ host, cwd: io.cwd, env: io.env, platform: io.platform, home: io.home })).join('\n')}\n`);
      return 0;
    }
    const { readSettings } = await import('../settings.js');
    const settings = readSettings(io.env, io.platform, io.home);
    const say = (line: string): void => void io.stderr.write(`glide-up: ${line}\n`);
    if (command.kind === 'cache') {
      const { cacheCommand } = await import('./cache-command.js');
      const tty = Boolean(io.stdin.isTTY && io.stdout.isTTY);
      return await cacheCommand(command.action, {
        cacheDir: settings.cacheDir,
        yes: command.yes,
        say: (line) => void io.stdout.write(`${line}\n`),
        ...(tty ? { confirm: (question: string) => confirm(io, question) } : {}),
      });
    }
    // The run's code as one module graph, loaded at once (decision 0033).
    const { runCommand } = await import('./run-command.js');
    return await runCommand(command, io, settings, say);
  } catch (error) {
    return reportFailure(error, io);
  }
}

async function confirm(io: GlideUpIo, question: string): Promise<boolean> {
  const prompt = createInterface({ input: io.stdin, output: io.stdout });
  try {
    return /^y(es)?$/i.test((await prompt.question(`${question} [y/N] `)).trim());
  } finally {
    prompt.close();
  }
}
