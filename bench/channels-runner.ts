// bench/channels (bundled and run by bench/channels.mjs): what the package-manager channels add to
// `publish`, against publishing the GitHub release alone (`publish --only github`), in the same
// run, on the same build. The Go stand-in's 0.1.0 for the six targets the channels name
// (Homebrew: macOS and Linux; Snap: Linux; Chocolatey: Windows) is built once; each cold publish
// then runs on a world of its own (a fresh GitHub stand-in, tap and chart repository), alternating
// baseline and ours, and so do the re-runs. Helm pushes to Debian's docker-registry on loopback
// behind a counting proxy, Homebrew to a local bare tap; Snap and Chocolatey are planned only and
// read from loopback stand-ins of their stores, to which the planned requests are sent (as a
// maintainer would, not measured) before the re-run.
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { sendPlannedChannelRequests } from '../test/helpers/channel-stores.js';
import { startChocolateyFeedStandin, type ChocolateyFeedStandin } from '../test/helpers/chocolatey-feed-standin.js';
import { startGitHubStandin, type GitHubStandin } from '../test/helpers/github-standin.js';
import { startRegistry } from '../test/helpers/registry.js';
import { startSnapStoreStandin, type SnapStoreStandin } from '../test/helpers/snap-store-standin.js';
import { StandinRepo } from '../test/helpers/repo.js';
import { startCountingProxy, type CountingProxy, type RegistryTally } from './registry-proxy.js';

const run = promisify(execFile);
const STABLE = '0.1.0';
const TARGETS = ['linux/amd64', 'linux/arm64', 'darwin/amd64', 'darwin/arm64', 'windows/amd64', 'windows/386'];
const TOKEN = 'ghp_benchChannels00000000000000000000000000';
const ROUNDS = 3;
const log = (text: string) => process.stderr.write(`${text}\n`);

/** One publish's world: the GitHub stand-in, the tap and the chart repository it writes. */
interface World {
  readonly github: GitHubStandin;
  readonly snapStore: SnapStoreStandin;
  readonly chocolateyFeed: ChocolateyFeedStandin;
  readonly tap: string;
  readonly env: Record<string, string>;
}

interface Sample {
  readonly ms: number;
  readonly githubCalls: number;
  readonly registryBytes: number;
  readonly registryRequests: number;
  readonly tapCommits: number;
  /** Lines of the run's stdout that are requests: everything but `# …` notes. */
  readonly requestLines: number;
  readonly plannedOnly: number;
}

async function tapCommits(tap: string): Promise<number> {
  const counted = await run('git', ['-C', tap, 'rev-list', '--count', '--all']);
  return Number(counted.stdout.trim());
}

const requestCount = (tally: RegistryTally) => Object.values(tally.requests).reduce((sum, n) => sum + n, 0);

/** Runs `runs` one after the other (each a glide-release command line) and measures them together; also gives their stdout. */
async function measure(repo: StandinRepo, world: World, proxy: CountingProxy, runs: ReadonlyArray<readonly string[]>): Promise<[Sample, string]> {
  proxy.take();
  const logged = world.github.log.length;
  const commits = await tapCommits(world.tap);
  const started = performance.now();
  const stdout: string[] = [];
  for (const args of runs) {
    const result = await repo.release(args, world.env);
    if (result.exitCode !== 0) throw new Error(`glide-release ${args.join(' ')} failed (${result.exitCode}):\n${String(result.all).slice(-3000)}`);
    if (String(result.all).includes(TOKEN)) throw new Error('the token appeared in the output');
    stdout.push(result.stdout);
  }
  const ms = performance.now() - started;
  const tally = proxy.take();
  const lines = stdout
    .join('\n')
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('# '));
  const sample = {
    ms,
    githubCalls: world.github.log.slice(logged).filter((request) => request.host === 'api' || request.host === 'uploads').length,
    registryBytes: tally.bodyBytes,
    registryRequests: requestCount(tally),
    tapCommits: (await tapCommits(world.tap)) - commits,
    requestLines: lines.length,
    plannedOnly: lines.filter((line) => line.endsWith('(planned only: not sent)')).length,
  };
  return [sample, stdout.join('\n')];
}

async function close(world: World): Promise<void> {
  await Promise.all([world.github.close(), world.snapStore.close(), world.chocolateyFeed.close()]);
}

const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

function summary(samples: readonly Sample[]): Sample {
  const pick = (key: keyof Sample) => median(samples.map((sample) => sample[key]));
  return {
    ms: pick('ms'),
    githubCalls: pick('githubCalls'),
    registryBytes: pick('registryBytes'),
    registryRequests: pick('registryRequests'),
    tapCommits: pick('tapCommits'),
    requestLines: pick('requestLines'),
    plannedOnly: pick('plannedOnly'),
  };
}

