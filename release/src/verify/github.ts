/**
 * Reads a published GitHub release as anyone would (decision 0040): the release on the tag,
 * which release is "latest", and every asset downloaded and hashed as it streams. Anonymous
 * unless GLIDE_GITHUB_TOKEN, GH_TOKEN or GITHUB_TOKEN is set; no repository, no ledger.
 */
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { Parser } from 'tar';
import { archiveFormat, binaryName, checksumsName, GlideError, parseArchiveName } from '#contract';
import { runPool } from '../binaries/pool.js';
import { GitHubClient, type BodyTap, type GitHubAsset } from '../github/client.js';
import { githubOrigins } from '../publish/stage.js';
import { githubTokenFromEnv } from '../../../src/settings.js';
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
    token: githubTokenFromEnv(env)?.value ?? '',
    apiOrigin: origins.api,
    uploadsOrigin: origins.uploads,
    signal: options.signal,
    onRateLimit: (wait) => options.log(`GitHub rate limit: waiting ${Math.ceil(wait.waitMs / 1000)} s`),
  });
  try {
    const [releases, latest, tagCommit] = await Promise.all([client.listReleases(), client.latestRelease(), client.tagCommit(version)]);
    const onTag = releases.filter((release) => release.tagName === version);
    if (onTag.length > 1) {
      throw new GlideError('EGITHUB', `${repo} has ${onTag.length} releases on the tag ${version}.`, [
        'Delete the extra drafts on GitHub (Releases → the draft → Delete), then verify again.',
      ]);
    }
    const release = onTag[0];
    const publishedTags = releases.filter((other) => !other.draft).map((other) => other.tagName);
    const base = { version, repo, publishedTags, ...(latest ? { latestTag: latest.tagName } : {}), ...(tagCommit ? { tagCommit } : {}) };
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
  const archive = parseArchiveName(asset.name);
  // A Linux archive's binary is what the images must hold: it is read from the same download.
  if (archive?.target.os !== 'linux' || archiveFormat(archive.target.os) !== 'tar.gz') {
    return { ...facts, downloadedDigest: await client.downloadAssetDigest(asset) };
  }
  let reader: ArchiveBinaryReader | undefined;
  const downloadedDigest = await client.downloadAssetDigest(asset, () => (reader = new ArchiveBinaryReader(binaryName(archive.target.os))));
  return { ...facts, downloadedDigest, binary: await reader!.finish() };
}

/** Hashes one file of a .tar.gz as the archive streams past: the binary at the archive's root. */
class ArchiveBinaryReader implements BodyTap {
  readonly #name: string;
  readonly #parser: Parser;
  readonly #done: Promise<void>;
  #digest: string | undefined;
  #problem: string | undefined;

  constructor(name: string) {
    this.#name = name;
    this.#parser = new Parser({
      onwarn: (code, message) => (this.#problem ??= `${code}: ${message}`),
      onReadEntry: (entry) => {
        if (this.#digest !== undefined || entry.type !== 'File' || posix.normalize(entry.path) !== name) {
          entry.resume();
          return;
        }
        const hash = createHash('sha256');
        entry.on('data', (chunk: Buffer) => hash.update(chunk));
        entry.on('end', () => (this.#digest = `sha256:${hash.digest('hex')}`));
      },
    });
    this.#done = new Promise((resolve) => {
      this.#parser.on('end', () => resolve());
      this.#parser.on('error', (error: Error) => {
        this.#problem ??= error.message;
        resolve();
      });
    });
  }

  write(chunk: Uint8Array): void {
    this.#parser.write(Buffer.from(chunk));
  }

  /** `sha256:…` of the binary, or why it could not be read. */
  async finish(): Promise<{ readonly digest: string } | { readonly problem: string }> {
    this.#parser.end();
    await this.#done;
    if (this.#digest !== undefined) return { digest: this.#digest };
    return { problem: this.#problem ?? `the archive holds no ${this.#name}` };
  }
}

function sha256(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}
