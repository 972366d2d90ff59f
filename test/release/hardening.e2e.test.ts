import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseGoVersion } from '../../release/src/toolchain.js';
import { pushBaseImages } from '../helpers/base-images.js';
import { descendants, stillRunning } from '../helpers/process-tree.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { BUILD_TIMEOUT, StandinRepo } from '../helpers/repo.js';

// Findings of issue [4/9]: what a new user or a hostile contributor could do to the release.
const ONE_TARGET = { targets: { matrix: ['linux/amd64'] } };
const cleanup: string[] = [];

afterAll(async () => {
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

async function repoWith(config: object | undefined, tag = '0.1.0-rc.1'): Promise<StandinRepo> {
  const repo = await StandinRepo.create();
  cleanup.push(repo.dir);
  if (config) {
    await repo.write('glide-release.config.json', `${JSON.stringify(config, null, 2)}\n`);
    await repo.commitAll('Release config', '2024-06-01T11:00:00Z');
  }
  await repo.tag(tag, 1);
  return repo;
}

async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  cleanup.push(dir);
  return dir;
}

/** Only expected failures: a named code, never a stack trace or "failed unexpectedly". */
function expectNamedFailure(result: { exitCode?: number; stderr: string }, code: string): void {
  expect(result.exitCode, result.stderr).toBe(1);
  expect(result.stderr).toContain(`error ${code}: `);
  expect(result.stderr).not.toMatch(/failed unexpectedly|\n\s+at .+:\d+:\d+/);
}

describe('the release is the tagged commit, and nothing else', () => {
  it('archives.files reaching outside the repository: check refuses them, and build writes nothing anywhere', async () => {
    const repo = await repoWith({ archives: { files: ['LICENSE', '../../../../etc/hostname', '/etc/passwd'] } });
    const check = await repo.release(['check']);
    expectNamedFailure(check, 'ECONFIG');
    expect(check.stderr).toContain('archives.files.1: must be the name of a file at the repository root');
    expect(check.stderr).toContain('archives.files.2: must be the name of a file at the repository root');

    const parent = await tempDir('glide-out-parent-');
    const out = join(parent, 'dist');
    await writeFile(join(parent, 'hostname'), 'untouched\n');
    const build = await repo.release(['build', '--out', out]);
    expectNamedFailure(build, 'ECONFIG');
    expect(await readdir(parent)).toEqual(['hostname']);
    expect(await readFile(join(parent, 'hostname'), 'utf8')).toBe('untouched\n');
  });

  it("a committed LICENSE -> /etc/passwd is refused (EUNSAFEPATH): the runner's files never ship", { timeout: BUILD_TIMEOUT }, async () => {
    const repo = await StandinRepo.create();
    cleanup.push(repo.dir);
    await rm(join(repo.dir, 'LICENSE'));
    await symlink('/etc/passwd', join(repo.dir, 'LICENSE'));
    await repo.write('glide-release.config.json', JSON.stringify(ONE_TARGET));
    await repo.commitAll('LICENSE is a link', '2024-06-01T11:00:00Z');
    await repo.tag('0.1.0-rc.1', 1);
    expectNamedFailure(await repo.release(['check']), 'EUNSAFEPATH');
    const out = await tempDir('glide-out-');
    const build = await repo.release(['build', '--out', out]);
    expectNamedFailure(build, 'EUNSAFEPATH');
    expect(build.stderr).toContain('LICENSE (in archives.files) is a symbolic link');
    expect(await readdir(out)).toEqual([]);
  });

  it('a link anywhere in the tree that leads out of it is refused by build', { timeout: BUILD_TIMEOUT }, async () => {
    const repo = await StandinRepo.create();
    cleanup.push(repo.dir);
    const outside = await tempDir('glide-outside-');
    await writeFile(join(outside, 'evil.go'), 'package main\n\nfunc init() { println("compiled from outside the repository") }\n');
    await symlink(join(outside, 'evil.go'), join(repo.dir, 'zz_evil.go'));
    await repo.write('glide-release.config.json', JSON.stringify(ONE_TARGET));
    await repo.commitAll('A link out of the tree', '2024-06-01T11:00:00Z');
    await repo.tag('0.1.0-rc.1', 1);
    const out = await tempDir('glide-out-');
    const build = await repo.release(['build', '--out', out]);
    expectNamedFailure(build, 'EUNSAFEPATH');
    expect(build.stderr).toContain(`zz_evil.go is a symbolic link to ${join(outside, 'evil.go')}, outside the repository`);
    expect(await readdir(out)).toEqual([]);
  });

  it('git-ignored files take no part: neither compiled in nor archived', { timeout: BUILD_TIMEOUT }, async () => {
    const repo = await StandinRepo.create();
    cleanup.push(repo.dir);
    await repo.write('.gitignore', 'zz_local.go\nNOTES.md\n');
    await repo.write('glide-release.config.json', JSON.stringify({ ...ONE_TARGET, archives: { files: ['LICENSE', 'NOTES.md'] } }));
    await repo.commitAll('Ignore local files', '2024-06-01T11:00:00Z');
    await repo.tag('0.1.0-rc.1', 1);
    // Ignored, so the clean-tree gate passes; both would have gone into the release.
    await repo.write('zz_local.go', 'package main\n\nimport "fmt"\n\nfunc init() { fmt.Println("an ignored file ran") }\n');
    await repo.write('NOTES.md', 'local notes\n');
    const out = await tempDir('glide-out-');
    const build = await repo.release(['build', '--out', out]);
    expect(build.exitCode, build.all).toBe(0);
    const archive = join(out, '0.1.0-rc.1', 'glide_v0.1.0-rc.1_linux_amd64.tar.gz');
    expect(execFileSync('tar', ['-tzf', archive], { encoding: 'utf8' }).trim().split('\n').sort()).toEqual(['LICENSE', 'glide']);
    const unpacked = await tempDir('glide-unpacked-');
    execFileSync('tar', ['-xzf', archive, '-C', unpacked]);
    const version = execFileSync(join(unpacked, 'glide'), ['--version'], { encoding: 'utf8' });
    expect(version).toContain('0.1.0-rc.1');
    expect(version).not.toContain('an ignored file ran');
  });
});

describe('the target matrix', () => {
  it('targets.matrix alone replaces the defaults cleanly', async () => {
    const repo = await repoWith(ONE_TARGET);
    const check = await repo.release(['check']);
    expect(check.exitCode, check.all).toBe(0);
    expect(check.stdout).toContain('targets (1): linux/amd64');
    expect(check.stdout).not.toContain('skipped');
  });

  it('a pair no installer installs (plan9/amd64) is refused though Go builds it', async () => {
    const repo = await repoWith({ targets: { matrix: ['linux/amd64', 'plan9/amd64'] } });
    const check = await repo.release(['check']);
    expectNamedFailure(check, 'EUNKNOWNTARGET');
    expect(check.stderr).toContain('plan9/amd64, which no Glide installer can install');
  });

  it('by default every GEP pair this Go builds ships, and each one it cannot is named', async () => {
    const repo = await repoWith(undefined);
    const check = await repo.release(['check', '--json']);
    expect(check.exitCode, check.all).toBe(0);
    const summary = JSON.parse(check.stdout) as { goVersion: string; targets: string[]; skipped: { target: string; reason: string }[] };
    expect(summary.targets.length + summary.skipped.length).toBe(22);
    for (const skipped of summary.skipped) expect(skipped.reason).toBe(`${summary.goVersion} has no ${skipped.target} port`);
  });
});

describe('tags that are not release versions are named, with what is wrong', () => {
  it('--tag v0.1.0: plan says it is not a release version and lists no glide_vv… artifact', async () => {
    const repo = await repoWith(ONE_TARGET);
    await repo.git(['tag', 'v0.1.0']);
    const plan = await repo.release(['plan', '--tag', 'v0.1.0']);
    expect(plan.exitCode).toBe(1);
    expect(plan.stdout).toContain('v0.1.0: not a release version');
    expect(plan.stdout).toContain('ENOTSEMVER: "v0.1.0" is not a semantic version. Glide\'s tags carry no "v" prefix: tag 0.1.0 instead.');
    expect(plan.stdout).not.toMatch(/glide_vv|: rc/);
    const json = JSON.parse((await repo.release(['plan', '--tag', 'v0.1.0', '--json'])).stdout) as { stage: string; artifacts: unknown[] };
    expect(json).toMatchObject({ stage: 'invalid', artifacts: [] });
    const build = await repo.release(['build', '--tag', 'v0.1.0', '--out', await tempDir('glide-out-')]);
    expectNamedFailure(build, 'ENOTSEMVER');
    expect(build.stderr).not.toContain('building v0.1.0');
  });

  it.each([
    ['v0.1.0', 'ENOTSEMVER', 'tag 0.1.0 instead'],
    ['0.1.0-rc.0', 'EPRERELEASEFORM', 'only release candidates of the form 0.1.0-rc.N (N ≥ 1) are allowed'],
    ['0.1.0-beta.1', 'EPRERELEASEFORM', 'only release candidates of the form 0.1.0-rc.N (N ≥ 1) are allowed'],
  ])('HEAD tagged only %s: names the tag and what is wrong with it', async (tag, code, why) => {
    const repo = await StandinRepo.create();
    cleanup.push(repo.dir);
    await repo.git(['tag', tag]);
    const plan = await repo.release(['plan']);
    expectNamedFailure(plan, code);
    expect(plan.stderr).toContain(`HEAD is tagged "${tag}", but that is not a release tag`);
    expect(plan.stderr).toContain(why);
    expect(plan.stderr).not.toContain('HEAD has no release tag');
  });
});

describe('--out that cannot hold a release: EOUTDIR, said plainly', () => {
  let repo: StandinRepo;
  beforeAll(async () => {
    repo = await repoWith(ONE_TARGET);
  });

  it('a file', async () => {
    const file = join(await tempDir('glide-out-'), 'a-file');
    await writeFile(file, 'mine\n');
    const build = await repo.release(['build', '--out', file]);
    expectNamedFailure(build, 'EOUTDIR');
    expect(build.stderr).toContain('it is a file, not a folder');
    expect(await readFile(file, 'utf8')).toBe('mine\n');
  });

  it('under a file', async () => {
    const file = join(await tempDir('glide-out-'), 'a-file');
    await writeFile(file, 'mine\n');
    const build = await repo.release(['build', '--out', join(file, 'dist')]);
    expectNamedFailure(build, 'EOUTDIR');
    expect(build.stderr).toContain('a part of its path is a file');
  });

  it('on a read-only filesystem', async () => {
    const mountPoint = await tempDir('glide-ro-');
    await execa('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', mountPoint]);
    try {
      const build = await repo.release(['build', '--out', join(mountPoint, 'dist')]);
      expectNamedFailure(build, 'EOUTDIR');
      expect(build.stderr).toContain('it is on a read-only filesystem');
    } finally {
      await execa('umount', [mountPoint]);
    }
  });
});

