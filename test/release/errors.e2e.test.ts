import { mkdtemp, readdir, readFile, rm, symlink, mkdir, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BUILD_TIMEOUT, StandinRepo } from '../helpers/repo.js';

// Bad input gets a clear error, the right exit code, and no half-written output.
let repo: StandinRepo;
let out: string;

beforeAll(async () => {
  repo = await StandinRepo.create();
  await repo.tag('0.0.1-rc.1', 1);
});

beforeEach(async () => {
  out = await mkdtemp(join(tmpdir(), 'glide-out-'));
});

afterAll(async () => {
  await rm(repo.dir, { recursive: true, force: true });
});

async function expectNothingWritten() {
  expect(await readdir(out)).toEqual([]);
}

describe('usage errors exit 2', () => {
  it.each([
    [['build', '--bogus'], /Unknown option '--bogus'/],
    [['build', '--tag', '0.0.1-rc.1', '--snapshot'], /--tag and --snapshot exclude each other/],
    [['build', '--only', 'helm'], /unknown stage "helm"; this version builds: binaries/],
    [['build', '--skip-soak'], /--skip-soak needs --reason/],
    [['deploy'], /unknown command "deploy"/],
    [[], /name a command/],
  ])('%j', async (args, message) => {
    const result = await repo.release([...args, '--out', out]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/^error EUSAGE: /);
    expect(result.stderr).toMatch(message);
    await expectNothingWritten();
  });
});

