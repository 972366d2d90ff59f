// Glide in the foreground, for real: the Go stand-in started, waited for and stopped, and a
// launcher process (as glide-up is one) that forwards signals and leaves no Glide behind.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { GlideError } from '#contract';
import { describeExit, exitCodeOf, startGlide } from '../../src/run/glide-process.js';
import { waitForHealthy } from '../../src/run/health.js';
import { freePort } from '../helpers/process.js';
import { stillRunning } from '../helpers/process-tree.js';
import { requireTools } from '../helpers/tools.js';
import { buildStandin, type StandinBinary } from './standin-binary.js';

const LAUNCHER = resolve('test/run/fixtures/launcher.ts');
let standin: StandinBinary;
/** Every process a test started, killed after it whatever the outcome: a failed test must not leave a Glide behind. */
const started: number[] = [];

beforeAll(async () => {
  requireTools('go');
  standin = await buildStandin();
}, 600_000);

afterEach(async () => {
  for (const pid of await stillRunning(started.splice(0))) process.kill(pid, 'SIGKILL');
});

afterAll(async () => {
  await standin?.remove();
});

/** The process group of `pid`, from /proc (the fifth field of stat, after the command in parentheses). */
async function processGroup(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
}

const healthUrl = (port: number): URL => new URL(`http://127.0.0.1:${port}/v1/health/`);

describe('startGlide', () => {
  it('starts Glide, which answers health; SIGTERM stops it with code 0', async () => {
    const port = await freePort();
    const glide = startGlide({ binary: standin.binary, args: ['--config', await standin.config(port)], cwd: standin.dir, env: process.env, stdio: 'pipe' });
    started.push(glide.pid!);
    await waitForHealthy(healthUrl(port), { timeoutMs: 60_000, gaveUp: glide.exited.then(describeExit) });
    glide.stop();
    const exit = await glide.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(exitCodeOf(exit)).toBe(0);
  });

  it('a Glide that exits (a bad config) ends the wait at once with its exit code', async () => {
    const config = join(standin.dir, 'bad.yaml');
    await writeFile(config, 'api:\n  http:\n    port: not-a-port\n');
    const glide = startGlide({ binary: standin.binary, args: ['--config', config], cwd: standin.dir, env: process.env, stdio: 'pipe' });
    let output = '';
    glide.stderr?.setEncoding('utf8').on('data', (text: string) => (output += text));
    const error = await waitForHealthy(healthUrl(await freePort()), { timeoutMs: 3_600_000, gaveUp: glide.exited.then(describeExit) }).catch(
      (reason: unknown) => reason as GlideError,
    );
    expect(error).toMatchObject({ code: 'EUNHEALTHY', message: 'Glide stopped before it was healthy: glide exited with code 1.' });
    expect(output).toContain('is not a valid port');
  });

  it('a binary that is not there is ESMOKE, not a crash', async () => {
    const glide = startGlide({ binary: join(standin.dir, 'missing'), args: [], cwd: standin.dir, env: process.env });
    await expect(glide.exited).rejects.toMatchObject({ code: 'ESMOKE', message: expect.stringContaining('ENOENT') as string });
    expect(glide.pid).toBeUndefined();
  });
});

/** The launcher fixture running the stand-in on a free port; resolves once Glide is healthy, with Glide's pid. */
async function launch(mode?: 'crash') {
  const port = await freePort();
  const config = await standin.config(port);
  // Its own process group, as a shell gives a foreground job: the test can signal the group as a terminal's Ctrl-C does.
  const launcher = spawn(process.execPath, ['--import', 'tsx', LAUNCHER, standin.binary, config, String(port), ...(mode ? [mode] : [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  launcher.stderr.setEncoding('utf8').on('data', (text: string) => (output += text));
  launcher.stdout.setEncoding('utf8').on('data', (text: string) => (output += text));
  const exited = once(launcher, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  await new Promise<void>((ready, failed) => {
    launcher.stdout.on('data', () => output.includes('healthy ') && ready());
    void exited.then(() => failed(new Error(`the launcher exited before Glide was healthy:\n${output}`)));
  });
  const glidePid = Number(/healthy (\d+)/.exec(output)![1]);
  started.push(launcher.pid!, glidePid);
  return { launcher, port, glidePid, exited, output: () => output };
}

describe('forwardSignals, in a launcher process', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)('%s to the launcher reaches Glide, which stops cleanly: both exit 0', { timeout: 60_000 }, async (signal) => {
    const { launcher, glidePid, exited, output } = await launch();
    launcher.kill(signal);
    const [code] = await exited;
    expect(code, output()).toBe(0);
    expect(output()).toContain('received a shutdown signal');
    expect(await stillRunning([glidePid])).toEqual([]);
  });

  it('Ctrl-C at a terminal (SIGINT to the whole foreground group) reaches Glide once: a clean stop, exit 0', { timeout: 60_000 }, async () => {
    const { launcher, glidePid, exited, output } = await launch();
    // Glide is in a group of its own, so the terminal's SIGINT reaches it only through the launcher.
    expect(await processGroup(glidePid)).not.toBe(launcher.pid);
    process.kill(-launcher.pid!, 'SIGINT');
    const [code, signal] = await exited;
    // Twice would be Glide's "stop now": it dies of the second SIGINT and the launcher exits 130.
    expect({ code, signal }, output()).toEqual({ code: 0, signal: null });
    expect(output().match(/received a shutdown signal/g)).toHaveLength(1);
    expect(await stillRunning([glidePid])).toEqual([]);
  });

  it('a second Ctrl-C while Glide is still stopping reaches it too: it stops at once (130)', { timeout: 60_000 }, async () => {
    const { launcher, port, exited, output } = await launch();
    // A request begun and never finished keeps Glide's graceful shutdown waiting (up to its 5 s timeout).
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write('GET /v1/health/ HTTP/1.1\r\nHost: glide\r\n');
    try {
      process.kill(-launcher.pid!, 'SIGINT');
      await new Promise<void>((stopping) => {
        const check = (): void => void (output().includes('received a shutdown signal') && stopping());
        launcher.stderr.on('data', check);
        check();
      });
      process.kill(-launcher.pid!, 'SIGINT');
      const [code] = await exited;
      // Not forwarded, Glide would end its shutdown at the timeout with "graceful shutdown failed" and code 1.
      expect(code, output()).toBe(130);
    } finally {
      socket.destroy();
    }
  });

  it('a launcher that dies of an error leaves no Glide running', { timeout: 60_000 }, async () => {
    const { glidePid, exited, output } = await launch('crash');
    const [code] = await exited;
    expect(code, output()).toBe(1);
    expect(output()).toContain('the launcher crashed');
    // Glide was sent SIGTERM as the launcher exited; wait for its own clean stop.
    for (let check = 0; check < 200 && (await stillRunning([glidePid])).length > 0; check++) await new Promise((done) => setTimeout(done, 50));
    expect(await stillRunning([glidePid])).toEqual([]);
  });

  it('Glide killed by a signal: the launcher exits 128 + its number', { timeout: 60_000 }, async () => {
    const { glidePid, exited, output } = await launch();
    process.kill(glidePid, 'SIGKILL');
    const [code] = await exited;
    expect(code, output()).toBe(137);
  });
});
