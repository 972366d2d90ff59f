// --start's foreground run with real processes that never become healthy: a Ctrl-C while
// waiting is a cancel (130) that stops the process, and a process that exits first ends the
// wait at once with its exit code. Glide's healthy path runs in create-demo.e2e.test.ts.
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isGlideError } from '#contract';
import { runInForeground } from '../../src/create-glide/start.js';
import { freePort } from '../helpers/process.js';
import { scriptedTerminal } from '../helpers/scripted-terminal.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'create-start-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A "glide" that is a shell script: `body` after it records its pid and the signal that ends it. */
async function fakeGlide(body: string): Promise<string> {
  const path = join(dir, 'glide');
  await writeFile(path, `#!/bin/sh\necho $$ > "${dir}/pid"\ntrap 'echo TERM > "${dir}/signal"; exit 143' TERM\n${body}\n`);
  await chmod(path, 0o755);
  return path;
}

async function failure(run: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await run;
  } catch (error) {
    if (isGlideError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('it succeeded');
}

describe('runInForeground before Glide is healthy', () => {
  it('Ctrl-C is a cancel: the process is stopped with SIGTERM and the message says the project is kept', async () => {
    const binary = await fakeGlide('while :; do sleep 0.05; done');
    const controller = new AbortController();
    const { terminal, said } = scriptedTerminal([]);
    // Cancel once the process is really running (its pid file is there), never on a timer.
    const cancelWhenRunning = (async () => {
      while (!(await readFile(join(dir, 'pid'), 'utf8').catch(() => ''))) await new Promise((r) => setTimeout(r, 20));
      controller.abort();
    })();
    const result = await failure(
      runInForeground({ terminal, env: process.env, signal: controller.signal }, { binary, dir, port: await freePort(), router: 'default' }),
    );
    await cancelWhenRunning;
    expect(result.code).toBe('ECANCELLED');
    expect(result.message).toContain('Cancelled while Glide was starting: it is stopped. The project is kept');
    expect(await readFile(join(dir, 'signal'), 'utf8')).toBe('TERM\n');
    expect(said).toEqual([`Starting ${binary} --config config.yaml --env .env`]);
  });

  it('a process that exits first ends the wait at once with its exit code (EUNHEALTHY)', async () => {
    const binary = await fakeGlide('exit 3');
    const { terminal } = scriptedTerminal([]);
    const result = await failure(runInForeground({ terminal, env: process.env }, { binary, dir, port: await freePort(), router: 'default' }));
    expect(result).toEqual({ code: 'EUNHEALTHY', message: 'Glide stopped before it was healthy: glide exited with code 3.' });
  });
});
