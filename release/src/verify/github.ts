/**
 * Reads a published GitHub release as anyone would (decision 0040): the release on the tag,
 * which release is "latest", and every asset downloaded and hashed as it streams. Anonymous
 * unless GITHUB_TOKEN or GH_TOKEN is set; no repository, no ledger.
 */
import { createHash } from 'node:crypto';
import { checksumsName, GlideError } from '#contract';
import { runPool } from '../binaries/pool.js';
import { GitHubClient, type GitHubAsset } from '../github/client.js';
import { githubOrigins } from '../publish/stage.js';
import type { GithubReleaseFacts, ReleaseAssetFacts } from './report.js';

/** A checksums file of a few hundred targets is a few tens of kB. */
const MAX_CHECKSUMS_BYTES = 1024 * 1024;
/** Downloads at once: enough to fill a link, few enough to stay under GitHub's abuse limits. */
const PARALLEL_DOWNLOADS = 4;

export interface ReadGithubReleaseOptions {
  readonly repo: string;
  readonly version: string;
  readonly env: NodeJS.ProcessEnv;
  readonly log: (line: string) => void;
  readonly signal: AbortSignal;
}

export async function readGithubReleaseFacts(options: ReadGithubReleaseOptions): Promise<GithubReleaseFacts> {
  const { repo, version, env } = options;
  const origins = githubOrigins(env);
  const client = new GitHubClient({
    repository: repo,
    token: env.GITHUB_TOKEN?.trim() || env.GH_TOKEN?.trim() || '',
    apiOrigin: origins.api,
    uploadsOrigin: origins.uploads,
    signal: options.signal,
    onRateLimit: (wait) => options.log(`GitHub rate limit: waiting ${Math.ceil(wait.waitMs / 1000)} s`),
  });
  try {
    const [releases, latest] = await Promise.all([client.listReleases(), client.latestRelease()]);
    const onTag = releases.filter((release) => release.tagName === version);
    if (onTag.length > 1) {
      throw new GlideError('EGITHUB', `${repo} has ${onTag.length} releases on the tag ${version}.`, [
        'Delete the extra drafts on GitHub (Releases → the draft → Delete), then verify again.',
      ]);
    }
    const release = onTag[0];
    const publishedTags = releases.filter((other) => !other.draft).map((other) => other.tagName);
    const base = { version, repo, publishedTags, ...(latest ? { latestTag: latest.tagName } : {}) };
    if (!release || release.draft) return { ...base, assets: [], ...(release ? { release } : {}) };
    // The release's own list can be cut short on releases with many assets; the assets endpoint pages.
    const assets = await client.listAssets(release.id);
    const checksums = assets.find((asset) => asset.name === checksumsName(version) && asset.state === 'uploaded');
    const checksumsBytes = checksums && (await client.downloadSmallAsset(checksums, MAX_CHECKSUMS_BYTES));
    // The checksums file is hashed from the bytes already read, not downloaded twice.
    const facts = await runPool(
      assets,
      PARALLEL_DOWNLOADS,
      (asset) => assetFacts(client, asset, asset === checksums ? checksumsBytes : undefined, options.log),
      options.signal,
    );
    const checksumsText = checksumsBytes?.toString('utf8');
    return { ...base, release, assets: facts, ...(checksumsText === undefined ? {} : { checksumsText }) };
  } finally {
    await client.close();
  }
}

async function assetFacts(client: GitHubClient, asset: GitHubAsset, alreadyRead: Buffer | undefined, log: (line: string) => void): Promise<ReleaseAssetFacts> {
  const facts = { name: asset.name, state: asset.state, githubDigest: asset.digest };
  if (asset.state !== 'uploaded') return facts;
  if (alreadyRead) return { ...facts, downloadedDigest: sha256(alreadyRead) };
  log(`downloading ${asset.name} (${asset.size} bytes)`);
  return { ...facts, downloadedDigest: await client.downloadAssetDigest(asset) };
}

function sha256(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}
