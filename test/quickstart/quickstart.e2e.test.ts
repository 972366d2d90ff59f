// README.md's quickstart, run exactly as written: the lines of each marked ```sh block are typed
// into a shell in a real terminal (tmux), from a clean HOME (so a clean npm cache), with npm
// pointed at a local registry (verdaccio, no uplink) that holds the three packed tarballs, and
// Glide's releases at a loopback mirror built by glide-release. The test plays the user: it
// answers the questions on screen, and stops Glide with Ctrl-C once it answers its health check.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNpmRegistry, type NpmRegistry } from '../helpers/npm-registry.js';
import { buildReleaseMirror } from '../helpers/release-mirror.js';
import { BUILD_TIMEOUT, StandinRepo } from '../helpers/repo.js';
import { closeServer, listenOnLoopback, startStaticMirror, type StaticMirror } from '../helpers/static-mirror.js';
import { requireTools } from '../helpers/tools.js';
import { CURRENT_NODES, nodeBinary } from '../packaging/node-binaries.js';
import { cleanCheckout, pack } from '../packaging/packed.js';

const SECRET = 'sk-quickstart-e2e-0123456789';
const HEALTH = 'http://127.0.0.1:9099/v1/health/';
const PROMPT = /^\[quickstart (\d+)\]\$ /gm;
/** The stand-in's log line once it serves (test/fixtures/glide-standin). */
const GLIDE_LISTENING = /listening on 127\.0\.0\.1:9099/;
/** create-glide's own word that Glide is up: until then it is still waiting for health, and Ctrl-C cancels the start. */
const CREATE_GLIDE_RUNNING = /Glide is running/;

/** The lines of the ```sh block right after `<!-- quickstart:{who} -->`, comments and all: what a reader copies. */
function quickstartLines(readme: string, who: string): string[] {
  const block = new RegExp(`^<!-- quickstart:${who} -->\\n\`\`\`sh\\n([\\s\\S]*?)^\`\`\`$`, 'm').exec(readme);
  if (!block) throw new Error(`README.md has no \`<!-- quickstart:${who} -->\` marker followed by a \`\`\`sh block`);
  return block[1]!.split('\n').filter((line) => line.trim() !== '');
}

/** A question on screen and the keys a user presses for it (tmux send-keys arguments, one call each). */
interface Reply {
  readonly question: RegExp;
  readonly keys: readonly (readonly string[])[];
}

