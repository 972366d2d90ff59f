/**
 * `glide-up`: choose the config, the version, install it if the cache lacks it, then run Glide
 * in the foreground with our signals handed on to it, and return its exit code.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { archiveName, formatTarget, GLIDE_PORT, GlideError, type Target } from '#contract';
import { inspectInstall, installGlide, type InstallEvent } from '../install/index.js';
import { installPaths } from '../install/cache.js';
import type { HttpClient } from '../net/http.js';
import { releaseLookup } from '../releases/lookup.js';
import { requestToRun } from '../releases/pin.js';
import type { VersionRequest } from '../releases/resolve.js';
import { describeSource, releaseSource, type ReleaseSource } from '../releases/source.js';
import { isPortFree } from '../run/port.js';
import { exitCodeOf, forwardSignals, startGlide } from '../run/glide-process.js';
import type { InstallerSettings } from '../settings.js';
import { chooseConfig, everyInterfaceHost, exists, materializeConfig, type ConfigChoice } from './config.js';
import type { RunOptions } from './options.js';
import { readPin } from './pin-file.js';
import { chooseVersion, exactNotCached, isNetworkFailure, newestVerifiedInstall } from './version.js';

export interface RunContext {
  readonly options: RunOptions;
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly settings: InstallerSettings;
  readonly configDir: string;
  readonly host: Target;
  readonly client: HttpClient;
  /** glide-up's progress lines (stderr: stdout is Glide's). */
  readonly say: (line: string) => void;
  /** Aborted by a Ctrl-C (or SIGTERM) before Glide runs. */
  readonly signal?: AbortSignal;
  /** Where SIGINT/SIGTERM arrive; they are handed on to Glide once it runs. */
  readonly signals: NodeJS.Process;
  /** Called once Glide runs: from then on a signal is Glide's to act on, not a cancel of ours. */
  readonly onGlideStart?: () => void;
  /** Called when Glide was ended by a signal, so the launcher can end the same way. */
  readonly onGlideSignal?: (signal: NodeJS.Signals) => void;
  readonly now?: () => Date;
}

export async function runGlide(ctx: RunContext): Promise<number> {
  const { options, settings, host, say } = ctx;
  // A flag wins and the file is not read, so a broken pin never stands in the way of an explicit version.
  const { request, reason } = requestToRun(options.version, options.version === undefined ? await readPin(ctx.cwd) : undefined);
  const envFile = options.envFile === undefined ? undefined : resolve(ctx.cwd, options.envFile);
  if (envFile !== undefined && !(await exists(envFile))) {
    throw new GlideError('EUSAGE', `--env ${options.envFile}: ${envFile} does not exist.`, ['Pass the path of a dotenv file (NAME=value lines).']);
  }
  // Decided before anything is downloaded: without a config there is nothing to run.
  const choice = chooseConfig({
    ...(options.config !== undefined ? { flag: options.config } : {}),
    cwd: ctx.cwd,
    localConfig: await exists(resolve(ctx.cwd, 'config.yaml')),
    env: await glideEnvironment(ctx.env, envFile ?? join(ctx.cwd, '.env')),
  });
  if (choice.kind === 'given' && !(await exists(choice.path))) {
    throw new GlideError('EUSAGE', `--config ${options.config}: ${choice.path} does not exist.`, ['Pass the path of a Glide config file.']);
  }
  const port = options.port ?? (choice.kind === 'generated' ? GLIDE_PORT : undefined);
  if (port !== undefined && !(await isPortFree(port))) {
    throw new GlideError('EPORTINUSE', `Port ${port} on 127.0.0.1 is in use: Glide could not listen there.`, [
      'Stop what listens there (is Glide already running?), or pass --port with a free port.',
    ]);
  }

  // --download-base-url over GLIDE_DOWNLOAD_BASE_URL (already in settings).
  const source = releaseSource({ ...settings, ...(options.downloadBaseUrl ? { downloadBaseUrl: options.downloadBaseUrl } : {}), cwd: ctx.cwd });
  const chosen = await chooseVersion({
    request,
    offline: options.offline,
    cacheDir: settings.cacheDir,
    target: host,
    sourceName: describeSource(source),
    lookup: () => releaseLookup(source, ctx.client),
    now: ctx.now?.() ?? new Date(),
  });
  say(chosen.note ?? `Glide ${chosen.version} (${reason})`);

  const { version, binary } = await installedGlide(ctx, source, chosen.version, request);

  const config = await materializeConfig(choice, ctx.configDir, options.port);
  say(configLine(choice, config.path));
  const everyInterface = everyInterfaceHost(await readFile(config.path, 'utf8').catch(() => ''));
  if (everyInterface !== undefined) {
    say(
      `warning: ${config.path} sets api.http.host to ${JSON.stringify(everyInterface)}, every interface of this machine (what a container needs): ` +
        'whoever can reach this machine can send chat requests through Glide, billed to your provider keys. Set it to 127.0.0.1 to keep Glide to this machine.',
    );
  }
  const args = ['--config', config.path, ...(envFile !== undefined ? ['--env', envFile] : []), ...options.glideArgs];
  // A Ctrl-C during the last steps (nothing there listens for it) must not be followed by a start.
  if (ctx.signal?.aborted) throw new GlideError('ECANCELLED', 'Cancelled: Glide was not started.');
  say(`Starting Glide ${version}${port !== undefined ? ` on 127.0.0.1:${port}` : ''} (Ctrl-C stops it)`);
  const glide = startGlide({ binary, args, cwd: ctx.cwd, env: ctx.env, stdio: 'inherit' });
  ctx.onGlideStart?.();
  forwardSignals(glide, ctx.signals);
  const result = await glide.exited;
  if (result.signal) ctx.onGlideSignal?.(result.signal);
  return exitCodeOf(result);
}

