// The built create-glide CLI, run as a user would: a temp HOME and cache, a release mirror
// on loopback built by glide-release from the Go stand-in, and once through a real
// pseudo-terminal (tmux) for the prompts, the progress bar and Ctrl-C.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createReadStream } from 'node:fs';
import { execa } from 'execa';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { archiveName } from '#contract';
import { hostTarget } from '../../src/platform/detect.js';
import { readHostFacts } from '../../src/platform/host.js';
import { cliUserEnv, listTree, runCli } from '../helpers/cli-user.js';
import { buildReleaseMirror } from '../helpers/release-mirror.js';
import { BUILD_TIMEOUT } from '../helpers/repo.js';
import { startStaticMirror } from '../helpers/static-mirror.js';
import { startTinyproxy } from '../helpers/tinyproxy.js';
import { mountTmpfs } from '../helpers/mounts.js';
import { requireTools } from '../helpers/tools.js';

const CLI = resolve('create-glide/dist/create-glide.mjs');
const SECRET = 'sk-e2e-secret-value-0123456789';
const TOKEN = 'ghp_e2e_token_never_printed_000000000000';

let mirror: Awaited<ReturnType<typeof buildReleaseMirror>>;
let server: Awaited<ReturnType<typeof startStaticMirror>>;
let user: { home: string; cache: string; cwd: string };
let hostAsset: string;
const cleanup: string[] = [];

beforeAll(async () => {
  mirror = await buildReleaseMirror();
  cleanup.push(mirror.dir, mirror.repo.dir);
  server = await startStaticMirror(mirror.dir);
  hostAsset = archiveName(mirror.stable, hostTarget(await readHostFacts()));
}, BUILD_TIMEOUT);

afterAll(async () => {
  await server?.close();
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  const root = await mkdtemp(join(tmpdir(), 'create-glide-user-'));
  cleanup.push(root);
  user = { home: join(root, 'home'), cache: join(root, 'home', '.cache', 'glide'), cwd: join(root, 'work') };
  await mkdir(user.home, { recursive: true });
  await mkdir(user.cwd, { recursive: true });
  server.log.length = 0;
});

const userEnv = (extra: Record<string, string> = {}) => cliUserEnv(user, extra);
const run = (args: readonly string[], extra: Record<string, string> = {}) => runCli(CLI, user, args, extra);

