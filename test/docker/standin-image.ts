import { createHash } from 'node:crypto';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { create } from 'tar';
import { OCI_INDEX, OCI_MANIFEST, RegistryClient } from '../../src/registry/client.js';

const sha256 = (bytes: Buffer): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/**
 * Pushes a one-layer image of the Go stand-in (`/bin/glide`, the entrypoint, as the release's
 * images have it) to a local registry, under an OCI index that lists `architectures` (Go's
 * names): an index for another architecture than the host's is an image Docker cannot run here.
 * Returns the reference, `host/repository:tag`.
 */
export async function pushStandinImage(
  registryHost: string,
  { binary, repository = 'glide', tag, architectures }: { binary: string; repository?: string; tag: string; architectures: readonly string[] },
): Promise<string> {
  const stage = await mkdtemp(join(tmpdir(), 'glide-standin-image-'));
  try {
    await mkdir(join(stage, 'root', 'bin'), { recursive: true });
    await copyFile(binary, join(stage, 'root', 'bin', 'glide'));
    await chmod(join(stage, 'root', 'bin', 'glide'), 0o755);
    await create({ file: join(stage, 'layer.tar'), cwd: join(stage, 'root'), portable: true, noMtime: true }, ['bin']);
    const layer = await readFile(join(stage, 'layer.tar'));
    const blob = gzipSync(layer);
    const client = new RegistryClient({ registry: registryHost });
    try {
      await client.pushBlob(repository, sha256(blob), blob);
      const entries = [];
      for (const architecture of architectures) {
        const config = Buffer.from(
          JSON.stringify({
            architecture,
            os: 'linux',
            config: { Entrypoint: ['/bin/glide'], WorkingDir: '/bin', ExposedPorts: { '9099/tcp': {} } },
            rootfs: { type: 'layers', diff_ids: [sha256(layer)] },
          }),
        );
        await client.pushBlob(repository, sha256(config), config);
        const manifest = Buffer.from(
          JSON.stringify({
            schemaVersion: 2,
            mediaType: OCI_MANIFEST,
            config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
            layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256(blob), size: blob.length }],
          }),
        );
        const digest = await client.putManifest(repository, sha256(manifest), OCI_MANIFEST, manifest);
        entries.push({ mediaType: OCI_MANIFEST, digest, size: manifest.length, platform: { os: 'linux', architecture } });
      }
      const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: entries }));
      await client.putManifest(repository, tag, OCI_INDEX, index);
    } finally {
      await client.close();
    }
    return `${registryHost}/${repository}:${tag}`;
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}
