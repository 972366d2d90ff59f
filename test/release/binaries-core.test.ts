import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTarget } from '#contract';
import { goBuildInvocation, goMaxProcsPerBuild, releaseLdflags } from '../../release/src/binaries/compile.js';
import { runPool } from '../../release/src/binaries/pool.js';
import { chooseRunner, proveBinary } from '../../release/src/binaries/prove.js';

describe('go build invocation', () => {
  it('injects version, commit and date at the import path go list reported', () => {
    const ldflags = releaseLdflags(
      'github.com/EinStack/glide/pkg/version',
      { version: 'Version', commit: 'commitSha', date: 'buildDate' },
      { version: '0.1.0-rc.1', commit: 'abc', date: '2024-06-24T10:00:00.000Z' },
    );
    expect(ldflags).toBe(
      '-s -w -X github.com/EinStack/glide/pkg/version.Version=0.1.0-rc.1 -X github.com/EinStack/glide/pkg/version.commitSha=abc -X github.com/EinStack/glide/pkg/version.buildDate=2024-06-24T10:00:00.000Z',
    );
  });

  it.each([
    ['linux/arm64', { GOTOOLCHAIN: 'local', CGO_ENABLED: '0', GOOS: 'linux', GOARCH: 'arm64', GOMAXPROCS: '1' }],
    ['linux/arm/7', { GOTOOLCHAIN: 'local', CGO_ENABLED: '0', GOOS: 'linux', GOARCH: 'arm', GOARM: '7', GOMAXPROCS: '1' }],
    ['windows/386', { GOTOOLCHAIN: 'local', CGO_ENABLED: '0', GOOS: 'windows', GOARCH: '386', GOMAXPROCS: '1' }],
  ])('%s builds static, trimmed, without VCS stamping, with the Go on PATH only', (target, env) => {
    const invocation = goBuildInvocation(parseTarget(target), '-s -w', '/out/glide', '.', 1);
    expect(invocation.env).toEqual(env);
    expect(invocation.args).toEqual(['build', '-trimpath', '-buildvcs=false', '-ldflags', '-s -w', '-o', '/out/glide', '.']);
  });

  it.each([
    [2, 2, 1],
    [8, 2, 4],
    [2, 1, 2],
    [1, 4, 1],
  ])('%i cores shared by %i builds: GOMAXPROCS %i each', (cores, workers, expected) => {
    expect(goMaxProcsPerBuild(cores, workers)).toBe(expected);
  });
});

describe('which runner proves a binary', () => {
  const host = { os: 'linux', arch: 'amd64' };
  const allQemu = new Set(['qemu-aarch64-static', 'qemu-i386-static', 'qemu-s390x-static', 'qemu-ppc64le-static', 'qemu-riscv64-static']);
  it.each([
    ['linux/amd64', allQemu, { kind: 'native' }],
    ['linux/arm64', allQemu, { kind: 'qemu', command: 'qemu-aarch64-static' }],
    ['linux/386', allQemu, { kind: 'qemu', command: 'qemu-i386-static' }],
    ['linux/s390x', allQemu, { kind: 'qemu', command: 'qemu-s390x-static' }],
    ['linux/arm64', new Set<string>(), { kind: 'none', reason: 'qemu-aarch64-static is not installed (apt-get install qemu-user-static)' }],
    ['darwin/arm64', allQemu, { kind: 'none', reason: 'darwin binaries cannot run on linux' }],
    ['freebsd/amd64', allQemu, { kind: 'none', reason: 'freebsd binaries cannot run on linux' }],
  ])('%s', (target, qemu, expected) => {
    expect(chooseRunner(parseTarget(target), host, qemu)).toEqual(expected);
  });

  it('on a Mac, only the Mac binary runs', () => {
    expect(chooseRunner(parseTarget('darwin/arm64'), { os: 'darwin', arch: 'arm64' }, new Set())).toEqual({ kind: 'native' });
    expect(chooseRunner(parseTarget('linux/arm64'), { os: 'darwin', arch: 'arm64' }, new Set()).kind).toBe('none');
  });
});

describe('runPool', () => {
  const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

  it('runs at most `limit` at once and keeps the order of results', async () => {
    let running = 0;
    let peak = 0;
    const results = await runPool(
      [1, 2, 3, 4, 5, 6],
      2,
      async (n) => {
        running++;
        peak = Math.max(peak, running);
        await tick();
        running--;
        return n * 10;
      },
      new AbortController().signal,
    );
    expect(results).toEqual([10, 20, 30, 40, 50, 60]);
    expect(peak).toBe(2);
  });

  it('the first failure stops new work, aborts running work, and is what it throws', async () => {
    const started: number[] = [];
    const attempt = runPool(
      [1, 2, 3, 4, 5],
      2,
      async (n, signal) => {
        started.push(n);
        if (n === 2) throw new Error('two failed');
        await new Promise((resolve, reject) => {
          const timer = setTimeout(resolve, 50);
          signal.addEventListener('abort', () => {
            clearTimeout(timer);
            reject(new Error('killed'));
          });
        });
        return n;
      },
      new AbortController().signal,
    );
    await expect(attempt).rejects.toThrow('two failed');
    expect(started).toEqual([1, 2]);
  });

  it('a cancelled parent is reported as the cause, not the builds it killed', async () => {
    const parent = new AbortController();
    const attempt = runPool(
      [1, 2, 3],
      1,
      async (_n, signal) => new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('build killed')))),
      parent.signal,
    );
    parent.abort(new Error('proof failed'));
    await expect(attempt).rejects.toThrow('proof failed');
  });
});