describe('config syntax errors say where', () => {
  it('bad JSON gives the line and column', async () => {
    const repo = await StandinRepo.create();
    cleanup.push(repo.dir);
    await repo.write('glide-release.config.json', '{\n  "soakDays": 3,\n  "branch": "main",\n}\n');
    const check = await repo.release(['check']);
    expectNamedFailure(check, 'ECONFIG');
    expect(check.stderr).toContain('glide-release.config.json is not valid JSON: line 4, column 1: a key in double quotes was expected');
  });
});

describe('a Go older than go.mod asks for', () => {
  const goVersion = execFileSync('go', ['env', 'GOVERSION'], { encoding: 'utf8', env: { ...process.env, GOTOOLCHAIN: 'local' } }).trim();
  // One minor above the go on PATH, whichever it is: the test runs on every Go (it used to skip on Go ≥ 1.22).
  const minor = parseGoVersion(goVersion)![1]! + 1;

  it(`check and plan name the Go needed (EGOVERSION), not the config: go.mod asks 1.${minor}.4 of ${goVersion}`, async () => {
    const repo = await StandinRepo.create();
    cleanup.push(repo.dir);
    await repo.write('go.mod', `module github.com/EinStack/glide\n\ngo 1.${minor}.4\n\ntoolchain go1.${minor}.5\n`);
    await repo.commitAll(`Needs Go 1.${minor}.4`, '2024-06-01T11:00:00Z');
    await repo.tag('0.1.0-rc.1', 1);
    for (const command of ['check', 'plan']) {
      const result = await repo.release([command]);
      expectNamedFailure(result, 'EGOVERSION');
      expect(result.stderr).toContain(`go.mod needs Go 1.${minor}.4 or newer (and prefers go1.${minor}.5), but the go on PATH is ${goVersion}`);
      expect(result.stderr).not.toContain('ECONFIG');
    }
  });
});

