#!/usr/bin/env node
// bench/help: how long `--help` takes, create-glide's and glide-release's against create-vite's
// measured in the same run, with `node -e 0` (Node starting and doing nothing) as the floor.
// It is the start-up a user waits through before anything happens: the target is ≤ 1.2× create-vite.
//
//   npm run build && node bench/help.mjs [--runs 40]
//
// create-vite is installed once from the npm registry into .cache/bench/create-vite/. The runs
// are interleaved (one of each command per round) so a noisy machine slows them all alike.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const CREATE_VITE = 'create-vite@9.3.0';
const { values } = parseArgs({ options: { runs: { type: 'string', default: '40' } } });
const runs = Number(values.runs);

const viteDir = resolve('.cache/bench/create-vite');
const viteBin = join(viteDir, 'node_modules', 'create-vite', 'index.js');
if (!existsSync(viteBin)) {
  mkdirSync(viteDir, { recursive: true });
  process.stderr.write(`installing ${CREATE_VITE} into ${viteDir}\n`);
  execFileSync('npm', ['install', '--prefix', viteDir, '--no-audit', '--no-fund', '--ignore-scripts', CREATE_VITE], { stdio: ['ignore', 'ignore', 'inherit'] });
}

const commands = [
  { name: 'node -e 0', args: ['-e', '0'] },
  { name: 'create-vite --help', args: [viteBin, '--help'], baseline: true },
  { name: 'create-glide --help', args: [resolve('create-glide/dist/create-glide.mjs'), '--help'] },
  { name: 'glide-release --help', args: [resolve('release/dist/glide-release.mjs'), '--help'] },
];

function timeOnce(args) {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return ms;
}

const samples = new Map(commands.map((command) => [command.name, []]));
for (const command of commands) for (let i = 0; i < 3; i++) timeOnce(command.args); // warm the file cache
for (let round = 0; round < runs; round++) for (const command of commands) samples.get(command.name).push(timeOnce(command.args));

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const medians = new Map([...samples].map(([name, xs]) => [name, median(xs)]));
const baseline = medians.get(commands.find((command) => command.baseline).name);
const floor = medians.get('node -e 0');

console.log(`--help start-up, median of ${runs} runs each (Node ${process.versions.node})\n`);
console.log(`${'command'.padEnd(24)}${'ms'.padStart(8)}${'× create-vite'.padStart(16)}${'ms above node'.padStart(16)}`);
for (const { name } of commands) {
  const ms = medians.get(name);
  console.log(`${name.padEnd(24)}${ms.toFixed(1).padStart(8)}${(ms / baseline).toFixed(2).padStart(16)}${(ms - floor).toFixed(1).padStart(16)}`);
}