async function main(): Promise<void> {
  const scratch = await mkdtemp(join(tmpdir(), 'glide-bench-channels-'));
  let registry = await startRegistry();
  const registryPort = Number(new URL(registry.url).port);
  const proxy = await startCountingProxy(registry.url);
  const repo = await StandinRepo.create();
  const worlds: World[] = [];
  try {
    // The tap's URL is in the committed config: each world's tap is made at that path, empty, before its publish.
    const tap = join(scratch, 'homebrew-tap.git');
    const config = {
      targets: { matrix: TARGETS, skip: [] },
      channels: { helm: { registry: `${proxy.host}/charts` }, homebrew: { tap }, snap: {}, chocolatey: {} },
    };
    await repo.write('glide-release.config.json', `${JSON.stringify(config, null, 2)}\n`);
    await mkdir(join(repo.dir, 'charts'));
    await cp(resolve('test/fixtures/glide-chart'), join(repo.dir, 'charts/glide'), { recursive: true });
    const commit = await repo.commitAll('Channels: the chart and a local tap', '2024-06-01T10:00:00Z');
    // A stable needs a soaked RC on its commit; the RC is only tagged, the stable is what is published.
    await repo.tag(`${STABLE}-rc.1`, 5);
    await repo.tag(STABLE, 0);
    const out = join(scratch, 'out');
    log(`building ${STABLE} for ${TARGETS.length} targets (not measured)…`);
    const built = await repo.release(['build', '--tag', STABLE, '--out', out], { GOCACHE: process.env.GOCACHE_FOR_TESTS ?? resolve('.cache/go-build') });
    if (built.exitCode !== 0) throw new Error(`build failed:\n${built.all}`);

    /** A fresh world: a GitHub stand-in with the tag, an empty tap at the config's path, the chart's tag deleted. */
    const freshWorld = async (): Promise<World> => {
      await rm(tap, { recursive: true, force: true });
      await run('git', ['init', '--quiet', '--bare', '--initial-branch=main', tap]);
      const github = await startGitHubStandin({ repo: 'EinStack/glide', token: TOKEN, releases: [], tags: { [STABLE]: commit } });
      const [snapStore, chocolateyFeed] = await Promise.all([startSnapStoreStandin(), startChocolateyFeedStandin()]);
      const world = {
        github,
        snapStore,
        chocolateyFeed,
        tap,
        env: {
          HOME: scratch,
          GITHUB_TOKEN: TOKEN,
          // GitHub's own pause between writes (1 s) stays: it is part of every real publish, the baseline's too.
          GLIDE_RELEASE_GITHUB_API_URL: github.apiUrl,
          GLIDE_RELEASE_GITHUB_UPLOADS_URL: github.uploadsUrl,
          GLIDE_RELEASE_SNAP_STORE_API_URL: snapStore.url,
          GLIDE_RELEASE_CHOCOLATEY_FEED_URL: chocolateyFeed.url,
        },
      };
      worlds.push(world);
      return world;
    };
    // No images here (they are bench/publish's): the release is published with --only github, then the channels with --only channels.
    const github = ['publish', '--tag', STABLE, '--out', out, '--only', 'github'];
    const channels = ['publish', '--tag', STABLE, '--out', out, '--only', 'channels'];
    const cold = { baseline: [] as Sample[], ours: [] as Sample[] };
    const rerun = { baseline: [] as Sample[], ours: [] as Sample[] };
    for (let round = 1; round <= ROUNDS; round++) {
      log(`round ${round}/${ROUNDS}…`);
      const alone = await freshWorld();
      cold.baseline.push((await measure(repo, alone, proxy, [github]))[0]);
      rerun.baseline.push((await measure(repo, alone, proxy, [github]))[0]);
      await close(alone);
      // An empty registry behind the same proxy, on the same port: the chart's push is cold in every round.
      await registry.stop();
      registry = await startRegistry({ port: registryPort });
      const whole = await freshWorld();
      const [first, planned] = await measure(repo, whole, proxy, [github, channels]);
      cold.ours.push(first);
      // The maintainer sends the Snap and Chocolatey requests publish only planned.
      await sendPlannedChannelRequests(planned, out, whole);
      rerun.ours.push((await measure(repo, whole, proxy, [github, channels]))[0]);
      await close(whole);
    }
    report(cold, rerun);
  } finally {
    await Promise.all(worlds.map((world) => close(world).catch(() => undefined)));
    await proxy.close();
    await registry.stop();
    await rm(scratch, { recursive: true, force: true });
    await rm(repo.dir, { recursive: true, force: true });
  }
}

function report(cold: Record<'baseline' | 'ours', Sample[]>, rerun: Record<'baseline' | 'ours', Sample[]>): void {
  const rows: Array<[string, Sample, Sample | undefined]> = [
    ['baseline: `publish --only github`', summary(cold.baseline), undefined],
    ['ours: `publish --only github`, then `--only channels` (Helm, Homebrew, Snap, Chocolatey)', summary(cold.ours), summary(cold.baseline)],
    ['baseline: re-run', summary(rerun.baseline), undefined],
    ['ours: re-run', summary(rerun.ours), summary(rerun.baseline)],
  ];
  console.log(`\nbench/channels: ${STABLE} of the Go stand-in, ${TARGETS.length} targets; medians of ${ROUNDS} rounds, baseline and ours alternating`);
  console.log(
    '| step | wall time | GitHub API calls | registry bytes up | registry requests | tap commits | request lines | of which planned only | time vs baseline |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const [label, row, against] of rows) {
    const ratio = against ? `${(row.ms / against.ms).toFixed(2)}×` : '–';
    console.log(
      `| ${label} | ${(row.ms / 1000).toFixed(2)} s | ${row.githubCalls} | ${row.registryBytes} B | ${row.registryRequests} | ${row.tapCommits} | ${row.requestLines} | ${row.plannedOnly} | ${ratio} |`,
    );
  }
  const again = summary(rerun.ours);
  const target = (what: string, met: boolean) => console.log(`target: ${what}: ${met ? 'met' : 'NOT MET'}`);
  console.log('');
  target('a re-run uploads 0 registry bytes', again.registryBytes === 0);
  target('a re-run makes no tap commit', again.tapCommits === 0);
  target('a re-run plans no request on any channel', again.requestLines === 0);
}

await main();