describe('refused releases exit 1 and write nothing', () => {
  it('a non-semver tag: ENOTSEMVER, with the fix', async () => {
    await repo.git(['tag', 'v0.0.1']);
    const result = await repo.release(['build', '--tag', 'v0.0.1', '--out', out]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('error ENOTSEMVER: v0.0.1 cannot be built');
    expect(result.stderr).toContain('tag 0.0.1 instead');
    await expectNothingWritten();
  });

  it('a tag that does not exist: ENOTAG', async () => {
    const result = await repo.release(['build', '--tag', '9.9.9', '--out', out]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/error ENOTAG: There is no tag "9\.9\.9"/);
  });

  it('a dirty tree: EDIRTY, naming the file', async () => {
    await repo.write('scratch.go', 'package main\n');
    try {
      const result = await repo.release(['build', '--out', out]);
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toMatch(/EDIRTY: The working tree has changes \(scratch\.go\)/);
      await expectNothingWritten();
    } finally {
      await unlink(join(repo.dir, 'scratch.go'));
    }
  });

  it('plan --json lists every gate and every artifact', async () => {
    const result = await repo.release(['plan', '--json', '--tag', '0.0.1-rc.1']);
    expect(result.exitCode).toBe(0);
    const plan = JSON.parse(result.stdout) as { gates: { gate: string; ok: boolean }[]; artifacts: unknown[] };
    expect(plan.gates.map((g) => g.gate)).toEqual(['version', 'no-regression', 'rc-sequence', 'clean-tree', 'tag-is-head', 'on-branch']);
    expect(plan.artifacts).toHaveLength(16 + 3);
  });

  it('a stable before its RC soaked: ESOAK in the plan, and --skip-soak --reason lets it through', async () => {
    await repo.tag('0.0.1', 0);
    try {
      const plan = await repo.release(['plan', '--tag', '0.0.1']);
      expect(plan.exitCode).toBe(1);
      expect(plan.stdout).toMatch(
        /FAIL soak +ESOAK: 0\.0\.1-rc\.1 was out 1\.0 days \(from its tag, .* to 0\.0\.1.s tag, .*\), less than soakDays \(3\): 0\.0\.1 was tagged too early/,
      );
      const overridden = await repo.release(['plan', '--tag', '0.0.1', '--skip-soak', '--reason', 'security fix']);
      expect(overridden.exitCode).toBe(0);
      expect(overridden.stdout).toContain('overridden: security fix');
    } finally {
      await repo.git(['tag', '-d', '0.0.1']);
    }
  });

  it('HEAD is not the tag: ETAGNOTHEAD', async () => {
    await repo.write('NOTES.md', 'after the tag\n');
    await repo.commitAll('After rc.1', '2024-06-02T10:00:00Z');
    try {
      const result = await repo.release(['build', '--tag', '0.0.1-rc.1', '--out', out]);
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toMatch(/ETAGNOTHEAD: HEAD \([0-9a-f]{12}\) is not the commit of 0\.0\.1-rc\.1/);
      await expectNothingWritten();
    } finally {
      await repo.git(['reset', '-q', '--hard', '0.0.1-rc.1']);
    }
  });

  it('no Go toolchain: ENOGO, saying how to install it', async () => {
    const bin = await mkdtemp(join(tmpdir(), 'glide-nogo-'));
    await symlink('/usr/bin/git', join(bin, 'git'));
    const result = await repo.release(['build', '--out', out], { PATH: bin });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/error ENOGO: The Go toolchain was not found\. Install Go \(Debian\/Ubuntu: apt-get install golang-go/);
    await expectNothingWritten();
    await rm(bin, { recursive: true, force: true });
  });
});

describe('config errors name the key and the allowed values', () => {
  async function withConfig(text: string, run: () => Promise<void>) {
    await repo.write('glide-release.config.json', text);
    try {
      await run();
    } finally {
      await unlink(join(repo.dir, 'glide-release.config.json'));
    }
  }

  it('a typo in a key', async () => {
    await withConfig('{ "soakdays": 2 }', async () => {
      const result = await repo.release(['check']);
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toContain('error ECONFIG: glide-release.config.json has an error:');
      expect(result.stderr).toContain('unknown key "soakdays" (did you mean "soakDays"?); allowed here: repo, branch, soakDays');
    });
  });

  it('a value outside the allowed set', async () => {
    await withConfig('{ "images": { "defaultDistro": "debian" } }', async () => {
      const result = await repo.release(['check']);
      expect(result.stderr).toContain('images.defaultDistro: "debian" is not allowed; use one of "alpine", "ubuntu", "distroless", "redhat"');
    });
  });

  it('an unknown target', async () => {
    await withConfig('{ "targets": { "matrix": ["linux/amd64", "linux"], "skip": [] } }', async () => {
      const result = await repo.release(['check']);
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toMatch(/error EUNKNOWNTARGET: "linux" is not a target/);
    });
  });

  it('a pair Go cannot build: EIMPOSSIBLETARGET, with the skip entry to add', async () => {
    await withConfig('{ "targets": { "matrix": ["linux/amd64", "freebsd/s390x"], "skip": [] } }', async () => {
      const result = await repo.release(['check']);
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toMatch(/error EIMPOSSIBLETARGET: go1\.\d+(\.\d+)? cannot build freebsd\/s390x/);
      expect(result.stderr).toContain('{ "target": "freebsd/s390x", "reason": "Go has no such port" }');
    });
  });

  it('check passes on the defaults and lists what it skips', async () => {
    const result = await repo.release(['check']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('version variables in: github.com/EinStack/glide/pkg/version');
    expect(result.stdout).toMatch(/targets \(16\): darwin\/amd64 darwin\/arm64 linux\/amd64/);
    expect(result.stdout).toContain('skipped openbsd/riscv64:');
    // Every default base is pinned by digest: no warning about them.
    expect(result.stdout).not.toContain('not pinned by digest');
  });

  it('check warns about a base that is not pinned by digest, and says how to pin it', async () => {
    await withConfig('{ "images": { "distros": { "alpine": { "base": "docker.io/library/alpine:3.20" } } } }', async () => {
      const result = await repo.release(['check']);
      expect(result.exitCode).toBe(0);
      expect(result.stdout).toContain('warning: images.distros.alpine.base (docker.io/library/alpine:3.20) is not pinned by digest');
      expect(result.stdout).toContain("skopeo inspect --format '{{.Digest}}' docker://docker.io/library/alpine:3.20");
    });
  });
});

describe('a build that fails midway leaves no partial output', () => {
  it('a compile error on one target: EBUILD, no release folder, no staging, index untouched', { timeout: BUILD_TIMEOUT }, async () => {
    await mkdir(out, { recursive: true });
    await repo.write('broken_windows.go', '//go:build windows\n\npackage main\n\nfunc broken() { return 1 }\n');
    await repo.commitAll('Break the Windows build', '2024-06-03T10:00:00Z');
    await repo.tag('0.0.3-rc.1', 0);
    try {
      const result = await repo.release(['build', '--out', out]);
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toMatch(/error EBUILD: go build for windows\/(amd64|386) failed/);
      await expectNothingWritten();
    } finally {
      await repo.git(['tag', '-d', '0.0.3-rc.1']);
      await repo.git(['reset', '-q', '--hard', '0.0.1-rc.1']);
    }
  });

  it('a version variable that does not exist: EVERSIONNOTINJECTED, proven by running the binary', { timeout: BUILD_TIMEOUT }, async () => {
    await repo.write('glide-release.config.json', '{ "version": { "variables": { "version": "Vershun" } } }\n');
    await repo.commitAll('Wrong version variable', '2024-06-03T10:00:00Z');
    await repo.tag('0.0.4-rc.1', 0);
    try {
      // An output folder that did not exist is not left behind either.
      const result = await repo.release(['build', '--out', join(out, 'dist')]);
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toMatch(
        /error EVERSIONNOTINJECTED: The linux\/amd64 binary run with --version \(native\) did not print 0\.0\.4-rc\.1: "glide version devel/,
      );
      await expectNothingWritten();
    } finally {
      await repo.git(['tag', '-d', '0.0.4-rc.1']);
      await repo.git(['reset', '-q', '--hard', '0.0.1-rc.1']);
    }
  });

  it('Ctrl-C during the build exits 130 and removes what it had written', { timeout: BUILD_TIMEOUT }, async () => {
    const child = repo.release(['build', '--out', out]);
    await new Promise<void>((resolve) => {
      child.stderr!.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('built ')) resolve();
      });
    });
    child.kill('SIGINT');
    const result = await child;
    expect(result.exitCode).toBe(130);
    expect(result.stderr).toContain('cancelled');
    await expectNothingWritten();
  });
});

