// bench/publish (bundled and run by bench/publish.mjs): what the promotion of an RC to its stable
// uploads to the registry and how many calls it makes, against rebuilding and pushing the stable
// with `docker build` + `docker push` (GoReleaser's way), in the same run, to the same real
// registry (Debian's docker-registry on loopback) behind a counting proxy (bench/registry-proxy.ts).
//
// The bases live on a registry of their own, as Glide's do (Docker Hub, gcr.io, Red Hat's) while
// its images go to GHCR: a registry only mounts its own blobs, so what is not in the target
// repository already is uploaded. Ours: the Go stand-in with four distros on linux/amd64 and
// linux/arm64; 0.1.0-rc.1 is published whole (images, GitHub release on the stand-in, tags), then
// 0.1.0 is promoted from it (promoteStable) and published, then that again. Baseline: the stable's
// binaries in COPY-only Dockerfiles FROM the same bases, built by the Docker engine and pushed
// (per platform, then a manifest list per tag) into a fresh repository of the same registry.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { extract } from 'tar';
import { DEFAULT_DISTRO, type Distro } from '#contract';
import { readLedger, type LedgerArchive, type ReleaseLedger } from '../release/src/ledger.js';
import { planImageTags } from '../release/src/images/tags.js';
import { RegistryClient } from '../src/registry/client.js';
import { BASE_IMAGES, pushBaseImages, TEST_CA_BUNDLE } from '../test/helpers/base-images.js';
import { startDockerEngine, type DockerEngine } from '../test/helpers/docker-engine.js';
import { startGitHubStandin, type GitHubStandin } from '../test/helpers/github-standin.js';
import { startRegistry } from '../test/helpers/registry.js';
import { StandinRepo } from '../test/helpers/repo.js';
import { expectArchitecture, parsedImage, platformBuildArgs, readBases, REAL_BASE_BYTES, type Bases } from './bases.js';
import { ROUTE_KINDS, startCountingProxy, uploadedByKind, type CountingProxy, type RegistryTally, type UploadedByKind } from './registry-proxy.js';

// The classic builder: Debian's docker.io has no buildx, and a COPY-only build needs nothing else.
process.env.DOCKER_BUILDKIT = '0';
const RC = '0.1.0-rc.1';
const STABLE = '0.1.0';
const ARCHES = ['amd64', 'arm64'];
const DISTROS = Object.keys(BASE_IMAGES) as Distro[];
const BASELINE_REPOSITORY = 'glide-rebuild';
const TOKEN = 'ghp_benchPublish000000000000000000000000000';
const DAY_MS = 86_400_000;

const log = (text: string) => process.stderr.write(`${text}\n`);

interface Bench {
  readonly repo: StandinRepo;
  readonly out: string;
  readonly env: Record<string, string>;
  readonly github: GitHubStandin;
  /** The stand-in's server clock, moved so the RC is published days before its stable. */
  setClock(at: Date): void;
}

/** One measured step: what went through the registry proxy and how many calls reached GitHub. */
interface Measured {
  readonly label: string;
  readonly tally: RegistryTally;
  readonly bytes: UploadedByKind;
  /** Undefined for the baseline, which does not touch GitHub. */
  readonly githubCalls: number | undefined;
}

async function must(result: Promise<{ readonly exitCode?: number; readonly all?: unknown }>, what: string): Promise<void> {
  const { exitCode, all } = await result;
  if (exitCode !== 0) throw new Error(`${what} failed (${exitCode}):\n${String(all).slice(-3000)}`);
}

function release(bench: Bench, args: readonly string[]): Promise<void> {
  return must(bench.repo.release(args, bench.env), `glide-release ${args.join(' ')}`);
}

/**
 * Makes the stable 0.1.0 from the RC and publishes it: `glide-release promote 0.1.0-rc.1` (it
 * tags 0.1.0 on the RC's commit, builds every binary and image proven to be the RC's but for the
 * version, then publishes); GitHub has the tag already, so one run does it all.
 */
async function promoteStable(bench: Bench): Promise<void> {
  await release(bench, ['promote', RC, '--out', bench.out]);
}

/** Where a step pushes: the proxy that counts, the registry behind it (read back directly), the repository. */
interface Target {
  readonly proxy: CountingProxy;
  readonly registry: string;
  readonly repository: string;
  readonly baseDiffIds: ReadonlySet<string>;
}

