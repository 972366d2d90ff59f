#!/usr/bin/env node
// bench/install: installGlide's download + verify + extract of a release archive from a
// loopback mirror, against the shell pipeline `curl -s URL | tee >(sha256sum) | tar xz`
// measured in the same run; and the installer's peak RSS per asset size (it must stay flat:
// the archive is streamed, never held). A bare `curl -o /dev/null` is timed as the floor.
//
//   node bench/install.mjs [--runs 5] [--sizes 470,2360]
//
// Sizes are the uncompressed `glide` member in MB (10^6 bytes); the defaults make the
// ~200 MB and ~1 GB archives (the downloaded asset) the issue names. Its bytes are a real Go
// binary (the `go` command of the local toolchain) repeated, so it starts with a real
// linux/amd64 ELF header and gzips like one (about 2.4×). Archives are generated once into
// .cache/bench/install-assets/ and reused. Needs Go, curl, python3 and bash.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statfsSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { create as createTar } from 'tar';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    sizes: { type: 'string', default: '470,2360' },
  },
});
const runs = Number(values.runs);
const sizesMb = values.sizes.split(',').map(Number);
const MB = 1e6;
const VERSION = '0.1.0';
const ASSET = `glide_v${VERSION}_linux_amd64.tar.gz`;
const CHECKSUMS = `glide_v${VERSION}_checksums.txt`;
const benchCache = resolve('.cache/bench');
const assetsRoot = join(benchCache, 'install-assets');
const runner = join(benchCache, 'install-runner.mjs');
mkdirSync(assetsRoot, { recursive: true });
const scratch = mkdtempSync(join(tmpdir(), 'glide-bench-install-'));

const log = (text) => process.stderr.write(`${text}\n`);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mb = (bytes) => (bytes / MB).toFixed(1);

async function sha256File(path) {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk);
  return hash.digest('hex');
}

/** What one size needs on disk: the raw member while generating, the archive, then one install (.partial + binary) at a time. */
function checkDiskSpace() {
  const { bavail, bsize } = statfsSync(benchCache);
  const free = bavail * bsize;
  const ratio = 0.45;
  const generate = sizesMb.filter((size) => !existsSync(metaPath(size))).reduce((sum, size) => sum + size * MB * (1 + ratio), 0);
  const largest = Math.max(...sizesMb) * MB;
  const needed = generate + largest * (1 + ratio) + 2e9;
  if (free < needed) throw new Error(`bench/install needs ~${mb(needed)} MB free on ${benchCache}; ${mb(free)} MB are.`);
}

// Bundled like the CLIs (scripts/bundle.ts), from the current src/, so the runner is one file
// with nothing to resolve at start-up.
async function bundleRunner() {
  await build({
    entryPoints: ['bench/install-runner.ts'],
    outfile: runner,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['@aws-sdk/client-s3'],
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);",
    },
    logLevel: 'warning',
  });
}

const sizeDir = (size) => join(assetsRoot, `${size}MB`);
const metaPath = (size) => join(sizeDir(size), 'meta.json');

/** A Go binary to repeat: real code and data, a real linux/amd64 ELF header, Go's own compressibility. */
function goBinary() {
  const goroot = execFileSync('go', ['env', 'GOROOT']).toString().trim();
  return readFileSync(join(goroot, 'bin', 'go'));
}

const textFile = (title, lines) =>
  `${title}\n\n${Array.from({ length: lines }, (_, i) => `${i + 1}. Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor ${i}.`).join('\n')}\n`;

