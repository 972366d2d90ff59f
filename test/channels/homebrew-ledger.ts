/** Ledgers for the Homebrew channel's tests: the four Homebrew platforms plus targets Homebrew has no use for. */
import type { ReleaseLedger } from '../../release/src/ledger.js';
import { homebrewConfigSchema, type HomebrewConfig } from '../../release/src/channels/homebrew/config.js';
import { COMMIT, ledgerOf } from '../helpers/publish-world.js';

export const HOMEBREW_TARGETS = ['darwin/amd64', 'darwin/arm64', 'linux/amd64', 'linux/arm64'] as const;
const OTHER_TARGETS = ['linux/arm/6', 'freebsd/amd64', 'windows/amd64'] as const;

/** A built ledger of `version` (an RC if it has a `-`) with archives of `targets`. */
export function brewLedgerOf(version: string, targets: readonly string[] = [...HOMEBREW_TARGETS, ...OTHER_TARGETS]): ReleaseLedger {
  return ledgerOf(version, COMMIT, targets);
}

/** The channel's config as a release config naming `channels.homebrew` would give it. */
export function brewConfig(fields: Partial<HomebrewConfig> = {}): HomebrewConfig {
  return homebrewConfigSchema.parse(fields);
}
