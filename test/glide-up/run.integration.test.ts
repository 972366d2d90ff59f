// runGlide against a real cache and a real process: a shell script stands in for an installed
// Glide (its receipt matches it), so what glide-up starts, and when, is observed, not assumed.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/process.js';
import { archiveName, isGlideError, type Target } from '#contract';
import { installPaths, type InstallReceipt } from '../../src/install/cache.js';
import { HttpClient } from '../../src/net/http.js';
import { readSettings } from '../../src/settings.js';
import { runGlide, type RunContext } from '../../src/glide-up/run.js';
import { answerKey } from '../../src/glide-up/version.js';

const HOST: Target = { os: process.platform === 'darwin' ? 'darwin' : 'linux', arch: process.arch === 'arm64' ? 'arm64' : 'amd64' };
const clients: HttpClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) await client.close();
});

/** A cached "Glide" that records its arguments in `ran` and exits with `code`. */
async function scriptedInstall(cache: string, version: string, ran: string, code: number): Promise<void> {
  const paths = installPaths(cache, version, HOST, archiveName(version, HOST));
  await mkdir(paths.dir, { recursive: true });
  const script = `#!/bin/sh\necho "$@" > '${ran}'\nexit ${code}\n`;
  await writeFile(paths.binary, script, { mode: 0o755 });
  const receipt: InstallReceipt = {
    version,
    target: `${HOST.os}/${HOST.arch}`,
    asset: archiveName(version, HOST),
    sha256: '0'.repeat(64),
    verified: true,
    binarySize: script.length,
    binarySha256: createHash('sha256').update(script).digest('hex'),
    source: 'test',
    installedAt: '2026-01-01T00:00:00Z',
  };
  await writeFile(paths.receipt, JSON.stringify(receipt));
}

async function context(signal?: AbortSignal, env: Record<string, string> = {}): Promise<RunContext & { ran: string; lines: string[] }> {
  const root = await mkdtemp(join(tmpdir(), 'glide-up-run-'));
  env = { GLIDE_CACHE_DIR: join(root, 'cache'), OPENAI_API_KEY: 'sk-run-test-secret', ...env };
  const settings = readSettings(env, 'linux', root);
  const client = new HttpClient({ proxy: settings.proxy, apiOrigin: 'https://api.github.com', userAgent: 'test', retries: 0 });
  clients.push(client);
  const ran = join(root, 'ran.txt');
  await scriptedInstall(settings.cacheDir, '0.0.3', ran, 3);
  const lines: string[] = [];
  return {
    options: { kind: 'run', version: { kind: 'exact', version: '0.0.3' }, offline: false, port: await freePort(), glideArgs: ['--extra'] },
    cwd: root,
    env,
    settings,
    configDir: join(root, 'config'),
    host: HOST,
    client,
    say: (line) => lines.push(line),
    signals: process,
    ...(signal ? { signal } : {}),
    ran,
    lines,
  };
}

describe('runGlide', () => {
  it("runs the cached Glide with the config and the args after --, and returns Glide's exit code", async () => {
    const ctx = await context();
    expect(await runGlide(ctx)).toBe(3);
    expect((await readFile(ctx.ran, 'utf8')).trim()).toBe(`--config ${join(ctx.configDir, 'config.yaml')} --extra`);
    expect(ctx.lines.join('\n')).not.toContain('sk-run-test-secret');
  });

  it("a config that listens on every interface (a docker project's) is run, with a warning that says how to keep it local", async () => {
    const ctx = await context();
    await writeFile(join(ctx.cwd, 'config.yaml'), 'api:\n  http:\n    host: 0.0.0.0\n    port: 9099\n');
    expect(await runGlide({ ...ctx, options: { ...ctx.options, port: undefined } as RunContext['options'] })).toBe(3);
    const warning = ctx.lines.find((line) => line.startsWith('warning:'));
    expect(warning).toContain('api.http.host to "0.0.0.0"');
    expect(warning).toContain('Set it to 127.0.0.1');
    // The generated config (and a loopback one) says nothing.
    const generated = await context();
    await runGlide(generated);
    expect(generated.lines.some((line) => line.startsWith('warning:'))).toBe(false);
  });

  it('a Ctrl-C that came before Glide started cancels: Glide is never started', async () => {
    const controller = new AbortController();
    controller.abort(new Error('cancelled'));
    const ctx = await context(controller.signal);
    const outcome = await runGlide(ctx).then(
      (code) => `exit ${code}`,
      (error: unknown) => (isGlideError(error) ? error.code : String(error)),
    );
    expect(outcome).toBe('ECANCELLED');
    expect(existsSync(ctx.ran)).toBe(false);
  });

  it('latest, kept as a version the cache lacks, whose download fails on the network: runs the newest verified install, saying so', async () => {
    // Nothing listens on the mirror's port: every request is refused.
    const dead = `http://127.0.0.1:${await freePort()}`;
    const ctx = await context(undefined, { GLIDE_DOWNLOAD_BASE_URL: dead });
    await writeFile(
      join(ctx.settings.cacheDir, 'glide-up-latest.json'),
      JSON.stringify({ [answerKey(`mirror ${dead}`, { kind: 'latest' })]: { version: '0.0.4', checkedAt: new Date().toISOString() } }),
    );
    expect(await runGlide({ ...ctx, options: { ...ctx.options, version: { kind: 'latest' } } })).toBe(3);
    expect(existsSync(ctx.ran)).toBe(true);
    expect(ctx.lines).toContain('Could not download Glide 0.0.4 (ENETWORK): using Glide 0.0.3, the newest verified install in the cache');
  });

  it('an exact version is never swapped for another: its failed download is the error', async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const ctx = await context(undefined, { GLIDE_DOWNLOAD_BASE_URL: dead });
    const outcome = await runGlide({ ...ctx, options: { ...ctx.options, version: { kind: 'exact', version: '0.0.4' } } }).then(
      (code) => `exit ${code}`,
      (error: unknown) => (isGlideError(error) ? error.code : String(error)),
    );
    expect(outcome).toBe('ENETWORK');
    expect(existsSync(ctx.ran)).toBe(false);
  });

  it.each([
    ['--env FILE', 'keys.env', true],
    ['./.env, which Glide loads by default', '.env', false],
  ])('a provider key only in the dotenv Glide loads (%s) is enough to generate a config', async (_, file, passed) => {
    const ctx = await context(undefined, { OPENAI_API_KEY: '' });
    await writeFile(join(ctx.cwd, file), 'ANTHROPIC_API_KEY=sk-ant-dotenv-secret\n');
    const code = await runGlide({ ...ctx, options: { ...ctx.options, ...(passed ? { envFile: file } : {}) } });
    expect(code).toBe(3);
    const config = join(ctx.configDir, 'config.yaml');
    expect((await readFile(ctx.ran, 'utf8')).trim()).toBe(`--config ${config}${passed ? ` --env ${join(ctx.cwd, file)}` : ''} --extra`);
    expect(await readFile(config, 'utf8')).toContain('${env:ANTHROPIC_API_KEY}');
    expect(ctx.lines.join('\n')).not.toContain('sk-ant-dotenv-secret');
  });
});