/** The archive and checksums file for one member size, reused when already there. */
async function ensureAsset(size) {
  if (existsSync(metaPath(size))) return JSON.parse(readFileSync(metaPath(size), 'utf8'));
  const started = Date.now();
  log(`generating the ${size} MB asset (once; kept in ${sizeDir(size)})…`);
  rmSync(sizeDir(size), { recursive: true, force: true });
  const release = join(sizeDir(size), VERSION);
  const staging = join(sizeDir(size), 'member');
  mkdirSync(release, { recursive: true });
  mkdirSync(staging, { recursive: true });

  const go = goBinary();
  const bytes = size * MB;
  const memberHash = createHash('sha256');
  const member = createWriteStream(join(staging, 'glide'), { mode: 0o755 });
  for (let written = 0; written < bytes;) {
    const piece = go.subarray(0, Math.min(go.length, bytes - written));
    memberHash.update(piece);
    if (!member.write(piece)) await once(member, 'drain');
    written += piece.length;
  }
  member.end();
  await once(member, 'close');
  writeFileSync(join(staging, 'LICENSE'), textFile('Apache License, Version 2.0', 120));
  writeFileSync(join(staging, 'CHANGELOG.md'), textFile('# Changelog', 200));
  writeFileSync(join(staging, 'ROADMAP.md'), textFile('# Roadmap', 30));

  const archive = join(release, ASSET);
  await createTar({ file: archive, cwd: staging, gzip: { level: 6 }, portable: true }, ['glide', 'LICENSE', 'CHANGELOG.md', 'ROADMAP.md']);
  const archiveSha256 = await sha256File(archive);
  // Other platforms' lines too, as a real checksums file has: the installer must pick its own.
  const other = (platform) => `${createHash('sha256').update(platform).digest('hex')}  glide_v${VERSION}_${platform}.tar.gz`;
  writeFileSync(join(release, CHECKSUMS), `${other('darwin_arm64')}\n${archiveSha256}  ${ASSET}\n${other('linux_arm64')}\n`);
  rmSync(staging, { recursive: true, force: true });

  const meta = { memberBytes: bytes, memberSha256: memberHash.digest('hex'), archiveBytes: statSync(archive).size, archiveSha256 };
  writeFileSync(metaPath(size), `${JSON.stringify(meta, null, 2)}\n`);
  log(`  ${mb(meta.archiveBytes)} MB archive (${(bytes / meta.archiveBytes).toFixed(2)}× smaller) in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return meta;
}

// A static file server in its own process, so serving costs neither side's CPU or RSS.
const SERVER = `
import { createServer } from 'node:http';
import { createReadStream, statSync } from 'node:fs';
import { join, normalize } from 'node:path';
const root = process.argv[1];
const server = createServer((request, response) => {
  const path = join(root, normalize(decodeURIComponent(new URL(request.url, 'http://x').pathname)));
  let size;
  try { size = statSync(path).size; } catch { return void response.writeHead(404).end(); }
  response.writeHead(200, { 'content-length': size, 'content-type': 'application/octet-stream' });
  createReadStream(path, { highWaterMark: 1 << 20 }).pipe(response);
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

async function startServer() {
  const server = spawn(process.execPath, ['--input-type=module', '-e', SERVER, assetsRoot], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = once(server, 'exit').then(([code]) => {
    throw new Error(`the file server exited (${code}) before listening`);
  });
  const [line] = await Promise.race([once(server.stdout, 'data'), exited]);
  exited.catch(() => {});
  return { server, origin: `http://127.0.0.1:${line.toString().trim()}` };
}

/**
 * Runs argv and measures its wall time, and the CPU time and peak RSS of the processes it
 * started (getrusage of the children, through python3: Node has no wait4). ru_maxrss is the
 * largest single process, in KiB.
 */
const RUSAGE = `
import json, resource, subprocess, sys, time
argv = json.loads(sys.argv[1])
start = time.perf_counter()
with open(sys.argv[2], "w") as out, open(sys.argv[3], "w") as err:
    code = subprocess.run(argv, stdout=out, stderr=err).returncode
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(code, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss)
`;

function measured(argv) {
  const out = join(scratch, 'stdout.log');
  const err = join(scratch, 'stderr.log');
  const [code, wall, cpu, maxrssKib] = execFileSync('python3', ['-c', RUSAGE, JSON.stringify(argv), out, err])
    .toString()
    .trim()
    .split(' ')
    .map(Number);
  if (code !== 0) throw new Error(`${argv.join(' ').slice(0, 300)} failed (${code}): ${readFileSync(err, 'utf8').slice(-2000)}`);
  return { wall, cpu, rss: maxrssKib * 1024, stdout: readFileSync(out, 'utf8') };
}

const shellQuote = (text) => `'${text.replaceAll("'", `'\\''`)}'`;

function curlFloor(url) {
  return measured(['bash', '-c', `curl -sf ${shellQuote(url)} -o /dev/null`]);
}

/** The issue's pipeline, extracting only the binary; checked like ours so a broken baseline cannot look fast. */
async function baseline(url, meta) {
  const dir = mkdtempSync(join(scratch, 'baseline-'));
  try {
    const run = measured(['bash', '-c', `set -o pipefail; curl -sf ${shellQuote(url)} | tee >(sha256sum >/dev/null) | tar xz -C ${shellQuote(dir)} glide`]);
    if ((await sha256File(join(dir, 'glide'))) !== meta.memberSha256) throw new Error('the baseline extracted a different glide');
    return run;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function ours(base, meta) {
  const cache = mkdtempSync(join(scratch, 'cache-'));
  try {
    const run = measured([process.execPath, runner, base, VERSION, cache]);
    const { binary, reused, receipt } = JSON.parse(run.stdout);
    if (reused || receipt.sha256 !== meta.archiveSha256 || !receipt.verified) throw new Error(`the installer did not verify the archive: ${run.stdout}`);
    if ((await sha256File(binary)) !== meta.memberSha256) throw new Error('the installer wrote a different glide');
    return run;
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
}

checkDiskSpace();
await bundleRunner();
const assets = [];
for (const size of sizesMb) assets.push({ size, meta: await ensureAsset(size) });
const { server, origin } = await startServer();

try {
  const idle = median([0, 1, 2].map(() => measured([process.execPath, runner, '--idle']).rss));
  const results = [];
  for (const { size, meta } of assets) {
    const base = `${origin}/${size}MB`;
    const url = `${base}/${VERSION}/${ASSET}`;
    // Warm-up: the archive in the page cache, the disk's first writes, Node's code cache.
    await baseline(url, meta);
    await ours(base, meta);
    const floor = [];
    const shell = [];
    const mine = [];
    for (let i = 0; i < runs; i++) {
      floor.push(curlFloor(url));
      // Alternate which goes first, so drift on a shared machine falls on both.
      if (i % 2 === 0) {
        shell.push(await baseline(url, meta));
        mine.push(await ours(base, meta));
      } else {
        mine.push(await ours(base, meta));
        shell.push(await baseline(url, meta));
      }
      log(
        `${size} MB run ${i + 1}: curl ${floor.at(-1).wall.toFixed(2)} s, pipeline ${shell.at(-1).wall.toFixed(2)} s, ours ${mine.at(-1).wall.toFixed(2)} s, ours peak RSS ${mb(mine.at(-1).rss)} MB`,
      );
    }
    const pick = (list) => list.find((r) => r.wall === median(list.map((x) => x.wall)));
    results.push({
      size,
      meta,
      floor: pick(floor),
      shell: pick(shell),
      ours: pick(mine),
      rss: mine.map((r) => r.rss),
      shellRss: Math.max(...shell.map((r) => r.rss)),
    });
  }

  const table = (title, titles, rows) => {
    const widths = titles.map((t, i) => Math.max(t.length, ...rows.map((r) => String(r[i]).length)));
    const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`;
    console.log(`\n${title}\n`);
    console.log(line(titles));
    console.log(line(widths.map((w) => '-'.repeat(w))));
    for (const row of rows) console.log(line(row));
  };
  const label = ({ size, meta }) => `${mb(meta.archiveBytes)} MB .tar.gz (${size} MB glide)`;

  table(
    `install: download + verify + extract on loopback (median of ${runs} runs, wall time)`,
    ['asset', 'curl \\| tee sha256sum \\| tar (s)', 'ours (s)', 'ratio', 'target ≤ 1.3', 'floor: curl -o /dev/null (s)', 'CPU pipeline / ours (s)'],
    results.map((r) => {
      const ratio = r.ours.wall / r.shell.wall;
      return [
        label(r),
        r.shell.wall.toFixed(2),
        r.ours.wall.toFixed(2),
        `${ratio.toFixed(2)}×`,
        ratio <= 1.3 ? '✓' : '✗',
        r.floor.wall.toFixed(2),
        `${r.shell.cpu.toFixed(2)} / ${r.ours.cpu.toFixed(2)}`,
      ];
    }),
  );

  const first = results[0];
  table(
    `install: peak RSS of the installer process (ru_maxrss; median and max of ${runs} runs)`,
    ['asset', 'peak RSS of ours (MB)', 'target < 120 MB and flat', 'pipeline: largest process (MB)'],
    results.map((r) => {
      const peak = Math.max(...r.rss);
      const growth = peak - Math.max(...first.rss);
      const flat = Math.abs(growth) <= 15 * MB;
      const note = r === first ? '' : `, ${growth >= 0 ? '+' : ''}${mb(growth)} MB vs ${first.size} MB`;
      return [
        label(r),
        `${mb(median(r.rss))} (max ${mb(peak)})`,
        `${peak < 120 * MB && flat ? '✓' : '✗'} (${peak < 120 * MB ? '< 120' : '≥ 120'}${note})`,
        mb(r.shellRss),
      ];
    }),
  );
  console.log(`\nThe runner's Node baseline (bundle loaded, nothing installed): ${mb(idle)} MB peak RSS.`);
} finally {
  server.kill();
  rmSync(scratch, { recursive: true, force: true });
}
