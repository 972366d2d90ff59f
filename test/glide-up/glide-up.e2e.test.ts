// The built glide-up, run as a user runs `npx glide-up`: a temp HOME, config and cache, a
// release mirror on loopback built by glide-release from the Go stand-in; Glide starts, answers
// health, and stops on the signal glide-up is sent, with glide-up exiting as Glide did.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { waitForHealthy } from '../../src/run/health.js';
import { cliUserEnv } from '../helpers/cli-user.js';
import { freePort } from '../helpers/process.js';
import { descendants } from '../helpers/process-tree.js';
import { buildReleaseMirror } from '../helpers/release-mirror.js';
import { BUILD_TIMEOUT } from '../helpers/repo.js';
import { startStaticMirror } from '../helpers/static-mirror.js';

const CLI = resolve('glide-up/dist/glide-up.mjs');
const CREATE_GLIDE = resolve('create-glide/dist/create-glide.mjs');
const SECRET = 'sk-glide-up-e2e-secret-0123456789';
const TOKEN = 'ghp_glide_up_token_never_printed_0000000';

type Running = ResultPromise<{ cwd: string; env: Record<string, string>; extendEnv: false; reject: false; all: true; stdin: 'ignore' }>;

let mirror: Awaited<ReturnType<typeof buildReleaseMirror>>;
let server: Awaited<ReturnType<typeof startStaticMirror>>;
let user: { home: string; cache: string; config: string; cwd: string };
const cleanup: string[] = [];

beforeAll(async () => {
  mirror = await buildReleaseMirror();
  cleanup.push(mirror.dir, mirror.repo.dir);
  server = await startStaticMirror(mirror.dir);
}, BUILD_TIMEOUT);

afterAll(async () => {
  await server?.close();
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  const root = await mkdtemp(join(tmpdir(), 'glide-up-user-'));
  cleanup.push(root);
  user = { home: join(root, 'home'), cache: join(root, 'home', '.cache', 'glide'), config: join(root, 'home', '.config', 'glide-up'), cwd: join(root, 'work') };
  await mkdir(user.home, { recursive: true });
  await mkdir(user.cwd, { recursive: true });
  server.log.length = 0;
});

function start(args: readonly string[], extra: Record<string, string> = {}, cwd = user.cwd): Running {
  return execa(process.execPath, [CLI, ...args], { cwd, env: cliUserEnv(user, extra), extendEnv: false, reject: false, all: true, stdin: 'ignore' });
}

/** Waits for health while glide-up runs; a glide-up that exits first ends the wait with its output. */
async function healthy(child: Running, port: number): Promise<void> {
  const gaveUp = child.then((result) => `glide-up exited (${String(result.exitCode)}):\n${String(result.all)}`);
  await waitForHealthy(new URL(`http://127.0.0.1:${port}/v1/health/`), { timeoutMs: 60_000, gaveUp });
}

/** Runs glide-up until Glide is healthy, then stops it: leaves an install (and a kept latest answer) behind. */
async function runOnce(args: readonly string[]): Promise<void> {
  const port = await freePort();
  const child = start([...args, '--port', String(port)], { OPENAI_API_KEY: SECRET });
  await healthy(child, port);
  child.kill('SIGTERM');
  const result = await child;
  expect(result.exitCode, result.all).toBe(0);
}