describe('runGlide with a .glide-version in the folder (decision 0031)', () => {
  /** 0.0.3 (exit 3) and 0.0.5 (exit 5) cached, the newest stable kept as 0.0.5, and a mirror nothing listens on. */
  async function pinnedContext(pin: string): Promise<Awaited<ReturnType<typeof context>> & { ran5: string }> {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const ctx = await context(undefined, { GLIDE_DOWNLOAD_BASE_URL: dead });
    const ran5 = join(ctx.cwd, 'ran5.txt');
    await scriptedInstall(ctx.settings.cacheDir, '0.0.5', ran5, 5);
    await writeFile(
      join(ctx.settings.cacheDir, 'glide-up-latest.json'),
      JSON.stringify({ [answerKey(`mirror ${dead}`, { kind: 'latest' })]: { version: '0.0.5', checkedAt: new Date().toISOString() } }),
    );
    await writeFile(join(ctx.cwd, '.glide-version'), pin);
    const { version: _, ...noVersion } = ctx.options;
    return { ...ctx, options: noVersion, ran5 };
  }
  const outcome = (run: Promise<number>): Promise<string> =>
    run.then(
      (code) => `exit ${code}`,
      (error: unknown) => (isGlideError(error) ? `${error.code}: ${error.message}` : String(error)),
    );

  it('no version flag: the pinned version runs from the cache, not the newest, and glide-up says why', async () => {
    const ctx = await pinnedContext('0.0.3\n');
    expect(await outcome(runGlide(ctx))).toBe('exit 3');
    expect(existsSync(ctx.ran5)).toBe(false);
    expect(ctx.lines).toContain('Glide 0.0.3 (from .glide-version)');
  });

  it.each([
    ['--glide-version', { kind: 'exact', version: '0.0.5' } as const, 'Glide 0.0.5 (--glide-version)'],
    ['--channel stable', { kind: 'latest' } as const, 'Glide 0.0.5 (the newest stable release)'],
  ])('%s overrides the pin, which is not even read (a broken one does not stand in the way)', async (_, version, line) => {
    const ctx = await pinnedContext('not a version\n');
    expect(await outcome(runGlide({ ...ctx, options: { ...ctx.options, version } }))).toBe('exit 5');
    expect(existsSync(ctx.ran)).toBe(false);
    expect(ctx.lines).toContain(line);
  });

  it('a pin that is not one exact version: EUSAGE naming the file, before anything is written or run', async () => {
    const ctx = await pinnedContext('latest\n');
    expect(await outcome(runGlide(ctx))).toBe(`EUSAGE: ${join(ctx.cwd, '.glide-version')} holds "latest": not one exact Glide version.`);
    expect(existsSync(ctx.ran)).toBe(false);
    expect(existsSync(ctx.ran5)).toBe(false);
    expect(existsSync(ctx.configDir)).toBe(false);
  });

  it('--offline with a pin the cache lacks: ENOTCACHED, never another version', async () => {
    const ctx = await pinnedContext('0.0.4\n');
    expect(await outcome(runGlide({ ...ctx, options: { ...ctx.options, offline: true } }))).toMatch(/^ENOTCACHED: --offline was given for Glide 0\.0\.4/);
    expect(existsSync(ctx.ran) || existsSync(ctx.ran5)).toBe(false);
  });
});