describe('runPool: a slot given up early, and the earliest failure', () => {
  const never = new AbortController().signal;
  const deferred = () => {
    let resolve!: () => void;
    const promise = new Promise<void>((done) => (resolve = done));
    return { promise, resolve };
  };
  /** Item 2 fails at once; item 1 fails only after that. */
  const twoFailures = (options: { earliestFailureWins?: boolean }) => {
    const secondFailed = deferred();
    return runPool(
      [1, 2],
      2,
      async (n) => {
        if (n === 2) {
          secondFailed.resolve();
          throw new Error('two failed');
        }
        await secondFailed.promise;
        throw new Error('one failed');
      },
      never,
      options,
    );
  };

  it('by default, the first failure in time is reported', async () => {
    await expect(twoFailures({})).rejects.toThrow('two failed');
  });

  it('earliestFailureWins: the failure of the earliest item is reported, whichever came first', async () => {
    await expect(twoFailures({ earliestFailureWins: true })).rejects.toThrow('one failed');
  });

  it('earliestFailureWins: a failure cancels the rest only once the items before it have ended', async () => {
    const events: string[] = [];
    const secondFailed = deferred();
    const thirdStarted = deferred();
    const attempt = runPool(
      [1, 2, 3],
      3,
      async (n, signal) => {
        if (n === 1) {
          await secondFailed.promise;
          // A turn of the event loop: every reaction to item 2's failure has run by then.
          await new Promise((resolve) => setImmediate(resolve));
          events.push(`1 done, 3 ${signal.aborted ? 'aborted' : 'running'}`);
          return n;
        }
        if (n === 2) {
          await thirdStarted.promise;
          secondFailed.resolve();
          throw new Error('two failed');
        }
        thirdStarted.resolve();
        await new Promise((resolve) => signal.addEventListener('abort', resolve));
        events.push('3 saw the abort');
        throw new Error('three killed');
      },
      never,
      { earliestFailureWins: true },
    );
    await expect(attempt).rejects.toThrow('two failed');
    expect(events).toEqual(['1 done, 3 running', '3 saw the abort']);
  });

  it('a task failing while the next waits for a slot is reported once, not as an unhandled rejection', async () => {
    const secondStarted = deferred();
    const firstFailed = deferred();
    const attempt = runPool(
      [1, 2, 3],
      1,
      async (n, _signal, releaseSlot) => {
        if (n === 1) {
          releaseSlot();
          await secondStarted.promise;
          firstFailed.resolve();
          throw new Error('one failed');
        }
        secondStarted.resolve();
        // Item 2 holds the only slot until item 1 has failed and a turn of the event loop has passed.
        await firstFailed.promise;
        await new Promise((resolve) => setImmediate(resolve));
        return n;
      },
      never,
      { earliestFailureWins: true },
    );
    await expect(attempt).rejects.toThrow('one failed');
  });

  it('a task that gives its slot up lets the next one start while it goes on', async () => {
    const events: string[] = [];
    const secondStarted = deferred();
    const results = await runPool(
      [1, 2],
      1,
      async (n, _signal, releaseSlot) => {
        events.push(`${n} started`);
        if (n === 2) {
          secondStarted.resolve();
          return n;
        }
        releaseSlot();
        // With the slot still held, item 2 could never start and this would wait for ever.
        await secondStarted.promise;
        events.push('1 done');
        return n;
      },
      never,
    );
    expect(results).toEqual([1, 2]);
    expect(events).toEqual(['1 started', '2 started', '1 done']);
  });
});

describe('proving a binary under qemu', () => {
  // A stand-in for qemu-user: crashes with a signal the first `crashes` times, then prints a version.
  async function fakeQemu(crashes: number, exitCode = 0) {
    const dir = await mkdtemp(join(tmpdir(), 'glide-fake-qemu-'));
    const binary = join(dir, 'glide');
    await copyFile('/bin/true', binary);
    const script = join(dir, 'qemu-fake-static');
    await writeFile(
      script,
      `#!/bin/sh\necho run >> "${dir}/runs"\nif [ "$(wc -l < "${dir}/runs")" -le ${crashes} ]; then kill -SEGV $$; fi\necho "glide version 9.9.9 (commit: abc)"\nexit ${exitCode}\n`,
      { mode: 0o755 },
    );
    const runs = async () => (await readFile(join(dir, 'runs'), 'utf8')).trim().split('\n').length;
    return { binary, runner: { kind: 'qemu' as const, command: script }, runs, dir };
  }
  const target = parseTarget('linux/amd64');

  it('a crash of qemu itself is run again: the proof stands on a run that exited', async () => {
    const fake = await fakeQemu(2);
    const proof = await proveBinary(fake.binary, target, '9.9.9', fake.runner, new AbortController().signal);
    expect(proof.versionOutput).toBe('glide version 9.9.9 (commit: abc)');
    expect(await fake.runs()).toBe(3);
    await rm(fake.dir, { recursive: true, force: true });
  });

  it('a binary that keeps crashing is EVERSIONNOTINJECTED after three runs', async () => {
    const fake = await fakeQemu(99);
    await expect(proveBinary(fake.binary, target, '9.9.9', fake.runner, new AbortController().signal)).rejects.toMatchObject({ code: 'EVERSIONNOTINJECTED' });
    expect(await fake.runs()).toBe(3);
    await rm(fake.dir, { recursive: true, force: true });
  });

  it('an exit code is judged at once, never run again', async () => {
    const fake = await fakeQemu(0, 1);
    await expect(proveBinary(fake.binary, target, '9.9.9', fake.runner, new AbortController().signal)).rejects.toMatchObject({ code: 'EVERSIONNOTINJECTED' });
    expect(await fake.runs()).toBe(1);
    await rm(fake.dir, { recursive: true, force: true });
  });
});
