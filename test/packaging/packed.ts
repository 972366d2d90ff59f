import { cp, mkdir, mkdtemp, readdir, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { execa } from 'execa';

const WORKSPACE = resolve('.');

/**
 * The environment for a child npm: without the npm_config_* that `npm test` exports, which the
 * child would take as its own config (npm_config_local_prefix would point it at this workspace).
 */
export function npmEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));
}

/**
 * What a fresh clone of this tree would hold: every tracked or new file, nothing git ignores
 * (no dist/, no build output, no LICENSE copies). Its node_modules is the workspace's, linked:
 * the same lockfile's install that `npm ci` would make, without minutes of downloading.
 */
export async function cleanCheckout(): Promise<string> {
  const checkout = await mkdtemp(join(tmpdir(), 'glide-checkout-'));
  const { stdout } = await execa('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: WORKSPACE });
  const files = stdout.split('\0').filter(Boolean);
  for (const file of files) {
    await mkdir(dirname(join(checkout, file)), { recursive: true });
    // A tracked file deleted in this tree is not part of it.
    await cp(join(WORKSPACE, file), join(checkout, file)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }
  await symlink(join(WORKSPACE, 'node_modules'), join(checkout, 'node_modules'));
  return checkout;
}

/** `npm pack` in one package's folder, as a maintainer publishing it would; returns the tarball. */
export async function pack(checkout: string, packageDir: string): Promise<string> {
  const destination = await mkdtemp(join(tmpdir(), 'glide-pack-'));
  await execa('npm', ['pack', '--pack-destination', destination], { cwd: join(checkout, packageDir), env: npmEnv(), extendEnv: false });
  const [tarball, ...more] = (await readdir(destination)).filter((name) => name.endsWith('.tgz'));
  if (!tarball || more.length > 0) throw new Error(`npm pack in ${packageDir} wrote ${[tarball, ...more].join(', ') || 'no tarball'}`);
  return join(destination, tarball);
}

/**
 * `npm install <tarball>` into an empty folder with an empty npm cache, offline: a runtime
 * dependency would have to come from the registry and fails the install.
 */
export async function installTarball(tarball: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'glide-npm-user-'));
  await execa('npm', ['install', '--offline', '--no-audit', '--no-fund', '--cache', join(dir, '.npm'), tarball], { cwd: dir, env: npmEnv(), extendEnv: false });
  return dir;
}

/** The packages npm put in node_modules (scoped ones as @scope/name). */
export async function installedPackages(dir: string): Promise<string[]> {
  const names: string[] = [];
  for (const entry of await readdir(join(dir, 'node_modules'))) {
    if (entry.startsWith('.')) continue;
    if (entry.startsWith('@')) names.push(...(await readdir(join(dir, 'node_modules', entry))).map((name) => `${entry}/${name}`));
    else names.push(entry);
  }
  return names.sort();
}
