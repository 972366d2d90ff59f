// publishImages against a real registry (Debian's docker-registry), read back by skopeo.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DISTRO, DISTROS, GlideError, RELEASE_LEDGER, type Distro } from '#contract';
import type { ReleaseLedger } from '../../release/src/ledger.js';
import { buildImages, type ImagesReport } from '../../release/src/images/build.js';
import { readOciLayout } from '../../release/src/images/layout.js';
import { publishImages, type PublishImagesReport, type PublishStep } from '../../release/src/images/publish.js';
import { RegistryClient, type RegistryRequest, type RegistryStats } from '../../src/registry/client.js';
import { TEST_CA_BUNDLE, pushBaseImages } from '../helpers/base-images.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { buildReleaseMirror, type ReleaseMirror } from '../helpers/release-mirror.js';
import { BUILD_TIMEOUT, type StandinRepo } from '../helpers/repo.js';

let registry: TestRegistry;
let mirror: ReleaseMirror & { repo: StandinRepo };
let work: string;
interface BuiltRelease {
  readonly version: string;
  readonly layout: string;
  readonly report: ImagesReport;
}
/** One layout per release, every distro in each. */
let rc: BuiltRelease;
let stable: BuiltRelease;

beforeAll(async () => {
  registry = await startRegistry();
  let bases: Record<Distro, string>;
  [mirror, bases] = await Promise.all([buildReleaseMirror(), pushBaseImages(registry.host)]);
  work = await mkdtemp(join(tmpdir(), 'glide-images-publish-'));
  const build = async (version: string): Promise<BuiltRelease> => {
    const ledger = JSON.parse(await readFile(join(mirror.dir, version, RELEASE_LEDGER), 'utf8')) as ReleaseLedger;
    const layout = join(work, version);
    const client = new RegistryClient({ registry: registry.host });
    try {
      const report = await buildImages({
        ledger,
        mirrorDir: mirror.dir,
        repository: `${registry.host}/glide`,
        distros: Object.fromEntries(DISTROS.map((distro) => [distro, { base: bases[distro] }])),
        caBundle: TEST_CA_BUNDLE,
        source: 'https://github.com/EinStack/glide',
        licenses: 'Apache-2.0',
        title: 'Glide',
        description: 'A lightweight, cloud-native LLM gateway',
        out: layout,
        clients: () => client,
      });
      return { version, layout, report };
    } finally {
      await client.close();
    }
  };
  rc = await build(mirror.rc);
  stable = await build(mirror.stable);
}, BUILD_TIMEOUT);

afterAll(async () => {
  await registry?.stop();
  for (const dir of [work, mirror?.dir, mirror?.repo.dir]) if (dir) await rm(dir, { recursive: true, force: true });
});

/** Publishes with a fresh client (closed after) and returns what it did. */
async function publish(
  release: BuiltRelease,
  repository: string,
  options: { dryRun?: boolean; onRequest?: (request: RegistryRequest) => void } = {},
): Promise<{ report: PublishImagesReport; stats: RegistryStats }> {
  const client = new RegistryClient({ registry: registry.host, ...(options.onRequest ? { retries: 1, backoffMs: 10, onRequest: options.onRequest } : {}) });
  try {
    const report = await publishImages({
      layout: release.layout,
      repository: `${registry.host}/${repository}`,
      version: release.version,
      defaultDistro: DEFAULT_DISTRO,
      client,
      ...(options.dryRun !== undefined ? { dryRun: options.dryRun } : {}),
    });
    return { report, stats: client.stats };
  } catch (error) {
    // The stats of a refused or failed publish are what the tests check: hand them back with the error.
    throw Object.assign(error as Error, { stats: client.stats });
  } finally {
    await client.close();
  }
}

async function caught(promise: Promise<unknown>): Promise<GlideError & { stats: RegistryStats }> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(GlideError);
  return error as GlideError & { stats: RegistryStats };
}

