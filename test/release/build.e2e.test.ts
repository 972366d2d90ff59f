import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkBinaryHeader, parseTarget } from '#contract';
import type { ReleaseLedger } from '../../release/src/ledger.js';
import { BUILD_TIMEOUT, StandinRepo } from '../helpers/repo.js';
import { requireTools } from '../helpers/tools.js';

// The whole RC → RC → stable cycle of GEP 0004 on the Go stand-in, built with the real Go
// toolchain, archived, checksummed and run (natively and under qemu-user).
const LINUX_TARGETS = ['linux/amd64', 'linux/arm64', 'linux/386', 'linux/ppc64le', 'linux/s390x', 'linux/riscv64'];

let repo: StandinRepo;
let out: string;
const ledgers = new Map<string, ReleaseLedger>();

async function build(tag: string, outDir = out, target = repo) {
  const result = await target.release(['build', '--out', outDir]);
  expect(result.all, `build of ${tag} failed`).not.toMatch(/^error /m);
  expect(result.exitCode).toBe(0);
  const ledger = JSON.parse(await readFile(join(outDir, tag, 'release.json'), 'utf8')) as ReleaseLedger;
  return { result, ledger };
}

beforeAll(async () => {
  repo = await StandinRepo.create();
  out = await mkdtemp(join(tmpdir(), 'glide-mirror-'));
  requireTools('go', 'qemu-aarch64-static', 'qemu-s390x-static', 'python3');
});

afterAll(async () => {
  await rm(repo.dir, { recursive: true, force: true });
  await rm(out, { recursive: true, force: true });
});

