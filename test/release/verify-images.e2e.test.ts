// `glide-release verify`'s image half on a real published RC and stable: the Go stand-in built
// with images on bases in a loopback registry, published whole to it and to the GitHub stand-in;
// then the registry is tampered with by hand and verify must name each wrong tag or image.
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReleaseLedger } from '../../release/src/ledger.js';
import { canonicalJson, type Descriptor, type ImageConfig } from '../../release/src/images/config.js';
import { glideLayer, OCI_LAYER_MEDIA_TYPE } from '../../release/src/images/layer.js';
import { OCI_INDEX, OCI_MANIFEST, RegistryClient } from '../../src/registry/client.js';
import { startGitHubStandin, type GitHubStandin } from '../helpers/github-standin.js';
import { imageReleaseRepo, tagAndBuild } from '../helpers/image-release.js';
import type { TestRegistry } from '../helpers/registry.js';
import { BUILD_TIMEOUT, type StandinRepo } from '../helpers/repo.js';

const RC = '0.0.2-rc.1';
const STABLE = '0.0.2';
const TOKEN = 'ghp_verifyImagesE2eToken000000000000000000';
const CLOCK = new Date('2024-06-02T12:00:00Z');
const REPOSITORY = 'glide';

let registry: TestRegistry;
let repo: StandinRepo;
let out: string;
let github: GitHubStandin;
let client: RegistryClient;
const ledgers: Record<string, ReleaseLedger> = {};

beforeAll(async () => {
  let commit: string;
  ({ registry, repo, commit } = await imageReleaseRepo());
  out = await mkdtemp(join(tmpdir(), 'glide-verify-images-out-'));
  github = await startGitHubStandin({ repo: 'EinStack/glide', token: TOKEN, releases: [], tags: { [RC]: commit, [STABLE]: commit }, now: () => CLOCK });
  client = new RegistryClient({ registry: registry.host });
  for (const [tag, daysAgo] of [
    [RC, 5],
    [STABLE, 0],
  ] as const) {
    ledgers[tag] = await tagAndBuild(repo, out, tag, daysAgo);
    const published = await repo.release(['publish', '--tag', tag, '--out', out], { GITHUB_TOKEN: TOKEN, ...githubEnv() });
    if (published.exitCode !== 0) throw new Error(`publish of ${tag} failed:\n${published.all}`);
  }
}, BUILD_TIMEOUT);

afterAll(async () => {
  await client?.close();
  await github?.close();
  await registry?.stop();
  await rm(out, { recursive: true, force: true });
  await rm(repo.dir, { recursive: true, force: true });
});

function githubEnv() {
  return { ...github.env() };
}

async function verify(version: string, ...extra: string[]) {
  return repo.release(['verify', version, '--image', `${registry.host}/${REPOSITORY}`, ...extra], githubEnv());
}

function failures(stdout: string): string[] {
  return stdout.split('\n').filter((line) => line.startsWith('FAIL'));
}

function indexOf(version: string, distro: string): string {
  return ledgers[version]!.images!.distros.find((image) => image.distro === distro)!.index;
}

/** Points `tag` at `digest` (already in the repository) for the length of `run`, then back. */
async function retagged(tag: string, digest: string, run: () => Promise<void>): Promise<void> {
  const before = await client.manifestDigest(REPOSITORY, tag);
  await client.putManifest(REPOSITORY, tag, OCI_INDEX, (await client.getManifest(REPOSITORY, digest)).bytes);
  try {
    await run();
  } finally {
    if (before) await client.putManifest(REPOSITORY, tag, OCI_INDEX, (await client.getManifest(REPOSITORY, before)).bytes);
  }
}

async function json<T>(digest: string, blob = false): Promise<T> {
  const bytes = blob ? await client.getBlob(REPOSITORY, digest) : (await client.getManifest(REPOSITORY, digest)).bytes;
  return JSON.parse(bytes.toString('utf8')) as T;
}

/** The image `index` names, its linux/amd64 glide layer holding `binary` instead: pushed by digest, returns the new index. */
async function withOtherBinary(index: string, binary: Buffer): Promise<string> {
  const document = await json<{ manifests: Descriptor[] }>(index);
  const at = document.manifests.findIndex((entry) => entry.platform?.architecture === 'amd64');
  const manifest = await json<{ config: Descriptor; layers: Descriptor[] }>(document.manifests[at]!.digest);
  const config = await json<ImageConfig>(manifest.config.digest, true);
  const layer = await glideLayer({ binary, binarySha256: createHash('sha256').update(binary).digest('hex'), mtime: CLOCK });
  // glide's layer is the top one (build.ts adds it last).
  const top = manifest.layers.length - 1;
  const newConfig = canonicalJson({
    ...config,
    rootfs: { ...config.rootfs, diff_ids: config.rootfs.diff_ids.map((id, i) => (i === top ? layer.diffId : id)) },
  });
  const newManifest = canonicalJson({
    ...manifest,
    config: { ...manifest.config, digest: newConfig.digest, size: newConfig.size },
    layers: manifest.layers.map((entry, i) => (i === top ? { mediaType: OCI_LAYER_MEDIA_TYPE, digest: layer.digest, size: layer.size } : entry)),
  });
  const newIndex = canonicalJson({
    ...document,
    manifests: document.manifests.map((entry, i) => (i === at ? { ...entry, digest: newManifest.digest, size: newManifest.size } : entry)),
  });
  await client.pushBlob(REPOSITORY, layer.digest, layer.bytes);
  await client.pushBlob(REPOSITORY, newConfig.digest, newConfig.bytes);
  await client.putManifest(REPOSITORY, newManifest.digest, OCI_MANIFEST, newManifest.bytes);
  await client.putManifest(REPOSITORY, newIndex.digest, OCI_INDEX, newIndex.bytes);
  return newIndex.digest;
}