async function withClient<T>(use: (client: RegistryClient) => Promise<T>): Promise<T> {
  const client = new RegistryClient({ registry: registry.host });
  try {
    return await use(client);
  } finally {
    await client.close();
  }
}

const tagsOf = (repository: string): Promise<string[]> => withClient(async (client) => (await client.listTags(repository)).sort());
const digestOf = (repository: string, tag: string): Promise<string | undefined> => withClient((client) => client.manifestDigest(repository, tag));
const indexOf = (release: { report: ImagesReport }, distro: Distro): string => release.report.images.find((image) => image.distro === distro)!.digest;
const pushes = (steps: readonly PublishStep[], kinds: ReadonlyArray<PublishStep['kind']>): number =>
  steps.filter((step) => step.action === 'push' && kinds.includes(step.kind)).length;

/** Gives `repository` the RC's blobs and manifests, then points `tags` at the RC's alpine index: a registry with history. */
async function seed(repository: string, tags: readonly string[]): Promise<string> {
  await publish(rc, repository);
  const layout = await readOciLayout(rc.layout);
  const alpine = layout.refs.find((ref) => ref.name === `${mirror.rc}-alpine`)!.descriptor;
  const bytes = await layout.readBlob(alpine.digest);
  await withClient(async (client) => {
    for (const tag of tags) await client.putManifest(repository, tag, alpine.mediaType, bytes);
  });
  return alpine.digest;
}

describe('publishing an RC, then its stable, to one repository', () => {
  const rcTags = (): string[] => DISTROS.map((distro) => `${mirror.rc}-${distro}`);

  it('gives the RC only its version tags, each on its index', async () => {
    const { report, stats } = await publish(rc, 'glide');
    expect(await tagsOf('glide')).toEqual(rcTags().sort());
    for (const distro of DISTROS) expect(await digestOf('glide', `${mirror.rc}-${distro}`)).toBe(indexOf(rc, distro));
    expect(report.images.map((image) => image.tags)).toEqual(rcTags().map((tag) => [tag]));
    expect(stats.blobUploads + stats.mounts).toBe(pushes(report.steps, ['blob']));
    expect(stats.manifestPuts).toBe(pushes(report.steps, ['manifest', 'tag']));
    // The bases are on this registry: their layers are mounted from the base repositories, and
    // only what the build made is uploaded: a config per manifest, glide's layer per target, one CA layer.
    const platforms = rc.report.images.flatMap((image) => image.platforms);
    const targets = new Set(platforms.map((platform) => platform.target));
    expect(stats.blobUploads).toBe(platforms.length + targets.size + 1);
    expect(stats.mounts).toBe(pushes(report.steps, ['blob']) - stats.blobUploads);
    // One HEAD per blob, in the plan: the push does not ask again.
    expect(stats.requests['blob.head']).toBe(report.steps.filter((step) => step.kind === 'blob').length);
    // Exactly the base layers are offered as mounts (the config history says which layers the build added).
    expect(stats.mounts).toBe(report.steps.filter((step) => step.kind === 'blob' && step.mountFrom !== undefined).length);
    expect(stats.mounts).toBeGreaterThan(0);
    const mountSources = new Set(report.steps.flatMap((step) => (step.kind === 'blob' && step.mountFrom ? [step.mountFrom] : [])));
    expect([...mountSources].sort()).toEqual(['distroless/static-debian12', 'library/alpine', 'library/ubuntu', 'ubi9/ubi-micro']);
  }, 120_000);

  it('gives the stable its version tags and, as the highest stable, latest-{distro}, latest and the bare version', async () => {
    const { report } = await publish(stable, 'glide');
    const moving = [...DISTROS.map((distro) => `latest-${distro}`), 'latest', mirror.stable];
    expect(await tagsOf('glide')).toEqual([...rcTags(), ...DISTROS.map((distro) => `${mirror.stable}-${distro}`), ...moving].sort());
    for (const distro of DISTROS) {
      expect(await digestOf('glide', `${mirror.stable}-${distro}`)).toBe(indexOf(stable, distro));
      expect(await digestOf('glide', `latest-${distro}`)).toBe(indexOf(stable, distro));
    }
    expect(await digestOf('glide', 'latest')).toBe(indexOf(stable, 'alpine'));
    expect(await digestOf('glide', mirror.stable)).toBe(indexOf(stable, 'alpine'));
    // The RC's base layers are already there: only what differs is uploaded.
    expect(report.steps.some((step) => step.kind === 'blob' && step.action === 'identical')).toBe(true);
  }, 120_000);

  it('does nothing when run again: no blob uploads, no manifest puts', async () => {
    for (const release of [stable, rc]) {
      const { report, stats } = await publish(release, 'glide');
      expect(stats.blobUploads).toBe(0);
      expect(stats.manifestPuts).toBe(0);
      expect(stats.requests['upload.start']).toBe(0);
      expect(report.steps.length).toBeGreaterThan(0);
      expect(report.steps.filter((step) => step.action !== 'identical')).toEqual([]);
    }
  }, 120_000);
});