async function measured(label: string, target: Target, github: GitHubStandin | undefined, step: () => Promise<void>): Promise<Measured> {
  target.proxy.take();
  const logged = github?.log.length ?? 0;
  await step();
  const tally = target.proxy.take();
  const baseLayers = await baseLayersOf(tally, target.registry, target.repository, target.baseDiffIds);
  // The API and its uploads host; the web and CDN hosts are what users download from.
  const githubCalls = github?.log.slice(logged).filter((request) => request.host === 'api' || request.host === 'uploads').length;
  const result = { label, tally, bytes: uploadedByKind(tally, baseLayers), githubCalls };
  log(
    `${label}: ${result.bytes.total} B uploaded, ${requestCount(tally)} registry requests${githubCalls === undefined ? '' : `, ${githubCalls} GitHub API calls`}`,
  );
  return result;
}

/**
 * The layers of the images a step uploaded that are a base's, by their uncompressed digest: the
 * Docker engine compresses a base's layers again when it pushes them, so their digests are new.
 * Read from the registry directly, not through the proxy, so the reading is not counted.
 */
async function baseLayersOf(tally: RegistryTally, registry: string, repository: string, diffIds: ReadonlySet<string>): Promise<Set<string>> {
  const layers = new Set<string>();
  const client = new RegistryClient({ registry });
  try {
    for (const manifest of tally.manifests) {
      const image = parsedImage(manifest);
      if (!image.config) continue;
      const config = parsedImage(await client.getBlob(repository, image.config.digest));
      (config.rootfs?.diff_ids ?? []).forEach((diffId, i) => {
        const layer = image.layers?.[i];
        if (layer && diffIds.has(diffId)) layers.add(layer.digest);
      });
    }
  } finally {
    await client.close();
  }
  return layers;
}

/** One COPY-only Dockerfile per distro, and a build context per platform holding the stable's glide binary. */
async function dockerContexts(ledger: ReleaseLedger, out: string, dir: string): Promise<void> {
  for (const arch of ARCHES) {
    const archive = ledger.artifacts.find((artifact): artifact is LedgerArchive => artifact.kind === 'archive' && artifact.target === `linux/${arch}`);
    if (!archive) throw new Error(`no linux/${arch} archive in the ${STABLE} ledger`);
    await mkdir(join(dir, arch), { recursive: true });
    await extract({ file: join(out, archive.path), cwd: join(dir, arch) }, [archive.binary.name]);
    await writeFile(join(dir, arch, 'ca-certificates.crt'), TEST_CA_BUNDLE);
  }
  for (const distro of DISTROS) {
    const lines = [
      'ARG BASE',
      'FROM ${BASE}',
      'COPY glide /bin/glide',
      // The one base without a CA bundle gets the configured one, as the images stage adds it.
      ...(BASE_IMAGES[distro].caBundle === undefined ? ['COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt'] : []),
      'WORKDIR /bin',
      'EXPOSE 9099',
      `LABEL org.opencontainers.image.version="${STABLE}" org.opencontainers.image.source="https://github.com/EinStack/glide" org.opencontainers.image.licenses="Apache-2.0"`,
      'ENTRYPOINT ["/bin/glide"]',
    ];
    await writeFile(join(dir, `Dockerfile.${distro}`), `${lines.join('\n')}\n`);
  }
}

async function docker(engine: DockerEngine, args: readonly string[]): Promise<void> {
  await must(engine.docker(args), `docker ${args.join(' ')}`);
}

/**
 * `docker build` of each distro × platform (not measured: it reads the bases' registry, not the
 * target), FROM the base's manifest for that platform: given the index, Docker 20.10's classic
 * builder reuses whichever platform it pulled first.
 */
async function baselineBuild(engine: DockerEngine, contexts: string, bases: Bases['platformRefs'], repository: string): Promise<void> {
  for (const distro of DISTROS) {
    for (const arch of ARCHES) {
      const ref = `${repository}:${STABLE}-${distro}-${arch}`;
      await docker(engine, platformBuildArgs(contexts, distro, arch, bases[distro][arch], ref));
      await expectArchitecture(engine, ref, arch);
    }
  }
}