describe('an output folder whose index.json is not a mirror index', () => {
  it.each([
    ['an object', '{ "tag": "0.0.1-rc.1" }\n', 'not a JSON array'],
    ['not JSON', '<html>\n', 'is not valid JSON'],
  ])('%s: EBUILD naming it, the index left as it was', { timeout: BUILD_TIMEOUT }, async (_what, text, reason) => {
    await writeFile(join(out, 'index.json'), text);
    const result = await repo.release(['build', '--out', out]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(`error EBUILD: ${join(out, 'index.json')} is not a valid mirror index (`);
    expect(result.stderr).toContain(reason);
    expect(await readFile(join(out, 'index.json'), 'utf8')).toBe(text);
  });
});

describe('snapshots', () => {
  it('build a X.Y.Z-snapshot.<sha> version that never enters the index', { timeout: BUILD_TIMEOUT }, async () => {
    const head = (await repo.git(['rev-parse', 'HEAD'])).slice(0, 12);
    const result = await repo.release(['build', '--snapshot', '--out', out]);
    expect(result.exitCode, result.all).toBe(0);
    const version = `0.0.1-snapshot.${head}`;
    expect(await readdir(out)).toEqual([version]);
    const ledger = JSON.parse(await readFile(join(out, version, 'release.json'), 'utf8')) as { stage: string; publishable: boolean };
    expect(ledger).toMatchObject({ stage: 'snapshot', publishable: false });
  });
});