it('refuses a different image under an existing version tag (ETAGCLOBBER) before pushing anything', async () => {
  // The RC's redhat index under the stable's redhat tag: the last distro, so a check made per distro while pushing would already have written the others.
  const layout = await readOciLayout(rc.layout);
  const redhat = layout.refs.find((ref) => ref.name === `${mirror.rc}-redhat`)!.descriptor;
  await publish(rc, 'clobber');
  await withClient(async (client) => client.putManifest('clobber', `${mirror.stable}-redhat`, redhat.mediaType, await layout.readBlob(redhat.digest)));
  const before = await tagsOf('clobber');

  for (const dryRun of [true, false]) {
    const error = await caught(publish(stable, 'clobber', { dryRun }));
    expect(error.code).toBe('ETAGCLOBBER');
    expect(error.message).toContain('nothing was pushed');
    const text = error.details.join('\n');
    expect(text).toContain(`${registry.host}/clobber:${mirror.stable}-redhat is ${redhat.digest}`);
    expect(text).toContain(indexOf(stable, 'redhat'));
    expect(text).toContain('new version');
    expect(text).not.toContain(`${mirror.stable}-alpine`);
    expect(error.stats.blobUploads).toBe(0);
    expect(error.stats.manifestPuts).toBe(0);
    expect(error.stats.requests['upload.start']).toBe(0);
  }
  expect(await tagsOf('clobber')).toEqual(before);
}, 120_000);

describe('moving tags follow the highest stable in the registry', () => {
  it.each([
    {
      case: 'a newer line exists (0.1.0): a patch of an older one leaves latest alone',
      existing: ['0.1.0-alpine', 'latest', 'latest-alpine', '0.1.0'],
      moves: false,
    },
    { case: 'a newer line known only by its ubuntu tag', existing: ['0.1.0-ubuntu', 'latest'], moves: false },
    { case: 'only older stables: latest moves', existing: ['0.0.1-alpine', '0.0.1', 'latest', 'latest-alpine'], moves: true },
    { case: 'a higher RC does not hold latest back', existing: ['0.1.0-rc.1-alpine', 'latest'], moves: true },
  ])(
    '$case',
    async ({ existing, moves }) => {
      const repository = `moving-${existing[0]!.replaceAll('.', '-')}`;
      const seeded = await seed(repository, existing);
      await publish(stable, repository);
      expect(await digestOf(repository, 'latest')).toBe(moves ? indexOf(stable, 'alpine') : seeded);
      for (const distro of DISTROS) {
        expect(await digestOf(repository, `${mirror.stable}-${distro}`)).toBe(indexOf(stable, distro));
        const before = existing.includes(`latest-${distro}`) ? seeded : undefined;
        expect(await digestOf(repository, `latest-${distro}`)).toBe(moves ? indexOf(stable, distro) : before);
      }
      // The bare version names the stable's default image whether or not latest moved.
      expect(await digestOf(repository, mirror.stable)).toBe(indexOf(stable, 'alpine'));
    },
    120_000,
  );
});

