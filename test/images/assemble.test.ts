import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Target } from '#contract';
import {
  CA_LAYER_CREATED_BY,
  GLIDE_LAYER_CREATED_BY,
  OCI_CONFIG_MEDIA_TYPE,
  OCI_INDEX_MEDIA_TYPE,
  OCI_MANIFEST_MEDIA_TYPE,
  canonicalJson,
  imageConfig,
  imageIndex,
  imageManifest,
  ociAnnotations,
  platformsToBuild,
  type Descriptor,
  type Platform,
} from '../../release/src/images/config.js';
import { OCI_LAYER_MEDIA_TYPE, caBundleLayer, findCaBundle, glideLayer, type ByteSource } from '../../release/src/images/layer.js';
import { readOciLayout, writeOciLayout } from '../../release/src/images/layout.js';
import { ALPINE_LIKE, COMMIT_TIME, FACTS, assembleFabricated, sha256, tarGz, type TestEntry } from './fabricated-image.js';

const run = promisify(execFile);
const BINARY = Buffer.from('\x7fELF pretend glide binary '.repeat(200));

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'glide-images-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function listTar(gz: Buffer): Promise<string> {
  const path = join(work, `list-${sha256(gz)}.tar.gz`);
  await writeFile(path, gz);
  const { stdout } = await run('tar', ['-tvzf', path], { env: { ...process.env, TZ: 'UTC', LC_ALL: 'C' } });
  return stdout;
}

describe('glideLayer', () => {
  const options = { binary: BINARY, binarySha256: sha256(BINARY), mtime: COMMIT_TIME };

  it('is byte-identical for the same inputs, in any time zone, from a buffer or a file', async () => {
    const savedTz = process.env.TZ;
    try {
      process.env.TZ = 'Pacific/Kiritimati';
      const east = await glideLayer(options);
      const eastOffset = COMMIT_TIME.getTimezoneOffset();
      process.env.TZ = 'America/Los_Angeles';
      const west = await glideLayer(options);
      // The zone change must really have taken effect, or this test proves nothing.
      expect(COMMIT_TIME.getTimezoneOffset()).not.toBe(eastOffset);
      expect(west.bytes.equals(east.bytes)).toBe(true);
      expect(west.digest).toBe(east.digest);

      const binaryPath = join(work, 'glide');
      await writeFile(binaryPath, BINARY);
      const fromFile = await glideLayer({ ...options, binary: binaryPath });
      expect(fromFile.bytes.equals(east.bytes)).toBe(true);
    } finally {
      if (savedTz === undefined) delete process.env.TZ;
      else process.env.TZ = savedTz;
    }
  });

  it('reports digests of the compressed blob and of the tar, and a gzip header with no time or host OS', async () => {
    const layer = await glideLayer(options);
    expect(layer.digest).toBe(`sha256:${sha256(layer.bytes)}`);
    expect(layer.diffId).toBe(`sha256:${sha256(gunzipSync(layer.bytes))}`);
    expect(layer.size).toBe(layer.bytes.length);
    expect([...layer.bytes.subarray(0, 10)]).toEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
  });

  it.each([
    ['another binary', sha256(Buffer.from('not glide'))],
    ['a truncated hash', sha256(BINARY).slice(0, 32)],
  ])('refuses a binary whose sha256 is not the ledger value (%s)', async (_case, binarySha256) => {
    await expect(glideLayer({ ...options, binarySha256 })).rejects.toMatchObject({ code: 'ECHECKSUM' });
  });

  it('accepts the ledger value with a sha256: prefix', async () => {
    const layer = await glideLayer({ ...options, binarySha256: `sha256:${sha256(BINARY)}` });
    expect(layer.digest).toBe((await glideLayer(options)).digest);
  });

  it('holds only bin/glide, 0755, owned by 0/0, dated the commit time (as GNU tar reads it)', async () => {
    const layer = await glideLayer(options);
    expect(await listTar(layer.bytes)).toBe(`-rwxr-xr-x 0/0            ${BINARY.length} 2024-03-01 12:34 bin/glide\n`);
    const path = join(work, 'glide-layer.tar.gz');
    await writeFile(path, layer.bytes);
    const { stdout } = await run('tar', ['-xzOf', path, 'bin/glide'], { encoding: 'buffer', maxBuffer: 1 << 24 });
    expect(sha256(stdout)).toBe(sha256(BINARY));
  });

  it('caBundleLayer holds only etc/ssl/certs/ca-certificates.crt, 0644', async () => {
    const bundle = Buffer.from('-----BEGIN CERTIFICATE-----\n...\n');
    const layer = caBundleLayer({ bundle, mtime: COMMIT_TIME });
    expect(await listTar(layer.bytes)).toBe(`-rw-r--r-- 0/0              ${bundle.length} 2024-03-01 12:34 etc/ssl/certs/ca-certificates.crt\n`);
    expect(caBundleLayer({ bundle, mtime: COMMIT_TIME }).bytes.equals(layer.bytes)).toBe(true);
  });
});

