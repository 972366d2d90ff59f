/**
 * `glide-release promote X.Y.Z-rc.N`: the stable X.Y.Z made from its last RC (decision 0041).
 * It reads git and the RC's GitHub release, runs the stable's gates with the soak from the RC's
 * publication, tags X.Y.Z on the RC's commit, builds every binary proven to be the RC's (from the
 * mirror, else downloaded from its release: decision 0046) but for the version, the images if the
 * RC had them, then publishes like `publish`. Each step converges, so a re-run after any failure
 * goes on from where it stopped.
 */
import { join, resolve } from 'node:path';
import { GlideError } from '#contract';
import { rcArchivesFor, rcStampFor } from '../binaries/promote-proof.js';
import { createAnnotatedTag, readRepoFacts, repoRoot } from '../git.js';
import { readLedger } from '../ledger.js';
import { assertGatesPass, prepareRelease, type PrepareOptions, type PreparedRelease } from '../prepare.js';
import { assertRcBuildPublished, assertRcFilesIntact, readRcBuild, type RcBuild } from '../promote/rc-build.js';
import { assertLastRc, assertStableTagOnRc, formatPromotePlan, parsePromotion, publishedRc, type Promotion } from '../promote/rules.js';
import type { GitHubClient } from '../github/client.js';
import type { ImageSet } from '../images/promote-proof.js';
import type { CliIo } from './io.js';

export interface PromoteCommandOptions {
  /** The RC, as typed. */
  readonly rc: string | undefined;
  readonly dryRun: boolean;
  readonly prepare: PrepareOptions;
}

export async function promoteCommand(io: CliIo, options: PromoteCommandOptions): Promise<number> {
  const promotion = parsePromotion(options.rc);
  const root = await repoRoot(io.cwd);
  const outDir = resolve(io.cwd, options.prepare.out ?? resolve(root, 'dist'));
  const { tags } = await readRepoFacts(root, outDir);
  const rcTag = tags.find((tag) => tag.name === promotion.rc);
  if (!rcTag) {
    throw new GlideError('ENOTAG', `There is no tag "${promotion.rc}" in this repository: only a tagged, published RC is promoted.`, [
      'Fetch the tags (git fetch --tags) if it was made elsewhere, or check the version.',
    ]);
  }
  const stableTag = tags.find((tag) => tag.name === promotion.stable);

  const env = io.env ?? process.env;
  const log = (line: string) => io.stderr(`${line}\n`);
  const { loadConfig } = await import('../config.js');
  const { config } = await loadConfig(root);
  const { githubClientFor } = await import('../publish/stage.js');
  const client = githubClientFor(config.repo, { env, log, signal: io.signal });
  try {
    const releases = await client.listReleases();
    assertLastRc(
      promotion,
      tags.map((tag) => tag.name),
      releases.map((release) => release.tagName),
    );
    const { release: rcRelease, publishedAt } = publishedRc(
      promotion,
      releases.find((release) => release.tagName === promotion.rc),
      config.repo,
    );
    const githubTagCommit = await client.tagCommit(promotion.stable);
    assertStableTagOnRc(promotion, rcTag.commit, { git: stableTag?.commit, github: githubTagCommit });

    let prepared = await prepareRelease({
      ...options.prepare,
      tag: promotion.stable,
      rcPublishedAt: new Map([[promotion.rc, publishedAt]]),
      tagToCreateOn: rcTag,
    });
    const rc =
      (await readRcBuild(prepared.outDir, promotion, rcTag.commit)) ??
      (await fetchRc(prepared, promotion, { client, releaseId: rcRelease.id, commit: rcTag.commit, log, signal: io.signal }));
    if (options.dryRun) {
      io.stdout(
        formatPromotePlan({
          promotion,
          gates: prepared.plan.gates,
          commit: rcTag.commit,
          tagExists: stableTag !== undefined,
          githubTagCommit,
          targets: prepared.plan.targets.length,
          distros: rc.imageDistros,
        }),
      );
    }
    assertGatesPass(prepared.plan, 'promoted');
    // Refused before tagging: what the proof cannot hold (another Go, a target the RC lacks), or an RC build GitHub does not serve.
    const { plan } = prepared;
    rcStampFor(rc.facts, { tag: plan.tag, version: plan.version, commit: plan.commit, date: plan.date }, prepared.toolchain.version);
    rcArchivesFor(rc.facts, prepared.matrix.build);
    await assertRcFilesIntact(rc);
    await assertRcBuildPublished(client, rc, rcRelease.assets, prepared.outDir);
    if (options.dryRun) return 0;

    if (!stableTag) {
      await createAnnotatedTag(root, promotion.stable, rcTag.commit, `Release ${promotion.stable}`);
      io.stderr(`tagged ${promotion.stable} on ${rcTag.commit.slice(0, 12)}\n`);
      // Read again with the tag as git has it: its date ends the soak, and is the mirror's published_at.
      prepared = await prepareRelease({ ...options.prepare, tag: promotion.stable, rcPublishedAt: new Map([[promotion.rc, publishedAt]]) });
      assertGatesPass(prepared.plan, 'promoted');
    }
    if (githubTagCommit === undefined) throw tagNotOnGithub(promotion, rcTag.commit, config.repo);
    await buildAndPublish(io, prepared, promotion, rc, { env, log });
    return 0;
  } finally {
    await client.close();
  }
}