describe('glide-release verify: the images of a published release', () => {
  it('the RC: every distro’s labels, platforms and binaries pass; latest names the stable, not the RC', async () => {
    const result = await verify(RC);
    expect(failures(result.stdout), result.all).toEqual([]);
    expect(result.exitCode).toBe(0);
    for (const image of ledgers[RC]!.images!.distros) {
      expect(result.stdout).toContain(`pass  image ${image.tag}: ${registry.host}/${REPOSITORY}:${image.tag} is ${image.index}`);
      expect(result.stdout).toContain(`pass  labels ${image.tag}: version ${RC}, revision `);
      for (const manifest of image.manifests) expect(result.stdout).toMatch(new RegExp(`pass  binary ${image.tag} ${manifest.target}: /bin/glide is glide_v`));
    }
    // The redhat base offers no arm64: its image lacks it, and that passes.
    expect(result.stdout).toContain(`pass  platforms ${RC}-redhat: linux/amd64 (the base offers no linux/arm64)`);
    expect(result.stdout).toContain(`pass  image tag latest: names ${STABLE}-alpine, the highest stable`);
    expect(result.stdout).not.toMatch(new RegExp(`image tag ${RC.replaceAll('.', '\\.')}:`));
  });

  it('the stable: latest, latest-{distro} and the bare version name its images', async () => {
    const result = await verify(STABLE, '--only', 'images', '--json');
    expect(result.exitCode, result.all).toBe(0);
    const report = JSON.parse(result.stdout) as { ok: boolean; image: string; checks: Array<{ name: string; ok: boolean }> };
    expect(report.image).toBe(`${registry.host}/${REPOSITORY}`);
    const names = report.checks.map((check) => check.name);
    expect(names).toEqual(expect.arrayContaining(['image tag latest', 'image tag latest-ubuntu', `image tag ${STABLE}`]));
    // --only images: no GitHub check is printed (GitHub is still read for the archives).
    expect(names).not.toContain('latest');
  });

  it('a version tag naming another version’s index fails its labels and binaries', async () => {
    await retagged(`${RC}-ubuntu`, indexOf(STABLE, 'ubuntu'), async () => {
      const result = await verify(RC);
      expect(result.exitCode).toBe(1);
      const failed = failures(result.stdout);
      expect(failed).toContainEqual(expect.stringMatching(new RegExp(`^FAIL  EIMAGEMISMATCH  labels ${RC}-ubuntu: index says version ${STABLE}; `)));
      expect(failed.filter((line) => line.includes(`binary ${RC}-ubuntu `))).toHaveLength(2);
      expect(failed.every((line) => line.includes(`${RC}-ubuntu`))).toBe(true);
    });
  });

  it('an image whose /bin/glide is not the archive’s binary fails EIMAGEMISMATCH for that platform only', async () => {
    const tampered = await withOtherBinary(indexOf(RC, 'distroless'), Buffer.from('#!/bin/sh\necho not glide\n'));
    await retagged(`${RC}-distroless`, tampered, async () => {
      const result = await verify(RC);
      expect(result.exitCode).toBe(1);
      expect(failures(result.stdout)).toEqual([
        expect.stringMatching(
          new RegExp(
            `^FAIL  EIMAGEMISMATCH  binary ${RC}-distroless linux/amd64: /bin/glide is sha256:[0-9a-f]{64}, the glide in glide_v${RC}_linux_amd64\\.tar\\.gz is sha256:`,
          ),
        ),
      ]);
    });
  });

  it('latest naming the RC fails ELATEST, in the RC’s verify and the stable’s', async () => {
    await retagged('latest', indexOf(RC, 'alpine'), async () => {
      const expected = `FAIL  ELATEST  image tag latest: names ${RC}-alpine (${indexOf(RC, 'alpine')}), but the highest stable's is ${STABLE}-alpine (${indexOf(STABLE, 'alpine')})`;
      const rc = await verify(RC);
      expect(rc.exitCode).toBe(1);
      expect(failures(rc.stdout)).toEqual([expected]);
      // The stable's verify reads only its own tags and the highest stable's: the RC's index is named by digest.
      expect(failures((await verify(STABLE)).stdout)).toEqual([expected.replace(`${RC}-alpine (${indexOf(RC, 'alpine')})`, indexOf(RC, 'alpine'))]);
    });
  });

  it('an image repository without the version fails EIMAGETAG', async () => {
    const result = await repo.release(['verify', RC, '--image', `${registry.host}/elsewhere`, '--only', 'images'], githubEnv());
    expect(result.exitCode).toBe(1);
    expect(failures(result.stdout)).toEqual([
      `FAIL  EIMAGETAG  images: ${registry.host}/elsewhere has no ${RC}-{distro} tag (for any of alpine, ubuntu, distroless, redhat)`,
    ]);
  });
});