describe('findCaBundle', () => {
  const debian = { path: 'etc/ssl/certs/ca-certificates.crt' };
  const cases: Array<[string, TestEntry[][], string | undefined]> = [
    ['a Debian bundle', [[{ path: 'etc/', dir: true }, debian]], '/etc/ssl/certs/ca-certificates.crt'],
    ['a ./-prefixed Debian bundle', [[{ path: './etc/ssl/certs/ca-certificates.crt' }]], '/etc/ssl/certs/ca-certificates.crt'],
    ['no bundle at all', [[{ path: 'etc/os-release' }, { path: 'etc/ssl/openssl.cnf' }]], undefined],
    ['a bundle only under pki', [[{ path: 'etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem' }]], '/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem'],
    [
      'UBI: ca-bundle.crt links to the extracted bundle',
      [
        [
          { path: 'etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem' },
          { path: 'etc/pki/tls/certs/ca-bundle.crt', link: '/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem' },
        ],
      ],
      '/etc/pki/tls/certs/ca-bundle.crt',
    ],
    [
      'alpine-style relative link to an existing file',
      [[{ path: 'etc/ssl/cert.pem', link: '../ssl1/cert.pem' }, { path: 'etc/ssl1/cert.pem' }]],
      '/etc/ssl/cert.pem',
    ],
    ['a link through a linked directory', [[{ path: 'etc/pki/tls', link: '/opt/tls' }, { path: 'opt/tls/cacert.pem' }]], '/etc/pki/tls/cacert.pem'],
    ['a dangling link', [[{ path: 'etc/ssl/cert.pem', link: 'certs/ca-certificates.crt' }]], undefined],
    [
      'a link whose target an upper layer deleted',
      [[{ path: 'etc/ssl/cert.pem', link: '/usr/share/ca.pem' }, { path: 'usr/share/ca.pem' }], [{ path: 'usr/share/.wh.ca.pem' }]],
      undefined,
    ],
    [
      'a link loop',
      [
        [
          { path: 'etc/ssl/cert.pem', link: 'cert2.pem' },
          { path: 'etc/ssl/cert2.pem', link: 'cert.pem' },
        ],
      ],
      undefined,
    ],
    ['the bundle deleted by a whiteout in an upper layer', [[debian], [{ path: 'etc/ssl/certs/.wh.ca-certificates.crt' }]], undefined],
    ['its folder deleted by a whiteout', [[debian], [{ path: 'etc/ssl/.wh.certs' }]], undefined],
    ['its folder made opaque', [[debian], [{ path: 'etc/ssl/certs/.wh..wh..opq' }, { path: 'etc/ssl/certs/other.pem' }]], undefined],
    ['an opaque folder whose own layer adds the bundle', [[debian], [{ path: 'etc/ssl/certs/.wh..wh..opq' }, debian]], '/etc/ssl/certs/ca-certificates.crt'],
    ['a bundle added back above its whiteout', [[debian], [{ path: 'etc/ssl/certs/.wh.ca-certificates.crt' }], [debian]], '/etc/ssl/certs/ca-certificates.crt'],
    [
      'a whiteout of one path leaving the next one Go tries',
      [[debian, { path: 'etc/ssl/cert.pem' }], [{ path: 'etc/ssl/certs/.wh.ca-certificates.crt' }]],
      '/etc/ssl/cert.pem',
    ],
    ['a directory where the bundle should be', [[{ path: 'etc/ssl/certs/ca-certificates.crt/', dir: true }]], undefined],
  ];

  it.each(cases)('%s', async (_case, layers, expected) => {
    expect(await findCaBundle(layers.map(tarGz))).toBe(expected);
  });

  it('reads layers from files too', async () => {
    const paths: ByteSource[] = [];
    for (const [i, layer] of [[debian], [{ path: 'etc/ssl/certs/.wh.ca-certificates.crt' }, { path: 'etc/ssl/cert.pem' }]].entries()) {
      const path = join(work, `layer-${i}.tar.gz`);
      await writeFile(path, tarGz(layer));
      paths.push(path);
    }
    expect(await findCaBundle(paths)).toBe('/etc/ssl/cert.pem');
  });

  it("reads empty and uncompressed layers, and zero-filled files past node-tar's bomb ratio", async () => {
    const emptyLayer = gzipSync(Buffer.alloc(1024));
    const plainTar = gunzipSync(tarGz([{ path: 'etc/ssl/cert.pem' }]));
    const zeros = tarGz([{ path: 'var/log/lastlog', content: '\0'.repeat(8 << 20) }]);
    expect(await findCaBundle([emptyLayer, plainTar, emptyLayer, zeros])).toBe('/etc/ssl/cert.pem');
  });

  it.each([
    ["text, gzip'd", gzipSync(Buffer.from('this is no tar archive, just text'.repeat(40)))],
    ['a tar cut short', gunzipSync(tarGz([{ path: 'etc/ssl/cert.pem', content: 'y'.repeat(2000) }])).subarray(0, 1024)],
  ])('refuses a layer that is not a whole tar (%s)', async (_case, layer) => {
    await expect(findCaBundle([layer])).rejects.toMatchObject({ code: 'EBUILD' });
  });
});