/** The RC's build from its GitHub release, and its images' distros from the registry, when the mirror has no build of it (decision 0046). */
async function fetchRc(
  prepared: PreparedRelease,
  promotion: Promotion,
  options: { client: GitHubClient; releaseId: number; commit: string; log: (line: string) => void; signal: AbortSignal },
): Promise<RcBuild> {
  const { fetchRcBuild, rcImageDistros } = await import('../promote/rc-fetch.js');
  const imageDistros = await rcImageDistros(prepared.config.images.repository, promotion.rc, options.signal);
  // The commit's date, as the build stamps it: a wrong one fails the proof, whose rebuild must give the RC's bytes.
  return fetchRcBuild({ ...options, outDir: prepared.outDir, promotion, date: prepared.plan.date, imageDistros });
}

/** Publish refuses a tag GitHub does not have (decision 0036): said before the build, which the next run does anyway. */
function tagNotOnGithub(promotion: Promotion, commit: string, repository: string): GlideError {
  return new GlideError(
    'ENOTAG',
    `${promotion.stable} is tagged on ${commit.slice(0, 12)} here, but the tag is not on GitHub (${repository}); nothing was built or published.`,
    [`Push it (git push origin ${promotion.stable}), then run glide-release promote ${promotion.rc} again: it builds and publishes.`],
  );
}

async function buildAndPublish(
  io: CliIo,
  prepared: PreparedRelease,
  promotion: Promotion,
  rc: RcBuild,
  { env, log }: { env: NodeJS.ProcessEnv; log: (line: string) => void },
): Promise<void> {
  io.stderr(`building ${promotion.stable} for ${prepared.plan.targets.length} targets, proving each against ${promotion.rc}\n`);
  const { runBinariesStage } = await import('../binaries/index.js');
  const { ledger } = await runBinariesStage(prepared, { log, signal: io.signal, promoteFrom: rc });
  io.stderr(`built ${ledger.tag}: every binary is ${promotion.rc}'s but for the version\n`);
  if (rc.imageDistros.length > 0) {
    const { runImagesStage } = await import('../images/stage.js');
    const report = await runImagesStage(prepared, { log, signal: io.signal });
    io.stderr(`built ${report.images.length} images of ${promotion.stable}\n`);
    // Before anything is pushed: a stable image that is more than the RC's re-stamped is EIMAGEPROOF.
    const { imageSetOfRelease, proveStableImages } = await import('../images/promote-proof.js');
    const stableDir = join(prepared.outDir, prepared.plan.tag);
    const stableLedger = (await readLedger(stableDir))!;
    const proof = await withRcImages(rc, prepared.config.images.repository, io.signal, async (rcImages) =>
      proveStableImages(rcImages, await imageSetOfRelease(stableDir, stableLedger)),
    );
    const platforms = proof.distros.flatMap((distro) => distro.platforms);
    const shared = new Set(platforms.flatMap((platform) => platform.sharedLayers)).size;
    io.stderr(
      `proven: ${platforms.length} images of ${promotion.stable} are ${promotion.rc}'s but for glide's layer and the version label; ${shared} layers under glide's are the RC's own blobs\n`,
    );
  }
  const { runPublish } = await import('../publish/stage.js');
  // Published as the RC was: with its images, or the GitHub release alone; the channels either way.
  await runPublish(prepared, {
    dryRun: false,
    env,
    log,
    out: io.stdout,
    signal: io.signal,
    ...(rc.imageDistros.length > 0 ? {} : { withoutImages: true }),
  });
}

/** The RC's images for the proof: its layout in the mirror, or (downloaded from GitHub, no layout) its registry, read anonymously. */
async function withRcImages<T>(rc: RcBuild, repository: string, signal: AbortSignal, use: (images: ImageSet) => Promise<T>): Promise<T> {
  const { imageSetOfRegistry, imageSetOfRelease } = await import('../images/promote-proof.js');
  if (rc.source === 'mirror') return use(await imageSetOfRelease(rc.releaseDir, rc.facts));
  const { RegistryClient } = await import('../../../src/registry/client.js');
  const { parseImageReference } = await import('../../../src/registry/reference.js');
  const target = parseImageReference(repository);
  const registry = new RegistryClient({ registry: target.registry, signal });
  try {
    return await use(await imageSetOfRegistry(registry, target.repository, rc.facts.version, rc.imageDistros));
  } finally {
    await registry.close();
  }
}
