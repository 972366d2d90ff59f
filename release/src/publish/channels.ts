/**
 * The package-manager channels' part of publish (decision 0051): each channel the config names
 * is built from the ledger and planned against what it holds now, in a fixed order (Helm, then
 * Homebrew, then Snap, then Chocolatey), after the GitHub release is public, since every channel
 * points at its assets. Helm and Homebrew are applied; Snap and Chocolatey are planned only, against
 * what their stores hold (decision 0052).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RegistryClient } from '../../../src/registry/client.js';
import { buildHelmChart, type BuiltChart } from '../channels/helm/index.js';
import { applyHelmIndex, readHelmIndexState } from '../channels/helm/pages.js';
import { describeHelmIndexMutation, planHelmIndex, type HelmIndexMutation } from '../channels/helm/repo-index.js';
import { applyHelm, describeHelmMutation, helmPushTarget, planHelm, readHelmState, type HelmMutation, type HelmPushTarget } from '../channels/helm/plan.js';
import { applyChocolatey, formatChocolateyMutations, planChocolatey, type ChocolateyPush } from '../channels/chocolatey/plan.js';
import { formatHomebrewPlan, planHomebrew, type PushFormula } from '../channels/homebrew/plan.js';
import { applyHomebrew, readTapState } from '../channels/homebrew/tap.js';
import { applySnapMutations } from '../channels/snap/apply.js';
import { packSnaps } from '../channels/snap/pack.js';
import { formatSnapMutations, planSnap, type SnapMutation } from '../channels/snap/plan.js';
import type { HelmChannelConfig } from '../channels/helm/config.js';
import type { ReleaseConfig } from '../config.js';
import { exportCommit } from '../git.js';
import { registryClientFor } from '../images/publish-stage.js';
import type { ReleaseLedger } from '../ledger.js';
import { readStores, type StoreRead } from './stores.js';

export type ChannelMutation = HelmMutation | HelmIndexMutation | PushFormula | SnapMutation | ChocolateyPush;

/** The stores publish holds no login for: their requests are shown, never sent. */
export const PLANNED_ONLY = '(planned only: not sent)';

export function isPlannedOnly(mutation: ChannelMutation): boolean {
  return mutation.kind === 'snap-upload' || mutation.kind === 'snap-push' || mutation.kind === 'push-chocolatey';
}

/** One line, the channel's own formatter's, marked when the request is never sent. */
export function formatChannelMutation(mutation: ChannelMutation): string {
  switch (mutation.kind) {
    case 'push-chart':
      return describeHelmMutation(mutation);
    case 'push-helm-index':
      return describeHelmIndexMutation(mutation);
    case 'push-formula':
      return `homebrew: ${formatHomebrewPlan({ mutations: [mutation] }).trimEnd()}`;
    case 'snap-upload':
    case 'snap-push':
      return `snap: ${formatSnapMutations([mutation]).trimEnd()} ${PLANNED_ONLY}`;
    case 'push-chocolatey':
      return `chocolatey: ${formatChocolateyMutations({ tag: '', fileName: mutation.fileName, mutations: [mutation] }).trimEnd()} ${PLANNED_ONLY}`;
  }
}

export interface ChannelsPlan {
  readonly mutations: readonly ChannelMutation[];
  /**
   * Printed as `# …` lines: why an enabled channel gets nothing although the release is new to it
   * (Homebrew and an RC), and which store could not be read (its requests stay planned).
   */
  readonly notes: readonly string[];
  /** What the applier needs beyond the mutations: the chart's bytes and where they go, the registry client. */
  readonly helm?: { readonly chart: BuiltChart; readonly target: HelmPushTarget; readonly client: RegistryClient };
}

export interface ChannelsContext {
  readonly ledger: ReleaseLedger;
  readonly config: ReleaseConfig['channels'];
  /** The released repository's checkout: the chart folder is read from the ledger's commit in it. */
  readonly repoRoot: string;
  readonly outDir: string;
  /** Every release version out on GitHub: where Snap's `latest` risk levels stand. */
  readonly publishedVersions: readonly string[];
  /** The commit subjects since the previous release: the chart's `artifacthub.io/changes`. */
  readonly changes: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly log: (line: string) => void;
  readonly signal: AbortSignal;
}

/**
 * Builds and plans each enabled channel against what it holds, so a re-run plans nothing where
 * the last run's requests arrived. The Snap Store and the Chocolatey feed are read while Helm
 * and Homebrew are; one that cannot be read keeps its requests planned, with a note.
 */
