/**
 * `glide-release publish` (and `--only github`): reads the ledger, GitHub and the registry,
 * plans (plan.ts), and either prints the plan (`--dry-run`) or performs it. Both print the same lines, one per
 * mutation, so the dry run is exactly what the real run does.
 */
import { join } from 'node:path';
import { GlideError } from '#contract';
import { isHttpsOrLoopback } from '../../../src/net/http.js';
import { githubTokenFromEnv } from '../../../src/settings.js';
import { commitsBetween, tagsMergedInto } from '../git.js';
import { GitHubClient } from '../github/client.js';
import { moveImageTag, publishImages } from '../images/publish.js';
import { readPublishableLedger, registryClientFor } from '../images/publish-stage.js';
import type { ReleaseLedger } from '../ledger.js';
import type { PreparedRelease } from '../prepare.js';
import { applyGithubMutations } from './apply.js';
import { applyChannelMutations, isPlannedOnly, planChannels, type ChannelMutation, type ChannelsPlan } from './channels.js';
import { previousOfKind, releaseNotes } from './notes.js';
import { builtImages, formatMutations, GITHUB_ORIGINS, planPublish, type GithubOrigins, type Mutation, type PublishPlan } from './plan.js';
import { readGithubWorld, readRegistryTags } from './read-world.js';

export interface PublishOptions {
  readonly dryRun: boolean;
  /**
   * `github`: the GitHub release alone (`--only github`); `channels`: the enabled channels alone,
   * once the release is public; otherwise the whole ordered publish, channels last.
   */
  readonly only?: 'github' | 'channels';
  /** The whole publish of a release built without images (promote of an RC that had none): the GitHub release, then the channels. */
  readonly withoutImages?: boolean;
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
  const images = options.only === undefined && !options.withoutImages ? builtImages(ledger) : undefined;
  const origins = githubOrigins(options.env);
  const client = githubClientFor(ledger.repo, options);
  const registry = images ? await registryClientFor(images.repository, options) : undefined;
  let channels: ChannelsPlan | undefined;
  try {
    const [{ world: githubWorld, drafts }, notes, registryTags] = await Promise.all([
      readGithubWorld(client, ledger),
      notesOf(prepared.root, ledger),
      images && registry ? readRegistryTags(registry, images.repository) : new Map<string, string>(),
    ]);
    const world = { ...githubWorld, registryTags };
    const defaultDistro = prepared.config.images.defaultDistro;
    const core = planPublish(ledger, world, { defaultDistro, body: notes.body, ...(options.only || options.withoutImages ? { only: 'github' } : {}) });
    if (options.only === 'channels') assertReleasePublic(core);
    channels =
      options.only === 'github'
        ? undefined
        : await planChannels({
            ledger,
            config: prepared.config.channels,
            repoRoot: prepared.root,
            outDir: prepared.outDir,
            publishedVersions: world.publishedTags,
            changes: notes.commits.map((commit) => commit.subject),
            env: options.env,
            log: options.log,
            signal: options.signal,
          });
    const plan: PublishPlan = {
      ...core,
      mutations: [...(options.only === 'channels' ? [] : core.mutations), ...(channels?.mutations ?? [])],
      notes: channels?.notes ?? [],
    };
    if (options.dryRun) {
      options.out(formatMutations(plan, origins));
      return plan;
    }
    const done = (mutation: Mutation) => options.out(formatMutations({ ...plan, mutations: [mutation], notes: [] }, origins));
    const layout = images ? join(prepared.outDir, ledger.tag, images.layout) : '';
    const pushes = plan.mutations.filter((mutation) => mutation.kind === 'push-image');
    if (images && registry && pushes.length > 0) {
      // One push of the layout, version tags only: blobs and manifests are shared between distros.
      await publishImages({ layout, repository: images.repository, version: ledger.version, defaultDistro, client: registry, movingTags: false });
      pushes.forEach(done);
    }
    const githubMutations = plan.mutations.filter(isGithubMutation);
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
    if (channels) {
      await applyChannelMutations(channels, { ledger, config: prepared.config.channels, outDir: prepared.outDir, env: options.env, log: options.log }, done);
      if (plan.notes?.length) options.out(plan.notes.map((note) => `# ${note}\n`).join(''));
    }
    options.log(summary(ledger, plan, images?.repository));
    return plan;
  } finally {
    await Promise.all([client.close(), registry?.close(), channels?.helm?.client.close()]);
  }
}

const CHANNEL_KINDS: ReadonlySet<Mutation['kind']> = new Set(['push-chart', 'push-helm-index', 'push-formula', 'snap-upload', 'snap-push', 'push-chocolatey']);

function isChannelMutation(mutation: Mutation): mutation is ChannelMutation {
  return CHANNEL_KINDS.has(mutation.kind);
}

function isGithubMutation(mutation: Mutation): boolean {
  return mutation.kind !== 'push-image' && mutation.kind !== 'move-image-tag' && !isChannelMutation(mutation);
}

