import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { npmEnv } from './packed.js';

/** The current Node lines users run, at the exact releases the packed CLIs are tested (and benched) on. */
export const CURRENT_NODES = ['22.23.5', '24.22.3'] as const;

/** Real Node releases, from the npm registry's `node-{os}-{arch}` packages (what the `node` package installs). */
const CACHE = resolve('.cache/node-versions');

/**
 * The `node` executable of that exact Node version, downloaded once into the project's .cache/
 * (never HOME) and reused by later runs. The npm package has no install script.
 */
export async function nodeBinary(version: string): Promise<string> {
  const os = process.platform === 'win32' ? 'win' : process.platform;
  const pkg = `node-${os}-${process.arch}`;
  const binary = (dir: string) => join(dir, 'node_modules', pkg, 'bin', process.platform === 'win32' ? 'node.exe' : 'node');
  const dir = join(CACHE, version);
  if (existsSync(binary(dir))) return binary(dir);
  await mkdir(CACHE, { recursive: true });
  // A run stopped mid-download leaves its staging folder; nothing else writes this version's.
  for (const stale of (await readdir(CACHE)).filter((name) => name.startsWith(`.staging-${version}-`)))
    await rm(join(CACHE, stale), { recursive: true, force: true });
  const staging = await mkdtemp(join(CACHE, `.staging-${version}-`));
  try {
    await execa(
      'npm',
      ['install', '--prefix', staging, '--cache', join(staging, '.npm'), '--ignore-scripts', '--no-audit', '--no-fund', '--no-save', `${pkg}@${version}`],
      { env: npmEnv(), extendEnv: false },
    );
    await rm(join(staging, '.npm'), { recursive: true, force: true });
    await rename(staging, dir);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    // Another test run may have finished the same download first.
    if (!existsSync(binary(dir))) throw error;
  }
  return binary(dir);
}
