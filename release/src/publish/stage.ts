/**
 * `glide-release publish --only github`: reads the ledger and GitHub, plans (plan.ts), and
 * either prints the plan (`--dry-run`) or performs it. Both print the same lines, one per
 * mutation, so the dry run is exactly what the real run does.
 */
import { GlideError } from '#contract';
import { commitsBetween, tagsMergedInto } from '../git.js';
import { GitHubClient } from '../github/client.js';
import { readPublishableLedger } from '../images/publish-stage.js';
import type { ReleaseLedger } from '../ledger.js';
import type { PreparedRelease } from '../prepare.js';
import { applyGithubMutations } from './apply.js';
import { previousOfKind, releaseNotes } from './notes.js';
import { formatMutations, GITHUB_ORIGINS, planPublish, type GithubOrigins, type PublishPlan } from './plan.js';
import { readGithubWorld } from './read-world.js';

const LOOPBACK: ReadonlySet<string> = new Set(['127.0.0.1', '[::1]', 'localhost']);

export interface PublishGithubOptions {
  readonly dryRun: boolean;
  readonly env: NodeJS.ProcessEnv;
  /** Progress, to stderr. */
  readonly log: (line: string) => void;
  /** Each mutation's line, to stdout: planned (dry run) or done. */
  readonly out: (text: string) => void;
  readonly signal: AbortSignal;
}

export async function runPublishGithub(prepared: PreparedRelease, options: PublishGithubOptions): Promise<PublishPlan> {
  const ledger = await readPublishableLedger(prepared);
  const origins = githubOrigins(options.env);
  const client = new GitHubClient({
    repository: ledger.repo,
    token: githubToken(options.env),
    apiOrigin: origins.api,
    uploadsOrigin: origins.uploads,
    signal: options.signal,
    onRateLimit: (wait) => options.log(`GitHub rate limit: waiting ${Math.ceil(wait.waitMs / 1000)} s`),
  });
  try {
    const [{ world, drafts }, body] = await Promise.all([readGithubWorld(client, ledger), notesOf(prepared.root, ledger)]);
    const plan = planPublish(ledger, world, { defaultDistro: prepared.config.images.defaultDistro, body, only: 'github' });
    if (options.dryRun) {
      options.out(formatMutations(plan, origins));
      return plan;
    }
    await applyGithubMutations(plan, {
      client,
      ledger,
      drafts,
      outDir: prepared.outDir,
      done: (mutation) => options.out(formatMutations({ ...plan, mutations: [mutation] }, origins)),
    });
    options.log(
      plan.mutations.length === 0
        ? `${ledger.tag} is already published on GitHub (${ledger.repo}): nothing to do`
        : `published ${ledger.tag} on GitHub (${ledger.repo})`,
    );
    return plan;
  } finally {
    await client.close();
  }
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
  throw new GlideError('EGITHUB', 'publish needs a GitHub token: GITHUB_TOKEN (or GH_TOKEN) is not set.', [
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
