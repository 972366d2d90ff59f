// The built create-glide CLI, run as a user would: a temp HOME and cache, a release mirror
// on loopback built by glide-release from the Go stand-in, and once through a real
// pseudo-terminal (tmux) for the prompts, the progress bar and Ctrl-C.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createReadStream } from 'node:fs';
import { execa } from 'execa';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { archiveName } from '../../src/contract/index.js';
import { hostTarget } from '../../src/platform/detect.js';
import { readHostFacts } from '../../src/platform/host.js';
import { buildReleaseMirror } from '../helpers/release-mirror.js';
import { BUILD_TIMEOUT } from '../helpers/repo.js';
import { startStaticMirror } from '../helpers/static-mirror.js';
import { startTinyproxy } from '../helpers/tinyproxy.js';

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

/** The environment of a user's shell: no inherited HOME, XDG or cache, no proxy. */
function userEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: user.home,
    XDG_CACHE_HOME: join(user.home, '.cache'),
    XDG_CONFIG_HOME: join(user.home, '.config'),
    TZ: 'UTC',
    ...extra,
  };
}

function run(args: readonly string[], extra: Record<string, string> = {}) {
  return execa(process.execPath, [CLI, ...args], { cwd: user.cwd, env: userEnv(extra), extendEnv: false, reject: false, all: true, stdin: 'ignore' });
}

async function listTree(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  return (await readdir(dir, { recursive: true })).map(String).sort();
}

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
    expect(await listTree(project)).toEqual(['.env', '.gitignore', 'config.yaml']);
    expect((await stat(join(project, '.env'))).mode & 0o777).toBe(0o600);
    expect(await readFile(join(project, '.env'), 'utf8')).toBe(`OPENAI_API_KEY=${SECRET}\n`);
    expect(await readFile(join(project, '.gitignore'), 'utf8')).toContain('.env');
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
    expect(server.log.map((entry) => entry.path)).toEqual(['/index.json']);
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
      const receipt = await readFile(join(user.cache, 'versions', mirror.stable, hostAsset.replace(/^glide_v[^_]+_/, '').replace('.tar.gz', ''), 'receipt.json'), 'utf8');
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
    expect(await listTree(join(user.cwd, 'busy'))).toEqual(['.env', '.gitignore', 'config.yaml', 'notes.txt']);
  });

  it('kill -9 in the middle of a download: the next run resumes and succeeds', async () => {
    server.faults.add(`/${mirror.stable}/${hostAsset}`, { kind: 'throttle', bytesPerSecond: 400_000 });
    const child = spawn(process.execPath, [CLI, 'killed', '--download-base-url', server.url], { cwd: user.cwd, env: userEnv(), stdio: 'ignore' });
    const partial = join(user.cache, 'downloads', `${hostAsset}.partial`);
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && (!existsSync(partial) || (await stat(partial)).size < 200_000)) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const kept = (await stat(partial)).size;
    expect(kept).toBeGreaterThan(0);
    expect(existsSync(join(user.cwd, 'killed'))).toBe(false);

    server.log.length = 0;
    const result = await run(['killed', '--download-base-url', server.url, '--glide-version', mirror.stable]);
    expect(result.exitCode, result.all).toBe(0);
    expect(result.stdout).toContain('Resuming');
    const range = server.log.find((entry) => entry.path === `/${mirror.stable}/${hostAsset}`)?.range;
    expect(Number(/bytes=(\d+)-/.exec(range ?? '')?.[1])).toBeGreaterThan(0);
    expect(existsSync(partial)).toBe(false);
  }, 60_000);

  describe('TLS interception', () => {
    let https: Server;
    let url: string;
    let caFile: string;
    beforeAll(async () => {
      const dir = await mkdtemp(join(tmpdir(), 'glide-tls-'));
      cleanup.push(dir);
      caFile = join(dir, 'cert.pem');
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', caFile, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
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

async function expectHealthy(binary: string, project: string): Promise<void> {
  const glide = spawn(binary, ['--config', 'config.yaml'], { cwd: project, stdio: 'ignore' });
  try {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const status = await fetch('http://127.0.0.1:9099/v1/health/').then((r) => r.status, () => 0);
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
  const hasTmux = existsSync('/usr/bin/tmux');

  async function tmux(args: string[]): Promise<string> {
    return (await execa('tmux', args, { reject: false })).stdout;
  }

  async function screenUntil(session: string, pattern: RegExp, timeoutMs = 15_000): Promise<string> {
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
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      if (existsSync(file)) {
        const text = (await readFile(file, 'utf8')).trim();
        if (text) return Number(text);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('the CLI did not exit');
  }

  it.runIf(hasTmux)('asks, masks the key, shows a progress bar, and installs', async () => {
    const session = `cg-${process.pid}-ok`;
    const exitFile = join(user.cwd, '..', 'exit-ok');
    server.faults.add(`/${mirror.stable}/${hostAsset}`, { kind: 'throttle', bytesPerSecond: 1_500_000 });
    await startSession(session, `--download-base-url ${server.url}`, exitFile);
    try {
      await screenUntil(session, /Where should the project go\?/);
      await tmux(['send-keys', '-t', session, 'tty-app', 'Enter']);
      await screenUntil(session, /Which LLM provider/);
      await tmux(['send-keys', '-t', session, 'Down', 'Enter']);
      await screenUntil(session, /Anthropic API key/);
      await tmux(['send-keys', '-t', session, '-l', SECRET]);
      await tmux(['send-keys', '-t', session, 'Enter']);
      const during = await screenUntil(session, /Downloading glide_v.*(KB|MB) \/ .*MB\/s|KB\/s/);
      expect(during).not.toContain(SECRET);
      const done = await screenUntil(session, /is ready/, 30_000);
      expect(done).not.toContain(SECRET);
      expect(done).toContain('Verified sha256');
      expect(await exitCode(exitFile)).toBe(0);
      expect(await readFile(join(user.cwd, 'tty-app', '.env'), 'utf8')).toBe(`ANTHROPIC_API_KEY=${SECRET}\n`);
    } finally {
      await tmux(['kill-session', '-t', session]);
    }
  }, 60_000);

  it.runIf(hasTmux)('Ctrl-C during the download exits 130: nothing installed, no project, the .partial kept to resume', async () => {
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
  }, 30_000);

  it.runIf(hasTmux)('NO_COLOR: the same screens without a colour code', async () => {
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
  }, 30_000);

  it.runIf(hasTmux)('Ctrl-C at a prompt exits 130 and leaves nothing behind', async () => {
    const session = `cg-${process.pid}-cancel`;
    const exitFile = join(user.cwd, '..', 'exit-cancel');
    await startSession(session, `cancelled --download-base-url ${server.url}`, exitFile);
    try {
      await screenUntil(session, /Which LLM provider/);
      await tmux(['send-keys', '-t', session, 'C-c']);
      expect(await exitCode(exitFile)).toBe(130);
      expect(await listTree(user.cwd)).toEqual([]);
      expect(await listTree(user.cache)).toEqual([]);
      expect(server.log).toEqual([]);
    } finally {
      await tmux(['kill-session', '-t', session]);
    }
  }, 30_000);
});
