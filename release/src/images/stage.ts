/**
 * `glide-release build --only images`: the images of a release whose binaries are built.
 * Reads `{out}/{tag}/release.json` and the archives beside it, builds every distro's image
 * (build.ts), writes the OCI layout to `{out}/{tag}/images/` and records every digest in the
 * ledger. Bases are read anonymously; pushing (and its credentials) is `publish`'s job.
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { GlideError } from '#contract';
import { replacedPrefix } from '../files.js';
import { assertLedgerOf, readLedger, writeLedger, type LedgerImages } from '../ledger.js';
import { IMAGES_LAYOUT } from '../plan.js';
import type { PreparedRelease } from '../prepare.js';
import { buildImages, type ImagesReport } from './build.js';
import { RegistryClient } from '../../../src/registry/client.js';

// What the images say about themselves (org.opencontainers.image.* labels).
const IMAGE_TITLE = 'Glide';
const IMAGE_DESCRIPTION = 'Glide: a fast, reliable, open-source LLM gateway';
const IMAGE_LICENSES = 'Apache-2.0';

/** This tag's last layout first, then other releases' in the same output folder: they share bases. */
async function earlierLayouts(outDir: string, tag: string): Promise<string[]> {
  const others = await readdir(outDir, { withFileTypes: true }).catch(() => []);
  const names = others
    .filter((entry) => entry.isDirectory() && entry.name !== tag)
    .map((entry) => entry.name)
    .sort();
  return [tag, ...names].map((name) => join(outDir, name, IMAGES_LAYOUT));
}

export interface ImagesStageOptions {
  readonly log: (line: string) => void;
  readonly signal: AbortSignal;
}

/** Scratch folders of an images build that was killed (kill -9 skips the cleanup). */
async function removeStaleScratch(releaseDir: string): Promise<void> {
  const names = await readdir(releaseDir).catch(() => []);
  const prefixes = [`.${IMAGES_LAYOUT}.base-`, `.${IMAGES_LAYOUT}.tmp-`, replacedPrefix(IMAGES_LAYOUT)];
  const stale = names.filter((name) => prefixes.some((prefix) => name.startsWith(prefix)));
  await Promise.all(stale.map((name) => rm(join(releaseDir, name), { recursive: true, force: true })));
}

export async function runImagesStage(prepared: PreparedRelease, { log, signal }: ImagesStageOptions): Promise<ImagesReport> {
  const { plan, outDir, config } = prepared;
  const releaseDir = join(outDir, plan.tag);
  await removeStaleScratch(releaseDir);
  const ledger = await readLedger(releaseDir);
  if (!ledger) {
    throw new GlideError('EBUILD', `There are no built binaries for ${plan.tag} in ${releaseDir}: images are made from them.`, [
      'Build both at once (--only binaries,images), or build the binaries first into the same --out folder.',
    ]);
  }
  assertLedgerOf(ledger, plan, releaseDir);
  let caBundle: Buffer;
  try {
    caBundle = await readFile(config.images.caBundle);
  } catch {
    throw new GlideError('ECONFIG', `images.caBundle (${config.images.caBundle}) cannot be read; it is added to bases that ship no CA bundle.`, [
      'Install ca-certificates, or point images.caBundle at a PEM bundle.',
    ]);
  }
  const clients = new Map<string, RegistryClient>();
  try {
    const report = await buildImages({
      ledger,
      mirrorDir: outDir,
      repository: config.images.repository,
      distros: config.images.distros,
      caBundle,
      source: `https://github.com/${config.repo}`,
      licenses: IMAGE_LICENSES,
      title: IMAGE_TITLE,
      description: IMAGE_DESCRIPTION,
      out: join(releaseDir, IMAGES_LAYOUT),
      reuseFrom: await earlierLayouts(outDir, plan.tag),
      signal,
      clients: (registry) => {
        let client = clients.get(registry);
        if (!client) clients.set(registry, (client = new RegistryClient({ registry, signal })));
        return client;
      },
    });
    const { downloaded, reused } = report.baseLayers;
    log(`base layers: ${downloaded} downloaded${reused > 0 ? `, ${reused} reused from earlier layouts (digests checked)` : ''}`);
    for (const image of report.images) {
      const lacking = image.lacking.length > 0 ? `; the base has no ${image.lacking.join(', ')}` : '';
      log(`image ${image.tag}: ${image.platforms.map((p) => p.target).join(', ')}${image.caLayerAdded ? ' (CA bundle layer added)' : ''}${lacking}`);
    }
    const images: LedgerImages = {
      layout: IMAGES_LAYOUT,
      repository: config.images.repository,
      distros: report.images.map((image) => ({
        distro: image.distro,
        tag: image.tag,
        index: image.digest,
        base: image.base,
        manifests: image.platforms.map((p) => ({ target: p.target, digest: p.digest, caLayerAdded: p.caBundle.added })),
        lacking: image.lacking,
      })),
      digests: report.digests,
    };
    await writeLedger(releaseDir, { ...ledger, images });
    return report;
  } finally {
    await Promise.all([...clients.values()].map((client) => client.close()));
  }
}
