import { spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { stringify } from 'yaml';
import { npmEnv } from '../packaging/packed.js';
import { launchOnFreePort } from './process.js';

/**
 * A real npm registry (verdaccio 6, decision 0058) on loopback, for `npx` as users run it. With
 * no uplink it serves only what was published into it: a test that asks it for anything else gets
 * a 404, never a package from outside.
 */

const VERDACCIO = resolve('node_modules/verdaccio/bin/verdaccio');

export interface NpmRegistryOptions {
  /** A registry to fetch (and cache) what was not published here; only the bench has one. */
  readonly uplink?: string;
  /** The packages' folder, kept after stop() (so another registry can serve what this one cached); by default a temp one. */
  readonly storage?: string;
}

export interface NpmRegistry {
  /** `http://127.0.0.1:PORT/` */
  readonly url: string;
  /** `npm publish` of a packed tarball, as its maintainer would. */
  publish(tarball: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startNpmRegistry(options: NpmRegistryOptions = {}): Promise<NpmRegistry> {
  const dir = await mkdtemp(join(tmpdir(), 'glide-npm-registry-'));
  const storage = options.storage ?? join(dir, 'storage');
  const config = {
    storage,
    auth: { htpasswd: { file: join(dir, 'htpasswd'), max_users: -1 } },
    uplinks: options.uplink ? { upstream: { url: options.uplink } } : {},
    // Anyone may publish: the registry lives as long as one test file, on loopback.
    packages: { '**': { access: '$all', publish: '$all', ...(options.uplink ? { proxy: 'upstream' } : {}) } },
    web: { enable: false },
    log: { type: 'file', path: join(dir, 'verdaccio.log'), level: 'warn' },
  };
  const configFile = join(dir, 'config.yaml');
  await writeFile(configFile, stringify(config));
  const { port, stop } = await launchOnFreePort('verdaccio', dir, async (port) => {
    const child = spawn(process.execPath, [VERDACCIO, '--config', configFile, '--listen', `127.0.0.1:${port}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    return {
      child,
      ready: (signal) => waitForPing(`http://127.0.0.1:${port}/-/ping`, signal),
      output: async () => `${stderr}${await readFile(join(dir, 'verdaccio.log'), 'utf8').catch(() => '')}`,
    };
  });
  const url = `http://127.0.0.1:${port}/`;
  // npm refuses to publish without a token for the registry; verdaccio lets anyone publish, so any token does.
  const userconfig = join(dir, 'publisher.npmrc');
  await writeFile(userconfig, `//127.0.0.1:${port}/:_authToken=local-publisher\n`);
  return {
    url,
    async publish(tarball) {
      await execa('npm', ['publish', tarball, '--registry', url, '--userconfig', userconfig, '--cache', join(dir, 'publisher-cache')], {
        env: npmEnv(),
        extendEnv: false,
      });
    },
    // The temp folder goes with the registry (storage too, unless it was given).
    stop,
  };
}

async function waitForPing(url: string, signal: AbortSignal): Promise<'ready' | 'aborted'> {
  while (!signal.aborted) {
    const answered = await fetch(url, { signal }).then(
      (response) => response.ok,
      () => false,
    );
    if (answered) return 'ready';
    await sleep(50).catch(() => undefined);
  }
  return 'aborted';
}
