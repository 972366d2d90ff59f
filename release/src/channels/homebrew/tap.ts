/**
 * The tap as git sees it: a reader of its state and the applier of a plan, on the shared
 * branch plumbing (../git-branch.ts): nothing from the tap is checked out, and its token
 * reaches git through a credential helper only.
 */
import { readBranch, pushToBranch, type BranchState, type GitBranchErrors, type GitBranchOptions, type GitBranchTarget } from '../git-branch.js';
import type { ReleaseLedger } from '../../ledger.js';
import type { HomebrewConfig } from './config.js';
import { planHomebrew, type HomebrewPlan, type TapState } from './plan.js';
import { FORMULA_PATH } from './render.js';

export type TapOptions = GitBranchOptions;

export interface HomebrewOutcome {
  /** The commit pushed to the tap, or undefined when nothing needed pushing. */
  readonly pushed: string | undefined;
  readonly left?: string;
}

function tapTarget(config: HomebrewConfig): GitBranchTarget {
  return { remote: config.tap, branch: config.branch, tokenEnv: config.tokenEnv, committer: config.committer };
}

function tapErrors(config: HomebrewConfig): GitBranchErrors {
  return {
    what: 'the Homebrew tap',
    label: 'homebrew',
    read: {
      code: 'EHOMEBREWTAP',
      hint: `Check channels.homebrew.tap (${config.tap}) and branch (${config.branch}); for an https tap, set ${config.tokenEnv} to a token that may read and write it.`,
    },
    push: { code: 'EHOMEBREWPUSH', hint: `Check that ${config.tokenEnv} holds a token allowed to push to ${config.tap}; nothing else was changed in the tap.` },
  };
}

const tapState = (state: BranchState): TapState => ({ head: state.head, formula: state.files.get(FORMULA_PATH) });

/** Reads the tap's branch head and formula (a throwaway fetch into a temporary folder). */
export async function readTapState(config: HomebrewConfig, options: TapOptions): Promise<TapState> {
  return tapState(await readBranch(tapTarget(config), [FORMULA_PATH], options, tapErrors(config)));
}

/**
 * Performs the plan. The tap's branch moved since the plan (another release pushed) → read
 * again and plan again, once; moved again during that push → EHOMEBREWPUSH, nothing forced.
 */
export async function applyHomebrew(ledger: ReleaseLedger, config: HomebrewConfig, plan: HomebrewPlan, options: TapOptions): Promise<HomebrewOutcome> {
  const first = plan.mutations[0];
  if (!first) return { pushed: undefined, ...(plan.left ? { left: plan.left } : {}) };
  let left = plan.left;
  const asCommit = (push: NonNullable<typeof first>) => ({ ...push, files: [{ path: push.path, content: push.formula }] });
  const { pushed } = await pushToBranch(
    tapTarget(config),
    [FORMULA_PATH],
    asCommit(first),
    (state) => {
      const again = planHomebrew(ledger, config, tapState(state));
      left = again.left;
      return again.mutations[0] && asCommit(again.mutations[0]);
    },
    options,
    tapErrors(config),
  );
  return { pushed, ...(pushed === undefined && left ? { left } : {}) };
}
