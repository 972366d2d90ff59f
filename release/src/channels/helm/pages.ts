/**
 * The classic chart repository's branch as git sees it (the shared plumbing of
 * ../git-branch.ts): read for the plan, then the planned commit pushed, planned again once if
 * another release moved the branch meanwhile.
 */
import { pushToBranch, readBranch, type BranchState, type GitBranchErrors, type GitBranchOptions, type GitBranchTarget } from '../git-branch.js';
import type { ReleaseLedger } from '../../ledger.js';
import type { HelmIndexConfig } from './config.js';
import type { BuiltChart } from './index.js';
import { indexPaths, planHelmIndex, type HelmIndexMutation } from './repo-index.js';

function pagesTarget(config: HelmIndexConfig): GitBranchTarget {
  return { remote: config.repo, branch: config.branch, tokenEnv: config.tokenEnv, committer: config.committer };
}

function pagesErrors(config: HelmIndexConfig): GitBranchErrors {
  return {
    what: 'the Helm chart repository',
    label: 'helm',
    read: {
      code: 'EHELMINDEX',
      hint: `Check channels.helm.index.repo (${config.repo}) and branch (${config.branch}); for an https repository, set ${config.tokenEnv} to a token that may read and write it.`,
    },
    push: { code: 'EHELMINDEXPUSH', hint: `Check that ${config.tokenEnv} holds a token allowed to push to ${config.repo}; nothing else was changed in it.` },
  };
}

export function readHelmIndexState(config: HelmIndexConfig, chart: Pick<BuiltChart, 'packaged'>, options: GitBranchOptions): Promise<BranchState> {
  return readBranch(pagesTarget(config), indexPaths(chart.packaged.fileName), options, pagesErrors(config));
}

/** Pushes the planned commit; returns the commit pushed, or undefined when the branch moved to already hold this version. */
export async function applyHelmIndex(
  ledger: Pick<ReleaseLedger, 'stage' | 'version' | 'date'>,
  config: HelmIndexConfig,
  chart: Pick<BuiltChart, 'name' | 'rendered' | 'packaged'>,
  mutation: HelmIndexMutation,
  options: GitBranchOptions,
): Promise<string | undefined> {
  const { pushed } = await pushToBranch(
    pagesTarget(config),
    indexPaths(chart.packaged.fileName),
    mutation,
    (state) => planHelmIndex(ledger, config, chart, state)[0],
    options,
    pagesErrors(config),
  );
  return pushed;
}