/** `docker push` of each platform's image, then a manifest list under every tag ours gives the stable. */
async function baselinePush(engine: DockerEngine, repository: string): Promise<void> {
  for (const distro of DISTROS) {
    const refs = ARCHES.map((arch) => `${repository}:${STABLE}-${distro}-${arch}`);
    for (const ref of refs) await docker(engine, ['push', '-q', ref]);
    const tags = planImageTags({ version: STABLE, distro, defaultDistro: DEFAULT_DISTRO, registryTags: [] });
    for (const tag of [...tags.immutable, ...tags.moving]) {
      await docker(engine, ['manifest', 'create', '--insecure', '--amend', `${repository}:${tag}`, ...refs]);
      await docker(engine, ['manifest', 'push', '--insecure', '--purge', `${repository}:${tag}`]);
    }
  }
}

/** Removes the images this run put in the engine (its registries' hosts only), and their dangling layers. */
async function forgetImages(engine: DockerEngine, hosts: readonly string[]): Promise<void> {
  const listed = await engine.docker(['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}']);
  const mine = listed.stdout.split('\n').filter((ref) => hosts.some((host) => ref.startsWith(`${host}/`)));
  if (mine.length > 0) await engine.docker(['image', 'rm', '-f', ...mine]);
  await engine.docker(['image', 'prune', '-f']);
}

async function main(): Promise<void> {
  const scratch = await mkdtemp(join(tmpdir(), 'glide-bench-publish-'));
  const engine = await startDockerEngine();
  const baseRegistry = await startRegistry();
  const registry = await startRegistry();
  const proxy = await startCountingProxy(registry.url);
  const repo = await StandinRepo.create();
  let clock = new Date(Date.now() - 5 * DAY_MS);
  const github = await startGitHubStandin({ repo: 'EinStack/glide', token: TOKEN, releases: [], now: () => clock });
  const rows: Measured[] = [];
  try {
    // Every real base is an index with amd64 and arm64 (the tests' UBI stand-in is a lone amd64
    // manifest on purpose), at the real bases' weight.
    const bases = await pushBaseImages(
      baseRegistry.host,
      Object.fromEntries(DISTROS.map((distro) => [distro, { architectures: ARCHES, lone: false, fillerBytes: REAL_BASE_BYTES[distro] }])),
    );
    const read = await readBases(bases);
    const ours: Target = { proxy, registry: registry.host, repository: 'glide', baseDiffIds: read.diffIds };
    const caFile = join(repo.dir, 'test-ca.pem');
    await writeFile(caFile, TEST_CA_BUNDLE);
    const config = {
      targets: { matrix: ARCHES.map((arch) => `linux/${arch}`), skip: [] },
      images: { repository: `${proxy.host}/glide`, distros: Object.fromEntries(DISTROS.map((distro) => [distro, { base: bases[distro] }])), caBundle: caFile },
    };
    await repo.write('glide-release.config.json', `${JSON.stringify(config, null, 2)}\n`);
    const commit = await repo.commitAll('Release config: bases on their own registry', '2024-06-01T10:00:00Z');
    for (const tag of [RC, STABLE]) github.pushTag(tag, commit);
    const out = join(scratch, 'out');
    const bench: Bench = {
      repo,
      out,
      github,
      setClock: (at) => (clock = at),
      env: {
        // Added to the inherited environment by execa; the tests' shared Go cache when there is one.
        GOCACHE: process.env.GOCACHE_FOR_TESTS ?? resolve('.cache/go-build'),
        GOTOOLCHAIN: 'local',
        HOME: scratch,
        GITHUB_TOKEN: TOKEN,
        GLIDE_RELEASE_GITHUB_API_URL: github.apiUrl,
        GLIDE_RELEASE_GITHUB_UPLOADS_URL: github.uploadsUrl,
        // promote makes an annotated tag: git needs a tagger.
        GIT_COMMITTER_NAME: 'Release Bot',
        GIT_COMMITTER_EMAIL: 'release@example.invalid',
      },
    };

    // The RC, soaked: tagged and published five days before its stable.
    await repo.tag(RC, 5);
    log(`building ${RC} (binaries for ${ARCHES.length} Linux targets, images for ${DISTROS.length} distros; not measured)…`);
    await release(bench, ['build', '--only', 'binaries,images', '--tag', RC, '--out', out]);
    rows.push(await measured(`ours: ${RC} publish (context)`, ours, github, () => release(bench, ['publish', '--tag', RC, '--out', out])));

    bench.setClock(new Date());
    rows.push(await measured(`ours: ${STABLE} after ${RC}`, ours, github, () => promoteStable(bench)));
    rows.push(await measured(`ours: ${STABLE} re-run`, ours, github, () => promoteStable(bench)));

    const ledger = (await readLedger(join(out, STABLE)))!;
    const contexts = join(scratch, 'contexts');
    await dockerContexts(ledger, out, contexts);
    const repository = `${proxy.host}/${BASELINE_REPOSITORY}`;
    const baseline: Target = { ...ours, repository: BASELINE_REPOSITORY };
    log(`docker build of the ${STABLE} images FROM the same bases (not measured)…`);
    await baselineBuild(engine, contexts, read.platformRefs, repository);
    rows.push(await measured('baseline: docker build + push', baseline, undefined, () => baselinePush(engine, repository)));
    rows.push(await measured('baseline: re-push', baseline, undefined, () => baselinePush(engine, repository)));
    await forgetImages(engine, [proxy.host, baseRegistry.host]);
    report(rows, (await engine.docker(['version', '--format', '{{.Server.Version}}'])).stdout.trim());
  } finally {
    await github.close();
    await proxy.close();
    await registry.stop();
    await baseRegistry.stop();
    await engine.stop();
    await rm(scratch, { recursive: true, force: true });
    await rm(repo.dir, { recursive: true, force: true });
  }
}

