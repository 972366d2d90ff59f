import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { describeExit, exitCodeOf, forwardSignals, type GlideExit, type GlideProcess } from '../../src/run/glide-process.js';

describe('exitCodeOf / describeExit', () => {
  it.each<[GlideExit, number, string]>([
    [{ code: 0, signal: null }, 0, 'glide exited with code 0'],
    [{ code: 1, signal: null }, 1, 'glide exited with code 1'],
    [{ code: null, signal: 'SIGINT' }, 130, 'glide was ended by SIGINT'],
    [{ code: null, signal: 'SIGTERM' }, 143, 'glide was ended by SIGTERM'],
    [{ code: null, signal: 'SIGKILL' }, 137, 'glide was ended by SIGKILL'],
  ])('%o → %i', (exit, code, words) => {
    expect(exitCodeOf(exit)).toBe(code);
    expect(describeExit(exit)).toBe(words);
  });
});

/** A Glide that records the signals it is sent, and exits when told to. */
function recordingGlide(): GlideProcess & { sent: string[]; exit(result: GlideExit): void } {
  const sent: string[] = [];
  let exit!: (result: GlideExit) => void;
  const exited = new Promise<GlideExit>((resolve) => (exit = resolve));
  return { pid: 1, exited, stdout: null, stderr: null, sent, exit, stop: (signal = 'SIGTERM') => void sent.push(signal) };
}

describe('forwardSignals', () => {
  it('hands SIGINT, SIGTERM, SIGHUP and SIGQUIT on one for one, and SIGTERM when we exit first', () => {
    const target = new EventEmitter();
    const glide = recordingGlide();
    forwardSignals(glide, target as unknown as NodeJS.Process);
    for (const signal of ['SIGINT', 'SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR2']) target.emit(signal, signal);
    target.emit('exit', 1);
    expect(glide.sent).toEqual(['SIGINT', 'SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGTERM']);
  });

  it('lets go of every handler once Glide has exited, or when asked', async () => {
    const target = new EventEmitter();
    const glide = recordingGlide();
    forwardSignals(glide, target as unknown as NodeJS.Process);
    expect(target.listenerCount('SIGINT')).toBe(1);
    glide.exit({ code: 0, signal: null });
    await glide.exited;
    await Promise.resolve();
    expect(['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'exit'].map((name) => target.listenerCount(name))).toEqual([0, 0, 0, 0, 0]);

    const other = recordingGlide();
    const unsubscribe = forwardSignals(other, target as unknown as NodeJS.Process);
    unsubscribe();
    target.emit('SIGINT', 'SIGINT');
    expect(other.sent).toEqual([]);
  });
});