// The user takes every default and types the key when asked: the shortest way through.
const REPLIES: readonly Reply[] = [
  { question: /Ok to proceed\? \(y\)/, keys: [['-l', 'y'], ['Enter']] },
  { question: /Where should the project go\?/, keys: [['Enter']] },
  { question: /How should Glide run\?/, keys: [['Enter']] },
  { question: /Which LLM provider should Glide route to\?/, keys: [['Enter']] },
  { question: /OpenAI API key \(stored only in \.env/, keys: [['-l', SECRET], ['Enter']] },
  { question: /Start Glide now and wait until it is healthy\?/, keys: [['Enter']] },
];

interface LineRun {
  readonly line: string;
  readonly exitCode: number;
  /** What the terminal showed from the line to the next prompt. */
  readonly screen: string;
  /** Whether Glide answered its health check (and so was stopped with Ctrl-C) while the line ran. */
  readonly glideRan: boolean;
}

/** A user's shell in a tmux session: bash with nothing of ours but the environment given. */
class TerminalSession {
  private constructor(private readonly name: string) {}

  static async start(name: string, cwd: string, env: Record<string, string>): Promise<TerminalSession> {
    const assignments = Object.entries({ ...env, PS1: '[quickstart $?]$ ', TERM: 'xterm-256color' }).map(([key, value]) => `${key}=${value}`);
    await execa('tmux', [
      'new-session',
      '-d',
      '-s',
      name,
      '-x',
      '160',
      '-y',
      '50',
      '-c',
      cwd,
      'env',
      '-i',
      ...assignments,
      'bash',
      '--norc',
      '--noprofile',
      '-i',
    ]);
    const session = new TerminalSession(name);
    await session.waitForPrompts(1, 'the shell did not start');
    return session;
  }

  /** Everything the terminal showed, wrapped lines joined. */
  async transcript(): Promise<string> {
    return (await execa('tmux', ['capture-pane', '-p', '-J', '-S', '-', '-t', this.name])).stdout;
  }

  private async keys(args: readonly string[]): Promise<void> {
    await execa('tmux', ['send-keys', '-t', this.name, ...args]);
  }

  private async waitForPrompts(count: number, failure: string): Promise<string> {
    for (let i = 0; i < 600; i++) {
      const text = await this.transcript();
      if ([...text.matchAll(PROMPT)].length >= count) return text;
      await sleep(100);
    }
    throw new Error(`${failure}:\n${await this.transcript()}`);
  }

  /**
   * Types `line` and Enter, answers each question as it appears, presses Ctrl-C once Glide is
   * healthy, and returns when the shell prompts again. Waits, not timings: a slow machine is slow, not failing.
   */
  async run(line: string, deadlineMs = 240_000): Promise<LineRun> {
    const before = await this.transcript();
    const prompts = [...before.matchAll(PROMPT)].length;
    await this.keys(['-l', line]);
    await this.keys(['Enter']);
    const answered = new Map<Reply, number>();
    let glideRan = false;
    const deadline = Date.now() + deadlineMs;
    while (Date.now() < deadline) {
      const text = await this.transcript();
      const seen = [...text.matchAll(PROMPT)];
      const screen = text.slice(seen[prompts - 1]!.index);
      if (seen.length > prompts) return { line, exitCode: Number(seen[prompts]![1]), screen, glideRan };
      for (const reply of REPLIES) {
        const asked = [...screen.matchAll(new RegExp(reply.question, 'g'))].length;
        if (asked > (answered.get(reply) ?? 0)) {
          answered.set(reply, asked);
          for (const keys of reply.keys) await this.keys(keys);
        }
      }
      // This line's Glide, said on screen, not another one on the port; when create-glide started
      // it, once create-glide says so, as a user would wait (glide-up runs Glide in the foreground).
      const ready = line.includes('create-glide') ? CREATE_GLIDE_RUNNING : GLIDE_LISTENING;
      if (!glideRan && ready.test(screen) && GLIDE_LISTENING.test(screen) && (await healthy())) {
        glideRan = true;
        await this.keys(['C-c']);
      }
      await sleep(100);
    }
    throw new Error(`\`${line}\` did not give the prompt back:\n${await this.transcript()}`);
  }

  async close(): Promise<void> {
    await execa('tmux', ['kill-session', '-t', this.name], { reject: false });
  }
}

async function healthy(): Promise<boolean> {
  return fetch(HEALTH).then(
    (response) => response.status === 200,
    () => false,
  );
}

/** A forward proxy that forwards nothing: every request a user's tools send past loopback is logged here, and refused. */
async function startRefusingProxy() {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    res.writeHead(403).end();
  });
  server.on('connect', (req: { url?: string }, socket: Socket) => {
    requests.push(`CONNECT ${req.url}`);
    socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
  });
  return { url: await listenOnLoopback(server), requests, close: () => closeServer(server) };
}

let registry: NpmRegistry;
let mirror: Awaited<ReturnType<typeof buildReleaseMirror>>;
let mirrorServer: StaticMirror;
let proxy: Awaited<ReturnType<typeof startRefusingProxy>>;
let repo: StandinRepo;
const readme = await readFile('README.md', 'utf8');
const nodes = new Map<string, string>();
const cleanup: string[] = [];
const NODE_VERSIONS = [process.versions.node, ...CURRENT_NODES];

beforeAll(async () => {
  requireTools('tmux', 'go');
  const downloads = Promise.all(CURRENT_NODES.map(async (version) => nodes.set(version, await nodeBinary(version))));
  nodes.set(process.versions.node, process.execPath);
  try {
    const checkout = await cleanCheckout();
    cleanup.push(checkout);
    registry = await startNpmRegistry();
    for (const dir of ['create-glide', 'glide-up', 'release']) {
      const tarball = await pack(checkout, dir);
      cleanup.push(dirname(tarball));
      await registry.publish(tarball);
    }
    mirror = await buildReleaseMirror();
    cleanup.push(mirror.dir, mirror.repo.dir);
    mirrorServer = await startStaticMirror(mirror.dir);
    proxy = await startRefusingProxy();
    repo = await StandinRepo.create();
    await repo.tag('0.0.1-rc.1', 1);
    cleanup.push(repo.dir);
  } finally {
    await downloads;
  }
}, BUILD_TIMEOUT);

