#!/usr/bin/env node
// bench/time-to-healthy: from nothing to the first 200 from GET /v1/health/. create-glide
// `--yes --method binary --start` against a shell script doing the same by hand (curl the
// archive and the checksums, sha256sum -c, tar, write a config, start the binary), measured in
// the same run from the same loopback mirror with an empty cache; target ratio ≤ 1.5. Then the
// packed create-glide tarball (target under 1 MB unpacked) and how many packages installing it
// brings (target: one, itself).
//
//   npm run build && node bench/time-to-healthy.mjs [--docker] [--rounds N]
//
// --docker adds the same for `--method docker --start` against `docker compose up -d` + a curl
// loop (bench/time-to-healthy-docker.ts: the Docker engine, a local registry, docker-registry).
//
// The release is the Go stand-in of Glide built by glide-release (as scripts/demo-release.sh
// does). Health is polled by this script, the same way for both, every 20 ms. Port 9099 must
// be free. Needs Go, git, curl, tar, sha256sum and npm.
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, createReadStream, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { bundleRunner } from './bundle-runner.mjs';

const CREATE_GLIDE = resolve('create-glide/dist/create-glide.mjs');
const RELEASE = resolve('release/dist/glide-release.mjs');
const HEALTH = 'http://127.0.0.1:9099/v1/health/';
const TAG = '0.0.1-rc.1';
const HOST = `linux/${process.arch === 'arm64' ? 'arm64' : 'amd64'}`;
const { values } = parseArgs({ options: { docker: { type: 'boolean', default: false }, rounds: { type: 'string', default: '5' } } });
const ROUNDS = Number(values.rounds);
if (!Number.isInteger(ROUNDS) || ROUNDS < 1) throw new Error('--rounds takes a whole number ≥ 1.');
const log = (text) => process.stderr.write(`${text}\n`);
const scratch = mkdtempSync(join(tmpdir(), 'glide-bench-healthy-'));

for (const built of [CREATE_GLIDE, RELEASE]) if (!existsSync(built)) throw new Error(`${built} is missing: run npm run build first.`);

/** The stand-in released as Glide's CI would: a tagged repository built into a mirror folder. */
function buildMirror() {
  const repo = join(scratch, 'repo');
  cpSync(resolve('test/fixtures/glide-standin'), repo, { recursive: true });
  // This machine's target only: the bench times the install, not the release build.
  writeFileSync(join(repo, 'glide-release.config.json'), JSON.stringify({ targets: { matrix: [HOST], skip: [] } }));
  const git = (...args) =>
    execFileSync('git', args, {
      cwd: repo,
      stdio: 'ignore',
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 'bench',
        GIT_AUTHOR_EMAIL: 'bench@example.invalid',
        GIT_COMMITTER_NAME: 'bench',
        GIT_COMMITTER_EMAIL: 'bench@example.invalid',
      },
    });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-q', '-m', 'Glide stand-in');
  git('tag', '-a', TAG, '-m', TAG);
  const mirror = join(scratch, 'mirror');
  log(`glide-release build ${TAG} (the stand-in, for ${HOST})…`);
  execFileSync(process.execPath, [RELEASE, 'build', '--out', mirror], { cwd: repo, stdio: ['ignore', 'ignore', 'inherit'] });
  return mirror;
}

/** A plain static file server on loopback: what a release mirror is. */
async function serve(root) {
  const server = createServer((request, response) => {
    const path = join(root, decodeURIComponent(new URL(request.url, 'http://x').pathname));
    if (!path.startsWith(root) || !existsSync(path) || !statSync(path).isFile()) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-length': statSync(path).size });
    createReadStream(path).pipe(response);
  });
  await new Promise((listening) => server.listen(0, '127.0.0.1', listening));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((closed) => server.close(closed)) };
}

async function healthy() {
  try {
    return (await fetch(HEALTH)).status === 200;
  } catch {
    return false;
  }
}

/** Spawns `command`, polls health until 200, stops it (and its group) with SIGTERM; the milliseconds to the first 200. */
async function timeToHealthy(name, command, args, options) {
  if (await healthy()) throw new Error('Something already answers on 127.0.0.1:9099: stop it first.');
  const start = process.hrtime.bigint();
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let errors = '';
  child.stderr.on('data', (chunk) => (errors += String(chunk)));
  let exited = false;
  child.once('exit', () => (exited = true));
  while (!(await healthy())) {
    if (exited) throw new Error(`${name} exited before Glide was healthy:\n${errors}`);
    await sleep(20);
  }
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  process.kill(-child.pid, 'SIGTERM');
  while (!exited) await sleep(20);
  while (await healthy()) await sleep(20);
  return ms;
}

function byHand(url, dir) {
  const asset = `glide_v${TAG}_${HOST.replace('/', '_')}.tar.gz`;
  const sums = `glide_v${TAG}_checksums.txt`;
  // What a careful user types: fetch, verify, unpack, a config, run.
  return [
    'set -euo pipefail',
    `mkdir -p ${dir} && cd ${dir}`,
    `curl -sfLO ${url}/${TAG}/${asset}`,
    `curl -sfLO ${url}/${TAG}/${sums}`,
    `grep ' ${asset}$' ${sums} | sha256sum -c --quiet`,
    `tar xzf ${asset} glide`,
    "printf 'api:\\n  http:\\n    host: 127.0.0.1\\n    port: 9099\\nrouters:\\n  language:\\n    - id: default\\n      models:\\n        - id: openai\\n          openai:\\n            api_key: ${env:OPENAI_API_KEY}\\n' > config.yaml",
    'printf \'OPENAI_API_KEY=%s\\n\' "$OPENAI_API_KEY" > .env',
    'exec ./glide --config config.yaml --env .env',
  ].join('\n');
}