describe('glide-up runs Glide in the foreground', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('from a fresh cache: installs, starts, answers health, and %s stops it with exit 0', async (signal) => {
    const port = await freePort();
    const child = start(['--download-base-url', server.url, '--port', String(port)], { OPENAI_API_KEY: SECRET, GLIDE_GITHUB_TOKEN: TOKEN });
    await healthy(child, port);
    expect((await fetch(`http://127.0.0.1:${port}/v1/health/`)).status).toBe(200);
    child.kill(signal);
    const result = await child;
    expect(result.exitCode, result.all).toBe(0);
    expect(result.stderr).toContain(`Installing Glide ${mirror.stable} `);
    expect(result.stderr).toMatch(/Config: wrote .*config\.yaml for openai \(reads OPENAI_API_KEY/);
    // The stand-in logs its shutdown: the signal reached Glide, which stopped on its own.
    expect(result.all).toContain('received a shutdown signal');
    expect(result.all).not.toContain(SECRET);
    expect(result.all).not.toContain(TOKEN);
    const generated = await readFile(join(user.config, 'config.yaml'), 'utf8');
    expect(generated).toContain('${env:OPENAI_API_KEY}');
    expect(generated).toContain(`port: ${port}`);
    expect(generated).not.toContain(SECRET);
  });

  it('when Glide is ended by a signal it cannot handle, glide-up ends by the same signal', async () => {
    const port = await freePort();
    const child = start(['--download-base-url', server.url, '--port', String(port)], { OPENAI_API_KEY: SECRET });
    await healthy(child, port);
    const glide = (await descendants(child.pid!)).find((entry) => entry.name === 'glide');
    expect(glide, 'Glide runs as a child of glide-up').toBeDefined();
    process.kill(glide!.pid, 'SIGKILL');
    const result = await child;
    expect(result.signal, result.all).toBe('SIGKILL');
  });

  it('a second run within the hour asks the mirror nothing: the latest answer is kept and the install reused', async () => {
    await runOnce(['--download-base-url', server.url]);
    expect(server.log.map((request) => request.path)).toContain('/index.json');
    server.log.length = 0;
    const port = await freePort();
    const second = start(['--download-base-url', server.url, '--port', String(port)], { OPENAI_API_KEY: SECRET });
    await healthy(second, port);
    second.kill('SIGTERM');
    const result = await second;
    expect(result.exitCode, result.all).toBe(0);
    expect(server.log.map((request) => request.path)).toEqual([]);
    expect(result.stderr).not.toContain('Installing');
  });

  it('runs ./config.yaml when there is one, and hands --env to Glide', async () => {
    const port = await freePort();
    await writeFile(
      join(user.cwd, 'config.yaml'),
      `api:\n  http:\n    host: 127.0.0.1\n    port: ${port}\nrouters:\n  language:\n    - id: default\n      models:\n        - id: openai\n          openai:\n            api_key: \${env:OPENAI_API_KEY}\n`,
    );
    await writeFile(join(user.cwd, 'keys.env'), `OPENAI_API_KEY=${SECRET}\n`);
    const child = start(['--download-base-url', server.url, '--env', 'keys.env']);
    await healthy(child, port);
    child.kill('SIGTERM');
    const result = await child;
    expect(result.exitCode, result.all).toBe(0);
    expect(result.stderr).toContain(`Config: ${join(user.cwd, 'config.yaml')}`);
    expect(result.all).not.toContain(SECRET);
    expect(existsSync(user.config)).toBe(false);
  });
});

describe('glide-up in a project create-glide made (decision 0031)', () => {
  it('runs the Glide the project was made with, from .glide-version: offline, not the newest stable', async () => {
    const created = await execa(
      process.execPath,
      [CREATE_GLIDE, 'demo', '--yes', '--method', 'binary', '--glide-version', mirror.rc, '--download-base-url', server.url],
      {
        cwd: user.cwd,
        env: cliUserEnv(user, { OPENAI_API_KEY: SECRET }),
        extendEnv: false,
        reject: false,
        all: true,
        stdin: 'ignore',
      },
    );
    expect(created.exitCode, created.all).toBe(0);
    const project = join(user.cwd, 'demo');
    expect(await readFile(join(project, '.glide-version'), 'utf8')).toBe(`${mirror.rc}\n`);
    expect(created.all).toContain(`npx glide-up (Glide ${mirror.rc}, pinned in .glide-version`);

    const doctor = await start(['doctor'], {}, project);
    expect(doctor.stdout).toContain(`pin           ${mirror.rc} (${join(project, '.glide-version')};`);

    server.log.length = 0;
    const port = await freePort();
    // --offline: the pinned RC is in the cache create-glide filled; the newest stable (0.0.2) is not, and is not wanted.
    const child = start(['--offline', '--port', String(port)], {}, project);
    await healthy(child, port);
    child.kill('SIGTERM');
    const result = await child;
    expect(result.exitCode, result.all).toBe(0);
    expect(result.stderr).toContain(`Glide ${mirror.rc} (from .glide-version)`);
    expect(result.stderr).toContain(`Starting Glide ${mirror.rc} on 127.0.0.1:${port}`);
    expect(result.all).toContain('received a shutdown signal');
    expect(result.all).not.toContain(SECRET);
    expect(server.log).toEqual([]);
  });

  it('a .glide-version that is not one exact version: EUSAGE naming the file, exit 2, nothing asked', async () => {
    await writeFile(join(user.cwd, '.glide-version'), 'latest\n');
    const result = await start(['--download-base-url', server.url], { OPENAI_API_KEY: SECRET });
    expect(result.exitCode, result.all).toBe(2);
    expect(result.stderr).toContain(`EUSAGE: ${join(user.cwd, '.glide-version')} holds "latest": not one exact Glide version.`);
    expect(server.log).toEqual([]);
    expect(existsSync(user.cache)).toBe(false);
  });
});

