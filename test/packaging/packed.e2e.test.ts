// The packages as `npm publish` would ship them: packed from a clean checkout (no dist/: the
// prepack script must build it), installed from the tarball into an empty folder with no
// registry, and run as a user runs them, through node_modules/.bin — on the oldest Node the
// packages declare, on current ones, and on older ones, which must be refused in one line.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { execa } from 'execa';
import semver from 'semver';
import { list } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundle } from '../../scripts/bundle.js';
import { freePort } from '../helpers/process.js';
import { buildReleaseMirror } from '../helpers/release-mirror.js';
import { BUILD_TIMEOUT, StandinRepo } from '../helpers/repo.js';
import { CURRENT_NODES, nodeBinary } from './node-binaries.js';
import { cleanCheckout, installedPackages, installTarball, pack } from './packed.js';

const PACKAGES = [
  { dir: 'create-glide', name: 'create-glide', bin: 'create-glide' },
  { dir: 'release', name: '@einstack/glide-release', bin: 'glide-release' },
  { dir: 'glide-up', name: 'glide-up', bin: 'glide-up' },
] as const;
type Package = (typeof PACKAGES)[number];
const [CREATE_GLIDE, RELEASE, GLIDE_UP] = PACKAGES;

interface Manifest {
  name: string;
  version: string;
  engines: { node: string };
  [field: string]: unknown;
}

const manifests = Object.fromEntries(
  await Promise.all(PACKAGES.map(async (p) => [p.dir, JSON.parse(await readFile(join(p.dir, 'package.json'), 'utf8')) as Manifest] as const)),
) as Record<Package['dir'], Manifest>;
/** The oldest Node each package declares it runs on; all declare the same. */
const FLOOR = semver.minVersion(manifests['create-glide'].engines.node)!.version;
for (const p of PACKAGES) if (semver.minVersion(manifests[p.dir].engines.node)!.version !== FLOOR) throw new Error(`${p.dir} declares another Node floor`);
const SUPPORTED_NODES = [FLOOR, ...CURRENT_NODES];
/** A Node 18, and a Node 20 from before the APIs the bundles use (styleText, undici 7's needs). */
const OLD_NODES = ['18.20.8', '20.11.1'];

let checkout: string;
const tarballs = {} as Record<Package['dir'], string>;
const installs = {} as Record<Package['dir'], string>;
const nodes = new Map<string, string>();
let mirror: Awaited<ReturnType<typeof buildReleaseMirror>>;
let repo: StandinRepo;
const cleanup: string[] = [];

beforeAll(async () => {
  const downloads = Promise.all([...SUPPORTED_NODES, ...OLD_NODES].map(async (version) => nodes.set(version, await nodeBinary(version))));
  try {
    checkout = await cleanCheckout();
    cleanup.push(checkout);
    for (const p of PACKAGES) {
      tarballs[p.dir] = await pack(checkout, p.dir);
      installs[p.dir] = await installTarball(tarballs[p.dir]);
      cleanup.push(dirname(tarballs[p.dir]), installs[p.dir]);
    }
    // The installers' mirror is released by the packed glide-release itself.
    mirror = await buildReleaseMirror(join(installs.release, 'node_modules', '@einstack/glide-release', 'dist', 'glide-release.mjs'));
    repo = await StandinRepo.create();
    await repo.tag('0.0.1-rc.1', 1);
    cleanup.push(mirror.dir, mirror.repo.dir, repo.dir);
  } finally {
    // Finished even when packing failed, so the next run finds them in the cache.
    await downloads;
  }
}, BUILD_TIMEOUT);

