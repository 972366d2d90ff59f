import { createCipheriv, createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { Header } from 'tar';
import type { Distro } from '#contract';
import { DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, OCI_INDEX, OCI_MANIFEST, RegistryClient } from '../../src/registry/client.js';

/**
 * Stand-ins for the four distros' base images, made here and pushed to the test registry, so
 * image builds never reach Docker Hub. Each differs where the real ones differ in ways the
 * images stage must handle: Docker vs OCI media types, a lone manifest instead of an index,
 * a CA bundle at another path, or none, `/bin -> usr/bin`, a non-root user.
 */

export interface BaseImageSpec {
  readonly repository: string;
  readonly tag: string;
  /** Go's names (amd64, arm64, 386, ppc64le, s390x, riscv64). */
  readonly architectures: readonly string[];
  /** `docker`: manifest list and v2 manifests with Docker's media types, as older Hub images. */
  readonly mediaTypes: 'oci' | 'docker';
  /** Pushed as one manifest under the tag, not an index. */
  readonly lone: boolean;
  /** Where the CA bundle is in the rootfs (through links), or undefined for none. */
  readonly caBundle: string | undefined;
  readonly user?: string;
  /** Incompressible bytes added to the rootfs layer, so a base weighs what the real one does (benchmarks). */
  readonly fillerBytes?: number;
}

export const BASE_IMAGES: Readonly<Record<Distro, BaseImageSpec>> = {
  alpine: {
    repository: 'library/alpine',
    tag: '3.20',
    architectures: ['amd64', 'arm64'],
    mediaTypes: 'oci',
    lone: false,
    caBundle: '/etc/ssl/certs/ca-certificates.crt',
  },
  ubuntu: { repository: 'library/ubuntu', tag: '24.04', architectures: ['amd64', 'arm64'], mediaTypes: 'docker', lone: false, caBundle: undefined },
  distroless: {
    repository: 'distroless/static-debian12',
    tag: 'nonroot',
    architectures: ['amd64', 'arm64'],
    mediaTypes: 'oci',
    lone: false,
    caBundle: '/etc/ssl/certs/ca-certificates.crt',
    user: '65532',
  },
  // UBI keeps its roots under /etc/pki, reached through a link; this one lacks arm64.
  redhat: { repository: 'ubi9/ubi-micro', tag: '9.4', architectures: ['amd64'], mediaTypes: 'oci', lone: true, caBundle: '/etc/pki/tls/certs/ca-bundle.crt' },
};

export const TEST_CA_BUNDLE = Buffer.from('-----BEGIN CERTIFICATE-----\nZ2xpZGUgdGVzdCByb290\n-----END CERTIFICATE-----\n');

type Entry = { path: string; content: string | Buffer } | { path: string; dir: true } | { path: string; link: string };

const MTIME = new Date('2024-01-01T00:00:00Z');
const sha256 = (bytes: Buffer): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/**
 * Pushes every base to `host` and returns the references pinned by digest, as a config would
 * hold them. `overrides` change a distro's platforms or weight (the benchmark's real-sized bases).
 */
export async function pushBaseImages(host: string, overrides: Partial<Record<Distro, Partial<BaseImageSpec>>> = {}): Promise<Record<Distro, string>> {
  const client = new RegistryClient({ registry: host });
  try {
    const refs = {} as Record<Distro, string>;
    for (const [distro, defaults] of Object.entries(BASE_IMAGES) as Array<[Distro, BaseImageSpec]>) {
      const spec = { ...defaults, ...overrides[distro] };
      refs[distro] = `${host}/${spec.repository}:${spec.tag}@${await pushBase(client, distro, spec)}`;
    }
    return refs;
  } finally {
    await client.close();
  }
}

async function pushBase(client: RegistryClient, distro: Distro, spec: BaseImageSpec): Promise<string> {
  const docker = spec.mediaTypes === 'docker';
  const manifests: Array<{ digest: string; size: number; architecture: string }> = [];
  for (const architecture of spec.architectures) {
    const layers = layersOf(distro, spec, architecture).map((entries) => tarOf(entries));
    const config = Buffer.from(
      JSON.stringify({
        architecture,
        os: 'linux',
        ...(architecture === 'arm64' ? { variant: 'v8' } : {}),
        created: MTIME.toISOString(),
        config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['/bin/sh'], ...(spec.user ? { User: spec.user } : {}) },
        rootfs: { type: 'layers', diff_ids: layers.map((layer) => sha256(layer)) },
        history: layers.map(() => ({ created: MTIME.toISOString(), created_by: `${distro} base` })),
      }),
    );
    const blobs = layers.map((layer) => gzipSync(layer));
    await client.pushBlob(spec.repository, sha256(config), config);
    for (const blob of blobs) await client.pushBlob(spec.repository, sha256(blob), blob);
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: docker ? DOCKER_MANIFEST : OCI_MANIFEST,
        config: {
          mediaType: docker ? 'application/vnd.docker.container.image.v1+json' : 'application/vnd.oci.image.config.v1+json',
          digest: sha256(config),
          size: config.length,
        },
        layers: blobs.map((blob) => ({
          mediaType: docker ? 'application/vnd.docker.image.rootfs.diff.tar.gzip' : 'application/vnd.oci.image.layer.v1.tar+gzip',
          digest: sha256(blob),
          size: blob.length,
        })),
      }),
    );
    if (spec.lone) return client.putManifest(spec.repository, spec.tag, OCI_MANIFEST, manifest);
    manifests.push({
      digest: await client.putManifest(spec.repository, sha256(manifest), docker ? DOCKER_MANIFEST : OCI_MANIFEST, manifest),
      size: manifest.length,
      architecture,
    });
  }
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: docker ? DOCKER_MANIFEST_LIST : OCI_INDEX,
      manifests: manifests.map(({ digest, size, architecture }) => ({
        mediaType: docker ? DOCKER_MANIFEST : OCI_MANIFEST,
        digest,
        size,
        platform: { architecture, os: 'linux', ...(architecture === 'arm64' ? { variant: 'v8' } : {}) },
      })),
    }),
  );
  return client.putManifest(spec.repository, spec.tag, docker ? DOCKER_MANIFEST_LIST : OCI_INDEX, index);
}

