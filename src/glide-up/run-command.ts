/**
 * `glide-up` (run): the client, then runGlide. Everything a run needs is imported statically, so
 * it loads as one module graph (decision 0033); cli.ts imports this only for a run.
 */
import { installerClient } from '../installer-client.js';
import { hostTarget, type HostFacts } from '../platform/detect.js';
import type { InstallerSettings } from '../settings.js';
import { glideUpConfigDir } from './config-dir.js';
import type { RunOptions } from './options.js';
import { runGlide } from './run.js';

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

export async function runCommand(options: RunOptions, io: GlideUpIo, settings: InstallerSettings, say: (line: string) => void): Promise<number> {
  const host = hostTarget(await io.host());
  const client = installerClient(settings, 'glide-up', io.signal);
  try {
    return await runGlide({
      options,
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
}