afterAll(async () => {
  await registry?.stop();
  await mirrorServer?.close();
  await proxy?.close();
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

/** A new user: an empty HOME (npm's cache, Glide's cache and config all under it), a folder to work in. */
async function newUser() {
  const root = await mkdtemp(join(tmpdir(), 'quickstart-user-'));
  cleanup.push(root);
  const home = join(root, 'home');
  const work = join(root, 'work');
  await mkdir(home);
  await mkdir(work);
  return { home, work };
}

/** What a user's shell has: PATH (this Node first), HOME; npm pointed at the local registry, Glide at the mirror, the rest of the world behind a proxy that refuses. */
function userEnv(home: string, nodeVersion: string): Record<string, string> {
  return {
    PATH: `${dirname(nodes.get(nodeVersion)!)}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    HOME: home,
    TZ: 'UTC',
    npm_config_registry: registry.url,
    GLIDE_DOWNLOAD_BASE_URL: mirrorServer.url,
    HTTPS_PROXY: proxy.url,
    HTTP_PROXY: proxy.url,
    NO_PROXY: '127.0.0.1,localhost',
  };
}

async function runQuickstart(who: string, session: string, cwd: string, env: Record<string, string>): Promise<LineRun[]> {
  const lines = quickstartLines(readme, who);
  const terminal = await TerminalSession.start(session, cwd, env);
  try {
    const runs: LineRun[] = [];
    for (const line of lines) runs.push(await terminal.run(line));
    return runs;
  } finally {
    await terminal.close();
  }
}

describe.each(NODE_VERSIONS)('on Node %s', (nodeVersion) => {
  it("a user's quickstart: create-glide asks, installs and starts Glide; glide-up runs it again in the project", async () => {
    const user = await newUser();
    const proxied = proxy.requests.length;
    const runs = await runQuickstart('user', `qs-${process.pid}-user-${nodeVersion.replaceAll('.', '-')}`, user.work, userEnv(user.home, nodeVersion));

    for (const run of runs) {
      // A line that runs Glide in the foreground runs until the user's Ctrl-C; after it npx exits 130, whatever the command's own code.
      expect(run.exitCode, `${run.line}\n${run.screen}`).toBe(run.glideRan ? 130 : 0);
      expect(await healthy(), `Glide still answers after \`${run.line}\` gave the prompt back`).toBe(false);
      expect(run.screen).not.toContain(SECRET);
    }
    // The one-line quickstart comes first; the user says yes to starting Glide, and glide-up starts it again later.
    const [create, up] = [runs[0]!, runs.find((run) => / npx glide-up(\s|$)/.test(` ${run.line}`))];
    expect(create.line).toMatch(/^npx create-glide@latest(\s|$)/);
    expect(create.glideRan, create.screen).toBe(true);
    expect(create.screen).toContain('Verified sha256');
    expect(create.screen).toContain('Glide stopped (exit code 0).');
    expect(up?.glideRan, up?.screen ?? 'the quickstart has no `npx glide-up` line').toBe(true);
    expect(up!.screen).toContain(`glide-up: Glide ${mirror.stable} (from .glide-version)`);
    const project = join(user.work, 'glide-demo');
    expect((await readdir(project)).sort()).toEqual(['.env', '.gitignore', '.glide-version', 'README.md', 'config.yaml']);
    expect(await readFile(join(project, '.env'), 'utf8')).toBe(`OPENAI_API_KEY=${SECRET}\n`);
    expect((await readFile(join(project, '.glide-version'), 'utf8')).trim()).toBe(mirror.stable);
    // npx fetched the packages into this user's own npm cache, and Glide went into this user's cache.
    expect(existsSync(join(user.home, '.npm', '_npx'))).toBe(true);
    expect(await readdir(join(user.home, '.cache', 'glide', 'versions'))).toEqual([mirror.stable]);
    expect(proxy.requests.slice(proxied), 'requests that left loopback').toEqual([]);
  }, 600_000);

  it("a maintainer's quickstart: glide-release checks and plans the tagged clone", async () => {
    const user = await newUser();
    const proxied = proxy.requests.length;
    const runs = await runQuickstart(
      'maintainer',
      `qs-${process.pid}-maintainer-${nodeVersion.replaceAll('.', '-')}`,
      repo.dir,
      userEnv(user.home, nodeVersion),
    );

    for (const run of runs) expect(run.exitCode, `${run.line}\n${run.screen}`).toBe(0);
    const said = (command: string) => runs.find((run) => run.line.startsWith(`npx @einstack/glide-release ${command}`))?.screen;
    expect(said('check')).toMatch(/\nok\n/);
    expect(said('plan')).toMatch(/\n0\.0\.1-rc\.1: rc, commit /);
    expect(proxy.requests.slice(proxied), 'requests that left loopback').toEqual([]);
  }, 300_000);
});
