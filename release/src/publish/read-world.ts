/**
 * The reader half of publish: GitHub as the planner sees it (world.ts), read through the
 * release client. Assets GitHub gives no digest for (uploaded before 2025) are downloaded and
 * hashed here, so the plan never guesses. The registry's tags are read with the registry client.
 */
import type { RegistryClient } from '../../../src/registry/client.js';
import { parseImageReference } from '../../../src/registry/reference.js';
import type { GitHubClient, GitHubRelease } from '../github/client.js';
import type { ReleaseLedger } from '../ledger.js';
import { assetsToHash, type GithubRelease, type PublishWorld } from './world.js';

/**
 * The world of `publish --only github` (the registry is not read: no image mutation is
 * planned), and the tag's drafts as the client gave them, for their upload addresses.
 */
export async function readGithubWorld(client: GitHubClient, ledger: ReleaseLedger): Promise<{ world: PublishWorld; drafts: GitHubRelease[] }> {
  const [all, latest, tagCommit] = await Promise.all([client.listReleases(), client.latestRelease(), client.tagCommit(ledger.tag)]);
  const ofTag = all.filter((release) => release.tagName === ledger.tag);
  const world: PublishWorld = {
    releases: await Promise.all(ofTag.map((release) => asWorldRelease(client, ledger, release))),
    tagCommit,
    publishedTags: all.filter((release) => !release.draft).map((release) => release.tagName),
    latestTag: latest?.tagName,
    registryTags: new Map(),
  };
  return { world, drafts: ofTag.filter((release) => release.draft) };
}

/** A client release as the planner takes it, every ledger asset's digest known. */
export async function asWorldRelease(client: GitHubClient, ledger: ReleaseLedger, release: GitHubRelease): Promise<GithubRelease> {
  const seen: GithubRelease = {
    id: release.id,
    tag: release.tagName,
    name: release.name ?? '',
    body: release.body ?? '',
    draft: release.draft,
    prerelease: release.prerelease,
    assets: release.assets.map((asset) => ({
      id: asset.id,
      name: asset.name,
      size: asset.size,
      state: asset.state,
      ...(asset.digest ? { digest: asset.digest } : {}),
    })),
  };
  const toHash = new Set(assetsToHash(ledger, seen).map((asset) => asset.id));
  if (toHash.size === 0) return seen;
  const digests = new Map(
    await Promise.all(release.assets.filter((asset) => toHash.has(asset.id)).map(async (asset) => [asset.id, await client.assetDigest(asset)] as const)),
  );
  return { ...seen, assets: seen.assets.map((asset) => (digests.has(asset.id) ? { ...asset, digest: digests.get(asset.id)! } : asset)) };
}

/**
 * The image repository's tags with the digest each names (one HEAD a tag): the plan compares
 * the version tags and moving tags by digest, and decides "latest" from the tag names.
 */
export async function readRegistryTags(client: RegistryClient, repository: string): Promise<Map<string, string>> {
  const { repository: path } = parseImageReference(repository);
  const tags = new Map<string, string>();
  for (const tag of await client.listTags(path)) {
    const digest = await client.manifestDigest(path, tag);
    // A tag deleted between the list and the HEAD names nothing any more.
    if (digest !== undefined) tags.set(tag, digest);
  }
  return tags;
}
