#!/usr/bin/env node
// bench/npx: what a user waits for before create-glide's first line, `npx create-glide --help`,
// against `npx create-vite --help`, both served by the same local npm registry (verdaccio on
// loopback), alternating, in one run. Cold: a fresh npm cache each time (npx resolves, downloads
// and unpacks the package); warm: the same cache again. Target ratio ≤ 1.0.
//
//   npm run build && node bench/npx.mjs [--rounds 7]
//
// create-vite comes from the registry this machine's npm uses, fetched once through verdaccio
// (an uplink); then verdaccio is restarted on the same storage without the uplink and the packed
// create-glide is published into it, so both packages are served locally and nothing else is asked.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { bundleRunner } from './bundle-runner.mjs';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '7' } } });
const rounds = Number(values.rounds);
const { startNpmRegistry } = await import(await bundleRunner('test/helpers/npm-registry.ts'));

// `npm test` and `npm run` export npm_config_*: the child npm must have only what is set here.
const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));
const scratch = mkdtempSync(join(tmpdir(), 'bench-npx-'));
const storage = join(scratch, 'storage');

/** `npx --yes <name> --help` as a user with an empty HOME; returns milliseconds. */
function npx(registry, cache, name) {
  const home = join(scratch, 'home');
  mkdirSync(home, { recursive: true });
  const env = { ...cleanEnv, HOME: home, npm_config_registry: registry, npm_config_cache: cache, npm_config_update_notifier: 'false' };
  const start = process.hrtime.bigint();
  const result = spawnSync('npx', ['--yes', name, '--help'], { cwd: home, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`npx ${name} --help exited ${result.status}: ${result.stderr}`);
  return ms;
}

try {
  const upstream = execFileSync('npm', ['config', 'get', 'registry'], { encoding: 'utf8', env: cleanEnv }).trim();
  const fetching = await startNpmRegistry({ uplink: upstream, storage });
  try {
    process.stderr.write(`fetching create-vite through the local registry from ${upstream}\n`);
    npx(fetching.url, mkdtempSync(join(scratch, 'cache-')), 'create-vite');
  } finally {
    await fetching.stop();
  }

  const packed = JSON.parse(
    execFileSync('npm', ['pack', '-w', 'create-glide', '--json', '--pack-destination', scratch], {
      encoding: 'utf8',
      env: cleanEnv,
      stdio: ['ignore', 'pipe', 'ignore'],
    }),
  )[0];
  const registry = await startNpmRegistry({ storage });
  try {
    await registry.publish(join(scratch, packed.filename));
    const packages = [
      { name: 'create-vite', baseline: true },
      { name: 'create-glide', baseline: false },
    ];
    for (const pkg of packages) {
      const manifest = await (await fetch(`${registry.url}${pkg.name}`)).json();
      pkg.version = manifest['dist-tags'].latest;
      // What a cold npx downloads: the tarball (verdaccio's packuments carry no unpackedSize).
      pkg.tarballBytes = (await (await fetch(manifest.versions[pkg.version].dist.tarball)).arrayBuffer()).byteLength;
      pkg.cold = [];
      pkg.warm = [];
    }
    for (let round = 0; round < rounds; round++) {
      // Alternating which goes first, so a noisy machine slows both alike.
      for (const pkg of round % 2 === 0 ? packages : [...packages].reverse()) {
        const cache = mkdtempSync(join(scratch, 'cache-'));
        pkg.cold.push(npx(registry.url, cache, pkg.name));
        pkg.warm.push(npx(registry.url, cache, pkg.name));
        rmSync(cache, { recursive: true, force: true });
      }
    }

    const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const baseline = packages.find((pkg) => pkg.baseline);
    console.log(
      `npx <name> --help from a local registry, median of ${rounds} rounds (Node ${process.versions.node}, npm ${execFileSync('npm', ['--version'], { encoding: 'utf8', env: cleanEnv }).trim()})\n`,
    );
    console.log(
      `${'package'.padEnd(22)}${'tarball'.padStart(10)}${'cold ms'.padStart(10)}${'× vite'.padStart(8)}${'warm ms'.padStart(10)}${'× vite'.padStart(8)}`,
    );
    for (const pkg of packages) {
      const cold = median(pkg.cold);
      const warm = median(pkg.warm);
      console.log(
        `${`${pkg.name}@${pkg.version}`.padEnd(22)}${`${(pkg.tarballBytes / 1024).toFixed(0)} kB`.padStart(10)}${cold.toFixed(0).padStart(10)}${(cold / median(baseline.cold)).toFixed(2).padStart(8)}${warm.toFixed(0).padStart(10)}${(warm / median(baseline.warm)).toFixed(2).padStart(8)}`,
      );
    }
    console.log('\ntarget: create-glide ≤ 1.00 × create-vite, cold and warm');
  } finally {
    await registry.stop();
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