/** `--only channels` points the channels at the public release's assets: it must be out, complete, first. */
function assertReleasePublic(core: PublishPlan): void {
  if (core.mutations.length === 0) return;
  throw new GlideError('ERELEASECONFLICT', `${core.tag} is not published on GitHub yet; the channels point at its assets, so nothing was planned.`, [
    'Run glide-release publish (or publish --only github) first, then publish --only channels.',
  ]);
}

/** The last line: what was done, and, said plainly, what was only planned. */
function summary(ledger: ReleaseLedger, plan: PublishPlan, imageRepository: string | undefined): string {
  const where = `GitHub (${ledger.repo})${imageRepository ? ` and ${imageRepository}` : ''}`;
  const plannedOnly = plan.mutations.filter((mutation) => isChannelMutation(mutation) && isPlannedOnly(mutation)).length;
  const performed = plan.mutations.length - plannedOnly;
  const head = performed === 0 ? `${ledger.tag} is already published on ${where}: nothing to do` : `published ${ledger.tag} on ${where}`;
  return plannedOnly === 0
    ? head
    : `${head}; ${plannedOnly} channel request${plannedOnly === 1 ? '' : 's'} (Snap Store, Chocolatey feed) planned only, not sent: send ${plannedOnly === 1 ? 'it' : 'them'} by hand`;
}

/** The release client of `repository`, with the token and origins from the environment (promote's too). */
export function githubClientFor(repository: string, options: Pick<PublishOptions, 'env' | 'log' | 'signal'>): GitHubClient {
  const origins = githubOrigins(options.env);
  return new GitHubClient({
    repository,
    token: githubToken(options.env),
    apiOrigin: origins.api,
    uploadsOrigin: origins.uploads,
    mutationPauseMs: mutationPause(options.env, origins),
    signal: options.signal,
    onRateLimit: (wait) => options.log(`GitHub rate limit: waiting ${Math.ceil(wait.waitMs / 1000)} s`),
  });
}

/** The release notes, and the commits they list (the chart's ArtifactHub changes). */
async function notesOf(root: string, ledger: ReleaseLedger): Promise<{ body: string; commits: readonly { id: string; subject: string }[] }> {
  const mergedTags = await tagsMergedInto(root, ledger.tag);
  const commits = await commitsBetween(root, previousOfKind(ledger.version, mergedTags), ledger.tag);
  return { body: releaseNotes({ ledger, mergedTags, commits }), commits };
}

/** As all three tools read it: `GLIDE_GITHUB_TOKEN`, else the `gh` CLI's `GH_TOKEN`, else GitHub Actions' `GITHUB_TOKEN`. */
function githubToken(env: NodeJS.ProcessEnv): string {
  const token = githubTokenFromEnv(env);
  if (token) return token.value;
  throw new GlideError('EGITHUB', 'Publishing to GitHub needs a token: none of GLIDE_GITHUB_TOKEN, GH_TOKEN or GITHUB_TOKEN is set.', [
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

/**
 * The pause between two writes. GitHub asks for a second at least (its secondary rate limits) and
 * github.com always gets that; another server (GitHub Enterprise, the tests' stand-in) may be
 * given its own, in milliseconds, with GLIDE_RELEASE_GITHUB_MUTATION_PAUSE_MS.
 */
export function mutationPause(env: NodeJS.ProcessEnv, origins: GithubOrigins): number | undefined {
  const value = env.GLIDE_RELEASE_GITHUB_MUTATION_PAUSE_MS?.trim();
  if (!value) return undefined;
  if (origins.api === GITHUB_ORIGINS.api) {
    throw new GlideError(
      'ECONFIG',
      'GLIDE_RELEASE_GITHUB_MUTATION_PAUSE_MS is set, but the release goes to github.com, whose limits ask for 1 s between writes.',
      ['Unset it; it is only for a GitHub Enterprise server or a stand-in named by GLIDE_RELEASE_GITHUB_API_URL.'],
    );
  }
  if (!/^\d{1,5}$/.test(value) || Number(value) > 60_000) {
    throw new GlideError('ECONFIG', `GLIDE_RELEASE_GITHUB_MUTATION_PAUSE_MS is ${JSON.stringify(value)}, not a number of milliseconds from 0 to 60000.`, [
      'Set it to the pause your server needs between writes, such as 250, or unset it for 1 s.',
    ]);
  }
  return Number(value);
}

function origin(value: string, name: string): string {
  try {
    const url = new URL(value);
    // The token goes there: in the clear only to this machine (a stand-in).
    if (isHttpsOrLoopback(url)) return url.origin;
  } catch {
    // Said below.
  }
  throw new GlideError('ECONFIG', `${name} is not an https URL (http only for 127.0.0.1, ::1 or localhost): the token is sent there.`, [
    'Set it to an origin such as https://api.github.com.',
  ]);
}
