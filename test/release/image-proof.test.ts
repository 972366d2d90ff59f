// The image proof of promote (release/src/images/promote-proof.ts) on images made in memory by
// the build's own writers (config.ts, layer.ts): a stable built as the build would passes, and
// each tampered stable fails with the distro, platform and field named.
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GlideError, imageTag, type Distro } from '#contract';
import {
  GLIDE_LAYER_CREATED_BY,
  OCI_INDEX_MEDIA_TYPE,
  imageConfig,
  imageIndex,
  imageManifest,
  ociAnnotations,
  type ImageConfig,
  type JsonBlob,
} from '../../release/src/images/config.js';
import { caBundleLayer, deterministicGzip, glideLayer, readLayerEntries } from '../../release/src/images/layer.js';
import { writeOciLayout } from '../../release/src/images/layout.js';
import { imageSetOfLayout, imageSetOfRelease, proveStableImages, type ImageSet } from '../../release/src/images/promote-proof.js';

const RC = '0.1.0-rc.2';
const STABLE = '0.1.0';
const COMMIT = 'c'.repeat(40);
const CREATED = new Date('2024-06-05T10:00:00Z');
const ARCHES = ['amd64', 'arm64'] as const;

/** What a tampered stable build changes; each default is what the build does. */
interface Build {
  readonly distros?: readonly Distro[];
  readonly arches?: readonly string[];
  readonly commit?: string;
  readonly created?: Date;
  /** The version stamped into the binary (the stable's re-stamp by default). */
  readonly binaryVersion?: string;
  /** The version written into the labels and annotations. */
  readonly labelVersion?: string;
  readonly baseLayerOf?: (arch: string) => string;
  readonly config?: (config: ImageConfig) => ImageConfig;
  /** What the layout's ref says it names. */
  readonly refMediaType?: string;
}

const baseLayer = (arch: string) => `base rootfs ${arch}`;

/** One release's images, as buildImages writes them, kept in memory. */
function imagesOf(version: string, build: Build = {}): ImageSet {
  const blobs = new Map<string, Buffer>();
  const keep = (blob: JsonBlob | { bytes: Buffer; digest: string }) => blobs.set(blob.digest, blob.bytes);
  const images = new Map<Distro, { mediaType: string; digest: string; size: number }>();
  for (const distro of build.distros ?? (['alpine', 'distroless'] as const)) {
    const facts = {
      version: build.labelVersion ?? version,
      revision: build.commit ?? COMMIT,
      source: 'https://github.com/EinStack/glide',
      created: build.created ?? CREATED,
      licenses: 'Apache-2.0',
      title: 'Glide',
      description: 'Glide',
      baseName: `docker.io/library/${distro}:1`,
    };
    const manifests = (build.arches ?? ARCHES).map((arch) => {
      const base = caBundleLayer({ bundle: Buffer.from((build.baseLayerOf ?? baseLayer)(arch)), mtime: CREATED });
      const binary = Buffer.from(`glide ${build.binaryVersion ?? version} ${arch}`);
      const glide = glideLayerSync(binary);
      const baseConfig: ImageConfig = {
        os: 'linux',
        architecture: arch,
        config: { Env: ['PATH=/bin'], Cmd: ['/bin/sh'] },
        rootfs: { type: 'layers', diff_ids: [base.diffId] },
        history: [{ created_by: 'base' }],
      };
      const annotations = ociAnnotations({ ...facts, baseDigest: sha(`${distro} ${arch} base`) });
      const made = imageConfig(baseConfig, {
        created: facts.created,
        layers: [{ diffId: glide.diffId, createdBy: GLIDE_LAYER_CREATED_BY }],
        labels: annotations,
      });
      const config = canonical((build.config ?? ((c) => c))(made));
      const manifest = imageManifest({
        config,
        layers: [base, glide].map((layer) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...layer })),
        annotations,
      });
      [base, glide, config, manifest].forEach(keep);
      return { digest: manifest.digest, size: manifest.size, platform: { os: 'linux', architecture: arch } };
    });
    const index = imageIndex({ manifests, annotations: ociAnnotations({ ...facts, baseDigest: sha(`${distro} base`) }) });
    keep(index);
    images.set(distro, { mediaType: build.refMediaType ?? OCI_INDEX_MEDIA_TYPE, digest: index.digest, size: index.size });
  }
  return {
    version,
    images,
    readBlob: async (digest) => blobs.get(digest) ?? Promise.reject(new Error(`no blob ${digest}`)),
  };
}