describe('glide-up refuses clearly', () => {
  it('--offline with an empty cache: ENOTCACHED, exit 1, nothing asked or written', async () => {
    const result = await start(['--offline', '--download-base-url', server.url], { OPENAI_API_KEY: SECRET });
    expect(result.exitCode, result.all).toBe(1);
    expect(result.stderr).toMatch(/^ENOTCACHED: --offline was given, and the cache holds no verified install/m);
    expect(server.log).toEqual([]);
    expect(existsSync(user.cache)).toBe(false);
    expect(existsSync(user.config)).toBe(false);
  });

  it('--offline after an install runs the newest verified install and says so', async () => {
    await runOnce(['--download-base-url', server.url]);
    server.log.length = 0;
    const port = await freePort();
    const child = start(['--offline', '--port', String(port)], { OPENAI_API_KEY: SECRET });
    await healthy(child, port);
    child.kill('SIGINT');
    const result = await child;
    expect(result.exitCode, result.all).toBe(0);
    expect(result.stderr).toContain(`--offline: using Glide ${mirror.stable}, the newest verified install in the cache`);
    expect(server.log).toEqual([]);
  });

  it('no config and no provider key: ENOPROVIDERKEY naming the variables looked for, exit 1, nothing written or downloaded', async () => {
    const result = await start(['--download-base-url', server.url]);
    expect(result.exitCode, result.all).toBe(1);
    expect(result.stderr).toMatch(/^ENOPROVIDERKEY: /m);
    for (const variable of ['OPENAI_API_KEY', 'ANTHROPIC_API_KEY', 'COHERE_API_KEY', 'AZURE_OPENAI_API_KEY']) expect(result.stderr).toContain(variable);
    expect(server.log).toEqual([]);
    expect(existsSync(user.config)).toBe(false);
    expect(existsSync(user.cache)).toBe(false);
  });
});

describe('glide-up cache and doctor', () => {
  it('an exact version, once installed, asks the mirror nothing; cache list shows it; clear needs --yes without a terminal', async () => {
    await runOnce(['--download-base-url', server.url, '--glide-version', mirror.rc]);
    server.log.length = 0;
    await runOnce(['--download-base-url', server.url, '--glide-version', mirror.rc]);
    expect(server.log).toEqual([]);

    const list = await start(['cache', 'list']);
    expect(list.exitCode, list.all).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`^${mirror.rc.replaceAll('.', '\\.')}\\s+linux_\\w+\\s+[\\d.]+ MB\\s+verified`, 'm'));

    const refused = await start(['cache', 'clear']);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain('pass --yes');
    expect(await readdir(join(user.cache, 'versions'))).toEqual([mirror.rc]);

    const cleared = await start(['cache', 'clear', '--yes']);
    expect(cleared.exitCode, cleared.all).toBe(0);
    expect(await readdir(join(user.cache, 'versions'))).toEqual([]);
  });

  it('doctor names the token variable and the proxy without their secrets', async () => {
    const result = await start(['doctor'], { GH_TOKEN: TOKEN, HTTPS_PROXY: 'http://proxyuser:proxy-password-123@127.0.0.1:3128' });
    expect(result.exitCode, result.all).toBe(0);
    expect(result.stdout).toMatch(/^token\s+from GH_TOKEN$/m);
    expect(result.stdout).toMatch(/^https proxy\s+http:\/\/127\.0\.0\.1:3128\/?$/m);
    expect(result.stdout).toMatch(/^cache\s+\//m);
    expect(result.stdout).toMatch(/^docker\s+\S/m);
    expect(result.stdout).toMatch(/^port 9099\s+(free|in use)/m);
    expect(result.all).not.toContain(TOKEN);
    expect(result.all).not.toContain('proxy-password-123');
    expect(result.all).not.toContain('proxyuser');
  });
});