describe('imageConfig', () => {
  const labels = ociAnnotations(FACTS);
  const glide = { diffId: 'sha256:' + 'c'.repeat(64), createdBy: GLIDE_LAYER_CREATED_BY };

  it('keeps the base platform and env, sets entrypoint, workdir, port, user and labels, drops Cmd', () => {
    const config = imageConfig(ALPINE_LIKE, { created: COMMIT_TIME, layers: [glide], labels });
    expect(config.os).toBe('linux');
    expect(config.architecture).toBe('amd64');
    expect(config.created).toBe('2024-03-01T12:34:56Z');
    expect(config.config).toEqual({
      Env: ALPINE_LIKE.config?.Env,
      Entrypoint: ['/bin/glide'],
      WorkingDir: '/bin',
      ExposedPorts: { '9099/tcp': {} },
      User: '65532:65532',
      Labels: { maintainer: 'base', ...labels },
    });
    expect(config.config?.Labels?.['org.opencontainers.image.title']).toBe('Glide');
    expect(config.rootfs).toEqual({ type: 'layers', diff_ids: ['sha256:' + 'a'.repeat(64), glide.diffId] });
    expect(config.history).toEqual([...(ALPINE_LIKE.history ?? []), { created: '2024-03-01T12:34:56Z', created_by: GLIDE_LAYER_CREATED_BY }]);
    expect(ALPINE_LIKE.config?.Cmd).toEqual(['/bin/sh']);
  });

  it('appends one diff_id and one history entry per added layer, in order', () => {
    const ca = { diffId: 'sha256:' + 'd'.repeat(64), createdBy: CA_LAYER_CREATED_BY };
    const config = imageConfig({ ...ALPINE_LIKE, history: undefined }, { created: COMMIT_TIME, layers: [ca, glide], labels });
    expect(config.rootfs.diff_ids.slice(1)).toEqual([ca.diffId, glide.diffId]);
    expect(config.history?.map((entry) => entry.created_by)).toEqual([CA_LAYER_CREATED_BY, GLIDE_LAYER_CREATED_BY]);
  });

  it('keeps arm variants and fields it does not know', () => {
    const config = imageConfig({ ...ALPINE_LIKE, architecture: 'arm', variant: 'v7', author: 'someone' }, { created: COMMIT_TIME, layers: [glide], labels });
    expect(config).toMatchObject({ architecture: 'arm', variant: 'v7', author: 'someone' });
  });

  it.each([
    [undefined, '65532:65532'],
    ['', '65532:65532'],
    ['root', '65532:65532'],
    ['0', '65532:65532'],
    ['0:0', '65532:65532'],
    ['root:root', '65532:65532'],
    ['65532', '65532'],
    ['nonroot:nonroot', 'nonroot:nonroot'],
    ['1001:0', '1001:0'],
  ])('base user %j runs glide as %j', (user, expected) => {
    const base = { ...ALPINE_LIKE, config: { ...ALPINE_LIKE.config, User: user } };
    expect(imageConfig(base, { created: COMMIT_TIME, layers: [glide], labels }).config?.User).toBe(expected);
  });
});

