/**
 * `glide-up doctor`: what glide-up would use, in one screen to paste into an issue. Shows the
 * token's variable name, never its value, and proxies without their credentials.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { formatTarget, GLIDE_PORT, type Target } from '#contract';
import { redactUrl } from '../net/http.js';
import { describeFolderProblem, folderProblem } from '../platform/folders.js';
import { PIN_FILE } from '../releases/pin.js';
import { describeSource, releaseSource } from '../releases/source.js';
import { isPortFree } from '../run/port.js';
import { cacheDir } from '../install/cache.js';
import { readNetworkSettings } from '../settings.js';
import { glideUpConfigDir } from './config-dir.js';
import { listCachedVersions } from './installs.js';
import { readPin } from './pin-file.js';

const run = promisify(execFile);

export interface DoctorContext {
  readonly host: Target;
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly platform: string;
  readonly home: string | undefined;
}

export async function doctorReport(ctx: DoctorContext): Promise<string[]> {
  const settings = readNetworkSettings(ctx.env);
  const proxy = settings.proxy;
  // Folders that need a home are lines of the report, not reasons for doctor to fail.
  const cache = orProblem(() => cacheDir(ctx));
  const configDir = orProblem(() => glideUpConfigDir(ctx.env, ctx.platform, ctx.home));
  const installs = cache.value ? await listCachedVersions(cache.value) : [];
  const cacheProblem = cache.value ? await folderProblem(cache.value) : undefined;
  const source = orProblem(() => describeSource(releaseSource({ ...settings, cwd: ctx.cwd })));
  const pin = await pinState(ctx.cwd);
  return [
    `platform      ${formatTarget(ctx.host)} (Node ${process.versions.node})`,
    `releases      ${source.value ?? `invalid: ${source.problem}`}`,
    `https proxy   ${proxy.httpsProxy ? redactUrl(proxy.httpsProxy) : 'none'}`,
    `http proxy    ${proxy.httpProxy ? redactUrl(proxy.httpProxy) : 'none'}`,
    `no proxy      ${proxy.noProxy ?? 'none'}`,
    `token         ${settings.token ? `from ${settings.token.source}` : 'none (GLIDE_GITHUB_TOKEN, GH_TOKEN, GITHUB_TOKEN unset)'}`,
    `cache         ${cache.value ? cache.value + (cacheProblem ? ` (not writable: ${describeFolderProblem(cacheProblem)})` : '') : `none: ${cache.problem}`}`,
    `pin           ${pin}`,
    `installs      ${installs.length === 0 ? 'none' : installs.map((install) => `${install.version} ${install.platform}${install.verified ? '' : ' (unverified)'}`).join(', ')}`,
    `config dir    ${configDir.value ?? `none: ${configDir.problem}`}`,
    `docker        ${await dockerState(ctx.env)}`,
    `port ${GLIDE_PORT}     ${(await isPortFree(GLIDE_PORT).catch(() => false)) ? 'free' : 'in use (glide-up --port N picks another)'}`,
  ];
}

/** The value, or the failure's message and what it says to do. */
function orProblem(read: () => string): { value: string; problem?: undefined } | { value?: undefined; problem: string } {
  try {
    return { value: read() };
  } catch (error) {
    const details = (error as { details?: unknown }).details;
    return { problem: [(error as Error).message, ...(Array.isArray(details) ? details : [])].join(' ') };
  }
}

/** What a plain `glide-up` here would run: the pinned version, or the newest stable; a pin it would refuse is shown, not a failure. */
async function pinState(cwd: string): Promise<string> {
  try {
    const pin = await readPin(cwd);
    return pin ? `${pin.version} (${pin.path}; --glide-version or --channel overrides it)` : `none (no ${PIN_FILE} here: glide-up runs the newest stable)`;
  } catch (error) {
    return `invalid: ${(error as Error).message}`;
  }
}

/** The Docker CLI and its daemon, asked once with a short timeout: doctor must not hang on a stuck daemon. */
async function dockerState(env: NodeJS.ProcessEnv): Promise<string> {
  try {
    const { stdout } = await run('docker', ['version', '--format', '{{.Server.Version}}'], { env, timeout: 5000 });
    return `daemon ${stdout.trim()} reachable`;
  } catch (error) {
    const failure = error as NodeJS.ErrnoException & { stderr?: string };
    if (failure.code === 'ENOENT') return 'not installed (only create-glide --method docker needs it)';
    return 'CLI found, daemon not reachable';
  }
}
