import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';

/** A user of a built CLI: a HOME of their own (cache and config under it) and a working folder. */
export interface CliUser {
  readonly home: string;
  readonly cwd: string;
}

/** The environment of a user's shell: no inherited HOME, XDG or cache, no proxy. */
export function cliUserEnv(user: CliUser, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: user.home,
    XDG_CACHE_HOME: join(user.home, '.cache'),
    XDG_CONFIG_HOME: join(user.home, '.config'),
    TZ: 'UTC',
    ...extra,
  };
}

/** Runs the bundled CLI `cli` as `user` would, with no terminal; never rejects (check exitCode). */
export function runCli(cli: string, user: CliUser, args: readonly string[], extra: Record<string, string> = {}) {
  return execa(process.execPath, [cli, ...args], { cwd: user.cwd, env: cliUserEnv(user, extra), extendEnv: false, reject: false, all: true, stdin: 'ignore' });
}

/** Every path under `dir`, sorted; none when it does not exist. */
export async function listTree(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  return (await readdir(dir, { recursive: true })).map(String).sort();
}