describe('ociAnnotations', () => {
  it('has exactly the org.opencontainers.image keys asked for', () => {
    expect(ociAnnotations(FACTS)).toEqual({
      'org.opencontainers.image.version': '0.1.0-rc.1',
      'org.opencontainers.image.revision': FACTS.revision,
      'org.opencontainers.image.source': 'https://github.com/EinStack/glide',
      'org.opencontainers.image.created': '2024-03-01T12:34:56Z',
      'org.opencontainers.image.licenses': 'Apache-2.0',
      'org.opencontainers.image.title': 'Glide',
      'org.opencontainers.image.description': 'A cloud-native LLM gateway',
      'org.opencontainers.image.base.name': 'docker.io/library/alpine:3.19',
      'org.opencontainers.image.base.digest': FACTS.baseDigest,
    });
  });

  it('adds url and documentation only when given', () => {
    const annotations = ociAnnotations({ ...FACTS, url: 'https://glide.einstack.ai', documentation: 'https://glide.einstack.ai/docs' });
    expect(annotations['org.opencontainers.image.url']).toBe('https://glide.einstack.ai');
    expect(annotations['org.opencontainers.image.documentation']).toBe('https://glide.einstack.ai/docs');
    expect(Object.keys(annotations)).toHaveLength(11);
  });
});

describe('canonicalJson', () => {
  it('gives one serialisation whatever the key order: compact, keys sorted at every level', () => {
    const a = canonicalJson({ b: 1, a: { y: [{ d: 1, c: 2 }], x: null }, skipped: undefined });
    const b = canonicalJson({ a: { x: null, y: [{ c: 2, d: 1 }] }, b: 1 });
    expect(a.bytes.toString()).toBe('{"a":{"x":null,"y":[{"c":2,"d":1}]},"b":1}');
    expect(a.digest).toBe(b.digest);
    expect(a.digest).toBe(`sha256:${sha256(a.bytes)}`);
  });
});

