// bench/images (bundled and run by bench/images.mjs): `glide-release build --only images` +
// `publish --only images` against `docker build` + `docker push` (+ `docker manifest`) of
// COPY-only Dockerfiles that make the same images, in the same run, against the same real
// registry (Debian's docker-registry on loopback) through a counting proxy, for four distros ×
// every Linux platform each base offers. Times a first run (empty registry repository, no
// images in the engine, no layout) and a second run of the same commands, and counts the
// bytes each uploads.
import { execFileSync } from 'node:child_process';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { extract } from 'tar';
import type { Distro } from '#contract';
import type { LedgerArchive, ReleaseLedger } from '../release/src/ledger.js';
import { type BaseImageSpec, pushBaseImages } from '../test/helpers/base-images.js';
import { startDockerEngine, type DockerEngine } from '../test/helpers/docker-engine.js';
import { startRegistry, type TestRegistry } from '../test/helpers/registry.js';
import { StandinRepo } from '../test/helpers/repo.js';
import { expectArchitecture, platformBuildArgs, readBases, REAL_BASE_BYTES, type Bases } from './bases.js';

// The classic builder: Debian's docker.io has no buildx, and a COPY-only build needs nothing else.
process.env.DOCKER_BUILDKIT = '0';
const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' } } });
const runs = Number(values.runs);
// An RC: it gets its four immutable tags and no moving one, the same tags the Docker side makes.
const TAG = '0.0.2-rc.1';
const MB = 1e6;
const DISTROS: readonly Distro[] = ['alpine', 'ubuntu', 'distroless', 'redhat'];
const LINUX_ARCHES = ['amd64', 'arm64', '386', 'ppc64le', 's390x', 'riscv64'];

/**
 * The real bases' Linux platforms (as their indexes list them in 2024) and their compressed
 * weight (bases.ts), so the engine pulls what it would pull for real. Platforms Glide does
 * not build (arm/v6, arm/v7) are left out: neither side would use them.
 */
const REAL_BASES: Record<Distro, Partial<BaseImageSpec>> = {
  alpine: { architectures: ['amd64', 'arm64', '386', 'ppc64le', 's390x', 'riscv64'], fillerBytes: REAL_BASE_BYTES.alpine },
  ubuntu: { architectures: ['amd64', 'arm64', 'ppc64le', 's390x', 'riscv64'], fillerBytes: REAL_BASE_BYTES.ubuntu },
  distroless: { architectures: ['amd64', 'arm64', 'ppc64le', 's390x'], fillerBytes: REAL_BASE_BYTES.distroless },
  // An index, as the real UBI has (the tests' stand-in is a lone amd64 manifest on purpose).
  redhat: { architectures: ['amd64', 'arm64', 'ppc64le', 's390x'], lone: false, fillerBytes: REAL_BASE_BYTES.redhat },
};
const platformsOf = (distro: Distro) => (REAL_BASES[distro].architectures ?? []).filter((arch) => LINUX_ARCHES.includes(arch));

const log = (text: string) => process.stderr.write(`${text}\n`);
const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

interface Counts {
  blobBytes: number;
  manifestBytes: number;
  downloaded: number;
}

/** A reverse proxy in front of the registry that counts what is uploaded through it (bodies of PUT/PATCH/POST). */
interface CountingProxy {
  readonly host: string;
  /** The registry behind it; each run gets a fresh one behind the same address. */
  upstream: TestRegistry | undefined;
  reset(): Counts;
  close(): Promise<void>;
}