describe('create-glide, without a terminal', () => {
  it('installs from the mirror, writes the project, and the binary answers --version', async () => {
    const result = await run(['my-glide', '--download-base-url', server.url], { OPENAI_API_KEY: SECRET, GLIDE_GITHUB_TOKEN: TOKEN });
    expect(result.exitCode, result.all).toBe(0);
    expect(result.all).not.toContain(SECRET);
    expect(result.all).not.toContain(TOKEN);
    // One line a step: no spinner frames or cursor codes in a log.
    expect(result.all).not.toMatch(/\u001b\[/);
    expect(result.stdout).toContain(`Verified sha256 ${(await mirror.checksums(mirror.stable)).get(hostAsset)}`);
    const binary = join(user.cache, 'versions', mirror.stable, hostAsset.replace(/^glide_v[^_]+_/, '').replace('.tar.gz', ''), 'glide');
    expect(result.stdout).toContain(`Installed: ${binary}`);
    expect(execFileSync(binary, ['--version'], { encoding: 'utf8' })).toContain(`glide version ${mirror.stable} (commit: `);

    const project = join(user.cwd, 'my-glide');
    expect(await listTree(project)).toEqual(['.env', '.gitignore', '.glide-version', 'README.md', 'config.yaml']);
    expect(await readFile(join(project, '.glide-version'), 'utf8')).toBe(`${mirror.stable}\n`);
    expect((await stat(join(project, '.env'))).mode & 0o777).toBe(0o600);
    expect(await readFile(join(project, '.env'), 'utf8')).toBe(`OPENAI_API_KEY=${SECRET}\n`);
    expect(await readFile(join(project, '.gitignore'), 'utf8')).toContain('.env');
    expect(await readFile(join(project, 'README.md'), 'utf8')).toContain('npx glide-up');
    // The project really runs: Glide reads the config and answers its health check.
    await expectHealthy(binary, project);
  });

  it('a second run reuses the install with no download', async () => {
    expect((await run(['a', '--download-base-url', server.url, '--glide-version', mirror.stable])).exitCode).toBe(0);
    server.log.length = 0;
    const again = await run(['b', '--download-base-url', server.url, '--glide-version', mirror.stable]);
    expect(again.exitCode, again.all).toBe(0);
    expect(again.stdout).toContain('Already installed');
    expect(server.log).toEqual([]);
  });

  it('--dry-run prints the plan and writes and downloads nothing', async () => {
    const result = await run(['my-glide', '--dry-run', '--download-base-url', server.url, '--glide-version', 'rc']);
    expect(result.exitCode, result.all).toBe(0);
    expect(result.stdout).toContain(`${server.url}/${mirror.stable}/${hostAsset}`);
    expect(result.stdout).toContain('nothing was downloaded or written');
    expect(await listTree(user.cwd)).toEqual([]);
    expect(await listTree(user.cache)).toEqual([]);
    // The index (to resolve rc) and the small checksums file (does the release have this platform?); no archive.
    expect(server.log.map((entry) => entry.path)).toEqual(['/index.json', `/${mirror.stable}/glide_v${mirror.stable}_checksums.txt`]);
    expect(result.stdout).toContain(`verify    sha256 ${(await mirror.checksums(mirror.stable)).get(hostAsset)}`);
  });

  it('no folder and no terminal is a usage error naming what to pass', async () => {
    const result = await run(['--download-base-url', server.url]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('EUSAGE');
    expect(result.stderr).toContain('--yes');
    expect(await listTree(user.cwd)).toEqual([]);
  });

  it('a bad flag exits 2', async () => {
    const result = await run(['--glide-version', 'v1.x']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/EUSAGE: --glide-version v1\.x/);
  });

  it('warns when the glide on PATH is Masterminds/glide, not Glide', async () => {
    const bin = join(user.home, 'bin');
    await mkdir(bin);
    await writeFile(join(bin, 'glide'), '#!/bin/sh\necho "glide version v0.13.3"\n', { mode: 0o755 });
    const result = await run(['app', '--download-base-url', server.url, '--glide-version', mirror.stable], { PATH: `${bin}:${process.env.PATH}` });
    expect(result.exitCode, result.all).toBe(0);
    expect(result.stderr).toContain(`The \`glide\` on your PATH (${join(bin, 'glide')}, "glide version v0.13.3") is not Glide the LLM gateway`);
  });

  it("goes through the proxy in npm's config (npm_config_proxy), a real tinyproxy", async () => {
    const proxy = await startTinyproxy({ basicAuth: { user: 'alice', password: 's3cret' } });
    try {
      const proxyUrl = proxy.url.replace('http://', 'http://alice:s3cret@');
      const result = await run(['proxied', '--download-base-url', server.url, '--glide-version', mirror.stable], { npm_config_proxy: proxyUrl });
      expect(result.exitCode, result.all).toBe(0);
      expect(result.all).not.toContain('s3cret');
      expect(await proxy.readLog()).toContain(`CONNECT ${new URL(server.url).host} HTTP/1.1`);
      // Without the credentials the proxy refuses, and the message says where they go (the RC: not installed yet).
      const refused = await run(['refused', '--download-base-url', server.url, '--glide-version', mirror.rc], { npm_config_proxy: proxy.url });
      expect(refused.exitCode).toBe(1);
      expect(refused.stderr).toContain('HTTPS_PROXY=http://user:password@proxy:port');
    } finally {
      await proxy.stop();
    }
  });

  it('a mirror URL with credentials: Basic auth to that mirror only, the password nowhere in the output or the receipt', async () => {
    const password = 'e2e-p@ss:w0rd';
    const locked = await startStaticMirror(mirror.dir, { basicAuth: { username: 'alice', password } });
    const other = await startStaticMirror(mirror.dir);
    try {
      const withPassword = (secret: string) => locked.url.replace('http://', `http://alice:${encodeURIComponent(secret)}@`);
      // The archive is served from another origin, as a mirror fronting a CDN would.
      locked.faults.add(`/${mirror.stable}/${hostAsset}`, { kind: 'redirect', to: other.url });
      const result = await run(['secured', '--download-base-url', withPassword(password)], { GLIDE_GITHUB_TOKEN: TOKEN });
      expect(result.exitCode, result.all).toBe(0);
      expect(result.stdout).toContain(`from mirror ${locked.url}`);
      const receipt = await readFile(
        join(user.cache, 'versions', mirror.stable, hostAsset.replace(/^glide_v[^_]+_/, '').replace('.tar.gz', ''), 'receipt.json'),
        'utf8',
      );
      for (const text of [result.all, receipt]) {
        for (const secret of [password, encodeURIComponent(password), TOKEN, 'alice']) expect(text).not.toContain(secret);
      }
      // Every request the mirror answered carried the right credentials (it answers 401 otherwise); the other origin saw none.
      expect(locked.log.map((entry) => [entry.path, entry.status, entry.authorization])).toEqual([
        ['/index.json', 200, true],
        [`/${mirror.stable}/glide_v${mirror.stable}_checksums.txt`, 200, true],
        [`/${mirror.stable}/${hostAsset}`, 302, true],
      ]);
      expect(other.log.map((entry) => [entry.path, entry.status, entry.authorization])).toEqual([[`/${mirror.stable}/${hostAsset}`, 200, false]]);

      const refused = await run(['refused', '--download-base-url', withPassword('hunter2'), '--glide-version', mirror.rc]);
      expect(refused.exitCode).toBe(1);
      expect(refused.stderr).toContain(`ENETWORK: The mirror ${new URL(locked.url).host} refused the user name and password in its URL (HTTP 401)`);
      expect(refused.all).not.toContain('hunter2');
    } finally {
      await locked.close();
      await other.close();
    }
  });

  it('a non-empty folder is refused unless --overwrite, and other files are kept', async () => {
    await mkdir(join(user.cwd, 'busy'));
    await writeFile(join(user.cwd, 'busy', 'notes.txt'), 'mine\n');
    const refused = await run(['busy', '--download-base-url', server.url]);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain('EDIRNOTEMPTY');
    expect(refused.stderr).toContain('--overwrite');
    expect(await listTree(join(user.cwd, 'busy'))).toEqual(['notes.txt']);
    expect(await listTree(user.cache)).toEqual([]);

    const allowed = await run(['busy', '--overwrite', '--download-base-url', server.url]);
    expect(allowed.exitCode, allowed.all).toBe(0);
    expect(await listTree(join(user.cwd, 'busy'))).toEqual(['.env', '.gitignore', '.glide-version', 'README.md', 'config.yaml', 'notes.txt']);
  });

  /** An install into `dir` from a throttled mirror, returned once 200 KB of it are in the .partial. */
  async function startSlowInstall(dir: string) {
    server.faults.add(`/${mirror.stable}/${hostAsset}`, { kind: 'throttle', bytesPerSecond: 400_000 });
    const child = spawn(process.execPath, [CLI, dir, '--download-base-url', server.url], { cwd: user.cwd, env: userEnv(), stdio: 'ignore' });
    const partial = join(user.cache, 'downloads', `${hostAsset}.partial`);
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && (!existsSync(partial) || (await stat(partial)).size < 200_000)) await new Promise((r) => setTimeout(r, 50));
    return { child, partial };
  }

  it('kill -9 in the middle of a download: the next run resumes and succeeds', async () => {
    const { child, partial } = await startSlowInstall('killed');
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const kept = (await stat(partial)).size;
    expect(kept).toBeGreaterThan(0);
    expect(existsSync(join(user.cwd, 'killed'))).toBe(false);
    // The killed run's staging folder is still there: nothing else will ever remove it.
    expect((await listTree(user.cache)).some((path) => path.includes('.staging-'))).toBe(true);

    server.log.length = 0;
    const result = await run(['killed', '--download-base-url', server.url, '--glide-version', mirror.stable]);
    expect(result.exitCode, result.all).toBe(0);
    expect(result.stdout).toContain('Resuming');
    const range = server.log.find((entry) => entry.path === `/${mirror.stable}/${hostAsset}`)?.range;
    expect(Number(/bytes=(\d+)-/.exec(range ?? '')?.[1])).toBeGreaterThan(0);
    expect(existsSync(partial)).toBe(false);
    expect((await listTree(user.cache)).filter((path) => path.includes('.staging-'))).toEqual([]);
  }, 60_000);

  it('SIGTERM in the middle of a download cancels like Ctrl-C: exit 130, no staging folder, the bytes kept', async () => {
    const { child, partial } = await startSlowInstall('terminated');
    child.kill('SIGTERM');
    const code = await new Promise((r) => child.once('exit', (exitCode) => r(exitCode)));
    expect(code).toBe(130);
    expect((await stat(partial)).size).toBeGreaterThan(0);
    expect(existsSync(join(user.cwd, 'terminated'))).toBe(false);
    expect((await listTree(user.cache)).filter((path) => path.includes('.staging-'))).toEqual([]);
  }, 60_000);

  describe('TLS interception', () => {
    let https: Server;
    let url: string;
    let caFile: string;
    beforeAll(async () => {
      requireTools('openssl');
      const dir = await mkdtemp(join(tmpdir(), 'glide-tls-'));
      cleanup.push(dir);
      caFile = join(dir, 'cert.pem');
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-keyout',
          join(dir, 'key.pem'),
          '-out',
          caFile,
          '-days',
          '1',
          '-subj',
          '/CN=127.0.0.1',
          '-addext',
          'subjectAltName=IP:127.0.0.1',
        ],
        { stdio: 'ignore' },
      );
      https = createServer({ key: await readFile(join(dir, 'key.pem')), cert: await readFile(caFile) }, (request, response) => {
        const file = join(mirror.dir, decodeURIComponent(new URL(request.url ?? '/', 'https://x').pathname));
        if (!file.startsWith(mirror.dir) || !existsSync(file)) return void response.writeHead(404).end();
        createReadStream(file).pipe(response);
      });
      await new Promise<void>((done) => https.listen(0, '127.0.0.1', done));
      const address = https.address();
      url = `https://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    });
    afterAll(() => new Promise<void>((done) => (https ? https.close(() => done()) : done())));

    it('an untrusted certificate says to set NODE_EXTRA_CA_CERTS, and setting it works', async () => {
      const refused = await run(['tls', '--download-base-url', url, '--glide-version', mirror.stable]);
      expect(refused.exitCode).toBe(1);
      expect(refused.stderr).toContain('ETLS');
      expect(refused.stderr).toContain('NODE_EXTRA_CA_CERTS');
      const trusted = await run(['tls', '--download-base-url', url, '--glide-version', mirror.stable], { NODE_EXTRA_CA_CERTS: caFile });
      expect(trusted.exitCode, trusted.all).toBe(0);
    });
  });
});

/** The lines of the plan or the next steps, as printed without a terminal (indented two spaces). */
function printed(stdout: string): string[] {
  return stdout.split('\n').map((line) => line.trim());
}

const SECOND_SECRET = 'sk-second-real-key-9876543210';
const THIRD_SECRET = 'sk-ant-third-secret-555555555';

describe('--overwrite in a folder that already has a project', () => {
  it('keeps every key of an existing .env, backs up an edited config.yaml under a free name, appends to .gitignore', async () => {
    const dir = join(user.cwd, 'existing');
    await mkdir(dir);
    const userEnvFile = `# my keys\nOPENAI_API_KEY=${SECRET}\nCOHERE_API_KEY="${SECOND_SECRET}"\n`;
    await writeFile(join(dir, '.env'), userEnvFile, { mode: 0o600 });
    const edited = '# tuned by hand\napi:\n  http:\n    port: 8080\n';
    await writeFile(join(dir, 'config.yaml'), edited);
    await writeFile(join(dir, 'config.yaml.bak'), 'an older backup\n');
    await writeFile(join(dir, '.gitignore'), 'node_modules/');
    await writeFile(join(dir, '.glide-version'), `${mirror.rc}\n`);
    const args = ['existing', '--overwrite', '--provider', 'anthropic', '--download-base-url', server.url, '--glide-version', mirror.stable];

    const result = await run(args, { ANTHROPIC_API_KEY: THIRD_SECRET });
    expect(result.exitCode, result.all).toBe(0);
    for (const secret of [SECRET, SECOND_SECRET, THIRD_SECRET]) expect(result.all).not.toContain(secret);
    const plan = printed(result.stdout);
    expect(plan).toContain('replace   config.yaml (yours is backed up to config.yaml.bak.1)');
    expect(plan).toContain('merge     .env (keeps 2 existing keys, adds ANTHROPIC_API_KEY; mode 0600, secrets)');
    expect(plan).toContain('merge     .gitignore (adds .env, secrets/)');
    expect(plan).toContain('replace   .glide-version (yours is backed up to .glide-version.bak)');

    expect(await readFile(join(dir, '.env'), 'utf8')).toBe(`${userEnvFile}ANTHROPIC_API_KEY=${THIRD_SECRET}\n`);
    expect((await stat(join(dir, '.env'))).mode & 0o777).toBe(0o600);
    expect(await readFile(join(dir, 'config.yaml.bak'), 'utf8')).toBe('an older backup\n');
    expect(await readFile(join(dir, 'config.yaml.bak.1'), 'utf8')).toBe(edited);
    expect(await readFile(join(dir, 'config.yaml'), 'utf8')).toContain('anthropic');
    expect(await readFile(join(dir, '.gitignore'), 'utf8')).toBe('node_modules/\n.env\nsecrets/\n');
    // The pin names the Glide just installed, as the next steps say; the old one is kept beside it.
    expect(await readFile(join(dir, '.glide-version'), 'utf8')).toBe(`${mirror.stable}\n`);
    expect(await readFile(join(dir, '.glide-version.bak'), 'utf8')).toBe(`${mirror.rc}\n`);
    expect(result.stdout).not.toContain('fill in');

    // The same run again changes nothing and backs nothing up.
    const again = await run(args);
    expect(again.exitCode, again.all).toBe(0);
    expect(printed(again.stdout)).toEqual(
      expect.arrayContaining([
        'keep      config.yaml (unchanged)',
        'keep      .env (has ANTHROPIC_API_KEY)',
        'keep      .gitignore (already has .env, secrets/)',
        'keep      .glide-version (unchanged)',
      ]),
    );
    expect(await listTree(dir)).toEqual([
      '.env',
      '.gitignore',
      '.glide-version',
      '.glide-version.bak',
      'README.md',
      'config.yaml',
      'config.yaml.bak',
      'config.yaml.bak.1',
    ]);
    expect(await readFile(join(dir, '.env'), 'utf8')).toBe(`${userEnvFile}ANTHROPIC_API_KEY=${THIRD_SECRET}\n`);
  });

  it('a run without the key in the environment never blanks the one in .env', async () => {
    const dir = join(user.cwd, 'keys');
    await mkdir(dir);
    await writeFile(join(dir, '.env'), `OPENAI_API_KEY=${SECRET}\nCOHERE_API_KEY=${SECOND_SECRET}\n`, { mode: 0o600 });
    const result = await run(['keys', '--overwrite', '--download-base-url', server.url, '--glide-version', mirror.stable]);
    expect(result.exitCode, result.all).toBe(0);
    expect(await readFile(join(dir, '.env'), 'utf8')).toBe(`OPENAI_API_KEY=${SECRET}\nCOHERE_API_KEY=${SECOND_SECRET}\n`);
    expect(result.stdout).not.toContain('fill in OPENAI_API_KEY');
  });
});

describe('the cache is trusted only as far as its receipt says, and only if the binary still matches it', () => {
  const installDir = () => join(user.cache, 'versions', mirror.stable, hostAsset.replace(/^glide_v[^_]+_/, '').replace('.tar.gz', ''));

  it('a rerun plans no download: the plan says it is already installed, verified; a damaged binary is reinstalled, saying why', async () => {
    const first = await run(['a', '--download-base-url', server.url, '--glide-version', mirror.stable]);
    expect(first.exitCode, first.all).toBe(0);
    const binary = join(installDir(), 'glide');
    const { createHash } = await import('node:crypto');
    const sha256 = createHash('sha256')
      .update(await readFile(binary))
      .digest('hex');

    server.log.length = 0;
    const planned = await run(['b', '--dry-run', '--download-base-url', server.url, '--glide-version', mirror.stable]);
    expect(planned.exitCode, planned.all).toBe(0);
    expect(printed(planned.stdout)).toContain(`already installed at ${installDir()} (verified sha256 ${sha256})`);
    expect(planned.stdout).not.toMatch(/^\s+download /m);
    expect(server.log).toEqual([]);

    // Same size, all zeros: the size alone would call it ready.
    await writeFile(binary, Buffer.alloc((await stat(binary)).size));
    const replanned = await run(['b', '--dry-run', '--download-base-url', server.url, '--glide-version', mirror.stable]);
    expect(replanned.exitCode, replanned.all).toBe(0);
    expect(replanned.stdout).toContain("does not match its receipt's sha256");
    expect(replanned.stdout).toMatch(/^\s+download /m);

    const repaired = await run(['b', '--download-base-url', server.url, '--glide-version', mirror.stable]);
    expect(repaired.exitCode, repaired.all).toBe(0);
    expect(repaired.stdout).toContain("Reinstalling: the glide in the cache does not match its receipt's sha256");
    expect(repaired.stdout).not.toContain('Already installed');
    expect(execFileSync(binary, ['--version'], { encoding: 'utf8' })).toContain(`glide version ${mirror.stable}`);
  });

  it('an install made with --insecure-skip-verify is not reused by a run that verifies', async () => {
    const insecure = await run(['a', '--insecure-skip-verify', '--download-base-url', server.url, '--glide-version', mirror.stable]);
    expect(insecure.exitCode, insecure.all).toBe(0);
    expect(JSON.parse(await readFile(join(installDir(), 'receipt.json'), 'utf8')).verified).toBe(false);

    const verified = await run(['b', '--download-base-url', server.url, '--glide-version', mirror.stable]);
    expect(verified.exitCode, verified.all).toBe(0);
    expect(verified.stdout).toContain('Reinstalling: the install in the cache was made with --insecure-skip-verify');
    expect(verified.stdout).toContain('Verified sha256');
    expect(JSON.parse(await readFile(join(installDir(), 'receipt.json'), 'utf8')).verified).toBe(true);
  });
});

describe('next steps are safe to paste into a shell', () => {
  it.each(['$(touch pwned)', "it's"])('a folder named %s, with a cache path that needs quoting too', async (name) => {
    const cache = join(user.home, "cache $(touch pwned-cache) it's");
    const result = await run([name, '--download-base-url', server.url, '--glide-version', mirror.stable], { GLIDE_CACHE_DIR: cache });
    expect(result.exitCode, result.all).toBe(0);
    const lines = printed(result.stdout);
    const cd = lines.find((line) => line.startsWith('cd '));
    const start = lines.find((line) => line.endsWith(' --config config.yaml'));
    expect(cd).toBeDefined();
    expect(start).toBeDefined();

    const shell = (script: string) => execa('sh', ['-c', script], { cwd: user.cwd, reject: false, all: true });
    const moved = await shell(`${cd} && pwd`);
    expect(moved.exitCode, moved.all).toBe(0);
    expect(moved.stdout).toBe(join(user.cwd, name));
    const argv = await shell(`set -- ${start}; printf '%s' "$1"`);
    expect(argv.stdout).toBe(join(cache, 'versions', mirror.stable, hostAsset.replace(/^glide_v[^_]+_/, '').replace('.tar.gz', ''), 'glide'));
    expect((await readdir(user.cwd)).filter((entry) => entry.startsWith('pwned'))).toEqual([]);
  });
});

describe('--dry-run checks what it can without downloading', () => {
  it.each([
    ['an http mirror', () => server.url],
    ['a mirror folder', () => mirror.dir],
  ])('a platform the release does not have fails as the real run does, from %s', async (_name, base) => {
    const result = await run(['arm', '--dry-run', '--os', 'linux', '--arch', 'armv7', '--download-base-url', base(), '--glide-version', mirror.stable]);
    expect(result.exitCode, result.all).toBe(1);
    expect(result.stderr).toContain(`EUNSUPPORTEDPLATFORM: Glide ${mirror.stable} has no build for linux/armv7.`);
    expect(result.stderr).toContain('It has: darwin/arm64, linux/amd64, linux/arm64, windows/amd64.');
    expect(server.log.map((entry) => entry.path).filter((path) => !path.endsWith('_checksums.txt'))).toEqual([]);
    expect(await listTree(user.cwd)).toEqual([]);
    expect(await listTree(user.cache)).toEqual([]);
  });
});

describe('filesystem failures are named errors with advice, found before the download where they can be', () => {
  const noStackTrace = (text: string) => {
    expect(text).not.toContain('Unexpected failure');
    expect(text).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
  };
  const archiveRequests = () => server.log.filter((entry) => /\.(tar\.gz|zip)$/.test(entry.path));

  // A tmpfs needs root or CAP_SYS_ADMIN (CI and the developers' machines have it): without, these fail rather than skip.
  async function withTmpfs(dir: string, options: { readOnly?: boolean; size?: string }, body: () => Promise<void>) {
    await mkdir(dir, { recursive: true });
    const mounted = await mountTmpfs(dir, options);
    if ('unavailable' in mounted) throw new Error(mounted.unavailable);
    try {
      await body();
    } finally {
      await mounted.unmount();
    }
  }

  it('a read-only HOME: ECACHEDIR naming GLIDE_CACHE_DIR, before any request', async () => {
    await withTmpfs(user.home, { readOnly: true }, async () => {
      const result = await run(['app', '--download-base-url', server.url, '--glide-version', mirror.stable]);
      expect(result.exitCode, result.all).toBe(1);
      expect(result.stderr).toContain('ECACHEDIR');
      expect(result.stderr).toContain('read-only');
      expect(result.stderr).toContain('GLIDE_CACHE_DIR');
      noStackTrace(result.all ?? '');
      expect(server.log).toEqual([]);
      expect(await listTree(user.cwd)).toEqual([]);
    });
  });

  it('an empty HOME is not taken as "the current folder": ECACHEDIR, nothing written', async () => {
    const result = await run(['app', '--download-base-url', server.url, '--glide-version', mirror.stable], { HOME: '', XDG_CACHE_HOME: '' });
    expect(result.exitCode, result.all).toBe(1);
    expect(result.stderr).toContain('ECACHEDIR');
    expect(result.stderr).toContain('GLIDE_CACHE_DIR');
    noStackTrace(result.all ?? '');
    expect(await listTree(user.cwd)).toEqual([]);
  });

  it('no HOME at all (a user id with no passwd entry, as in `docker run -u`): ECACHEDIR, no stack trace', async () => {
    // The user's folders must be reachable by that id.
    await chmod(join(user.home, '..'), 0o777);
    await chmod(user.cwd, 0o777);
    const env = userEnv();
    delete env.HOME;
    delete env.XDG_CACHE_HOME;
    const result = await execa(
      'setpriv',
      [
        '--reuid',
        '54321',
        '--regid',
        '54321',
        '--clear-groups',
        process.execPath,
        CLI,
        'app',
        '--download-base-url',
        server.url,
        '--glide-version',
        mirror.stable,
      ],
      {
        cwd: user.cwd,
        env,
        extendEnv: false,
        reject: false,
        all: true,
        stdin: 'ignore',
      },
    );
    expect(result.exitCode, result.all).toBe(1);
    expect(result.stderr).toContain('ECACHEDIR');
    expect(result.stderr).toContain('HOME');
    noStackTrace(result.all ?? '');
  });

  it('a full disk under the cache, installing from a mirror folder: EDISK, and nothing left in the cache', async () => {
    const small = join(user.home, 'small-cache');
    await withTmpfs(small, { size: '64k' }, async () => {
      const result = await run(['app', '--download-base-url', mirror.dir, '--glide-version', mirror.stable], { GLIDE_CACHE_DIR: small });
      expect(result.exitCode, result.all).toBe(1);
      expect(result.stderr).toContain('EDISK');
      expect(result.stderr).toContain('full');
      noStackTrace(result.all ?? '');
      expect((await listTree(small)).filter((path) => path.includes('.staging-') || path.endsWith('glide'))).toEqual([]);
      expect(await listTree(user.cwd)).toEqual([]);
    });
  });

  it.for([
    ['the folder itself', 'ro'],
    ['the folder it would be created in', join('ro', 'app')],
  ] as const)('a read-only project folder (%s): EPROJECTDIR before anything is downloaded', async ([, target]) => {
    await withTmpfs(join(user.cwd, 'ro'), { readOnly: true }, async () => {
      const result = await run([target, '--yes', '--download-base-url', server.url, '--glide-version', mirror.stable]);
      expect(result.exitCode, result.all).toBe(1);
      expect(result.stderr).toContain('EPROJECTDIR');
      expect(result.stderr).toContain('read-only');
      noStackTrace(result.all ?? '');
      expect(archiveRequests()).toEqual([]);
      expect(await listTree(user.cache)).toEqual([]);
    });
  });

  it('a dangling symlink as the project folder: EPROJECTDIR naming where it points, before anything is downloaded', async () => {
    await symlink(join(user.cwd, 'gone'), join(user.cwd, 'app'));
    const result = await run(['app', '--download-base-url', server.url, '--glide-version', mirror.stable]);
    expect(result.exitCode, result.all).toBe(1);
    expect(result.stderr).toContain('EPROJECTDIR');
    expect(result.stderr).toContain(join(user.cwd, 'gone'));
    noStackTrace(result.all ?? '');
    expect(archiveRequests()).toEqual([]);
    expect(await listTree(user.cache)).toEqual([]);
  });
});

async function expectHealthy(binary: string, project: string): Promise<void> {
  const glide = spawn(binary, ['--config', 'config.yaml'], { cwd: project, stdio: 'ignore' });
  try {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const status = await fetch('http://127.0.0.1:9099/v1/health/').then(
        (r) => r.status,
        () => 0,
      );
      if (status === 200) return;
      if (Date.now() > deadline) throw new Error('Glide did not answer /v1/health/ within 10 s');
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    glide.kill('SIGTERM');
    await new Promise((r) => glide.once('exit', r));
  }
}

describe('create-glide in a real terminal (tmux)', () => {
  beforeAll(() => requireTools('tmux'));

  async function tmux(args: string[]): Promise<string> {
    return (await execa('tmux', args, { reject: false })).stdout;
  }

  // Waits, not timings: generous so that a loaded machine (CI beside other jobs) is slow, not failing.
  async function screenUntil(session: string, pattern: RegExp, timeoutMs = 45_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let screen = '';
    while (Date.now() < deadline) {
      screen = await tmux(['capture-pane', '-p', '-t', session]);
      if (pattern.test(screen)) return screen;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`timed out waiting for ${pattern} on screen:\n${screen}`);
  }

  function startSession(session: string, args: string, exitFile: string, extra: Record<string, string> = {}): Promise<string> {
    const env = Object.entries(userEnv({ TERM: 'xterm-256color', ...extra }))
      .map(([key, value]) => `${key}=${JSON.stringify(value)}`)
      .join(' ');
    const command = `cd ${JSON.stringify(user.cwd)} && env -i ${env} ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} ${args}; echo $? > ${JSON.stringify(exitFile)}; sleep 30`;
    return tmux(['new-session', '-d', '-s', session, '-x', '120', '-y', '40', command]);
  }

  async function exitCode(file: string): Promise<number> {
    const deadline = Date.now() + 45_000;
    while (Date.now() < deadline) {
      if (existsSync(file)) {
        const text = (await readFile(file, 'utf8')).trim();
        if (text) return Number(text);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('the CLI did not exit');
  }

  it('asks, masks the key, shows a progress bar, and installs', async () => {
    const session = `cg-${process.pid}-ok`;
    const exitFile = join(user.cwd, '..', 'exit-ok');
    server.faults.add(`/${mirror.stable}/${hostAsset}`, { kind: 'throttle', bytesPerSecond: 1_500_000 });
    await startSession(session, `--download-base-url ${server.url}`, exitFile);
    try {
      await screenUntil(session, /Where should the project go\?/);
      await tmux(['send-keys', '-t', session, 'tty-app', 'Enter']);
      await screenUntil(session, /How should Glide run\?/);
      await tmux(['send-keys', '-t', session, 'Enter']);
      await screenUntil(session, /Which LLM provider/);
      await tmux(['send-keys', '-t', session, 'Down', 'Enter']);
      await screenUntil(session, /Anthropic API key/);
      await tmux(['send-keys', '-t', session, '-l', SECRET]);
      await tmux(['send-keys', '-t', session, 'Enter']);
      await screenUntil(session, /Start Glide now/);
      await tmux(['send-keys', '-t', session, 'n']);
      const during = await screenUntil(session, /Downloading glide_v.*(KB|MB) \/ .*MB\/s|KB\/s/);
      expect(during).not.toContain(SECRET);
      const done = await screenUntil(session, /is ready/, 60_000);
      expect(done).not.toContain(SECRET);
      expect(done).toContain('Verified sha256');
      expect(await exitCode(exitFile)).toBe(0);
      expect(await readFile(join(user.cwd, 'tty-app', '.env'), 'utf8')).toBe(`ANTHROPIC_API_KEY=${SECRET}\n`);
    } finally {
      await tmux(['kill-session', '-t', session]);
    }
  }, 120_000);

  it('Ctrl-C during the download exits 130: nothing installed, no project, the .partial kept to resume', async () => {
    const session = `cg-${process.pid}-midway`;
    const exitFile = join(user.cwd, '..', 'exit-midway');
    server.faults.add(`/${mirror.stable}/${hostAsset}`, { kind: 'throttle', bytesPerSecond: 300_000 });
    await startSession(session, `midway --yes --download-base-url ${server.url}`, exitFile);
    try {
      await screenUntil(session, /Downloading glide_v.*(KB|MB) \//);
      await tmux(['send-keys', '-t', session, 'C-c']);
      expect(await exitCode(exitFile)).toBe(130);
      expect(await listTree(user.cwd)).toEqual([]);
      const cached = await listTree(user.cache);
      expect(cached.filter((path) => path.endsWith('glide') || path.includes('.staging'))).toEqual([]);
      expect(cached).toContain(join('downloads', `${hostAsset}.partial`));
    } finally {
      await tmux(['kill-session', '-t', session]);
    }
  }, 120_000);

  it('NO_COLOR: the same screens without a colour code', async () => {
    const coloured = async (extra: Record<string, string>, name: string) => {
      const session = `cg-${process.pid}-${name}`;
      const exitFile = join(user.cwd, '..', `exit-${name}`);
      await startSession(session, `c --yes --dry-run --download-base-url ${server.url}`, exitFile, extra);
      try {
        expect(await exitCode(exitFile)).toBe(0);
        return await tmux(['capture-pane', '-e', '-p', '-t', session]);
      } finally {
        await tmux(['kill-session', '-t', session]);
      }
    };
    expect(await coloured({}, 'colour')).toMatch(/\u001b\[(3\d|9\d)m/);
    const plain = await coloured({ NO_COLOR: '1' }, 'nocolour');
    expect(plain).toContain('Plan (dry run');
    expect(plain).not.toMatch(/\u001b\[(3\d|9\d)m/);
  }, 120_000);

  it('Ctrl-C at a prompt exits 130 and leaves nothing behind', async () => {
    const session = `cg-${process.pid}-cancel`;
    const exitFile = join(user.cwd, '..', 'exit-cancel');
    await startSession(session, `cancelled --download-base-url ${server.url}`, exitFile);
    try {
      await screenUntil(session, /How should Glide run\?/);
      await tmux(['send-keys', '-t', session, 'C-c']);
      expect(await exitCode(exitFile)).toBe(130);
      expect(await listTree(user.cwd)).toEqual([]);
      expect(await listTree(user.cache)).toEqual([]);
      expect(server.log).toEqual([]);
    } finally {
      await tmux(['kill-session', '-t', session]);
    }
  }, 120_000);
});