afterAll(async () => {
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

/** Runs a package's command from node_modules/.bin under one Node, as a user's shell would. */
async function runBin(p: Package, nodeVersion: string, args: readonly string[], cwd: string, extra: Record<string, string> = {}) {
  const home = await mkdtemp(join(tmpdir(), 'glide-packed-home-'));
  cleanup.push(home);
  return execa(join(installs[p.dir], 'node_modules', '.bin', p.bin), args, {
    cwd,
    extendEnv: false,
    env: { PATH: `${dirname(nodes.get(nodeVersion)!)}:${process.env.PATH}`, HOME: home, XDG_CACHE_HOME: join(home, '.cache'), TZ: 'UTC', ...extra },
    reject: false,
    all: true,
    stdin: 'ignore',
  });
}

/** What `npm install` writes for a tarball: the sum of its files' sizes (npm's `unpackedSize`). */
async function unpackedSize(tarball: string): Promise<number> {
  let bytes = 0;
  await list({ file: tarball, onReadEntry: (entry) => (bytes += entry.size ?? 0) });
  return bytes;
}

async function tarballEntries(tarball: string): Promise<string[]> {
  const entries: string[] = [];
  await list({ file: tarball, onReadEntry: (entry) => entries.push(entry.path) });
  return entries.sort();
}

/**
 * The npm packages a bundle holds, found independently of the build: each input's nearest
 * package.json with a name. Keyed `name version`: a bundle may hold two versions of one package.
 */
async function bundledPackages(p: Package): Promise<Map<string, { name: string; dir: string }>> {
  const outdir = await mkdtemp(join(tmpdir(), 'glide-bundle-'));
  cleanup.push(outdir);
  const metafile = await bundle(p.dir, { root: checkout, outdir });
  const found = new Map<string, { name: string; dir: string }>();
  for (const input of Object.keys(metafile.inputs).filter((path) => path.includes('node_modules/'))) {
    let dir = dirname(resolve(checkout, input));
    for (;;) {
      const manifestPath = join(dir, 'package.json');
      const manifest = existsSync(manifestPath) ? (JSON.parse(await readFile(manifestPath, 'utf8')) as Partial<Manifest>) : {};
      if (manifest.name && manifest.version) {
        found.set(`${manifest.name} ${manifest.version}`, { name: manifest.name, dir });
        break;
      }
      dir = dirname(dir);
    }
  }
  return found;
}

describe('the tarballs', () => {
  it.each(PACKAGES)('$name ships its bundle, a README, the LICENSE and the third-party notices, and depends on nothing', async (p) => {
    const entries = await tarballEntries(tarballs[p.dir]);
    expect(entries).toEqual(
      expect.arrayContaining([
        'package/package.json',
        'package/README.md',
        'package/LICENSE',
        `package/dist/${p.bin}.mjs`,
        'package/dist/THIRD_PARTY_NOTICES.md',
      ]),
    );
    expect(entries.filter((entry) => !/^package\/(dist\/.+|package\.json|README\.md|LICENSE)$/.test(entry))).toEqual([]);

    const installed = join(installs[p.dir], 'node_modules', p.name);
    expect(await installedPackages(installs[p.dir])).toEqual([p.name]);
    expect(await readFile(join(installed, 'LICENSE'), 'utf8')).toBe(await readFile('LICENSE', 'utf8'));
    expect(await readFile('LICENSE', 'utf8')).toMatch(/^\s*Apache License\s+Version 2\.0, January 2004/);

    const manifest = JSON.parse(await readFile(join(installed, 'package.json'), 'utf8')) as Manifest;
    for (const field of ['dependencies', 'optionalDependencies', 'peerDependencies', 'bundleDependencies']) expect(manifest[field], field).toBeUndefined();
    expect(manifest).toMatchObject({
      license: 'Apache-2.0',
      repository: { type: 'git', url: expect.stringMatching(/^git\+https:\/\/github\.com\//), directory: p.dir },
      homepage: expect.stringMatching(/^https:\/\//),
      bugs: { url: expect.stringMatching(/^https:\/\//) },
    });
    if (p.name.startsWith('@')) expect(manifest.publishConfig).toEqual({ access: 'public' });
  });

  // `npx create-glide` and `npx glide-up` download and unpack the package before the first line
  // runs (issue 11's target: one package, under 1 MB unpacked).
  it.each([CREATE_GLIDE, GLIDE_UP])('$name is under 1 MB unpacked', async (p) => {
    expect(await unpackedSize(tarballs[p.dir])).toBeLessThan(1024 * 1024);
  });

  it.each(PACKAGES)('$name: the notices name every bundled package with its license text', async (p) => {
    const notices = await readFile(join(installs[p.dir], 'node_modules', p.name, 'dist', 'THIRD_PARTY_NOTICES.md'), 'utf8');
    // `## name version — license`, then the license text in a fence no backtick run inside it can close.
    const sections = new Map(
      [...notices.matchAll(/^## (\S+) (\S+) — (.+)\n\n(`{3,})text\n([\s\S]*?)\n\4\n/gm)].map(([, name, version, license, , text]) => [
        `${name} ${version}`,
        { license, text: text! },
      ]),
    );
    const bundled = await bundledPackages(p);
    expect(bundled.size).toBeGreaterThan(5);
    expect([...sections.keys()].sort()).toEqual([...bundled.keys()].sort());
    for (const [id, { name, dir }] of bundled) {
      const section = sections.get(id)!;
      expect(section.license, name).toBe((JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { license: string }).license);
      const licenseFile = (await readdir(dir)).find((file) => /^(licen[cs]e|copying)(\.(md|txt))?$/i.test(file));
      if (licenseFile) expect(section.text, id).toContain((await readFile(join(dir, licenseFile), 'utf8')).trim());
      else expect(section.text.trim().length, `${name} has no license file; its README's license text`).toBeGreaterThan(100);
    }
  });
});

describe.each(SUPPORTED_NODES)('on Node %s', (nodeVersion) => {
  it.each(PACKAGES)('$bin --help and --version', async (p) => {
    const help = await runBin(p, nodeVersion, ['--help'], tmpdir());
    expect(help.exitCode, help.all).toBe(0);
    expect(help.stdout).toMatch(new RegExp(`^(Usage: )?${p.bin}`));
    const version = await runBin(p, nodeVersion, ['--version'], tmpdir());
    expect(version.exitCode, version.all).toBe(0);
    expect(version.stdout).toBe(manifests[p.dir].version);
  });

  it('glide-release checks and plans a release of the stand-in', async () => {
    const check = await runBin(RELEASE, nodeVersion, ['check'], repo.dir);
    expect(check.exitCode, check.all).toBe(0);
    expect(check.stdout).toMatch(/\nok\n?$/);
    const plan = await runBin(RELEASE, nodeVersion, ['plan'], repo.dir);
    expect(plan.exitCode, plan.all).toBe(0);
    expect(plan.stdout).toMatch(/^0\.0\.1-rc\.1: rc, commit /);
  });

  it('create-glide installs Glide from a mirror folder, and the binary runs', async () => {
    const work = await mkdtemp(join(tmpdir(), 'glide-packed-work-'));
    cleanup.push(work);
    const cache = join(work, 'cache');
    const result = await runBin(CREATE_GLIDE, nodeVersion, ['app', '--yes', '--download-base-url', mirror.dir, '--glide-version', mirror.stable], work, {
      GLIDE_CACHE_DIR: cache,
      OPENAI_API_KEY: 'sk-packed-test',
    });
    expect(result.exitCode, result.all).toBe(0);
    const binary = /Installed: (\S+)/.exec(result.stdout)?.[1];
    expect(binary?.startsWith(cache), result.stdout).toBe(true);
    expect(execFileSync(binary!, ['--version'], { encoding: 'utf8' })).toContain(`glide version ${mirror.stable} `);
    expect((await readdir(join(work, 'app'))).sort()).toEqual(['.env', '.gitignore', '.glide-version', 'README.md', 'config.yaml']);
    // The demo template travels inside the bundle (decision 0025): the README is rendered from it, offline.
    expect(await readFile(join(work, 'app', 'README.md'), 'utf8')).toContain('curl -X POST http://127.0.0.1:9099/v1/language/default/chat/');
  });

  it('glide-up installs Glide from a mirror folder and runs it with the args after --', async () => {
    const work = await mkdtemp(join(tmpdir(), 'glide-packed-work-'));
    cleanup.push(work);
    const cache = join(work, 'cache');
    // Glide's --version ends it at once: installed, configured, run, and its exit code passed on.
    const args = ['--download-base-url', mirror.dir, '--glide-version', mirror.stable, '--port', String(await freePort()), '--', '--version'];
    const result = await runBin(GLIDE_UP, nodeVersion, args, work, {
      GLIDE_CACHE_DIR: cache,
      OPENAI_API_KEY: 'sk-packed-test',
      XDG_CONFIG_HOME: join(work, 'config'),
    });
    expect(result.exitCode, result.all).toBe(0);
    expect(result.stdout).toContain(`glide version ${mirror.stable} `);
    expect(await readdir(join(cache, 'versions'))).toEqual([mirror.stable]);
  });
});

describe.each(OLD_NODES)('on Node %s, older than the packages need', (nodeVersion) => {
  it.each(PACKAGES)('$bin says which Node it needs in one line and exits 1, having done nothing', async (p) => {
    const work = await mkdtemp(join(tmpdir(), 'glide-packed-work-'));
    cleanup.push(work);
    await mkdir(join(work, 'cache'));
    const args = {
      'create-glide': ['app', '--yes', '--download-base-url', mirror.dir],
      'glide-up': ['--download-base-url', mirror.dir],
      'glide-release': ['build', '--out', join(work, 'out')],
    }[p.bin];
    const result = await runBin(p, nodeVersion, args, p.bin === 'glide-release' ? repo.dir : work, {
      GLIDE_CACHE_DIR: join(work, 'cache'),
      OPENAI_API_KEY: 'sk-packed-test',
      XDG_CONFIG_HOME: join(work, 'config'),
    });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trimEnd().split('\n'), result.stderr).toHaveLength(1);
    expect(result.stderr).toMatch(new RegExp(`^${p.bin} needs Node ≥ ${FLOOR.replaceAll('.', '\\.')}; this is ${nodeVersion.replaceAll('.', '\\.')}\\.`));
    expect((await readdir(work)).sort()).toEqual(['cache']);
    expect(await readdir(join(work, 'cache'))).toEqual([]);
  });
});
