/**
 * `glide-up doctor`: what glide-up would use, in one screen to paste into an issue. Shows the
 * token's variable name, never its value, and proxies without their credentials.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { formatTarget, GLIDE_PORT, type Target } from '#contract';
import { redactUrl } from '../net/http.js';
import { describeFolderProblem, folderProblem } from '../platform/folders.js';
import { describeSource, releaseSource } from '../releases/source.js';
import { isPortFree } from '../run/port.js';
import type { InstallerSettings } from '../settings.js';
import { listCachedVersions } from './installs.js';

const run = promisify(execFile);

export interface DoctorContext {
  readonly settings: InstallerSettings;
  readonly host: Target;
  readonly configDir: string;
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
}

export async function doctorReport(ctx: DoctorContext): Promise<string[]> {
  const { settings } = ctx;
  const proxy = settings.proxy;
  const installs = await listCachedVersions(settings.cacheDir);
  const cacheProblem = await folderProblem(settings.cacheDir);
  let source: string;
  try {
    source = describeSource(releaseSource({ ...settings, cwd: ctx.cwd }));
  } catch (error) {
    source = `invalid: ${(error as Error).message}`;
  }
  return [
    `platform      ${formatTarget(ctx.host)} (Node ${process.versions.node})`,
    `releases      ${source}`,
    `https proxy   ${proxy.httpsProxy ? redactUrl(proxy.httpsProxy) : 'none'}`,
    `http proxy    ${proxy.httpProxy ? redactUrl(proxy.httpProxy) : 'none'}`,
    `no proxy      ${proxy.noProxy ?? 'none'}`,
    `token         ${settings.token ? `from ${settings.token.source}` : 'none (GLIDE_GITHUB_TOKEN, GH_TOKEN, GITHUB_TOKEN unset)'}`,
    `cache         ${settings.cacheDir}${cacheProblem ? ` (not writable: ${describeFolderProblem(cacheProblem)})` : ''}`,
    `installs      ${installs.length === 0 ? 'none' : installs.map((install) => `${install.version} ${install.platform}${install.verified ? '' : ' (unverified)'}`).join(', ')}`,
    `config dir    ${ctx.configDir}`,
    `docker        ${await dockerState(ctx.env)}`,
    `port ${GLIDE_PORT}     ${(await isPortFree(GLIDE_PORT).catch(() => false)) ? 'free' : 'in use (glide-up --port N picks another)'}`,
  ];
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