describe('platformsToBuild', () => {
  const linux = (arch: string, arm?: '6' | '7'): Target => (arm ? { os: 'linux', arch, arm } : { os: 'linux', arch });
  const manifest = (platform: Platform): Descriptor => ({
    mediaType: OCI_MANIFEST_MEDIA_TYPE,
    digest: `sha256:${sha256(Buffer.from(JSON.stringify(platform)))}`,
    size: 1,
    platform,
  });
  const amd64 = manifest({ os: 'linux', architecture: 'amd64' });
  const arm64v8 = manifest({ os: 'linux', architecture: 'arm64', variant: 'v8' });
  const arm64 = manifest({ os: 'linux', architecture: 'arm64' });
  const armv7 = manifest({ os: 'linux', architecture: 'arm', variant: 'v7' });
  const armv6 = manifest({ os: 'linux', architecture: 'arm', variant: 'v6' });
  const amd64v3 = manifest({ os: 'linux', architecture: 'amd64', variant: 'v3' });
  const attestation = manifest({ os: 'unknown', architecture: 'unknown' });
  const windows = manifest({ os: 'windows', architecture: 'amd64', 'os.version': '10.0.20348.2227' });

  const cases: Array<[string, Target[], Descriptor[], Array<[string, Descriptor]>, string[]]> = [
    [
      'amd64+arm64/v8+arm/v7 base vs amd64, arm64, 386, s390x',
      [linux('amd64'), linux('arm64'), linux('386'), linux('s390x')],
      [amd64, arm64v8, armv7, attestation],
      [
        ['amd64', amd64],
        ['arm64', arm64v8],
      ],
      ['386', 's390x'],
    ],
    ['arm64 without a variant matches', [linux('arm64')], [arm64], [['arm64', arm64]], []],
    [
      'GOARM picks the arm variant',
      [linux('arm', '6'), linux('arm', '7')],
      [armv7, armv6],
      [
        ['arm/6', armv6],
        ['arm/7', armv7],
      ],
      [],
    ],
    ['GOARM 6 is lacking on a v7-only base', [linux('arm', '6')], [armv7], [], ['arm/6']],
    ['amd64 takes the baseline image, not a v3 one', [linux('amd64')], [amd64v3, amd64], [['amd64', amd64]], []],
    ['a v3-only amd64 base is lacking', [linux('amd64')], [amd64v3], [], ['amd64']],
    ['non-Linux targets and Windows images are ignored', [{ os: 'darwin', arch: 'arm64' }, linux('amd64')], [windows, amd64], [['amd64', amd64]], []],
    [
      'the other Go arches map to OCI names one to one',
      [linux('ppc64le'), linux('riscv64')],
      [manifest({ os: 'linux', architecture: 'ppc64le' }), manifest({ os: 'linux', architecture: 'riscv64' })],
      [
        ['ppc64le', manifest({ os: 'linux', architecture: 'ppc64le' })],
        ['riscv64', manifest({ os: 'linux', architecture: 'riscv64' })],
      ],
      [],
    ],
  ];

  it.each(cases)('%s', (_case, targets, base, build, lacking) => {
    const plan = platformsToBuild(targets, base);
    const name = (target: Target) => (target.arm ? `${target.arch}/${target.arm}` : target.arch);
    expect(plan.build.map((entry) => [name(entry.target), entry.base])).toEqual(build);
    expect(plan.lacking.map(name)).toEqual(lacking);
  });
});