const requestCount = (tally: RegistryTally) => Object.values(tally.requests).reduce((sum, n) => sum + n, 0);
const bytesText = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)} MB` : `${n} B`);

function report(rows: readonly Measured[], dockerVersion: string): void {
  const [rc, stable, rerun, baseline, repush] = rows as [Measured, Measured, Measured, Measured, Measured];
  const ratio = (row: Measured, against: Measured) => (against.bytes.total === 0 ? '–' : `${(row.bytes.total / against.bytes.total).toFixed(3)}×`);
  const line = (row: Measured, against: Measured | undefined) =>
    `| ${row.label} | ${bytesText(row.bytes.total)} | ${bytesText(row.bytes.baseLayers)} | ${bytesText(row.bytes.glideLayers)} | ${bytesText(row.bytes.configsAndManifests)} | ${requestCount(row.tally)} | ${row.githubCalls ?? '–'} | ${against ? ratio(row, against) : '–'} |`;
  const images = DISTROS.length * ARCHES.length;
  console.log(
    `\nbench/publish: ${STABLE} from ${RC}, ${DISTROS.length} distros × linux/{${ARCHES.join(',')}} = ${images} images; bases on a registry of their own; Docker engine ${dockerVersion}, classic builder`,
  );
  console.log(
    '| step | bytes uploaded | base-layer bytes | glide-layer bytes | config + manifest bytes | registry requests | GitHub API calls | bytes vs baseline |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  console.log(line(baseline, undefined));
  console.log(line(repush, undefined));
  console.log(line(stable, baseline));
  console.log(line(rerun, repush));
  console.log(line(rc, baseline));
  const unaccounted = rows.filter((row) => row.bytes.unaccounted !== 0);
  for (const row of unaccounted) console.log(`\n${row.label}: ${row.bytes.unaccounted} B uploaded that no uploaded manifest accounts for`);

  console.log('\nregistry requests by kind');
  console.log(`| kind | ${rows.map((row) => row.label).join(' | ')} |`);
  console.log(`|---|${rows.map(() => '---').join('|')}|`);
  for (const kind of ROUTE_KINDS) {
    if (rows.every((row) => row.tally.requests[kind] === 0)) continue;
    console.log(`| ${kind} | ${rows.map((row) => row.tally.requests[kind]).join(' | ')} |`);
  }
  console.log(`| (mounts answered 201) | ${rows.map((row) => row.tally.mounted).join(' | ')} |`);

  const target = (what: string, met: boolean) => console.log(`target: ${what}: ${met ? 'met' : 'NOT MET'}`);
  console.log('');
  target(`${STABLE} after ${RC} uploads 0 base-layer bytes`, stable.bytes.baseLayers === 0);
  target(`${STABLE} after ${RC} uploads only its glide layers, configs and manifests`, stable.bytes.unaccounted === 0);
  target(`a re-run uploads 0 bytes`, rerun.bytes.total === 0);
}

await main();
