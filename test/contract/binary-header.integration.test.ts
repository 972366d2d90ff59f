// checkBinaryHeader against binaries the Go toolchain really writes (the tables in
// binary-header.test.ts synthesize them).
import { execFile, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkBinaryHeader, parseTarget, readBinaryHead } from '#contract';
import { requireTools } from '../helpers/tools.js';

describe('real Go binaries', () => {
  const run = promisify(execFile);
  beforeAll(() => requireTools('go'));

  it('cross-compiled hello-worlds pass for their target and fail for another', async () => {
    const cases = [
      ['linux/arm64', 'linux/amd64'],
      ['freebsd/amd64', 'linux/amd64'],
      ['openbsd/amd64', 'freebsd/amd64'],
      ['darwin/arm64', 'darwin/amd64'],
      ['windows/386', 'windows/amd64'],
    ] as const;
    const dir = await mkdtemp(join(tmpdir(), 'glide-binary-header-'));
    try {
      await writeFile(join(dir, 'go.mod'), 'module hello\n\ngo 1.19\n');
      await writeFile(join(dir, 'main.go'), 'package main\n\nfunc main() { println("hi") }\n');
      // Use the default build cache; only an environment without one gets a temp cache.
      const goCache = spawnSync('go', ['env', 'GOCACHE'], { encoding: 'utf8' }).stdout.trim();
      const cacheEnv = goCache && goCache !== 'off' ? {} : { GOCACHE: join(dir, 'gocache') };

      const headers = await Promise.all(
        cases.map(async ([built]) => {
          const { os, arch } = parseTarget(built);
          const output = join(dir, built.replace('/', '-'));
          await run('go', ['build', '-o', output, '.'], {
            cwd: dir,
            env: { ...process.env, ...cacheEnv, CGO_ENABLED: '0', GOOS: os, GOARCH: arch },
          });
          return readBinaryHead(output);
        }),
      );

      cases.forEach(([built, other], index) => {
        const bytes = headers[index]!;
        expect(checkBinaryHeader(bytes, parseTarget(built)), built).toMatchObject({ ok: true });
        const wrong = checkBinaryHeader(bytes, parseTarget(other));
        expect(wrong.ok, `${built} as ${other}`).toBe(false);
        if (!wrong.ok) expect(wrong.reason).toContain(`found one for ${built}`);
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
