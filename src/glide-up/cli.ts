/**
 * glide-up: run Glide (the latest by default), `doctor`, or `cache list|prune|clear`. Returns
 * the exit code: Glide's own once it ran; else 0 done, 1 failed, 2 usage, 130 cancelled.
 */
import { createInterface } from 'node:readline/promises';
import { hostTarget, type HostFacts } from '../platform/detect.js';
import { reportFailure } from '../report-failure.js';
import { HELP, parseGlideUpOptions } from './options.js';

declare const GLIDE_UP_VERSION: string;

export interface GlideUpIo {
  readonly stdin: NodeJS.ReadableStream & { readonly isTTY?: boolean };
  readonly stdout: NodeJS.WritableStream & { readonly isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  readonly platform: string;
  readonly home: string | undefined;
  readonly host: () => Promise<HostFacts>;
  readonly signal?: AbortSignal;
  /** Where SIGINT/SIGTERM arrive, to hand on to Glide. */
  readonly signals: NodeJS.Process;
  readonly onGlideStart?: () => void;
  readonly onGlideSignal?: (signal: NodeJS.Signals) => void;
}

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
    const [{ readSettings }, { glideUpConfigDir }] = await Promise.all([import('../settings.js'), import('./config-dir.js')]);
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
    const host = hostTarget(await io.host());
    const [{ HttpClient }, { runGlide }] = await Promise.all([import('../net/http.js'), import('./run.js')]);
    const client = new HttpClient({
      proxy: settings.proxy,
      apiOrigin: new URL(settings.githubApiUrl).origin,
      ...(settings.token ? { token: settings.token } : {}),
      userAgent: 'glide-up',
      ...(io.signal ? { signal: io.signal } : {}),
    });
    try {
      return await runGlide({
        options: command,
        cwd: io.cwd,
        env: io.env,
        settings,
        configDir: glideUpConfigDir(io.env, io.platform, io.home),
        host,
        client,
        say,
        signals: io.signals,
        ...(io.signal ? { signal: io.signal } : {}),
        ...(io.onGlideStart ? { onGlideStart: io.onGlideStart } : {}),
        ...(io.onGlideSignal ? { onGlideSignal: io.onGlideSignal } : {}),
      });
    } finally {
      await client.close();
    }
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
