// The release pipeline on a current Go, as real Glide needs it: Debian 13's Go 1.24 (fetched by
// scripts/fetch-debian13.sh) on a stand-in whose go.mod asks for Go 1.22.4, as Glide 0.1.0-rc.1's
// does. Gates, build, proofs, a byte-identical rebuild and the images stage; the same pipeline
// on Debian 12's Go 1.19 is tested by build.e2e.test.ts and the images tests.
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReleaseLedger } from '../../release/src/ledger.js';
import { pushBaseImages } from '../helpers/base-images.js';
import { goCurrentEnv, requireGoCurrent } from '../helpers/go-current.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { BUILD_TIMEOUT, RELEASE_CLI, StandinRepo } from '../helpers/repo.js';

const GO_MOD = 'module github.com/EinStack/glide\n\ngo 1.22.4\n\ntoolchain go1.22.5\n';
const TAG = '0.1.0-rc.1';
// Native, qemu (64- and 32-bit), the two ports Go 1.19 lacks, a Mac and a Windows zip: the
// pipeline's every kind of target, without a cold build of all eighteen. Each with the header
// its binary must have, and what runs it here (undefined: checked by its header only).
const PROOFS: Record<string, { header: string; ran?: string }> = {
  'linux/amd64': { header: 'ELF 64-bit LSB x86-64 (OSABI 0)', ran: 'native' },
  'linux/arm64': { header: 'ELF 64-bit LSB aarch64 (OSABI 0)', ran: 'qemu-aarch64-static' },
  'linux/riscv64': { header: 'ELF 64-bit LSB riscv (OSABI 0)', ran: 'qemu-riscv64-static' },
  'linux/386': { header: 'ELF 32-bit LSB i386 (OSABI 0)', ran: 'qemu-i386-static' },
  'freebsd/riscv64': { header: 'ELF 64-bit LSB riscv (OSABI 9 FreeBSD)' },
  'openbsd/riscv64': { header: 'ELF 64-bit LSB riscv (OSABI 12 OpenBSD)' },
  'darwin/arm64': { header: 'Mach-O arm64' },
  'windows/amd64': { header: 'PE32+ x86-64' },
};
const MATRIX = Object.keys(PROOFS);
const NOT_IN_GO_1_24 = ['freebsd/ppc64le', 'freebsd/s390x', 'openbsd/ppc64le', 'openbsd/s390x'];

