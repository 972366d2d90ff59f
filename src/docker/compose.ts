/**
 * Docker Compose, whichever this machine has (decision 0026): v2 (`docker compose`, the CLI
 * plugin) first, else v1 (`docker-compose`, Debian 12's 1.29); a standalone v2 binary named
 * docker-compose counts as v2. The demo's compose.yaml is written for both.
 */
import { GlideError } from '#contract';
import { firstLines, runCommand } from './command.js';

export interface Compose {
  /** `v2` or `v1`, by the version it reports. */
  readonly version: 'v2' | 'v1';
  /** e.g. `2.26.1`, `1.29.2`. */
  readonly release: string;
  /** `docker` (v2 as a plugin) or `docker-compose`. */
  readonly command: string;
  /** What comes before compose's own arguments: `['compose']` for the plugin, `[]` for docker-compose. */
  readonly args: readonly string[];
  /** The environment it runs with (DOCKER_HOST, DOCKER_CONFIG, which holds the plugins). */
  readonly env: NodeJS.ProcessEnv;
}

/** The release in `docker compose version`'s answer (`Docker Compose version v2.26.1`, `docker-compose version 1.29.2, build …`). Pure. */
export function parseComposeVersion(text: string): { version: 'v2' | 'v1'; release: string } | undefined {
  const match = /version v?(\d+)\.(\d+)\.(\d+)/i.exec(text);
  if (!match) return undefined;
  return { version: Number(match[1]) >= 2 ? 'v2' : 'v1', release: `${match[1]}.${match[2]}.${match[3]}` };
}

const PROBE_TIMEOUT_MS = 30_000;

/** The Compose to use, v2 preferred; undefined when there is none. */
export async function findCompose(env: NodeJS.ProcessEnv): Promise<Compose | undefined> {
  for (const [command, args] of [
    ['docker', ['compose']],
    ['docker-compose', []],
  ] as const) {
    const result = await runCommand(command, [...args, 'version'], { env, timeoutMs: PROBE_TIMEOUT_MS });
    if (!result.found || result.code !== 0) continue;
    const parsed = parseComposeVersion(result.stdout);
    if (parsed) return { ...parsed, command, args, env };
  }
  return undefined;
}

export interface ComposeRun {
  readonly signal?: AbortSignal;
  /** The compose file in `dir`, named so both versions read exactly it (no override file merged in, no other file preferred). */
  readonly file?: string;
  /** `inherit`: compose's pull and start progress on our terminal. Default `pipe`: its output goes into the error. */
  readonly stdio?: 'pipe' | 'inherit';
}

/** `compose up --detach` in `dir`: the containers start and this returns; health is waited for by the caller. */
export async function composeUp(dir: string, compose: Compose, { signal, file = 'compose.yaml', stdio = 'pipe' }: ComposeRun = {}): Promise<void> {
  await runCompose(dir, compose, ['--file', file, 'up', '--detach'], 'up', { signal, stdio });
}

/** `compose down` in `dir`: stops and removes the project's containers and network (volumes are kept). */
export async function composeDown(dir: string, compose: Compose, { signal, file = 'compose.yaml', stdio = 'pipe' }: ComposeRun = {}): Promise<void> {
  await runCompose(dir, compose, ['--file', file, 'down'], 'down', { signal, stdio });
}

async function runCompose(
  dir: string,
  compose: Compose,
  args: readonly string[],
  what: string,
  { signal, stdio }: { signal: AbortSignal | undefined; stdio: 'pipe' | 'inherit' },
): Promise<void> {
  const shown = [compose.command, ...compose.args, what].join(' ');
  const result = await runCommand(compose.command, [...compose.args, ...args], { env: compose.env, cwd: dir, stdio, ...(signal ? { signal } : {}) });
  if (signal?.aborted) throw signal.reason instanceof GlideError ? signal.reason : new GlideError('ECANCELLED', 'Cancelled.');
  if (!result.found) {
    throw new GlideError('ECOMPOSE', `\`${shown}\` could not be started (${result.reason}).`, ['Install Docker Compose, or use --method binary.']);
  }
  if (result.code !== 0) {
    const said = firstLines(`${result.stderr}\n${result.stdout}`, 5);
    throw new GlideError('ECOMPOSE', `\`${shown}\` failed (exit ${result.code ?? 'killed'}) in ${dir}.`, [
      said ? `It said: ${said}` : 'Its output is above.',
      what === 'up' ? 'Fix what it names and run again, or use --method binary.' : `Run \`${shown}\` there yourself to see more.`,
    ]);
  }
}