/**
 * The variables Glide will see: ours, and the dotenv file it loads before its config (`--env`,
 * else ./.env), which, like godotenv, sets only what is not set already.
 */
async function glideEnvironment(env: NodeJS.ProcessEnv, dotenvFile: string): Promise<NodeJS.ProcessEnv> {
  const fromFile = await readFile(dotenvFile, 'utf8').then(
    (text) => parseEnv(text),
    () => ({}),
  );
  return { ...fromFile, ...env };
}

/**
 * The binary of `version`, installed now if the cache lacks it. When that download fails on the
 * network, `latest`/`rc` run the newest verified install instead (as when asking failed); an
 * exact version is never swapped for another.
 */
async function installedGlide(ctx: RunContext, source: ReleaseSource, version: string, request: VersionRequest): Promise<{ version: string; binary: string }> {
  const { options, settings, host, say } = ctx;
  const paths = installPaths(settings.cacheDir, version, host, archiveName(version, host));
  const cached = await inspectInstall(paths, version, false);
  if (cached.state === 'ready') return { version, binary: cached.result.binary };
  if (options.offline) throw exactNotCached(version);
  say(`Installing Glide ${version} for ${formatTarget(host)} from ${describeSource(source)}${cached.state === 'replace' ? ` (${cached.reason})` : ''}`);
  try {
    const installed = await installGlide(
      { version, target: host, runnable: true, source, cacheDir: settings.cacheDir, insecureSkipVerify: false },
      { client: ctx.client, report: installProgress(say) },
    );
    say(`Installed ${installed.binary} (sha256 verified)`);
    return { version, binary: installed.binary };
  } catch (error) {
    if (request.kind === 'exact' || !isNetworkFailure(error)) throw error;
    const fallback = await newestVerifiedInstall(settings.cacheDir, host, request.kind === 'rc');
    if (!fallback) throw error;
    say(`Could not download Glide ${version} (${error.code}): using Glide ${fallback.version}, the newest verified install in the cache`);
    return fallback;
  }
}

/** One line per phase, not per chunk: glide-up's output shares the terminal with Glide's logs. */
function installProgress(say: (line: string) => void): (event: InstallEvent) => void {
  let downloading = false;
  return (event) => {
    if (event.type === 'download' && !downloading) {
      downloading = true;
      say(`  downloading ${event.asset}${event.total ? ` (${(event.total / 1e6).toFixed(1)} MB)` : ''}`);
    } else if (event.type === 'reinstall') {
      say(`  reinstalling: ${event.reason}`);
    } else if (event.type === 'waiting-for-lock') {
      say(`  waiting for another install of this version to finish (${event.lock})`);
    }
  };
}

function configLine(choice: ConfigChoice, path: string): string {
  switch (choice.kind) {
    case 'generated':
      return `Config: wrote ${path} for ${choice.provider} (reads ${choice.variables.join(', ')} from the environment)`;
    case 'given':
    case 'local':
      return path === choice.path ? `Config: ${path}` : `Config: ${choice.path}, with the port changed, as ${path}`;
  }
}