describe('every stage is cancellable: exit 130, no process left, nothing left behind', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)(
    '%s sent to glide-release alone while Go compiles: no compile left running, no staging folder',
    { timeout: BUILD_TIMEOUT },
    async (signal) => {
      const repo = await repoWith({ targets: { matrix: ['linux/amd64', 'linux/arm64'] } });
      const out = await tempDir('glide-out-');
      // A cold Go cache, so the standard library is being compiled when the signal arrives.
      const child = repo.release(['build', '--out', out], { GOCACHE: await tempDir('glide-cold-gocache-') });
      const seen = new Set<number>();
      let compiling = false;
      for (let i = 0; i < 600 && !compiling; i++) {
        for (const entry of await descendants(child.pid!)) {
          seen.add(entry.pid);
          if (entry.name === 'compile') compiling = true;
        }
        if (!compiling) await sleep(100);
      }
      expect(compiling, 'a compile process was seen').toBe(true);
      process.kill(child.pid!, signal);
      const result = await child;
      expect(result.exitCode, result.all).toBe(130);
      let alive = await stillRunning([...seen]);
      for (let i = 0; i < 30 && alive.length > 0; i++) {
        await sleep(100);
        alive = await stillRunning([...seen]);
      }
      expect(alive).toEqual([]);
      expect(await readdir(out)).toEqual([]);
    },
  );

  describe('the images stages', () => {
    let registry: TestRegistry;
    let silent: Server;
    let silentHost: string;
    const sockets = new Set<Socket>();

    beforeAll(async () => {
      registry = await startRegistry();
      // Accepts connections and never answers: a registry that hangs.
      silent = createServer((socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
      });
      await new Promise<void>((done) => silent.listen(0, '127.0.0.1', done));
      silentHost = `127.0.0.1:${(silent.address() as { port: number }).port}`;
    }, BUILD_TIMEOUT);

    afterAll(async () => {
      for (const socket of sockets) socket.destroy();
      silent?.close();
      await registry?.stop();
    });

    async function interrupt(child: ReturnType<StandinRepo['release']>, times: number) {
      // The first registry request is on its way once the stage says nothing for a moment.
      await sleep(1_500);
      for (let i = 0; i < times; i++) {
        child.kill('SIGINT');
        await sleep(50);
      }
      return child;
    }

    async function scratchLeft(dir: string): Promise<string[]> {
      return (await readdir(dir).catch(() => [] as string[])).filter((name) => name.startsWith('.'));
    }

    it.each([1, 2])('build --only images, Ctrl-C ×%i while a base registry hangs', { timeout: BUILD_TIMEOUT }, async (times) => {
      const bases = await pushBaseImages(registry.host);
      const repo = await repoWith({
        ...ONE_TARGET,
        images: { repository: `${registry.host}/glide`, distros: { alpine: { base: bases.alpine }, ubuntu: { base: `${silentHost}/library/ubuntu:24.04` } } },
      });
      const out = await tempDir('glide-out-');
      expect((await repo.release(['build', '--out', out])).exitCode).toBe(0);
      const started = Date.now();
      const ended = await interrupt(repo.release(['build', '--only', 'images', '--out', out]), times);
      expect(ended.exitCode, ended.all).toBe(130);
      // The registry client's stall timeout is 60 s: the cancel did not wait for it.
      expect(Date.now() - started).toBeLessThan(30_000);
      expect(ended.stderr).not.toContain('what was pushed stays pushed');
      expect(await scratchLeft(join(out, '0.1.0-rc.1'))).toEqual([]);
    });

    it('publish --dry-run, Ctrl-C while the registry hangs: 130, and no word of pushes', { timeout: BUILD_TIMEOUT }, async () => {
      const bases = await pushBaseImages(registry.host);
      const repo = await repoWith({ ...ONE_TARGET, images: { repository: `${silentHost}/glide`, distros: { alpine: { base: bases.alpine } } } });
      const out = await tempDir('glide-out-');
      const built = await repo.release(['build', '--only', 'binaries,images', '--out', out]);
      expect(built.exitCode, built.all).toBe(0);
      const result = await interrupt(repo.release(['publish', '--only', 'images', '--dry-run', '--out', out]), 1);
      expect(result.exitCode, result.all).toBe(130);
      expect(result.stderr).not.toContain('what was pushed stays pushed');
      expect(result.stderr).toContain('cancelled');
    });

    it('a base registry that refuses connections fails the build without speaking of pushes', { timeout: BUILD_TIMEOUT }, async () => {
      const closed = await new Promise<number>((done) => {
        const probe = createServer().listen(0, '127.0.0.1', () => {
          const { port } = probe.address() as { port: number };
          probe.close(() => done(port));
        });
      });
      const repo = await repoWith({ ...ONE_TARGET, images: { distros: { alpine: { base: `127.0.0.1:${closed}/library/alpine:3.20` } } } });
      const out = await tempDir('glide-out-');
      const result = await repo.release(['build', '--only', 'binaries,images', '--out', out]);
      expectNamedFailure(result, 'ENETWORK');
      expect(result.stderr).toContain('ECONNREFUSED');
      expect(result.stderr).not.toContain('what was pushed stays pushed');
    });
  });
});
