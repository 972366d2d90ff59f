/**
 * glide-up's command line → one plain command object (docs/install.md, "glide-up").
 * Pure: bad flags become EUSAGE errors (exit 2) that name the flag and what to pass instead.
 */
import { parseArgs } from 'node:util';
import { GlideError } from '#contract';
import { parseVersionRequest, type VersionRequest } from '../releases/resolve.js';

export const CHANNELS = ['stable', 'rc'] as const;
export const CACHE_ACTIONS = ['list', 'prune', 'clear'] as const;
export type CacheAction = (typeof CACHE_ACTIONS)[number];

export interface RunOptions {
  readonly kind: 'run';
  /** --glide-version or --channel; without either, ./.glide-version decides (else the newest stable). */
  readonly version?: VersionRequest;
  readonly config?: string;
  readonly envFile?: string;
  readonly port?: number;
  readonly offline: boolean;
  readonly downloadBaseUrl?: string;
  /** Everything after `--`, handed to Glide as it is. */
  readonly glideArgs: readonly string[];
}

export type GlideUpCommand =
  | RunOptions
  | { readonly kind: 'doctor' }
  | { readonly kind: 'cache'; readonly action: CacheAction; readonly yes: boolean }
  | { readonly kind: 'help' }
  | { readonly kind: 'version' };

export const HELP = `Usage: glide-up [options] [-- glide args]
       glide-up doctor
       glide-up cache list|prune|clear [--yes]

Run Glide, the LLM gateway, in the foreground; it is installed on first use. The version is the one
./.glide-version names (create-glide writes it), else the newest stable release.

Options:
  --glide-version V          an exact version (0.1.0, 0.1.0-rc.1), latest or rc; overrides ./.glide-version
  --channel stable|rc        the newest stable release, or the newest release, RCs included; overrides ./.glide-version
  --config FILE              Glide's config (default ./config.yaml, else one generated from your API key variables)
  --env FILE                 a dotenv file Glide loads before reading its config (default: Glide's own, ./.env)
  --port N                   the port Glide listens on (default 9099)
  --offline                  use what is cached; no network
  --download-base-url U      a release mirror: an http(s) URL or a folder ({base}/{tag}/{asset} + index.json)
  --version, --help

Commands:
  doctor                     platform, proxies, token source, ./.glide-version, cache, docker, port 9099
  cache list                 the installed versions, with platform, size and whether verified
  cache prune                keep the newest install of each channel (stable, rc); remove the rest
  cache clear [--yes]        remove every install (asks on a terminal; --yes otherwise)

Environment: GLIDE_REPO, GLIDE_DOWNLOAD_BASE_URL, GLIDE_GITHUB_TOKEN (or GH_TOKEN, GITHUB_TOKEN),
HTTPS_PROXY, HTTP_PROXY, NO_PROXY, GLIDE_CACHE_DIR; provider keys OPENAI_API_KEY, ANTHROPIC_API_KEY, …
`;

const RUN_FLAGS = ['glide-version', 'channel', 'config', 'env', 'port', 'offline', 'download-base-url'] as const;

export function parseGlideUpOptions(argv: readonly string[]): GlideUpCommand {
  // What follows `--` is Glide's, not ours: split it off before parsing.
  const separator = argv.indexOf('--');
  const own = separator === -1 ? [...argv] : argv.slice(0, separator);
  const glideArgs = separator === -1 ? [] : argv.slice(separator + 1);
  let parsed;
  try {
    parsed = parseArgs({
      args: own,
      allowPositionals: true,
      strict: true,
      options: {
        'glide-version': { type: 'string' },
        channel: { type: 'string' },
        config: { type: 'string' },
        env: { type: 'string' },
        port: { type: 'string' },
        offline: { type: 'boolean', default: false },
        'download-base-url': { type: 'string' },
        yes: { type: 'boolean', short: 'y', default: false },
        version: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new GlideError('EUSAGE', (error as Error).message, ['Run glide-up --help for the options.']);
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };

  const [command, ...rest] = positionals;
  const runFlags = RUN_FLAGS.filter((flag) => values[flag] !== undefined && values[flag] !== false);
  if (command !== undefined) {
    if (command !== 'doctor' && command !== 'cache') {
      throw new GlideError('EUSAGE', `Unknown command ${command}.`, ['Use glide-up (runs Glide), glide-up doctor, or glide-up cache list|prune|clear.']);
    }
    if (runFlags.length > 0 || glideArgs.length > 0) {
      throw new GlideError('EUSAGE', `--${runFlags[0] ?? '-'} belongs to running Glide, not to glide-up ${command}.`, ['Run glide-up --help for the options.']);
    }
  }
  if (command === 'doctor') {
    if (rest.length > 0 || values.yes)
      throw new GlideError('EUSAGE', `glide-up doctor takes no arguments (got ${[...rest, ...(values.yes ? ['--yes'] : [])].join(' ')}).`);
    return { kind: 'doctor' };
  }
  if (command === 'cache') {
    const [action, ...extra] = rest;
    if (action === undefined || !(CACHE_ACTIONS as readonly string[]).includes(action) || extra.length > 0) {
      throw new GlideError('EUSAGE', `glide-up cache ${rest.join(' ') || '(nothing)'}: expected one of ${CACHE_ACTIONS.join(', ')}.`, [
        'For example: glide-up cache list',
      ]);
    }
    return { kind: 'cache', action: action as CacheAction, yes: values.yes };
  }
  if (values.yes) throw new GlideError('EUSAGE', '--yes is for glide-up cache clear.', ['glide-up itself never asks anything.']);
  return {
    kind: 'run',
    ...versionRequest(values['glide-version'], values.channel),
    ...(values.config !== undefined ? { config: nonEmpty('--config', values.config) } : {}),
    ...(values.env !== undefined ? { envFile: nonEmpty('--env', values.env) } : {}),
    ...(values.port !== undefined ? { port: parsePort(values.port) } : {}),
    offline: values.offline,
    ...(values['download-base-url'] !== undefined ? { downloadBaseUrl: nonEmpty('--download-base-url', values['download-base-url']) } : {}),
    glideArgs,
  };
}

function versionRequest(version: string | undefined, channel: string | undefined): { version?: VersionRequest } {
  if (version !== undefined && channel !== undefined) {
    throw new GlideError('EUSAGE', '--glide-version and --channel go separately.', [
      'Pass --glide-version for one version (or latest/rc), or --channel stable|rc for the newest of a channel.',
    ]);
  }
  if (channel !== undefined) {
    if (!(CHANNELS as readonly string[]).includes(channel)) throw new GlideError('EUSAGE', `--channel ${channel}: use stable or rc.`);
    return { version: channel === 'rc' ? { kind: 'rc' } : { kind: 'latest' } };
  }
  return version === undefined ? {} : { version: parseVersionRequest(version) };
}

/** A TCP port Glide can be told to listen on: a whole number 1–65535, written as digits. */
export function parsePort(text: string): number {
  const port = /^\d{1,5}$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!(port >= 1 && port <= 65535)) throw new GlideError('EUSAGE', `--port ${text}: give a port number from 1 to 65535.`, ["Glide's default is 9099."]);
  return port;
}

function nonEmpty(flag: string, value: string): string {
  if (value.trim() === '') throw new GlideError('EUSAGE', `${flag} needs a value.`);
  return value;
}
