/**
 * The Homebrew channel's plan: pure over the ledger, the config and the tap as it was read.
 * Same formula in the tap → nothing; missing or older → one push; the same version with other
 * sha256s → refused (the tap would name other bytes than were proven); RCs and maintenance
 * releases of an older line → nothing, with the reason.
 */
import { GlideError } from '#contract';
import type { ReleaseLedger } from '../../ledger.js';
import type { HomebrewConfig } from './config.js';
import { homebrewDecision } from './policy.js';
import { FORMULA_PATH, formulaArchives, renderFormula, type FormulaBottle } from './render.js';

/** What reading the tap found: its branch's head commit (undefined: an empty tap) and the formula's text. */
export interface TapState {
  readonly head: string | undefined;
  readonly formula: string | undefined;
}

export interface PushFormula {
  readonly kind: 'push-formula';
  readonly tap: string;
  readonly branch: string;
  readonly path: string;
  /** The commit the tap's branch was at when planned; the push is refused by git if it moved. */
  readonly base: string | undefined;
  readonly message: string;
  readonly formula: string;
  readonly version: string;
  readonly bottles: readonly FormulaBottle[];
}

export interface HomebrewPlan {
  readonly mutations: readonly PushFormula[];
  /** Why nothing is pushed although the release is new to the tap (an RC, a maintenance release). */
  readonly left?: string;
}

/** The facts of a formula text the plan needs: its `version` and its `sha256`s, in order. */
export function formulaFacts(text: string): { readonly version: string | undefined; readonly sha256s: readonly string[] } {
  const version = /^\s*version\s+"([^"\\#]*)"\s*$/m.exec(text)?.[1];
  const sha256s = [...text.matchAll(/^\s*sha256\s+"([0-9a-f]{64})"\s*$/gm)].map((match) => match[1]!);
  return { version, sha256s };
}

export function planHomebrew(ledger: ReleaseLedger, config: HomebrewConfig, tap: TapState): HomebrewPlan {
  const current = tap.formula === undefined ? undefined : formulaFacts(tap.formula);
  if (current && current.version === undefined) {
    throw new GlideError('EHOMEBREWTAP', `${config.tap} has a ${FORMULA_PATH} without a version "…" line: glide-release cannot tell which release it names.`, [
      'Fix the formula in the tap by hand (or remove it), then publish again.',
    ]);
  }
  const decision = homebrewDecision(ledger.version, ledger.stage, current?.version);
  if (decision.action === 'leave') return { mutations: [], left: decision.reason };
  const formula = renderFormula(ledger, config);
  if (decision.action === 'compare') {
    if (tap.formula === formula) return { mutations: [] };
    const proven = formulaArchives(ledger).map((bottle) => bottle.sha256);
    if ([...current!.sha256s].sort().join() !== [...proven].sort().join()) {
      throw new GlideError(
        'EHOMEBREWCONFLICT',
        `${config.tap} already names glide ${ledger.version} with other sha256s than this release's ledger: nothing was pushed.`,
        [
          `The tap's: ${current!.sha256s.join(', ') || 'none'}.`,
          `The ledger's: ${proven.join(', ')}.`,
          'A version names one set of bytes: release a new version, or fix the tap by hand if its formula is wrong.',
        ],
      );
    }
  }
  return {
    mutations: [
      {
        kind: 'push-formula',
        tap: config.tap,
        branch: config.branch,
        path: FORMULA_PATH,
        base: tap.head,
        message: `glide ${ledger.version}`,
        formula,
        version: ledger.version,
        bottles: formulaArchives(ledger),
      },
    ],
  };
}

/** `--dry-run`'s lines: one per mutation, and the reason when the tap is left alone on purpose. */
export function formatHomebrewPlan(plan: HomebrewPlan): string {
  const lines = plan.mutations.map(
    (push) =>
      `git push ${push.tap} ${push.branch} ${push.path} "${push.message}" (${push.bottles.map((bottle) => `${bottle.target} sha256:${bottle.sha256}`).join(', ')})`,
  );
  if (plan.left) lines.push(`# homebrew: nothing pushed: ${plan.left}`);
  return lines.map((line) => `${line}\n`).join('');
}