/** A rootfs layer per distro, plus a second small layer, so images have several base layers. */
function layersOf(distro: Distro, spec: BaseImageSpec, architecture: string): Entry[][] {
  const rootfs: Entry[] = [
    { path: 'etc/', dir: true },
    { path: 'etc/os-release', content: `ID=${distro}-standin\nARCH=${architecture}\n` },
    { path: 'usr/', dir: true },
    { path: 'usr/bin/', dir: true },
  ];
  // Merged /usr, as on ubuntu and UBI: the glide layer must not replace this link with a folder.
  if (distro === 'ubuntu' || distro === 'redhat') rootfs.push({ path: 'bin', link: 'usr/bin' });
  else rootfs.push({ path: 'bin/', dir: true });
  if (spec.caBundle === '/etc/pki/tls/certs/ca-bundle.crt') {
    rootfs.push(
      { path: 'etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem', content: TEST_CA_BUNDLE.toString() },
      { path: 'etc/pki/tls/certs/ca-bundle.crt', link: '/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem' },
    );
  } else if (spec.caBundle !== undefined) {
    rootfs.push({ path: spec.caBundle.slice(1), content: TEST_CA_BUNDLE.toString() });
  }
  if (spec.fillerBytes) rootfs.push({ path: 'usr/lib/filler', content: seededBytes(`${distro}/${architecture}`, spec.fillerBytes) });
  return [rootfs, [{ path: 'etc/motd', content: `${distro} stand-in for tests (${architecture})\n` }]];
}

/** Incompressible bytes that are the same on every run for the same seed (AES-CTR over zeros). */
function seededBytes(seed: string, length: number): Buffer {
  const key = createHash('sha256').update(seed).digest();
  return createCipheriv('aes-256-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(Math.round(length)));
}

function tarOf(entries: readonly Entry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const content = 'content' in entry ? Buffer.from(entry.content) : Buffer.alloc(0);
    const header = new Header({
      path: entry.path,
      mode: 'dir' in entry ? 0o755 : 'link' in entry ? 0o777 : 0o644,
      uid: 0,
      gid: 0,
      size: content.length,
      mtime: MTIME,
      type: 'dir' in entry ? 'Directory' : 'link' in entry ? 'SymbolicLink' : 'File',
      ...('link' in entry ? { linkpath: entry.link } : {}),
    });
    header.encode();
    parts.push(header.block!, content, Buffer.alloc((512 - (content.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}