describe('imageManifest and imageIndex', () => {
  it('write OCI manifest and index documents', () => {
    const dockerLayer = { mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', digest: 'sha256:' + 'a'.repeat(64), size: 10 };
    const ours = { mediaType: OCI_LAYER_MEDIA_TYPE, digest: 'sha256:' + 'c'.repeat(64), size: 20 };
    const annotations = ociAnnotations(FACTS);
    const manifest = imageManifest({ config: { digest: 'sha256:' + 'e'.repeat(64), size: 30 }, layers: [dockerLayer, ours], annotations });
    expect(JSON.parse(manifest.bytes.toString())).toEqual({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST_MEDIA_TYPE,
      config: { mediaType: OCI_CONFIG_MEDIA_TYPE, digest: 'sha256:' + 'e'.repeat(64), size: 30 },
      layers: [dockerLayer, ours],
      annotations,
    });
    expect(manifest.size).toBe(manifest.bytes.length);

    const index = imageIndex({
      manifests: [{ digest: manifest.digest, size: manifest.size, platform: { os: 'linux', architecture: 'arm', variant: 'v7' } }],
      annotations,
    });
    expect(JSON.parse(index.bytes.toString())).toEqual({
      schemaVersion: 2,
      mediaType: OCI_INDEX_MEDIA_TYPE,
      manifests: [
        { mediaType: OCI_MANIFEST_MEDIA_TYPE, digest: manifest.digest, size: manifest.size, platform: { os: 'linux', architecture: 'arm', variant: 'v7' } },
      ],
      annotations,
    });
  });
});

describe('an image assembled from a fabricated base, as an OCI layout', () => {
  let layoutDir: string;
  let alpine: Awaited<ReturnType<typeof assembleFabricated>>;

  beforeAll(async () => {
    const blobs = new Map<string, Buffer>();
    alpine = await assembleFabricated('alpine', blobs);
    const ubuntu = await assembleFabricated('ubuntu', blobs);
    layoutDir = join(work, 'layout');
    await writeOciLayout(layoutDir, { blobs, refs: [alpine.ref, ubuntu.ref] });
  });

  it('writes oci-layout, index.json with one ref per distro, and content-addressed blobs', async () => {
    expect(await readFile(join(layoutDir, 'oci-layout'), 'utf8')).toBe('{"imageLayoutVersion":"1.0.0"}');
    const layout = await readOciLayout(layoutDir);
    expect(layout.refs.map((ref) => ref.name)).toEqual(['0.1.0-rc.1-alpine', '0.1.0-rc.1-ubuntu']);
    expect(layout.refs[0]?.descriptor.digest).toBe(alpine.index.digest);
    expect((await layout.readBlob(alpine.index.digest)).equals(alpine.index.bytes)).toBe(true);
    for (const name of await readdir(join(layoutDir, 'blobs', 'sha256'))) {
      expect(sha256(await readFile(join(layoutDir, 'blobs', 'sha256', name)))).toBe(name);
    }
    expect(alpine.bundleAdded).toEqual(['amd64', 'arm64']);
  });

  it('replaces an existing layout whole and leaves no temp folders', async () => {
    const blobs = new Map<string, Buffer>();
    const again = await assembleFabricated('alpine', blobs);
    expect(again.index.digest).toBe(alpine.index.digest);
    await writeOciLayout(layoutDir, { blobs, refs: [again.ref] });
    expect((await readOciLayout(layoutDir)).refs.map((ref) => ref.name)).toEqual(['0.1.0-rc.1-alpine']);
    expect((await readdir(work)).filter((name) => name.startsWith('.layout'))).toEqual([]);
  });

  it('refuses a blob whose bytes are not its digest, and keeps the layout it had', async () => {
    const before = await readFile(join(layoutDir, 'index.json'));
    const liar = Buffer.from('not what the digest says');
    const digest = `sha256:${sha256(Buffer.from('something else'))}`;
    const ref = { name: 'broken', descriptor: { mediaType: OCI_INDEX_MEDIA_TYPE, digest, size: liar.length } };
    await expect(writeOciLayout(layoutDir, { blobs: new Map([[digest, liar]]), refs: [ref] })).rejects.toMatchObject({ code: 'ECHECKSUM' });
    expect((await readFile(join(layoutDir, 'index.json'))).equals(before)).toBe(true);
    expect((await readdir(work)).filter((name) => name.startsWith('.layout'))).toEqual([]);
  });

  it('refuses a ref whose blob was not built', async () => {
    const ref = { name: 'missing', descriptor: { mediaType: OCI_INDEX_MEDIA_TYPE, digest: 'sha256:' + 'f'.repeat(64), size: 1 } };
    await expect(writeOciLayout(join(work, 'other'), { blobs: new Map(), refs: [ref] })).rejects.toMatchObject({ code: 'EBUILD' });
  });

  it('readOciLayout names a folder that is not a layout', async () => {
    await expect(readOciLayout(join(work, 'nowhere'))).rejects.toMatchObject({ code: 'EBUILD' });
  });
});
