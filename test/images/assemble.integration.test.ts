// skopeo (containers/image, the code behind podman and buildah) reads the OCI layout our
// images stage writes: a second implementation's view of the same bytes.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImageConfig, Platform } from '../../release/src/images/config.js';
import { writeOciLayout } from '../../release/src/images/layout.js';
import { requireTools } from '../helpers/tools.js';
import { ALPINE_LIKE, FABRICATED_PLATFORMS as platforms, FABRICATED_VERSION as version, FACTS, assembleFabricated } from './fabricated-image.js';

const run = promisify(execFile);

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'glide-images-'));
  requireTools('skopeo');
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('an image assembled from a fabricated base, as an OCI layout, read by skopeo', () => {
  let layoutDir: string;
  let alpine: Awaited<ReturnType<typeof assembleFabricated>>;
  let ubuntu: Awaited<ReturnType<typeof assembleFabricated>>;

  beforeAll(async () => {
    const blobs = new Map<string, Buffer>();
    alpine = await assembleFabricated('alpine', blobs);
    ubuntu = await assembleFabricated('ubuntu', blobs);
    layoutDir = join(work, 'layout');
    await writeOciLayout(layoutDir, { blobs, refs: [alpine.ref, ubuntu.ref] });
  });

  const skopeo = async (...args: string[]) => (await run('skopeo', args, { maxBuffer: 1 << 24 })).stdout;

  it('skopeo inspect --raw shows our index with both platforms and the annotations', async () => {
    const raw = await skopeo('inspect', '--raw', `oci:${layoutDir}:${version}-alpine`);
    expect(raw).toBe(alpine.index.bytes.toString());
    const index = JSON.parse(raw) as { manifests: Array<{ platform: Platform }>; annotations: Record<string, string> };
    expect(index.manifests.map((m) => m.platform)).toEqual(platforms.map((p) => p.platform));
    expect(index.annotations['org.opencontainers.image.version']).toBe(version);
  });

  it.each(['amd64', 'arm64'])('skopeo reads the %s image: labels, and a config with entrypoint, workdir, port and user', async (arch) => {
    const ref = `oci:${layoutDir}:${version}-alpine`;
    const inspect = JSON.parse(await skopeo('--override-arch', arch, 'inspect', ref)) as {
      Architecture: string;
      Labels: Record<string, string>;
      Layers: string[];
      Env: string[];
    };
    expect(inspect.Architecture).toBe(arch);
    expect(inspect.Labels['org.opencontainers.image.base.digest']).toBe(FACTS.baseDigest);
    expect(inspect.Layers).toHaveLength(3);
    expect(inspect.Env).toEqual(ALPINE_LIKE.config?.Env);
    const config = JSON.parse(await skopeo('--override-arch', arch, 'inspect', '--config', ref)) as ImageConfig;
    expect(config.config).toMatchObject({ Entrypoint: ['/bin/glide'], WorkingDir: '/bin', ExposedPorts: { '9099/tcp': {} }, User: '65532:65532' });
    expect(config.config?.Cmd).toBeUndefined();
  });

  it('skopeo copy --all to a dir: verifies every digest and succeeds', async () => {
    const target = join(work, 'copied');
    await skopeo('copy', '--all', `oci:${layoutDir}:${version}-ubuntu`, `dir:${target}`);
    expect(await readFile(join(target, 'manifest.json'), 'utf8')).toBe(ubuntu.index.bytes.toString());
  });

  it('a layout replaced whole reads as the new one', async () => {
    const blobs = new Map<string, Buffer>();
    const again = await assembleFabricated('alpine', blobs);
    await writeOciLayout(layoutDir, { blobs, refs: [again.ref] });
    expect(await skopeo('inspect', '--raw', `oci:${layoutDir}:${version}-alpine`)).toBe(alpine.index.bytes.toString());
  });
});
