/**
 * The Helm channel's options, under `channels.helm` in glide-release's config. Off unless the
 * config names it: a fork's release must never push a chart to Glide's registry by default.
 */
import * as z from 'zod/mini';
import { DEFAULT_DISTRO, DISTROS } from '#contract';
import { committerSchema, credentialFreeUrl, tokenEnvName } from '../git-branch-config.js';

const text = () => z.string().check(z.minLength(1));

/**
 * The classic chart repository (decision 0054): a git branch GitHub Pages serves, holding
 * index.yaml and the packaged charts, as chart-releaser keeps EinStack/charts today. Off unless given.
 */
const helmIndexSchema = z.strictObject({
  /** The Pages repository's git URL (https://, ssh, or a local path for tests). */
  repo: credentialFreeUrl(),
  branch: z._default(text(), 'gh-pages'),
  /** Where the branch is served: `helm repo add einstack {url}`; the charts' urls in index.yaml start with it. */
  url: credentialFreeUrl().check(z.regex(/^https?:\/\/[^/?#\s]+(\/[^?#\s]*)?$/, 'must be the http(s) address the branch is served at')),
  /** The environment variable holding the token for an https repo (GitHub: a token with contents:write on it). */
  tokenEnv: z._default(tokenEnvName(), 'HELM_REPO_TOKEN'),
  committer: committerSchema(),
});

export const helmChannelSchema = z.strictObject({
  /** The chart's folder in the released repository, relative to its root. */
  chart: z._default(text(), 'charts/glide'),
  /**
   * Where charts are pushed, as `helm push … oci://{registry}` takes it: a registry and a
   * namespace, no chart name (Helm appends the chart's name, as here).
   */
  registry: z._default(text(), 'ghcr.io/einstack/charts'),
  /** The image flavour the chart's default tag names: `{appVersion}-{distro}`. */
  distro: z._default(z.enum(DISTROS), DEFAULT_DISTRO),
  index: z.optional(helmIndexSchema),
});

export type HelmChannelConfig = z.infer<typeof helmChannelSchema>;
export type HelmIndexConfig = NonNullable<HelmChannelConfig['index']>;
