// `--help` and `--version` load the argument parser and nothing heavy: not the network,
// prompts, archives, YAML or git (decision 0016). Observed, not assumed: a module hook records
// every file Node loads, and esbuild's metafile says which packages each file holds.
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Metafile } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundle, PACKAGES, type PackageDir } from '../../scripts/bundle.js';

let scratch: string;
const builds = {} as Record<PackageDir, { outdir: string; metafile: Metafile }>;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'glide-startup-'));
  await writeFile(join(scratch, 'register.mjs'), "import { register } from 'node:module';\nregister(new URL('./hooks.mjs', import.meta.url));\n");
  await writeFile(
    join(scratch, 'hooks.mjs'),
    "import { appendFileSync } from 'node:fs';\nexport async function load(url, context, nextLoad) {\n  if (url.startsWith('file:')) appendFileSync(process.env.LOADED_LOG, `${url}\\n`);\n  return nextLoad(url, context);\n}\n",
  );
  for (const dir of Object.keys(PACKAGES) as PackageDir[]) {
    const outdir = join(scratch, dir);
    builds[dir] = { outdir, metafile: await bundle(dir, { outdir }) };
  }
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** The exit code, and the npm packages whose code the files Node loaded hold. */
async function loadedPackages(dir: PackageDir, args: readonly string[]): Promise<{ exitCode: number | null; packages: string[] }> {
  const log = join(scratch, `loaded-${Math.random().toString(36).slice(2)}.log`);
  await writeFile(log, '');
  const cwd = await mkdtemp(join(scratch, 'cwd-'));
  const { status } = spawnSync(process.execPath, ['--import', join(scratch, 'register.mjs'), join(builds[dir].outdir, `${PACKAGES[dir].bin}.mjs`), ...args], {
    cwd,
    env: { ...process.env, LOADED_LOG: log },
    stdio: 'ignore',
  });
  const loaded = new Set(
    (await readFile(log, 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((url) => fileURLToPath(url)),
  );
  const { metafile } = builds[dir];
  const packages = new Set<string>();
  for (const [output, { inputs }] of Object.entries(metafile.outputs)) {
    if (!loaded.has(resolve(output))) continue;
    for (const input of Object.keys(inputs)) {
      const name = [...input.matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)\//g)].at(-1)?.[1];
      if (name) packages.add(name);
    }
  }
  return { exitCode: status, packages: [...packages].sort() };
}

// semver parses the version words (--glide-version, the Node floor); nothing else is needed to print help.
const notSemver = (packages: string[]) => packages.filter((name) => name !== 'semver');

describe('create-glide', () => {
  it.each([['--help'], ['--version']])('%s loads no package but semver', async (flag) => {
    const { exitCode, packages } = await loadedPackages('create-glide', [flag]);
    expect(exitCode).toBe(0);
    expect(notSemver(packages)).toEqual([]);
  });

  it('an install without a terminal loads the network, the archive reader and the YAML writer, not the prompts', async () => {
    // It fails (an empty mirror) after loading what it needs.
    const empty = await mkdtemp(join(scratch, 'mirror-'));
    const { packages } = await loadedPackages('create-glide', ['app', '--yes', '--dry-run', '--download-base-url', empty]);
    expect(packages).toEqual(expect.arrayContaining(['undici', 'tar', 'yaml']));
    expect(packages).not.toContain('@clack/prompts');
  });
});

describe('glide-up', () => {
  it.each([['--help'], ['--version']])('%s loads no package but semver', async (flag) => {
    const { exitCode, packages } = await loadedPackages('glide-up', [flag]);
    expect(exitCode).toBe(0);
    expect(notSemver(packages)).toEqual([]);
  });

  it('cache list loads neither the archive readers nor the YAML writer', async () => {
    const { exitCode, packages } = await loadedPackages('glide-up', ['cache', 'list']);
    expect(exitCode).toBe(0);
    expect(packages).not.toContain('unzipper');
    expect(packages).not.toContain('yaml');
  });
});

describe('glide-release', () => {
  it.each([['--help'], ['--version']])('%s loads no package but semver', async (flag) => {
    const { exitCode, packages } = await loadedPackages('release', [flag]);
    expect(exitCode).toBe(0);
    expect(notSemver(packages)).toEqual([]);
  });

  it('check loads the git runner', async () => {
    // It fails (not a repository) after loading what it needs.
    expect((await loadedPackages('release', ['check'])).packages).toContain('execa');
  });
});