it('does in a real run exactly what the dry run listed, and the dry run writes nothing', async () => {
  await seed('dry', ['0.0.1-alpine', 'latest']);
  const tagsBefore = await tagsOf('dry');
  const dry = await publish(stable, 'dry', { dryRun: true });
  expect(dry.report.dryRun).toBe(true);
  expect(dry.stats.blobUploads + dry.stats.manifestPuts + dry.stats.requests['upload.start']).toBe(0);
  expect(await tagsOf('dry')).toEqual(tagsBefore);
  // Shared base layers are identical, glide's are new, latest moves from the seeded index.
  expect(new Set(dry.report.steps.map((step) => `${step.kind}:${step.action}`))).toEqual(new Set(['blob:push', 'blob:identical', 'manifest:push', 'tag:push']));
  expect(dry.report.steps.find((step) => step.kind === 'tag' && step.tag === 'latest')).toMatchObject({
    action: 'push',
    moving: true,
    previous: expect.stringMatching(/^sha256:/),
  });

  const real = await publish(stable, 'dry');
  expect(real.report.steps).toEqual(dry.report.steps);
  expect(real.report.images).toEqual(dry.report.images);
  expect(real.stats.blobUploads + real.stats.mounts).toBe(pushes(dry.report.steps, ['blob']));
  expect(real.stats.manifestPuts).toBe(pushes(dry.report.steps, ['manifest', 'tag']));
}, 120_000);

it('converges on re-run after the registry is killed in the middle of a push', async () => {
  let uploads = 0;
  let killed: Promise<void> | undefined;
  const onRequest = ({ kind }: RegistryRequest): void => {
    if (kind === 'upload.finish' && ++uploads === 3) killed = registry.kill();
  };
  const error = await caught(publish(stable, 'interrupted', { onRequest }));
  expect(killed).toBeDefined();
  expect(error.code).toBe('ENETWORK');
  expect(error.message).toContain('run again');
  const uploadedBeforeKill = error.stats.blobUploads;
  await killed;
  await registry.restart();

  const { report, stats } = await publish(stable, 'interrupted');
  const blobs = report.steps.filter((step) => step.kind === 'blob');
  // The kill came midway: some blobs got in before it (and are not sent again), some only now.
  expect(uploadedBeforeKill).toBeGreaterThanOrEqual(2);
  expect(stats.blobUploads).toBeGreaterThan(0);
  expect(blobs.filter((step) => step.action === 'identical').length).toBeGreaterThanOrEqual(uploadedBeforeKill);
  expect(stats.blobUploads + stats.mounts).toBe(pushes(report.steps, ['blob']));
  for (const distro of DISTROS) expect(await digestOf('interrupted', `${mirror.stable}-${distro}`)).toBe(indexOf(stable, distro));

  const { stdout } = await execa('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${registry.host}/interrupted:${mirror.stable}-alpine`]);
  const index = JSON.parse(stdout) as {
    mediaType: string;
    manifests: Array<{ platform: { os: string; architecture: string } }>;
    annotations: Record<string, string>;
  };
  expect(index.mediaType).toBe('application/vnd.oci.image.index.v1+json');
  expect(index.manifests.map(({ platform }) => `${platform.os}/${platform.architecture}`)).toEqual(['linux/amd64', 'linux/arm64']);
  expect(index.annotations).toMatchObject({
    'org.opencontainers.image.version': mirror.stable,
    'org.opencontainers.image.source': 'https://github.com/EinStack/glide',
    'org.opencontainers.image.base.digest': expect.stringMatching(/^sha256:/),
  });

  const again = await publish(stable, 'interrupted');
  expect(again.stats.blobUploads + again.stats.manifestPuts).toBe(0);
}, 180_000);