export async function planChannels(context: ChannelsContext): Promise<ChannelsPlan> {
  const { ledger, config } = context;
  const mutations: ChannelMutation[] = [];
  const notes: string[] = [];
  const stores = readStores(context);
  // Awaited below, after Helm and Homebrew; a failure meanwhile must not leave it unhandled.
  stores.catch(() => {});
  let helm: ChannelsPlan['helm'];
  if (config.helm) {
    const chart = await chartAtCommit(context, config.helm);
    const target = helmPushTarget(config.helm, chart.name);
    const client = await registryClientFor(`${target.registry}/${target.repository}`, context);
    try {
      const state = await readHelmState(client, target, chart.artifact.tag);
      mutations.push(...planHelm(ledger, config.helm, chart, state));
      if (config.helm.index) {
        const pages = await readHelmIndexState(config.helm.index, chart, { env: context.env, log: context.log });
        mutations.push(...planHelmIndex(ledger, config.helm.index, chart, pages));
      }
    } catch (error) {
      await client.close();
      throw error;
    }
    helm = { chart, target, client };
  }
  try {
    if (config.homebrew) {
      const plan = planHomebrew(ledger, config.homebrew, await readTapState(config.homebrew, { env: context.env, log: context.log }));
      mutations.push(...plan.mutations);
      if (plan.left) notes.push(`homebrew: nothing pushed: ${plan.left}`);
    }
    if (config.snap) {
      const snaps = await packSnaps(ledger, config.snap, { outDir: context.outDir, signal: context.signal });
      const store = (await stores).snap!;
      mutations.push(
        ...planSnap(ledger, config.snap, snaps, {
          channelMap: heldOrNothing(store, [], notes, 'snap: the Snap Store'),
          publishedVersions: context.publishedVersions,
        }),
      );
    }
    if (config.chocolatey) {
      const feed = (await stores).chocolatey!;
      mutations.push(...(await planChocolatey(ledger, config.chocolatey, heldOrNothing(feed, new Map(), notes, 'chocolatey: the community feed'))).mutations);
    }
  } catch (error) {
    await helm?.client.close();
    throw error;
  }
  return { mutations, notes, ...(helm ? { helm } : {}) };
}

/**
 * What the store holds; when it could not be read, nothing, and a note saying so: the requests
 * are only ever sent by hand, so planning them costs nothing, and the GitHub release and the other
 * channels do not wait for a store that is down (decision 0052).
 */
function heldOrNothing<T>(store: StoreRead<T>, nothing: T, notes: string[], which: string): T {
  if ('held' in store) return store.held;
  notes.push(`${which} was not read, so its requests are planned as if it held nothing; look at it before sending them. ${store.unread}`);
  return nothing;
}

/**
 * The chart as the release's commit has it, like the binaries: the checkout may stand on
 * another commit (a maintenance tag published from main), and an ignored file in the chart
 * folder must not be packaged.
 */
async function chartAtCommit(context: ChannelsContext, config: HelmChannelConfig): Promise<BuiltChart> {
  const scratch = await mkdtemp(join(tmpdir(), 'glide-release-chart-'));
  try {
    const tree = join(scratch, 'tree');
    await exportCommit(context.repoRoot, context.ledger.commit, tree);
    return await buildHelmChart({ repoRoot: tree, config, ledger: context.ledger, changes: context.changes });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * Performs the channels' mutations in the plan's order: Helm pushed, Homebrew committed and
 * pushed, Chocolatey's package written into `{out}/{tag}/chocolatey/` for a maintainer to push.
 * `done` is told after each, planned-only ones included (their line says so).
 */
export async function applyChannelMutations(
  plan: ChannelsPlan,
  context: Pick<ChannelsContext, 'ledger' | 'config' | 'outDir' | 'env' | 'log'>,
  done: (mutation: ChannelMutation) => void,
): Promise<void> {
  for (const mutation of plan.mutations) {
    switch (mutation.kind) {
      case 'push-chart':
        // planChannels sets helm whenever it plans a chart.
        await applyHelm(plan.helm!.client, plan.helm!.target, plan.helm!.chart.artifact);
        break;
      case 'push-helm-index':
        await applyHelmIndex(context.ledger, context.config.helm!.index!, plan.helm!.chart, mutation, { env: context.env, log: context.log });
        break;
      case 'push-formula':
        await applyHomebrew(context.ledger, context.config.homebrew!, { mutations: [mutation] }, { env: context.env, log: context.log });
        break;
      case 'push-chocolatey': {
        const dir = join(context.outDir, context.ledger.tag, 'chocolatey');
        const { written } = await applyChocolatey({ tag: context.ledger.tag, fileName: mutation.fileName, mutations: [mutation] }, dir);
        context.log(`chocolatey: ${written.join(', ')} written; push it with choco push and the feed's API key`);
        break;
      }
      case 'snap-upload':
        break;
      case 'snap-push':
        // Nothing is sent: the maintainer, logged in to the store, runs what makes these requests.
        for (const command of applySnapMutations([mutation], context.outDir).commands) context.log(`snap: not sent; upload it with ${command}`);
        break;
    }
    done(mutation);
  }
}
