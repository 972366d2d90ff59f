#!/usr/bin/env node
// bench/release-build: the wall time of `glide-release build` for the full matrix against a
// plain sequential `go build` loop over the same targets, with the same flags, measured in
// the same run; and the share of glide-release's wall time spent outside `go build`.
// Warm: a Go build cache filled beforehand (as CI restores one). Cold: an empty cache per run.
// Sharded: the same release as three `build --shard I/3` processes at once (each with its own
// cold cache in cold mode, as separate runners would have), then `merge`; each timed apart.
//
//   node bench/release-build.mjs [--programs small,standin] [--modes warm,cold] [--runs 3]
//
// Needs `npm run build` first, Go and (for the run proofs) qemu-user-static.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    programs: { type: 'string', default: 'small,standin' },
    modes: { type: 'string', default: 'warm,cold' },
    runs: { type: 'string', default: '3' },
  },
});
const programs = values.programs.split(',');
const modes = values.modes.split(',');
const runs = Number(values.runs);
const cores = availableParallelism();
const cli = resolve('release/dist/glide-release.mjs');
const scratch = mkdtempSync(join(tmpdir(), 'glide-bench-'));
const TAG = '0.0.1-rc.1';

// A small Go program with Glide's version package (the size the floors were measured
// with), and the Glide stand-in (net/http, a YAML reader: closer to a real gateway).
function makeRepo(program) {
  const dir = join(scratch, `repo-${program}`);
  if (program === 'standin') {
    cpSync(resolve('test/fixtures/glide-standin'), dir, { recursive: true });
  } else {
    mkdirSync(join(dir, 'pkg/version'), { recursive: true });
    writeFileSync(join(dir, 'go.mod'), 'module github.com/EinStack/glide\n\ngo 1.19\n');
    writeFileSync(
      join(dir, 'pkg/version/version.go'),
      'package version\n\nvar (\n\tVersion   = "devel"\n\tcommitSha = "unknown"\n\tbuildDate = "unknown"\n)\n\nfunc Full() string { return Version + " (commit: " + commitSha + ", buildDate: " + buildDate + ")" }\n',
    );
    writeFileSync(
      join(dir, 'main.go'),
      'package main\n\nimport (\n\t"fmt"\n\n\t"github.com/EinStack/glide/pkg/version"\n)\n\nfunc main() { fmt.Println("glide version " + version.Full()) }\n',
    );
  }
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: 'bench',
    GIT_AUTHOR_EMAIL: 'b@example.invalid',
    GIT_COMMITTER_NAME: 'bench',
    GIT_COMMITTER_EMAIL: 'b@example.invalid',
    GIT_COMMITTER_DATE: '2024-06-01T10:00:00Z',
    GIT_AUTHOR_DATE: '2024-06-01T10:00:00Z',
  };
  const git = (...args) => execFileSync('git', args, { cwd: dir, env, stdio: 'pipe' });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-q', '-m', 'bench');
  git('tag', '-a', TAG, '-m', TAG);
  return dir;
}

function planOf(dir, env) {
  return JSON.parse(execFileSync(process.execPath, [cli, 'plan', '--json'], { cwd: dir, env }).toString());
}

/**
 * Runs a shell command and measures wall time and the CPU time of every process it started
 * (getrusage of the children, through python3: Node has no wait4).
 */
const RUSAGE = `
import resource, subprocess, sys, time
start = time.time()
with open(sys.argv[2], "w") as err:
    code = subprocess.run(["bash", "-c", sys.argv[1]], stdout=subprocess.DEVNULL, stderr=err).returncode
wall = time.time() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(code, wall, usage.ru_utime + usage.ru_stime)
`;

function timed(command, cwd, env) {
  const errFile = join(scratch, 'stderr.log');
  const [code, wall, cpu] = execFileSync('python3', ['-c', RUSAGE, command, errFile], { cwd, env }).toString().trim().split(' ').map(Number);
  if (code !== 0) throw new Error(`${command.slice(0, 200)} failed (${code}): ${readFileSync(errFile, 'utf8').slice(-2000)}`);
  return { wall, cpu };
}

/** The same `go build` per target that glide-release runs, with the same flags, as plain shell. */
function goLoop(plan, out, parallel) {
  const ldflags = `-s -w -X github.com/EinStack/glide/pkg/version.Version=${plan.version} -X github.com/EinStack/glide/pkg/version.commitSha=${plan.commit} -X github.com/EinStack/glide/pkg/version.buildDate=${plan.date}`;
  const commands = plan.targets.map((t) => {
    const [os, arch] = t.split('/');
    return `CGO_ENABLED=0 GOOS=${os} GOARCH=${arch} go build -trimpath -buildvcs=false -ldflags '${ldflags}' -o ${out}/${os}_${arch}/glide .`;
  });
  if (!parallel) return commands.join(' && ');
  // A plain N-way parallel loop (xargs -P): what parallelism alone buys, for reference.
  const scripts = mkdtempSync(join(scratch, 'loop-'));
  commands.forEach((command, i) => writeFileSync(join(scripts, `${String(i).padStart(2, '0')}.sh`), `${command}\n`));
  return `ls ${scripts}/*.sh | xargs -P${cores} -n1 bash`;
}

