import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { execa } from 'execa';
import { Parser } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DISTROS, GlideError, RELEASE_LEDGER, type Distro } from '#contract';
import type { LedgerArchive, ReleaseLedger } from '../../release/src/ledger.js';
import { buildImages, type ImagesInput, type ImagesReport } from '../../release/src/images/build.js';
import { CA_LAYER_CREATED_BY, GLIDE_LAYER_CREATED_BY, type ImageConfig } from '../../release/src/images/config.js';
import { readOciLayout } from '../../release/src/images/layout.js';
import { RegistryClient, type RegistryRequest } from '../../src/registry/client.js';
import { BASE_IMAGES, TEST_CA_BUNDLE, pushBaseImages } from '../helpers/base-images.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { buildReleaseMirror, type ReleaseMirror } from '../helpers/release-mirror.js';
import { BUILD_TIMEOUT, type StandinRepo } from '../helpers/repo.js';

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');
const SOURCE = 'https://github.com/EinStack/glide';

let registry: TestRegistry;
let mirror: ReleaseMirror & { repo: StandinRepo };
let ledger: ReleaseLedger;
let bases: Record<Distro, string>;
let work: string;

beforeAll(async () => {
  registry = await startRegistry();
  [mirror, bases] = await Promise.all([buildReleaseMirror(), pushBaseImages(registry.host)]);
  ledger = JSON.parse(await readFile(join(mirror.dir, mirror.stable, RELEASE_LEDGER), 'utf8')) as ReleaseLedger;
  work = await mkdtemp(join(tmpdir(), 'glide-images-build-'));
}, BUILD_TIMEOUT);

afterAll(async () => {
  await registry?.stop();
  for (const dir of [work, mirror?.dir, mirror?.repo.dir]) if (dir) await rm(dir, { recursive: true, force: true });
});

/** Builds with fresh clients (closed after), recording every request they send. */
async function build(out: string, mirrorDir = mirror.dir): Promise<{ report: ImagesReport; requests: RegistryRequest[] }> {
  const requests: RegistryRequest[] = [];
  const clients: RegistryClient[] = [];
  const input: ImagesInput = {
    ledger,
    mirrorDir,
    repository: `${registry.host}/glide`,
    distros: Object.fromEntries(DISTROS.map((distro) => [distro, { base: bases[distro] }])),
    caBundle: TEST_CA_BUNDLE,
    source: SOURCE,
    licenses: 'Apache-2.0',
    title: 'Glide',
    description: 'A lightweight, cloud-native LLM gateway',
    out,
    clients: (host) => {
      const client = new RegistryClient({ registry: host, onRequest: (request) => requests.push(request) });
      clients.push(client);
      return client;
    },
  };
  try {
    return { report: await buildImages(input), requests };
  } finally {
    await Promise.all(clients.map((client) => client.close()));
  }
}

async function skopeo(args: readonly string[]): Promise<Buffer> {
  const result = await execa('skopeo', args, { encoding: 'buffer', stripFinalNewline: false });
  return Buffer.from(result.stdout);
}

function digestOfRef(ref: string): string {
  return ref.slice(ref.indexOf('@') + 1);
}

/** The files of an uncompressed tar, by path. */
async function tarFiles(tar: Buffer): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  await new Promise<void>((resolve, reject) => {
    const parser = new Parser({
      strict: true,
      onReadEntry: (entry) => {
        const chunks: Buffer[] = [];
        entry.on('data', (chunk: Buffer) => chunks.push(chunk));
        entry.on('end', () => files.set(entry.path, Buffer.concat(chunks)));
      },
    });
    parser.on('end', resolve).on('error', reject);
    parser.end(tar);
  });
  return files;
}