/** The current Node lines' executables, fetched into .cache/ once (bench/node-binaries-runner.ts). */
async function currentNodes() {
  const runner = await bundleRunner('bench/node-binaries-runner.ts');
  return JSON.parse(execFileSync(process.execPath, [runner], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }));
}

/** The Docker half, bundled like bench/images' runner so it can use the tests' Docker world. */
async function dockerTimes() {
  const runner = await bundleRunner('bench/time-to-healthy-docker.ts');
  log('create-glide --yes --method docker --start, then compose up -d by hand…');
  const output = execFileSync(process.execPath, [runner, CREATE_GLIDE], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return JSON.parse(output.trim().split('\n').at(-1));
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function packedSize() {
  const [pack] = JSON.parse(
    execFileSync('npm', ['pack', '-w', 'create-glide', '--json', '--pack-destination', scratch], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }),
  );
  const prefix = join(scratch, 'npx');
  mkdirSync(prefix);
  execFileSync('npm', ['install', '--prefix', prefix, '--no-audit', '--no-fund', '--offline', join(scratch, pack.filename)], { stdio: 'ignore' });
  const modules = join(prefix, 'node_modules');
  const packages = readdirSync(modules).flatMap((name) =>
    name.startsWith('@') ? readdirSync(join(modules, name)).map((inner) => `${name}/${inner}`) : name.startsWith('.') ? [] : [name],
  );
  return { size: pack.size, unpacked: pack.unpackedSize, packages };
}

try {
  const mirror = await serve(buildMirror());
  try {
    // Glide starts only with its provider's key; the stand-in never calls the provider.
    const env = { PATH: process.env.PATH, HOME: join(scratch, 'home'), GLIDE_CACHE_DIR: join(scratch, 'cache'), OPENAI_API_KEY: 'sk-bench-placeholder' };
    mkdirSync(env.HOME);
    // Rounds alternate the runs, each from an empty cache and folder, and the medians are
    // compared: one run of each on a shared machine says more about the machine than the tool.
    // create-glide runs on this machine's Node and on the current lines users run (Node's own
    // start-up differs by ~30 ms between them, a quarter of the baseline).
    const nodes = [
      [`this machine's Node ${process.versions.node}`, process.execPath],
      ...Object.entries(await currentNodes()).map(([version, path]) => [`Node ${version}`, path]),
    ];
    const createTimes = new Map(nodes.map(([name]) => [name, []]));
    const handTimes = [];
    for (let round = 1; round <= ROUNDS; round++) {
      log(
        `round ${round}/${ROUNDS}: create-glide --yes --method binary --start on ${nodes.length} Nodes, then the same by hand (curl, sha256sum, tar, the binary)…`,
      );
      for (const [name, node] of nodes) {
        rmSync(env.GLIDE_CACHE_DIR, { recursive: true, force: true });
        rmSync(join(scratch, 'app'), { recursive: true, force: true });
        createTimes
          .get(name)
          .push(
            await timeToHealthy(
              `create-glide on ${name}`,
              node,
              [CREATE_GLIDE, 'app', '--yes', '--method', 'binary', '--start', '--glide-version', TAG, '--download-base-url', mirror.url],
              { cwd: scratch, env },
            ),
          );
      }
      rmSync(join(scratch, 'by-hand'), { recursive: true, force: true });
      handTimes.push(await timeToHealthy('the shell script', 'bash', ['-c', byHand(mirror.url, join(scratch, 'by-hand'))], { cwd: scratch, env }));
    }
    const handMs = median(handTimes);
    const binary = [...createTimes].map(([node, times]) => ({ node, ms: median(times) }));
    const docker = values.docker ? await dockerTimes() : undefined;
    const pack = packedSize();
    const rows = [
      [`from nothing to the first 200 from /v1/health/ (median of ${ROUNDS})`, 'ms', 'ratio'],
      ['curl + sha256sum + tar + glide (baseline)', handMs.toFixed(0), '1.00'],
      ...binary.map(({ node, ms }) => [`create-glide --yes --method binary --start (${node})`, ms.toFixed(0), (ms / handMs).toFixed(2)]),
      ...(docker
        ? [
            [`compose.yaml by hand + ${docker.compose} up -d + curl (baseline)`, docker.handMs.toFixed(0), '1.00'],
            ['create-glide --yes --method docker --start', docker.createMs.toFixed(0), (docker.createMs / docker.handMs).toFixed(2)],
          ]
        : []),
    ];
    const width = Math.max(...rows.map((row) => row[0].length));
    for (const [what, ms, ratio] of rows) console.log(`${what.padEnd(width)}  ${ms.padStart(6)}  ${ratio.padStart(5)}`);
    const met = (ratio) => (ratio <= 1.5 ? 'met' : 'NOT met');
    console.log(
      `target ratio ≤ 1.5: binary on ${binary.map(({ node, ms }) => `${node} ${met(ms / handMs)}`).join(', ')}${docker ? `; docker ${met(docker.createMs / docker.handMs)}` : ''}`,
    );
    console.log('');
    console.log(
      `create-glide packed: ${(pack.size / 1024).toFixed(0)} KB, unpacked ${(pack.unpacked / 1024).toFixed(0)} KB (target < 1024 KB: ${pack.unpacked < 1024 * 1024 ? 'met' : 'NOT met'})`,
    );
    console.log(`packages installed with it: ${pack.packages.length} (${pack.packages.join(', ')}; target: 1)`);
  } finally {
    await mirror.close();
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