describe('glide-release build: 0.0.2-rc.1 → 0.0.2-rc.2 → 0.0.2', () => {
  it('builds 0.0.2-rc.1 for all 16 targets', { timeout: BUILD_TIMEOUT }, async () => {
    await repo.tag('0.0.2-rc.1', 12);
    const { ledger, result } = await build('0.0.2-rc.1');
    ledgers.set('0.0.2-rc.1', ledger);
    expect(result.stdout).toContain('built 0.0.2-rc.1: 16 archives');
    expect(ledger).toMatchObject({ tag: '0.0.2-rc.1', version: '0.0.2-rc.1', stage: 'rc', prerelease: true, publishable: true });
    const files = (await readdir(join(out, '0.0.2-rc.1'))).sort();
    expect(files).toEqual(
      [
        ...['darwin_amd64', 'darwin_arm64', 'freebsd_386', 'freebsd_amd64', 'freebsd_arm64'].map((t) => `glide_v0.0.2-rc.1_${t}.tar.gz`),
        ...LINUX_TARGETS.map((t) => `glide_v0.0.2-rc.1_${t.replace('/', '_')}.tar.gz`),
        ...['openbsd_386', 'openbsd_amd64', 'openbsd_arm64'].map((t) => `glide_v0.0.2-rc.1_${t}.tar.gz`),
        'glide_v0.0.2-rc.1_checksums.txt',
        'glide_v0.0.2-rc.1_windows_386.zip',
        'glide_v0.0.2-rc.1_windows_amd64.zip',
        'release.json',
      ].sort(),
    );
    // Nothing but the release folder and the index: no staging or work folders left behind.
    expect((await readdir(out)).sort()).toEqual(['0.0.2-rc.1', 'index.json']);
  });

  it("checksums agree with sha256sum -c, in Glide's format", async () => {
    const dir = join(out, '0.0.2-rc.1');
    const check = await execa('sha256sum', ['-c', 'glide_v0.0.2-rc.1_checksums.txt'], { cwd: dir });
    expect(check.stdout.split('\n')).toHaveLength(16);
    const lines = (await readFile(join(dir, 'glide_v0.0.2-rc.1_checksums.txt'), 'utf8')).trimEnd().split('\n');
    expect(lines.every((l) => /^[0-9a-f]{64} {2}glide_v0\.0\.2-rc\.1_\w+\.(tar\.gz|zip)$/.test(l))).toBe(true);
    const names = lines.map((line) => line.slice(66));
    expect(names).toEqual([...names].sort());
  });

  it('archives hold glide, LICENSE, CHANGELOG.md, ROADMAP.md with fixed owners, modes and the commit time', async () => {
    const dir = join(out, '0.0.2-rc.1');
    const listing = await execa('tar', ['-tvzf', 'glide_v0.0.2-rc.1_linux_arm64.tar.gz', '--numeric-owner', '--full-time'], { cwd: dir, env: { TZ: 'UTC' } });
    const rows = listing.stdout.split('\n').map((row) => row.split(/\s+/));
    expect(rows.map((r) => r[5])).toEqual(['CHANGELOG.md', 'LICENSE', 'ROADMAP.md', 'glide']);
    expect(rows.map((r) => r[0])).toEqual(['-rw-r--r--', '-rw-r--r--', '-rw-r--r--', '-rwxr-xr-x']);
    expect(new Set(rows.map((r) => r[1]))).toEqual(new Set(['0/0']));
    expect(new Set(rows.map((r) => `${r[3]}T${r[4]}`))).toEqual(new Set(['2024-06-01T10:00:00']));

    const zip = await execa('python3', ['-m', 'zipfile', '-l', 'glide_v0.0.2-rc.1_windows_amd64.zip'], { cwd: dir });
    expect(zip.stdout).toMatch(/glide\.exe\s+2024-06-01 10:00:00/);
    expect(zip.stdout).toMatch(/LICENSE/);
  });

  it('every binary is for its target, and the injected version runs (natively or under qemu)', async () => {
    const ledger = ledgers.get('0.0.2-rc.1')!;
    const archives = ledger.artifacts.filter((a) => a.kind === 'archive');
    expect(archives).toHaveLength(16);
    const work = await mkdtemp(join(tmpdir(), 'glide-unpack-'));
    for (const archive of archives) {
      // Read each binary back out of its archive and check its header ourselves.
      const dest = join(work, archive.target.replaceAll('/', '_'));
      await execa('mkdir', ['-p', dest]);
      if (archive.format === 'zip') await execa('python3', ['-m', 'zipfile', '-e', join(out, archive.path), dest]);
      else await execa('tar', ['-xzf', join(out, archive.path), '-C', dest]);
      const bytes = await readFile(join(dest, archive.binary.name));
      expect(checkBinaryHeader(bytes, parseTarget(archive.target)).ok, archive.target).toBe(true);
      expect(bytes.length).toBe(archive.binary.size);
    }
    const host = await execa(join(work, 'linux_amd64', 'glide'), ['--version']);
    expect(host.stdout).toMatch(/^glide version 0\.0\.2-rc\.1 \(commit: [0-9a-f]{40}, runtime: go[\d.]+, buildDate: 2024-06-01T10:00:00\.000Z\)$/);
    for (const target of LINUX_TARGETS) {
      const proof = archives.find((a) => a.target === target)!.proof;
      if (target === 'linux/amd64') expect(proof.ran).toBe('native');
      else expect(proof.ran).toMatch(/^qemu-/);
      expect(proof.versionOutput).toContain('glide version 0.0.2-rc.1 ');
    }
    await rm(work, { recursive: true, force: true });
  });

  it('builds 0.0.2-rc.2 on a fix commit, then the stable 0.0.2 on that same commit', { timeout: BUILD_TIMEOUT }, async () => {
    await repo.write('CHANGELOG.md', '# Changelog\n\n## 0.0.2\n\n- A fix found in rc.1.\n');
    await repo.commitAll('Fix found in rc.1', '2024-06-05T10:00:00Z');
    await repo.tag('0.0.2-rc.2', 5);
    const rc2 = await build('0.0.2-rc.2');
    expect(rc2.ledger.stage).toBe('rc');

    await repo.tag('0.0.2', 0);
    const stable = await build('0.0.2');
    ledgers.set('0.0.2', stable.ledger);
    expect(stable.ledger).toMatchObject({ stage: 'stable', prerelease: false, publishable: true, commit: rc2.ledger.commit });

    const index = JSON.parse(await readFile(join(out, 'index.json'), 'utf8')) as { tag: string; prerelease: boolean }[];
    expect(index.map((e) => [e.tag, e.prerelease])).toEqual([
      ['0.0.2', false],
      ['0.0.2-rc.2', true],
      ['0.0.2-rc.1', true],
    ]);
    const run = await execa('tar', ['-xzOf', join(out, '0.0.2', 'glide_v0.0.2_linux_amd64.tar.gz'), 'glide'], { encoding: 'buffer' });
    expect(run.stdout.length).toBeGreaterThan(1_000_000);
  });

  it('building the same tag again, from another clone, gives byte-identical archives', { timeout: BUILD_TIMEOUT }, async () => {
    const clone = await mkdtemp(join(tmpdir(), 'glide-clone-'));
    await execa('git', ['clone', '-q', repo.dir, clone]);
    await execa('git', ['checkout', '-q', '0.0.2'], { cwd: clone });
    const second = await mkdtemp(join(tmpdir(), 'glide-mirror2-'));
    const result = await execa(process.execPath, [join(process.cwd(), 'release/dist/glide-release.mjs'), 'build', '--out', second], {
      cwd: clone,
      reject: false,
      all: true,
    });
    expect(result.exitCode, result.all).toBe(0);
    const first = ledgers.get('0.0.2')!;
    const again = JSON.parse(await readFile(join(second, '0.0.2', 'release.json'), 'utf8')) as ReleaseLedger;
    expect(again.artifacts.map((a) => [a.path, a.sha256])).toEqual(first.artifacts.map((a) => [a.path, a.sha256]));
    for (const artifact of first.artifacts) {
      const [a, b] = await Promise.all([readFile(join(out, artifact.path)), readFile(join(second, artifact.path))]);
      expect(a.equals(b), artifact.path).toBe(true);
    }
    await rm(clone, { recursive: true, force: true });
    await rm(second, { recursive: true, force: true });
  });
});