describe('buildImages from the released archives and pinned bases', () => {
  let layout: string;
  let report: ImagesReport;
  let requests: RegistryRequest[];

  beforeAll(async () => {
    layout = join(work, 'images');
    ({ report, requests } = await build(layout));
  }, 120_000);

  it('writes one index per distro, which skopeo reads with the platforms the base offers and the OCI annotations', async () => {
    expect(report.images.map((image) => image.tag)).toEqual(DISTROS.map((distro) => `0.0.2-${distro}`));
    for (const image of report.images) {
      const spec = BASE_IMAGES[image.distro];
      const raw = await skopeo(['inspect', '--raw', `oci:${layout}:${image.tag}`]);
      expect(`sha256:${sha256(raw)}`).toBe(image.digest);
      const index = JSON.parse(raw.toString()) as {
        mediaType: string;
        manifests: Array<{ digest: string; platform: { os: string; architecture: string } }>;
        annotations: Record<string, string>;
      };
      expect(index.mediaType).toBe('application/vnd.oci.image.index.v1+json');
      expect(index.manifests.map((entry) => `${entry.platform.os}/${entry.platform.architecture}`)).toEqual(spec.architectures.map((arch) => `linux/${arch}`));
      expect(index.manifests.map((entry) => entry.digest)).toEqual(image.platforms.map((platform) => platform.digest));
      expect(index.annotations).toEqual({
        'org.opencontainers.image.version': '0.0.2',
        'org.opencontainers.image.revision': ledger.commit,
        'org.opencontainers.image.source': SOURCE,
        'org.opencontainers.image.created': '2024-06-01T10:00:00Z',
        'org.opencontainers.image.licenses': 'Apache-2.0',
        'org.opencontainers.image.title': 'Glide',
        'org.opencontainers.image.description': 'A lightweight, cloud-native LLM gateway',
        'org.opencontainers.image.base.name': `${registry.host}/${spec.repository}:${spec.tag}`,
        'org.opencontainers.image.base.digest': digestOfRef(bases[image.distro]),
      });
      expect(image.base).toEqual({ name: `${registry.host}/${spec.repository}:${spec.tag}`, digest: digestOfRef(bases[image.distro]) });
      expect(image.reference).toBe(`${registry.host}/glide:${image.tag}`);
    }
    expect(report.digests).toEqual(report.images.flatMap((image) => [image.digest, ...image.platforms.map((platform) => platform.digest)]));
    expect(new Set(report.digests).size).toBe(report.digests.length);
  });

  it('gives every config the entrypoint, workdir, port and a non-root user, with the labels naming the base per platform', async () => {
    for (const image of report.images) {
      for (const platform of image.platforms) {
        const arch = platform.platform.architecture;
        const config = JSON.parse(
          (await skopeo(['inspect', '--config', '--override-os', 'linux', '--override-arch', arch, `oci:${layout}:${image.tag}`])).toString(),
        ) as ImageConfig;
        expect(config.architecture).toBe(arch);
        expect(config.config).toMatchObject({
          Entrypoint: ['/bin/glide'],
          WorkingDir: '/bin',
          ExposedPorts: { '9099/tcp': {} },
          User: image.distro === 'distroless' ? '65532' : '65532:65532',
          Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
        });
        expect(config.config?.Cmd).toBeUndefined();
        expect(config.config?.Labels).toMatchObject({
          'org.opencontainers.image.version': '0.0.2',
          'org.opencontainers.image.base.name': image.base.name,
          // The platform's own base image: what its layers are shared with.
          'org.opencontainers.image.base.digest': platform.baseDigest,
        });
        expect(config.created).toBe('2024-06-01T10:00:00Z');
      }
    }
  });

  it('puts at /bin/glide the very bytes of the release archive, and a CA layer exactly where the base has no bundle', async () => {
    const opened = await readOciLayout(layout);
    const archives = new Map(
      ledger.artifacts.filter((artifact): artifact is LedgerArchive => artifact.kind === 'archive').map((archive) => [archive.target, archive]),
    );
    for (const image of report.images) {
      const spec = BASE_IMAGES[image.distro];
      expect(image.caLayerAdded).toBe(spec.caBundle === undefined);
      for (const platform of image.platforms) {
        const manifest = JSON.parse((await opened.readBlob(platform.digest)).toString()) as { config: { digest: string }; layers: Array<{ digest: string }> };
        const config = JSON.parse((await opened.readBlob(manifest.config.digest)).toString()) as ImageConfig;
        const added = config.history!.slice(-2).map((entry) => entry.created_by);
        expect(added).toEqual(spec.caBundle === undefined ? [CA_LAYER_CREATED_BY, GLIDE_LAYER_CREATED_BY] : [`${image.distro} base`, GLIDE_LAYER_CREATED_BY]);
        expect(manifest.layers).toHaveLength(2 + (spec.caBundle === undefined ? 2 : 1));
        expect(platform.caBundle).toEqual({ path: spec.caBundle ?? '/etc/ssl/certs/ca-certificates.crt', added: spec.caBundle === undefined });

        const glide = await tarFiles(gunzipSync(await opened.readBlob(manifest.layers.at(-1)!.digest)));
        expect([...glide.keys()]).toEqual(['bin/glide']);
        const archive = archives.get(platform.target)!;
        // Read with GNU tar, not our code, so a shared mistake cannot hide.
        const { stdout: released } = await execa('tar', ['-xzOf', join(mirror.dir, archive.path), 'glide'], { encoding: 'buffer' });
        expect(sha256(glide.get('bin/glide')!)).toBe(sha256(Buffer.from(released)));
        expect(sha256(glide.get('bin/glide')!)).toBe(archive.binary.sha256);
        if (spec.caBundle === undefined) {
          const ca = await tarFiles(gunzipSync(await opened.readBlob(manifest.layers.at(-2)!.digest)));
          expect(ca).toEqual(new Map([['etc/ssl/certs/ca-certificates.crt', TEST_CA_BUNDLE]]));
        }
      }
    }
  });

  it('reports the Linux targets a base lacks and builds the rest', () => {
    const byDistro = Object.fromEntries(report.images.map((image) => [image.distro, image]));
    expect(byDistro.redhat!.lacking).toEqual(['linux/arm64']);
    expect(byDistro.redhat!.platforms.map((platform) => platform.target)).toEqual(['linux/amd64']);
    for (const distro of ['alpine', 'ubuntu', 'distroless'] as const) {
      expect(byDistro[distro]!.lacking).toEqual([]);
      expect(byDistro[distro]!.platforms.map((platform) => platform.target)).toEqual(['linux/amd64', 'linux/arm64']);
    }
  });

  it('downloads each base blob once and pushes nothing', () => {
    const blobGets = requests.filter((request) => request.kind === 'blob.get').map((request) => request.url);
    expect(blobGets.length).toBeGreaterThan(0);
    expect(new Set(blobGets).size).toBe(blobGets.length);
    expect(requests.filter((request) => request.method !== 'GET' && request.method !== 'HEAD')).toEqual([]);
  });

  it('gives the same digests when built again', async () => {
    const again = join(work, 'images-again');
    const { report: second } = await build(again);
    expect({ ...second, layout: layout }).toEqual(report);
    expect(await readFile(join(again, 'index.json'))).toEqual(await readFile(join(layout, 'index.json')));
    expect((await readdir(join(again, 'blobs', 'sha256'))).sort()).toEqual((await readdir(join(layout, 'blobs', 'sha256'))).sort());
  });

  it('is a complete layout: skopeo copies every index to the registry, and reads back the same bytes', async () => {
    for (const image of report.images) {
      await skopeo(['copy', '--all', '--quiet', '--dest-tls-verify=false', `oci:${layout}:${image.tag}`, `docker://${image.reference}`]);
      const pushed = await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${image.reference}`]);
      expect(`sha256:${sha256(pushed)}`).toBe(image.digest);
    }
  });
});

it("refuses an archive whose glide is not the ledger's (ECHECKSUM) and writes no layout", async () => {
  const tampered = join(work, 'tampered-mirror');
  await cp(mirror.dir, tampered, { recursive: true });
  const archive = ledger.artifacts.find((artifact): artifact is LedgerArchive => artifact.kind === 'archive' && artifact.target === 'linux/arm64')!;
  const unpacked = join(work, 'unpacked');
  await mkdir(unpacked);
  await execa('tar', ['-xzf', join(tampered, archive.path), '-C', unpacked]);
  await execa('sh', ['-c', 'printf x >> glide'], { cwd: unpacked });
  await execa('tar', ['-czf', join(tampered, archive.path), '-C', unpacked, '.']);

  const parent = join(work, 'refused');
  await mkdir(parent);
  const error = await build(join(parent, 'images'), tampered).then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(GlideError);
  expect((error as GlideError).code).toBe('ECHECKSUM');
  expect((error as GlideError).message).toContain(archive.binary.sha256);
  await expect(stat(join(parent, 'images'))).rejects.toThrow(/ENOENT/);
  expect(await readdir(parent)).toEqual([]);
}, 60_000);
