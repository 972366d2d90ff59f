// The built create-glide with --start, as a user runs it: the binary method from a release
// mirror built by glide-release (Glide in the foreground until Ctrl-C or SIGTERM), and the
// refusals that must come before anything is written. HOME and the cache are temp folders.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expectGlideChatResponse, runCurl, shellBlocks, theChatCommand } from '../helpers/chat-example.js';
import { cliUserEnv, listTree, runCli } from '../helpers/cli-user.js';
import { buildReleaseMirror } from '../helpers/release-mirror.js';
import { BUILD_TIMEOUT } from '../helpers/repo.js';
import { startStaticMirror } from '../helpers/static-mirror.js';

const CLI = resolve('create-glide/dist/create-glide.mjs');
const SECRET = 'sk-demo-e2e-secret-0123456789';
const HEALTH = 'http://127.0.0.1:9099/v1/health/';

let mirror: Awaited<ReturnType<typeof buildReleaseMirror>>;
let server: Awaited<ReturnType<typeof startStaticMirror>>;
let user: { home: string; cwd: string };
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
  const root = await mkdtemp(join(tmpdir(), 'create-demo-user-'));
  cleanup.push(root);
  user = { home: join(root, 'home'), cwd: join(root, 'work') };
  await mkdir(user.home, { recursive: true });
  await mkdir(user.cwd, { recursive: true });
});

const userEnv = () => cliUserEnv(user, { OPENAI_API_KEY: SECRET });
const run = (args: readonly string[], extra: Record<string, string> = {}) => runCli(CLI, user, args, { OPENAI_API_KEY: SECRET, ...extra });

/**
 * Starts create-glide, resolves once it says Glide is running (the lines after that come in the
 * same write); `printed` is what it said so far, `exited` gives its exit code and all it printed.
 */
function startForeground(args: readonly string[]) {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: user.cwd, env: userEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const running = new Promise<void>((resolveRunning, failed) => {
    const onData = (chunk: Buffer): void => {
      output += String(chunk);
      if (output.includes('Glide is running')) resolveRunning();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => failed(new Error(`create-glide exited (${code}) before Glide was running:\n${output}`)));
  });
  const exited = new Promise<{ code: number | null; output: string }>((done) => child.once('exit', (code) => done({ code, output })));
  return { child, running, exited, printed: () => output };
}

describe('create-glide --method binary --start', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)('runs Glide in the foreground until %s, then exits with its code (0)', async (signal) => {
    const glide = startForeground(['demo', '--yes', '--method', 'binary', '--start', '--download-base-url', server.url]);
    try {
      await glide.running;
      const health = await fetch(HEALTH);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ healthy: true });
    } finally {
      glide.child.kill(signal);
    }
    const { code, output } = await glide.exited;
    expect(code, output).toBe(0);
    expect(output).toContain('later   npx glide-up in the project (the Glide pinned in .glide-version)');
    expect(output).toContain('http://127.0.0.1:9099/v1/language/default/chat/');
    expect(output).toContain('Glide stopped (exit code 0)');
    expect(output).not.toContain(SECRET);
    // Stopped for real: nothing answers any more.
    await expect(fetch(HEALTH)).rejects.toThrow();
    expect(await readFile(join(user.cwd, 'demo', '.env'), 'utf8')).toBe(`OPENAI_API_KEY=${SECRET}\n`);
  });

  it("the chat example it prints and the one in the demo's README.md both get Glide's answer", async () => {
    const glide = startForeground(['demo', '--yes', '--method', 'binary', '--start', '--download-base-url', server.url]);
    try {
      await glide.running;
      const readme = await readFile(join(user.cwd, 'demo', 'README.md'), 'utf8');
      for (const command of [theChatCommand(glide.printed(), 'the output'), theChatCommand(shellBlocks(readme).join('\n'), 'README.md')]) {
        const result = await runCurl(command);
        expectGlideChatResponse(result, { router: 'default', modelId: 'openai', providerId: 'openai' });
        expect(command + result.all).not.toContain(SECRET);
      }
    } finally {
      glide.child.kill('SIGTERM');
    }
    const { code, output } = await glide.exited;
    expect(code, output).toBe(0);
    expect(output).not.toContain(SECRET);
  });
});

describe('create-glide --start refuses before writing anything', () => {
  it('port 9099 taken', async () => {
    const holder = createServer();
    await new Promise<void>((done) => holder.once('error', () => done()).listen(9099, '127.0.0.1', done));
    try {
      const result = await run(['demo', '--yes', '--start', '--download-base-url', server.url]);
      expect(result.exitCode, result.all).toBe(1);
      expect(result.stderr).toContain('EPORTINUSE: Port 9099 on 127.0.0.1 is taken');
      expect(result.all).not.toContain(SECRET);
      expect(await listTree(user.cwd)).toEqual([]);
      expect(await listTree(join(user.home, '.cache'))).toEqual([]);
    } finally {
      await new Promise((done) => holder.close(done));
    }
  });

  it.each([['binary'], ['docker']])('a folder that is not empty, without --overwrite (--method %s)', async (method) => {
    await mkdir(join(user.cwd, 'demo'));
    await writeFile(join(user.cwd, 'demo', 'mine.txt'), 'keep me');
    const result = await run(['demo', '--yes', '--method', method, '--start', '--download-base-url', server.url]);
    expect(result.exitCode, result.all).toBe(1);
    expect(result.stderr).toContain('EDIRNOTEMPTY: demo is not empty (mine.txt)');
    expect(await listTree(join(user.cwd, 'demo'))).toEqual(['mine.txt']);
    expect(await readFile(join(user.cwd, 'demo', 'mine.txt'), 'utf8')).toBe('keep me');
  });

  it('no Docker daemon (DOCKER_HOST at a dead socket): EDOCKER naming --method binary', async () => {
    const dead = join(user.home, 'docker.sock');
    const result = await run(['demo', '--yes', '--method', 'docker', '--start', '--download-base-url', server.url], { DOCKER_HOST: `unix://${dead}` });
    expect(result.exitCode, result.all).toBe(1);
    expect(result.stderr).toContain(`EDOCKER: No Docker daemon answers at unix://${dead} (DOCKER_HOST).`);
    expect(result.stderr).toContain('--method binary');
    expect(result.all).not.toContain(SECRET);
    expect(await listTree(user.cwd)).toEqual([]);
  });
});