/** Length of the union of [start, end] intervals. */
function unionLength(spans) {
  const sorted = [...spans].sort((a, b) => a.start - b.start);
  let total = 0;
  let current;
  for (const span of sorted) {
    if (!current || span.start > current.end) {
      if (current) total += current.end - current.start;
      current = { ...span };
    } else current.end = Math.max(current.end, span.end);
  }
  if (current) total += current.end - current.start;
  return total;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Three `build --shard I/3` processes at once, then `merge`, timed apart; the merged folder must
 * be the single build's (`single`), byte for byte, or the bench stops.
 */
function shardedBuild(dir, env, cache, single) {
  const outs = [1, 2, 3].map(() => mkdtempSync(join(scratch, 'share-')));
  const builds = outs.map((out, i) => `GOCACHE=${cache()} node ${cli} build --shard ${i + 1}/3 --out ${out} & p${i}=$!`);
  const shares = timed(`${builds.join('\n')}\nwait $p0 && wait $p1 && wait $p2`, dir, env);
  const merged = join(mkdtempSync(join(scratch, 'merged-')), 'out');
  const merge = timed(`node ${cli} merge --out ${merged} ${outs.join(' ')}`, dir, env);
  execFileSync('diff', ['-r', single, merged]);
  return { shares, merge };
}

/** The sharded run whose total is the median, against the single build picked for the table. */
function shardedColumns(sharded, single) {
  const totals = sharded.map((run) => run.shares.wall + run.merge.wall);
  const run = sharded[totals.indexOf(median(totals))];
  return {
    shares: `${run.shares.wall.toFixed(2)} s`,
    merge: `${run.merge.wall.toFixed(2)} s`,
    shardedRatio: `${((run.shares.wall + run.merge.wall) / single.wall).toFixed(2)}×`,
  };
}

const rows = [];
for (const program of programs) {
  const dir = makeRepo(program);
  for (const mode of modes) {
    // Kept across bench runs (in the project's .cache/, never the user's) so only the first is cold.
    const warmCache = resolve(`.cache/bench-gocache-${program}`);
    const envFor = (cache) => ({ ...process.env, GOCACHE: cache, GOFLAGS: '', TZ: 'UTC' });
    const freshCache = () => mkdtempSync(join(scratch, 'gocache-cold-'));
    const plan = planOf(dir, envFor(warmCache));
    const n = mode === 'warm' ? runs : 1;
    if (mode === 'warm') timed(goLoop(plan, mkdtempSync(join(scratch, 'warmup-')), false), dir, envFor(warmCache));
    const seq = [];
    const par = [];
    const ours = [];
    const sharded = [];
    for (let i = 0; i < n; i++) {
      const cache = () => (mode === 'warm' ? warmCache : freshCache());
      seq.push(timed(goLoop(plan, mkdtempSync(join(scratch, 'seq-')), false), dir, envFor(cache())));
      if (mode === 'warm') par.push(timed(goLoop(plan, mkdtempSync(join(scratch, 'par-')), true), dir, envFor(cache())));
      const out = mkdtempSync(join(scratch, 'out-'));
      const trace = join(scratch, 'trace.json');
      const run = timed(`node ${cli} build --out ${out} --trace ${trace}`, dir, envFor(cache()));
      const spans = JSON.parse(readFileSync(trace, 'utf8')).spans;
      const inGo = unionLength(spans) / 1000;
      ours.push({ ...run, outside: (run.wall - inGo) / run.wall });
      sharded.push(shardedBuild(dir, envFor(cache()), cache, out));
      process.stderr.write(
        `${program} ${mode} run ${i + 1}: sequential ${seq.at(-1).wall.toFixed(2)} s, glide-release ${run.wall.toFixed(2)} s, sharded ${sharded.at(-1).shares.wall.toFixed(2)} s + merge ${sharded.at(-1).merge.wall.toFixed(2)} s\n`,
      );
    }
    const pick = (list) => list.find((r) => r.wall === median(list.map((x) => x.wall)));
    const s = pick(seq);
    const o = pick(ours);
    rows.push({
      program: `${program} (${plan.targets.length} targets)`,
      cache: mode,
      sequential: `${s.wall.toFixed(2)} s`,
      parallelLoop: par.length ? `${pick(par).wall.toFixed(2)} s (${(pick(par).wall / s.wall).toFixed(2)}×)` : '-',
      glideRelease: `${o.wall.toFixed(2)} s`,
      ratio: `${(o.wall / s.wall).toFixed(2)}×`,
      target: mode === 'warm' ? '≤ 0.70×' : `wall ≤ 1.05 × CPU/cores`,
      cpuOverCores: `${(o.cpu / cores).toFixed(2)} s (wall ÷ it: ${(o.wall / (o.cpu / cores)).toFixed(3)})`,
      outsideGoBuild: `${(o.outside * 100).toFixed(1)} % (target < 10 %)`,
      ...shardedColumns(sharded, o),
    });
  }
}

const headers = [
  'program',
  'cache',
  'sequential',
  'parallelLoop',
  'glideRelease',
  'ratio',
  'target',
  'cpuOverCores',
  'outsideGoBuild',
  'shares',
  'merge',
  'shardedRatio',
];
const titles = [
  'program',
  'cache',
  'sequential go build',
  `${cores}-way go build loop`,
  'glide-release build',
  'ratio',
  'target',
  'glide-release CPU ÷ cores',
  'outside go build',
  '3 shares at once',
  'merge',
  'sharded ÷ glide-release',
];
const widths = headers.map((h, i) => Math.max(titles[i].length, ...rows.map((r) => String(r[h]).length)));
const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`;
console.log(`\nglide-release build vs go build (${cores} cores, median of ${runs} warm runs, 1 cold run)\n`);
console.log(line(titles));
console.log(line(widths.map((w) => '-'.repeat(w))));
for (const row of rows) console.log(line(headers.map((h) => row[h])));
rmSync(scratch, { recursive: true, force: true });
