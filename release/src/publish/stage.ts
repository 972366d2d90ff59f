/**
 * `glide-release publish` (and `--only github`): reads the ledger, GitHub and the registry,
 * plans (plan.ts), and either prints the plan (`--dry-run`) or performs it. Both print the same lines, one per
 * mutation, so the dry run is exactly what the real run does.
 */
import { join } from 'node:path';
import { GlideError } from '#contract';
import { commitsBetween, tagsMergedInto } from '../git.js';
import { GitHubClient } from '../github/client.js';
import { moveImageTag, publishImages } from '../images/publish.js';
import { readPublishableLedger, registryClientFor } from '../images/publish-stage.js';
import type { ReleaseLedger } from '../ledger.js';
import type { PreparedRelease } from '../prepare.js';
import { applyGithubMutations } from './apply.js';
import { previousOfKind, releaseNotes } from './notes.js';
import { builtImages, formatMutations, GITHUB_ORIGINS, planPublish, type GithubOrigins, type Mutation, type PublishPlan } from './plan.js';
import { readGithubWorld, readRegistryTags } from './read-world.js';

const LOOPBACK: ReadonlySet<string> = new Set(['127.0.0.1', '[::1]', 'localhost']);

export interface PublishOptions {
  readonly dryRun: boolean;
  /** `github`: the GitHub release alone (`--only github`); otherwise the whole ordered publish. */
  readonly only?: 'github';
  readonly env: NodeJS.ProcessEnv;
  /** Progress, to stderr. */
  readonly log: (line: string) => void;
  /** Each mutation's line, to stdout: planned (dry run) or done. */
  readonly out: (text: string) => void;
  readonly signal: AbortSignal;
}

/**
 * Reads GitHub and (for the whole publish) the registry, plans, then prints or performs, in
 * the plan's order: the images by version tag, the GitHub release, then the moving image tags,
 * so `latest` never names an image whose release is not public yet.
 */
export async function runPublish(prepared: PreparedRelease, options: PublishOptions): Promise<PublishPlan> {
  const ledger = await readPublishableLedger(prepared);
  const images = options.only === 'github' ? undefined : builtImages(ledger);
  const origins = githubOrigins(options.env);
  const client = githubClientFor(ledger.repo, options);
  const registry = images ? await registryClientFor(images.repository, options) : undefined;
  try {
    const [{ world: githubWorld, drafts }, body, registryTags] = await Promise.all([
      readGithubWorld(client, ledger),
      notesOf(prepared.root, ledger),
      images && registry ? readRegistryTags(registry, images.repository) : new Map<string, string>(),
    ]);
    const world = { ...githubWorld, registryTags };
    const defaultDistro = prepared.config.images.defaultDistro;
    const plan = planPublish(ledger, world, { defaultDistro, body, ...(options.only ? { only: options.only } : {}) });
    if (options.dryRun) {
      options.out(formatMutations(plan, origins));
      return plan;
    }
    const done = (mutation: Mutation) => options.out(formatMutations({ ...plan, mutations: [mutation] }, origins));
    const layout = images ? join(prepared.outDir, ledger.tag, images.layout) : '';
    const pushes = plan.mutations.filter((mutation) => mutation.kind === 'push-image');
    if (images && registry && pushes.length > 0) {
      // One push of the layout, version tags only: blobs and manifests are shared between distros.
      await publishImages({ layout, repository: images.repository, version: ledger.version, defaultDistro, client: registry, movingTags: false });
      pushes.forEach(done);
    }
    const githubMutations = plan.mutations.filter((mutation) => mutation.kind !== 'push-image' && mutation.kind !== 'move-image-tag');
    await applyGithubMutations({ ...plan, mutations: githubMutations }, { client, ledger, drafts, outDir: prepared.outDir, done });
    for (const mutation of plan.mutations) {
      if (mutation.kind !== 'move-image-tag' || !images || !registry) continue;
      await moveImageTag({
        layout,
        repository: images.repository,
        tag: mutation.ref.slice(images.repository.length + 1),
        digest: mutation.digest,
        client: registry,
      });
      done(mutation);
    }
    options.log(
      plan.mutations.length === 0
        ? `${ledger.tag} is already published${images ? ` on GitHub (${ledger.repo}) and ${images.repository}` : ` on GitHub (${ledger.repo})`}: nothing to do`
        : `published ${ledger.tag} on GitHub (${ledger.repo})${images ? ` and ${images.repository}` : ''}`,
    );
    return plan;
  } finally {
    await Promise.all([client.close(), registry?.close()]);
  }
}

/** The release client of `repository`, with the token and origins from the environment (promote's too). */
export function githubClientFor(repository: string, options: Pick<PublishOptions, 'env' | 'log' | 'signal'>): GitHubClient {
  const origins = githubOrigins(options.env);
  return new GitHubClient({
    repository,
    token: githubToken(options.env),
    apiOrigin: origins.api,
    uploadsOrigin: origins.uploads,
    signal: options.signal,
    onRateLimit: (wait) => options.log(`GitHub rate limit: waiting ${Math.ceil(wait.waitMs / 1000)} s`),
  });
}

async function notesOf(root: string, ledger: ReleaseLedger): Promise<string> {
  const mergedTags = await tagsMergedInto(root, ledger.tag);
  const commits = await commitsBetween(root, previousOfKind(ledger.version, mergedTags), ledger.tag);
  return releaseNotes({ ledger, mergedTags, commits });
}

/** GitHub Actions' `GITHUB_TOKEN`, else the `gh` CLI's `GH_TOKEN`. */
function githubToken(env: NodeJS.ProcessEnv): string {
  const token = env.GITHUB_TOKEN?.trim() || env.GH_TOKEN?.trim();
  if (token) return token;
  throw new GlideError('EGITHUB', 'Publishing to GitHub needs a token: GITHUB_TOKEN (or GH_TOKEN) is not set.', [
    'Set GITHUB_TOKEN to a token with "contents: write" on the repository (in GitHub Actions: permissions: contents: write), then run again.',
  ]);
}

/** GitHub's, or GitHub Enterprise's (and the tests' stand-in) when both are set. */
export function githubOrigins(env: NodeJS.ProcessEnv): GithubOrigins {
  const api = env.GLIDE_RELEASE_GITHUB_API_URL?.trim();
  const uploads = env.GLIDE_RELEASE_GITHUB_UPLOADS_URL?.trim();
  if (!api && !uploads) return GITHUB_ORIGINS;
  if (!api || !uploads) {
    throw new GlideError('ECONFIG', 'GLIDE_RELEASE_GITHUB_API_URL and GLIDE_RELEASE_GITHUB_UPLOADS_URL go together: one is set without the other.', [
      'Set both to origins (scheme, host and port), or neither for github.com.',
    ]);
  }
  return { api: origin(api, 'GLIDE_RELEASE_GITHUB_API_URL'), uploads: origin(uploads, 'GLIDE_RELEASE_GITHUB_UPLOADS_URL') };
}

function origin(value: string, name: string): string {
  try {
    const url = new URL(value);
    // The token goes there: in the clear only to this machine (a stand-in).
    if (url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname))) return url.origin;
  } catch {
    // Said below.
  }
  throw new GlideError('ECONFIG', `${name} is not an https URL (http only for 127.0.0.1, ::1 or localhost): the token is sent there.`, [
    'Set it to an origin such as https://api.github.com.',
  ]);
}