const glideLayers = new Map<string, Awaited<ReturnType<typeof glideLayer>>>();
function glideLayerSync(binary: Buffer) {
  return glideLayers.get(binary.toString())!;
}

/** glideLayer is async; every binary the tables use is made once before them. */
async function prepareGlideLayers(): Promise<void> {
  for (const version of [RC, STABLE, '0.2.0']) {
    for (const arch of [...ARCHES, '386']) {
      const binary = Buffer.from(`glide ${version} ${arch}`);
      glideLayers.set(binary.toString(), await glideLayer({ binary, binarySha256: sha256(binary), mtime: CREATED }));
    }
  }
}

function canonical(value: unknown): JsonBlob {
  const bytes = Buffer.from(JSON.stringify(value));
  return { bytes, digest: `sha256:${sha256(bytes)}`, size: bytes.length };
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function sha(text: string): string {
  return `sha256:${sha256(Buffer.from(text))}`;
}

async function refusal(promise: Promise<unknown>): Promise<GlideError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(GlideError);
  return error as GlideError;
}

await prepareGlideLayers();

describe('proveStableImages', () => {
  it('a stable built as the build does: every base layer shared, glide’s layer and binary RC → stable', async () => {
    const rc = imagesOf(RC);
    const proof = await proveStableImages(rc, imagesOf(STABLE));
    expect(proof.distros.map((d) => d.distro)).toEqual(['alpine', 'distroless']);
    const alpine = proof.distros[0]!;
    expect(alpine.index.rc).toBe(rc.images.get('alpine')!.digest);
    expect(alpine.platforms.map((p) => p.platform)).toEqual(['linux/amd64', 'linux/arm64']);
    const amd64 = alpine.platforms[0]!;
    expect(amd64.sharedLayers).toEqual([caBundleLayer({ bundle: Buffer.from(baseLayer('amd64')), mtime: CREATED }).digest]);
    expect(amd64.glideLayer.rc).not.toBe(amd64.glideLayer.stable);
    expect(amd64.binary).toEqual({
      rc: `sha256:${sha256(Buffer.from(`glide ${RC} amd64`))}`,
      stable: `sha256:${sha256(Buffer.from(`glide ${STABLE} amd64`))}`,
    });
  });

  const withLabel = (config: ImageConfig): ImageConfig => ({
    ...config,
    config: { ...config.config, Labels: { ...config.config?.Labels, 'org.example.extra': 'x' } },
  });
  const withEntrypoint = (config: ImageConfig): ImageConfig => ({ ...config, config: { ...config.config, Entrypoint: ['/bin/sh'] } });
  const withoutHistory = (config: ImageConfig): ImageConfig => ({ ...config, history: config.history?.slice(0, 1) });

  it.each<[string, Build, RegExp]>([
    [
      'a changed base layer',
      { baseLayerOf: (arch) => (arch === 'arm64' ? 'another base' : baseLayer(arch)) },
      /alpine linux\/arm64: manifest\.layers\[0\]\.digest differs \(0\.1\.0-rc\.2: "sha256:[0-9a-f]{64}"; 0\.1\.0: "sha256:/,
    ],
    [
      'an extra platform',
      { arches: [...ARCHES, '386'] },
      /alpine linux\/386: index\.manifests \(platforms\) differs \(0\.1\.0-rc\.2: absent; 0\.1\.0: present\)/,
    ],
    [
      'an extra label',
      { config: withLabel },
      /alpine linux\/amd64: config\.config\.Labels\.org\.example\.extra differs \(0\.1\.0-rc\.2: absent; 0\.1\.0: "x"\)/,
    ],
    [
      'a changed entrypoint',
      { config: withEntrypoint },
      /alpine linux\/amd64: config\.config\.Entrypoint\[0\] differs \(0\.1\.0-rc\.2: "\/bin\/glide"; 0\.1\.0: "\/bin\/sh"\)/,
    ],
    [
      'a ref that is no image index',
      { refMediaType: 'application/vnd.oci.image.manifest.v1+json' },
      /alpine: mediaType \(an OCI image index, as build writes\) differs \(0\.1\.0-rc\.2: "?application\/vnd\.oci\.image\.index\.v1\+json"?; 0\.1\.0: "?application\/vnd\.oci\.image\.manifest\.v1\+json/,
    ],
    ['a distro the RC has not', { distros: ['alpine', 'distroless', 'ubuntu'] }, /ubuntu: distros differs \(0\.1\.0-rc\.2: absent; 0\.1\.0: present\)/],
    ['a distro the RC has and the stable not', { distros: ['alpine'] }, /distroless: distros differs \(0\.1\.0-rc\.2: present; 0\.1\.0: absent\)/],
    [
      'another commit',
      { commit: 'd'.repeat(40) },
      /alpine: index\.annotations\.org\.opencontainers\.image\.revision differs \(0\.1\.0-rc\.2: "c{40}"; 0\.1\.0: "d{40}"\)/,
    ],
    ['another commit date', { created: new Date('2024-06-06T10:00:00Z') }, /alpine: index\.annotations\.org\.opencontainers\.image\.created differs/],
    [
      'labelled with another version',
      { labelVersion: '0.2.0' },
      /alpine: index\.annotations\.org\.opencontainers\.image\.version differs \(0\.1\.0-rc\.2: "\{its version\}"; 0\.1\.0: "0\.2\.0"\)/,
    ],
    ['the RC’s binary in the stable', { binaryVersion: RC }, /alpine linux\/amd64: manifest\.layers\[1\] \(glide layer\) differs \(.*the RC's binary/],
    [
      'no history entry for glide’s layer',
      { config: withoutHistory },
      /alpine linux\/amd64: manifest\.layers \(glide layer\) differs \(0\.1\.0-rc\.2: 2 layers, glide's at 1; 0\.1\.0: 2 layers, glide's not found/,
    ],
  ])('%s fails the proof, named', async (_case, build, message) => {
    const error = await refusal(proveStableImages(imagesOf(RC), imagesOf(STABLE, build)));
    expect(error.code).toBe('EIMAGEPROOF');
    expect([error.message, ...error.details].join('\n')).toMatch(message);
    expect(error.message).toMatch(/^The 0\.1\.0 images are not 0\.1\.0-rc\.2's with only glide's layer and the version changed: /);
    expect(error.details.at(-2)).toContain('glide-release build --only images --tag 0.1.0');
    expect(error.details.at(-1)).toContain('release a new RC');
  });

  it('every difference is listed, the first in the message', async () => {
    const error = await refusal(proveStableImages(imagesOf(RC), imagesOf(STABLE, { config: (c) => withEntrypoint(withLabel(c)) })));
    // Two fields, two distros, two platforms.
    expect(error.message).toMatch(/and 7 more differences\.$/);
    expect(error.details.filter((line) => / differs \(/.test(line))).toHaveLength(7);
  });

  it('an RC with no images proves nothing', async () => {
    const error = await refusal(proveStableImages(imagesOf(RC, { distros: [] }), imagesOf(STABLE, { distros: [] })));
    expect(error.message).toMatch(/images: distros differs \(0\.1\.0-rc\.2: none; 0\.1\.0: none\)/);
  });
});

describe('imageSetOfLayout: the layout build wrote, read for the proof', () => {
  const dirs: string[] = [];
  afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

  async function layoutOf(set: ImageSet, refVersion = set.version): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'glide-image-proof-'));
    dirs.push(dir);
    const blobs = new Map<string, Buffer>();
    const collect = async (digest: string): Promise<void> => {
      const bytes = await set.readBlob(digest);
      blobs.set(digest, bytes);
      if (bytes[0] !== '{'.charCodeAt(0)) return;
      const document = JSON.parse(bytes.toString()) as {
        manifests?: Array<{ digest: string }>;
        config?: { digest: string };
        layers?: Array<{ digest: string }>;
      };
      // A config's own `config` (the container's) names no blob.
      const children = [...(document.manifests ?? []), ...(document.config ? [document.config] : []), ...(document.layers ?? [])];
      for (const child of children) if (typeof child.digest === 'string') await collect(child.digest);
    };
    for (const descriptor of set.images.values()) await collect(descriptor.digest);
    const refs = [...set.images].map(([distro, descriptor]) => ({ name: imageTag(refVersion, distro), descriptor }));
    await writeOciLayout(join(dir, 'images'), { blobs, refs });
    return join(dir, 'images');
  }

  it('proves the two layouts as it proves the images', async () => {
    const proof = await proveStableImages(
      await imageSetOfLayout(await layoutOf(imagesOf(RC)), RC),
      await imageSetOfLayout(await layoutOf(imagesOf(STABLE)), STABLE),
    );
    expect(proof.distros).toHaveLength(2);
  });

  it('a layout of another version is refused by name', async () => {
    const error = await refusal(imageSetOfLayout(await layoutOf(imagesOf(RC), '0.0.9-rc.1'), RC));
    expect(error.code).toBe('EIMAGEPROOF');
    expect(error.message).toMatch(/holds 0\.0\.9-rc\.1-alpine, which is not an image of 0\.1\.0-rc\.2/);
  });

  it('imageSetOfRelease: the layout whose indexes release.json records, else refused naming both', async () => {
    const rc = imagesOf(RC);
    const dir = await layoutOf(rc);
    const recorded = [...rc.images].map(([distro, descriptor]) => ({ distro, index: descriptor.digest }));
    const set = await imageSetOfRelease(dirname(dir), { version: RC, images: { layout: 'images', distros: recorded } });
    expect([...set.images.keys()]).toEqual(['alpine', 'distroless']);

    const rebuilt = [{ ...recorded[0]!, index: sha('a later rebuild') }, recorded[1]!];
    const error = await refusal(imageSetOfRelease(dirname(dir), { version: RC, images: { layout: 'images', distros: rebuilt } }));
    expect(error.code).toBe('EIMAGEPROOF');
    expect(error.message).toContain(`The image layout of ${RC} is not the one its ledger records: it holds alpine ${recorded[0]!.index}, distroless `);
    expect(error.message).toContain(`release.json says alpine ${sha('a later rebuild')}, distroless`);
    expect((await refusal(imageSetOfRelease(dirname(dir), { version: RC }))).message).toBe(`The images of ${RC} were not built in ${dirname(dir)}.`);
  });

  it('a blob altered on disk is refused, not compared', async () => {
    const dir = await layoutOf(imagesOf(STABLE));
    const stable = await imageSetOfLayout(dir, STABLE);
    const hex = stable.images.get('alpine')!.digest.slice('sha256:'.length);
    await writeFile(join(dir, 'blobs', 'sha256', hex!), 'altered');
    const error = await refusal(proveStableImages(await imageSetOfLayout(await layoutOf(imagesOf(RC)), RC), stable));
    expect(error.code).toBe('ECHECKSUM');
    expect(error.message).toContain(`holds sha256:${sha256(Buffer.from('altered'))}, not sha256:${hex}`);
  });
});

describe('readLayerEntries: glide’s layer, read by the proof and by verify', () => {
  it('lists /bin/glide with its content’s sha256, and the diff_id of the tar', async () => {
    const binary = Buffer.from(`glide ${STABLE} amd64`);
    const layer = glideLayerSync(binary);
    const read = await readLayerEntries(layer.bytes);
    expect(read.diffId).toBe(layer.diffId);
    expect(read.entries).toEqual([
      expect.objectContaining({ path: '/bin/glide', type: 'File', mode: 0o755, size: binary.length, sha256: `sha256:${sha256(binary)}` }),
    ]);
  });

  it('a layer that unpacks past the limit (a gzip bomb from a registry) is refused before it is parsed', async () => {
    const error = await refusal(readLayerEntries(deterministicGzip(Buffer.alloc(4096)), 1024));
    expect(error.code).toBe('EBUILD');
    expect(error.message).toBe('A glide layer cannot be read: it unpacks to more than 1024 bytes.');
  });
});
