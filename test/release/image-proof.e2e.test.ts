// The image half of promote on real builds: an RC and its stable built by the CLI from one commit
// of the Go stand-in, on bases in a loopback registry. The proof holds on the two layouts, and
// pushing the stable after the RC uploads no base layer: only glide's layers and the configs.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DISTRO } from '#contract';
import type { ReleaseLedger } from '../../release/src/ledger.js';
import { imageSetOfRelease, proveStableImages, type StableImagesProof } from '../../release/src/images/promote-proof.js';
import { publishImages, type PublishStep } from '../../release/src/images/publish.js';
import { RegistryClient } from '../../src/registry/client.js';
import { imageReleaseRepo, tagAndBuild } from '../helpers/image-release.js';
import type { TestRegistry } from '../helpers/registry.js';
import { BUILD_TIMEOUT, type StandinRepo } from '../helpers/repo.js';

const RC = '0.0.2-rc.1';
const STABLE = '0.0.2';

let registry: TestRegistry;
let repo: StandinRepo;
let out: string;
let rc: ReleaseLedger;
let stable: ReleaseLedger;

beforeAll(async () => {
  ({ registry, repo } = await imageReleaseRepo());
  out = await mkdtemp(join(tmpdir(), 'glide-image-proof-out-'));
  rc = await tagAndBuild(repo, out, RC, 5);
  stable = await tagAndBuild(repo, out, STABLE, 0);
}, BUILD_TIMEOUT);

afterAll(async () => {
  await registry?.stop();
  await rm(out, { recursive: true, force: true });
  await rm(repo.dir, { recursive: true, force: true });
});

async function prove(): Promise<StableImagesProof> {
  return proveStableImages(await imageSetOfRelease(join(out, RC), rc), await imageSetOfRelease(join(out, STABLE), stable));
}

async function publish(ledger: ReleaseLedger) {
  const client = new RegistryClient({ registry: registry.host });
  try {
    const report = await publishImages({
      layout: join(out, ledger.tag, 'images'),
      repository: ledger.images!.repository,
      version: ledger.version,
      defaultDistro: DEFAULT_DISTRO,
      client,
    });
    return { steps: report.steps, stats: client.stats };
  } finally {
    await client.close();
  }
}

function binaryOf(ledger: ReleaseLedger, target: string): string {
  const archive = ledger.artifacts.find((artifact) => artifact.kind === 'archive' && artifact.target === target);
  if (archive?.kind !== 'archive') throw new Error(`${ledger.tag} has no archive for ${target}`);
  return `sha256:${archive.binary.sha256}`;
}

const pushedBlobs = (steps: readonly PublishStep[]) => steps.flatMap((step) => (step.kind === 'blob' && step.action === 'push' ? [step] : []));

describe('the stable images of a promotion', () => {
  it('are the RC’s but for glide’s layer and the version, per distro and platform', async () => {
    const proof = await prove();
    expect(proof.distros.map((d) => d.distro)).toEqual(rc.images!.distros.map((d) => d.distro));
    for (const distro of proof.distros) {
      const rcImage = rc.images!.distros.find((d) => d.distro === distro.distro)!;
      const stableImage = stable.images!.distros.find((d) => d.distro === distro.distro)!;
      expect(distro.index).toEqual({ rc: rcImage.index, stable: stableImage.index });
      expect(distro.platforms.map((p) => p.manifest)).toEqual(
        rcImage.manifests.map((m) => ({ rc: m.digest, stable: stableImage.manifests.find((s) => s.target === m.target)!.digest })),
      );
      for (const platform of distro.platforms) {
        const target = rcImage.manifests.find((m) => m.digest === platform.manifest.rc)!.target;
        expect(platform.sharedLayers.length).toBeGreaterThan(0);
        expect(platform.glideLayer.rc).not.toBe(platform.glideLayer.stable);
        // The binary in each image is its own release's archive binary.
        expect(platform.binary).toEqual({ rc: binaryOf(rc, target), stable: binaryOf(stable, target) });
      }
    }
  });

  it('push no base layer again: after the RC, only glide’s layers and the configs are uploaded', { timeout: BUILD_TIMEOUT }, async () => {
    const proof = await prove();
    const shared = new Set(proof.distros.flatMap((d) => d.platforms.flatMap((p) => p.sharedLayers)));
    const glideLayers = new Set(proof.distros.flatMap((d) => d.platforms.map((p) => p.glideLayer.stable)));

    const first = await publish(rc);
    // The RC's own push mounts the base layers from the bases' repositories on the same registry.
    expect(first.stats.mounts).toBeGreaterThan(0);
    expect(pushedBlobs(first.steps).some((step) => shared.has(step.digest))).toBe(true);

    const second = await publish(stable);
    const pushed = pushedBlobs(second.steps);
    expect(pushed.filter((step) => shared.has(step.digest))).toEqual([]);
    expect(second.steps.filter((step) => step.kind === 'blob' && shared.has(step.digest)).every((step) => step.action === 'identical')).toBe(true);
    expect(second.stats.mounts).toBe(0);
    // What is uploaded is glide's layer of each platform (one per target, shared by the distros) and each image's config.
    const configs = pushed.filter((step) => !glideLayers.has(step.digest));
    expect(new Set(pushed.filter((step) => glideLayers.has(step.digest)).map((step) => step.digest))).toEqual(glideLayers);
    expect(configs).toHaveLength(proof.distros.reduce((sum, d) => sum + d.platforms.length, 0));
    expect(second.stats.blobUploads).toBe(pushed.length);
    expect(second.stats.bytesUploaded).toBe(pushed.reduce((sum, step) => sum + step.size, 0));
  });
});