async function countingProxy(): Promise<CountingProxy> {
  const counts: Counts = { blobBytes: 0, manifestBytes: 0, downloaded: 0 };
  const server: Server = createServer((req, res) => {
    const manifest = req.url?.includes('/manifests/') ?? false;
    req.on('data', (chunk: Buffer) => {
      if (manifest) counts.manifestBytes += chunk.length;
      else counts.blobBytes += chunk.length;
    });
    // The Host header is kept, so the registry's upload Locations point back at the proxy.
    const upstream = new URL(proxy.upstream?.url ?? 'http://127.0.0.1:9');
    const forward = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer: IncomingMessage) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.on('data', (chunk: Buffer) => (counts.downloaded += chunk.length));
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const proxy: CountingProxy = {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    upstream: undefined,
    reset() {
      const copy = { ...counts };
      Object.assign(counts, { blobBytes: 0, manifestBytes: 0, downloaded: 0 });
      return copy;
    },
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
  return proxy;
}

interface Sample {
  buildS: number;
  pushS: number;
  uploaded: Counts;
}

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const started = process.hrtime.bigint();
  const result = await work();
  return [result, Number(process.hrtime.bigint() - started) / 1e9];
}

/** Throws with the end of its output when a command failed. */
function succeeded(result: { readonly exitCode?: number; readonly all?: unknown }, what: string): void {
  if (result.exitCode !== 0) throw new Error(`${what} failed (${result.exitCode}):\n${String(result.all).slice(-3000)}`);
}

async function release(repo: StandinRepo, args: readonly string[], env: Record<string, string>): Promise<void> {
  succeeded(await repo.release(args, env), `glide-release ${args.join(' ')}`);
}

/** Ours: the bundled CLI, as Glide's CI would run it. */
async function ours(repo: StandinRepo, out: string, proxy: CountingProxy, env: Record<string, string>): Promise<Sample> {
  proxy.reset();
  const [, buildS] = await timed(() => release(repo, ['build', '--only', 'images', '--out', out], env));
  proxy.reset();
  const [, pushS] = await timed(() => release(repo, ['publish', '--only', 'images', '--out', out], env));
  return { buildS, pushS, uploaded: proxy.reset() };
}

/**
 * The Docker way: one `docker build` + `docker push` per platform, then a manifest list per
 * distro. Each build is FROM the base's manifest for its platform: given the index, Docker
 * 20.10's classic builder reuses whichever platform it pulled first.
 */
async function docker(engine: DockerEngine, contexts: string, bases: Bases['platformRefs'], proxy: CountingProxy): Promise<Sample> {
  const repository = `${proxy.host}/glide-docker`;
  proxy.reset();
  const [, buildS] = await timed(async () => {
    for (const distro of DISTROS) {
      for (const arch of platformsOf(distro)) {
        await dockerMust(engine, platformBuildArgs(contexts, distro, arch, bases[distro][arch], `${repository}:${TAG}-${distro}-${arch}`));
      }
    }
  });
  for (const distro of DISTROS) {
    for (const arch of platformsOf(distro)) await expectArchitecture(engine, `${repository}:${TAG}-${distro}-${arch}`, arch);
  }
  proxy.reset();
  const [, pushS] = await timed(async () => {
    for (const distro of DISTROS) {
      const refs = platformsOf(distro).map((arch) => `${repository}:${TAG}-${distro}-${arch}`);
      for (const ref of refs) await dockerMust(engine, ['push', '-q', ref]);
      await dockerMust(engine, ['manifest', 'create', '--insecure', '--amend', `${repository}:${TAG}-${distro}`, ...refs]);
      await dockerMust(engine, ['manifest', 'push', '--insecure', '--purge', `${repository}:${TAG}-${distro}`]);
    }
  });
  return { buildS, pushS, uploaded: proxy.reset() };
}

async function dockerMust(engine: DockerEngine, args: readonly string[]): Promise<void> {
  succeeded(await engine.docker(args), `docker ${args.join(' ')}`);
}

/** Removes every image of this bench's registry from the engine (the engine's other images are left alone). */
async function forgetImages(engine: DockerEngine, host: string): Promise<void> {
  const listed = await engine.docker(['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}']);
  const ours = listed.stdout.split('\n').filter((ref) => ref.startsWith(`${host}/`));
  if (ours.length > 0) await engine.docker(['image', 'rm', '-f', ...ours]);
  await engine.docker(['image', 'prune', '-f']);
  await rm(join(engine.env.DOCKER_CONFIG ?? '', 'manifests'), { recursive: true, force: true });
}

/** One Dockerfile per distro and one build context per platform, holding the released glide bytes. */
async function dockerContexts(out: string, dir: string): Promise<void> {
  const ledger = JSON.parse(await readFile(join(out, TAG, 'release.json'), 'utf8')) as ReleaseLedger;
  for (const arch of LINUX_ARCHES) {
    const archive = ledger.artifacts.find((artifact): artifact is LedgerArchive => artifact.kind === 'archive' && artifact.target === `linux/${arch}`);
    if (!archive) throw new Error(`no linux/${arch} archive in the ledger`);
    await mkdir(join(dir, arch), { recursive: true });
    await extract({ file: join(out, archive.path), cwd: join(dir, arch) }, [archive.binary.name]);
    await cp('/etc/ssl/certs/ca-certificates.crt', join(dir, arch, 'ca-certificates.crt'));
  }
  for (const distro of DISTROS) {
    const lines = [
      'ARG BASE',
      'FROM ${BASE}',
      'COPY glide /bin/glide',
      ...(distro === 'ubuntu' ? ['COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt'] : []),
      ...(distro === 'distroless' ? [] : ['USER 65532:65532']),
      'WORKDIR /bin',
      'EXPOSE 9099',
      `LABEL org.opencontainers.image.version="${TAG}" org.opencontainers.image.source="https://github.com/EinStack/glide" org.opencontainers.image.licenses="Apache-2.0"`,
      'ENTRYPOINT ["/bin/glide"]',
    ];
    await writeFile(join(dir, `Dockerfile.${distro}`), `${lines.join('\n')}\n`);
  }
}

async function main(): Promise<void> {
  const scratch = await mkdtemp(join(tmpdir(), 'glide-bench-images-'));
  const engine = await startDockerEngine();
  const dockerVersion = (await engine.docker(['version', '--format', '{{.Server.Version}}'])).stdout.trim();
  // Added to the inherited environment by execa.
  const env = { GOCACHE: resolve('.cache/go-build'), GOTOOLCHAIN: 'local', HOME: scratch, DOCKER_CONFIG: join(scratch, 'docker-config') };
  const repo = await StandinRepo.create();
  const out = join(scratch, 'out');
  const contexts = join(scratch, 'contexts');
  const samples: Record<'ours' | 'docker', { first: Sample[]; second: Sample[] }> = { ours: { first: [], second: [] }, docker: { first: [], second: [] } };
  const proxy = await countingProxy();
  try {
    // The bases' bytes are seeded, so every run's fresh registry holds the same digests and
    // the tagged config (read from the tagged commit) stays right.
    proxy.upstream = await startRegistry();
    const bases = await pushBaseImages(proxy.host, REAL_BASES);
    const platformBases = (await readBases(bases)).platformRefs;
    const config = {
      targets: { matrix: LINUX_ARCHES.map((arch) => `linux/${arch}`), skip: [] },
      images: { repository: `${proxy.host}/glide`, distros: Object.fromEntries(DISTROS.map((distro) => [distro, { base: bases[distro] }])) },
    };
    await repo.write('glide-release.config.json', `${JSON.stringify(config, null, 2)}\n`);
    await repo.commitAll('Release config: Linux targets, bases in the bench registry', '2024-06-01T10:00:00Z');
    await repo.tag(TAG, 1);
    log(`building the stand-in's binaries for ${LINUX_ARCHES.length} Linux targets (not timed)…`);
    await release(repo, ['build', '--only', 'binaries', '--out', out], env);
    await dockerContexts(out, contexts);

    for (let run = 1; run <= runs; run++) {
      if (run > 1) {
        await proxy.upstream?.stop();
        proxy.upstream = await startRegistry();
        const again = await pushBaseImages(proxy.host, REAL_BASES);
        if (JSON.stringify(again) !== JSON.stringify(bases)) throw new Error('the seeded bases changed digest between runs');
      }
      await rm(join(out, TAG, 'images'), { recursive: true, force: true });
      await forgetImages(engine, proxy.host);
      // Alternate who goes first, so neither always meets a warmer page cache.
      const order: Array<'ours' | 'docker'> = run % 2 === 1 ? ['ours', 'docker'] : ['docker', 'ours'];
      for (const who of order) {
        for (const pass of ['first', 'second'] as const) {
          const sample = who === 'ours' ? await ours(repo, out, proxy, env) : await docker(engine, contexts, platformBases, proxy);
          samples[who][pass].push(sample);
          log(
            `run ${run} ${who} ${pass}: build ${sample.buildS.toFixed(2)} s, push ${sample.pushS.toFixed(2)} s, uploaded ${(sample.uploaded.blobBytes / MB).toFixed(2)} MB blobs + ${sample.uploaded.manifestBytes} B manifests`,
          );
        }
      }
    }
    await forgetImages(engine, proxy.host);
  } finally {
    await proxy.upstream?.stop();
    await proxy.close();
    await engine.stop();
    await rm(scratch, { recursive: true, force: true });
    await rm(repo.dir, { recursive: true, force: true });
  }
  report(samples, dockerVersion);
}

function report(samples: Record<'ours' | 'docker', { first: Sample[]; second: Sample[] }>, dockerVersion: string): void {
  const images = DISTROS.reduce((sum, distro) => sum + platformsOf(distro).length, 0);
  const cpus = execFileSync('nproc').toString().trim();
  const pick = (who: 'ours' | 'docker', pass: 'first' | 'second', f: (s: Sample) => number) => median(samples[who][pass].map(f));
  const total = (s: Sample) => s.buildS + s.pushS;
  const row = (label: string, pass: 'first' | 'second', f: (s: Sample) => number, unit: (n: number) => string, ratio: boolean, target: string) => {
    const d = pick('docker', pass, f);
    const o = pick('ours', pass, f);
    return `| ${label} | ${unit(d)} | ${unit(o)} | ${ratio ? `${(o / d).toFixed(2)}×` : '–'} | ${target} |`;
  };
  const s = (n: number) => `${n.toFixed(2)} s`;
  const bytes = (n: number) => (n >= MB ? `${(n / MB).toFixed(2)} MB` : `${Math.round(n)} B`);
  console.log(
    `\nbench/images: ${DISTROS.length} distros × their Linux platforms = ${images} images of glide ${TAG}; median of ${runs} runs; ${cpus} CPUs; Docker engine ${dockerVersion}, classic builder`,
  );
  console.log('| measure | docker build + push | glide-release build + publish | ratio (ours ÷ docker) | target |');
  console.log('|---|---|---|---|---|');
  console.log(row('first run: build', 'first', (x) => x.buildS, s, true, ''));
  console.log(row('first run: push', 'first', (x) => x.pushS, s, true, ''));
  console.log(row('first run: build + push', 'first', total, s, true, '< 1.00×'));
  console.log(row('second run: build + push', 'second', total, s, true, ''));
  console.log(row('first run: blob bytes uploaded', 'first', (x) => x.uploaded.blobBytes, bytes, false, ''));
  console.log(row('first run: manifest bytes uploaded', 'first', (x) => x.uploaded.manifestBytes, bytes, false, ''));
  console.log(row('second run: blob bytes uploaded', 'second', (x) => x.uploaded.blobBytes, bytes, false, '0'));
  console.log(row('second run: manifest bytes uploaded', 'second', (x) => x.uploaded.manifestBytes, bytes, false, '0'));
}

await main();