const cleanup: string[] = [];
afterAll(async () => {
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  cleanup.push(dir);
  return dir;
}

async function standinNeedingGo(goMod: string): Promise<StandinRepo> {
  const repo = await StandinRepo.create();
  cleanup.push(repo.dir);
  await repo.write('go.mod', goMod);
  await repo.commitAll('go.mod asking for a newer Go', '2024-06-01T11:00:00Z');
  return repo;
}

describe('glide-release on Go 1.24, go.mod asking for go 1.22.4', () => {
  let env: Record<string, string>;
  let goVersion: string;
  let registry: TestRegistry;
  let repo: StandinRepo;
  let out: string;

  beforeAll(async () => {
    requireGoCurrent();
    env = goCurrentEnv();
    goVersion = execFileSync('go', ['env', 'GOVERSION'], { encoding: 'utf8', env: { ...process.env, ...env } }).trim();
    registry = await startRegistry();
    repo = await standinNeedingGo(GO_MOD);
    out = await tempDir('glide-go-current-out-');
  }, BUILD_TIMEOUT);

  afterAll(async () => {
    await registry?.stop();
  });

  const ledger = async () => JSON.parse(await readFile(join(out, TAG, 'release.json'), 'utf8')) as ReleaseLedger;

  it("the go on PATH is Debian 13's Go 1.24", () => {
    expect(goVersion).toMatch(/^go1\.24\.\d+$/);
  });

  it('check: the default matrix gains freebsd/riscv64 and openbsd/riscv64, and names the 4 pairs Go 1.24 lacks', async () => {
    const check = await repo.release(['check', '--json'], env);
    expect(check.exitCode, check.all).toBe(0);
    const summary = JSON.parse(check.stdout) as { goVersion: string; targets: string[]; skipped: { target: string; reason: string }[] };
    expect(summary.goVersion).toBe(goVersion);
    expect(summary.targets).toHaveLength(18);
    expect(summary.targets).toEqual(expect.arrayContaining(['freebsd/riscv64', 'openbsd/riscv64', 'linux/riscv64', 'windows/386']));
    expect(summary.skipped).toEqual(NOT_IN_GO_1_24.map((target) => ({ target, reason: `${goVersion} has no ${target} port` })));
  });

  it('plan: every gate passes for the RC, on Go 1.24', async () => {
    const bases = await pushBaseImages(registry.host);
    const config = {
      targets: { matrix: MATRIX },
      images: { repository: `${registry.host}/glide`, distros: Object.fromEntries(Object.entries(bases).map(([distro, base]) => [distro, { base }])) },
    };
    await repo.write('glide-release.config.json', `${JSON.stringify(config, null, 2)}\n`);
    await repo.commitAll('Release config with local bases', '2024-06-01T12:00:00Z');
    await repo.tag(TAG, 1);
    const plan = await repo.release(['plan', '--json'], env);
    expect(plan.exitCode, plan.all).toBe(0);
    const result = JSON.parse(plan.stdout) as { stage: string; goVersion: string; gates: { gate: string; ok: boolean }[] };
    expect(result).toMatchObject({ stage: 'rc', goVersion });
    expect(result.gates.length).toBeGreaterThan(0);
    expect(result.gates.filter((gate) => !gate.ok)).toEqual([]);
  });

  it('build: every binary header-checked; native and qemu runs print the version Go 1.24 injected', { timeout: BUILD_TIMEOUT }, async () => {
    const build = await repo.release(['build', '--out', out], env);
    expect(build.exitCode, build.all).toBe(0);
    expect(build.stdout).toContain(`built ${TAG}: ${MATRIX.length} archives`);
    const built = await ledger();
    expect(built).toMatchObject({ tag: TAG, stage: 'rc', goVersion });
    const archives = built.artifacts.filter((artifact) => artifact.kind === 'archive');
    expect(archives.map((archive) => archive.target).sort()).toEqual([...MATRIX].sort());
    expect(archives.find((archive) => archive.target === 'windows/amd64')?.format).toBe('zip');
    for (const { proof, target } of archives) {
      const expected = PROOFS[target]!;
      expect(proof.header, target).toBe(expected.header);
      if (!expected.ran) {
        expect(proof.ran, target).toMatch(/^not run: /);
        continue;
      }
      expect(proof.ran, target).toBe(expected.ran);
      // The runtime the binary reports is the Go that built it, not only what the ledger claims.
      expect(proof.versionOutput, target).toMatch(new RegExp(`^glide version ${TAG} \\(commit: ${built.commit}, runtime: ${goVersion}, `));
    }
  });

  it('building the tag again from another clone gives byte-identical archives and checksums', { timeout: BUILD_TIMEOUT }, async () => {
    const clone = await tempDir('glide-go-current-clone-');
    await execa('git', ['clone', '-q', repo.dir, clone]);
    await execa('git', ['checkout', '-q', TAG], { cwd: clone });
    const second = await tempDir('glide-go-current-out2-');
    const again = await execa(process.execPath, [RELEASE_CLI, 'build', '--out', second], { cwd: clone, reject: false, all: true, env });
    expect(again.exitCode, again.all).toBe(0);
    const files = (await readdir(join(out, TAG))).filter((name) => name !== 'release.json').sort();
    expect(files).toHaveLength(MATRIX.length + 1);
    expect((await readdir(join(second, TAG))).filter((name) => name !== 'release.json').sort()).toEqual(files);
    for (const name of files) {
      const [a, b] = await Promise.all([readFile(join(out, TAG, name)), readFile(join(second, TAG, name))]);
      expect(a.equals(b), name).toBe(true);
    }
  });

  it('build --only images: an image per distro from the Go 1.24 binaries, for the platforms each base has', { timeout: BUILD_TIMEOUT }, async () => {
    const images = await repo.release(['build', '--only', 'images', '--out', out], env);
    expect(images.exitCode, images.all).toBe(0);
    expect(images.stdout).toContain(`built 4 images of ${TAG}`);
    expect(images.stderr).toContain(`image ${TAG}-alpine: linux/amd64, linux/arm64; the base has no linux/386, linux/riscv64\n`);
    const built = await ledger();
    expect(built.images?.distros.map((distro) => distro.tag).sort()).toEqual(['alpine', 'distroless', 'redhat', 'ubuntu'].map((distro) => `${TAG}-${distro}`));
    const raw = await execa('skopeo', ['inspect', '--raw', `oci:${join(out, TAG, 'images')}:${TAG}-alpine`]);
    const index = JSON.parse(raw.stdout) as { manifests: { platform: { architecture: string } }[] };
    expect(index.manifests.map((manifest) => manifest.platform.architecture).sort()).toEqual(['amd64', 'arm64']);
  });
});

describe('Go 1.24 never fetches the toolchain go.mod asks for (GOTOOLCHAIN=local)', () => {
  let proxy: Server;
  const requests: string[] = [];

  beforeAll(async () => {
    requireGoCurrent();
    // A module proxy that records what is asked of it: the toolchain would be downloaded from here.
    proxy = createServer((req, res) => {
      requests.push(req.url ?? '');
      res.writeHead(404).end();
    });
    await new Promise<void>((done) => proxy.listen(0, '127.0.0.1', done));
  });

  afterAll(async () => {
    if (proxy) await new Promise<void>((done) => proxy.close(() => done()));
  });

  // auto: Debian 13's go.env default; go1.99.0: a toolchain forced by the caller's environment.
  it.each(['auto', 'go1.99.0'])(
    'GOTOOLCHAIN=%s in the environment, go.mod asking go 1.99.0: EGOVERSION names the local Go, and nothing is downloaded',
    async (setting) => {
      const repo = await standinNeedingGo('module github.com/EinStack/glide\n\ngo 1.99.0\n');
      await repo.tag(TAG, 1);
      const env = {
        ...goCurrentEnv(),
        GOTOOLCHAIN: setting,
        GOPROXY: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
        GOSUMDB: 'off',
      };
      const goVersion = execFileSync('go', ['env', 'GOVERSION'], {
        encoding: 'utf8',
        cwd: tmpdir(),
        env: { ...process.env, ...env, GOTOOLCHAIN: 'local' },
      }).trim();
      requests.length = 0;
      for (const command of ['check', 'plan']) {
        const result = await repo.release([command], env);
        expect(result.exitCode, result.all).toBe(1);
        expect(result.stderr).toContain(`error EGOVERSION: go.mod needs Go 1.99.0 or newer, but the go on PATH is ${goVersion}.`);
      }
      expect(requests).toEqual([]);
    },
  );
});
