/**
 * Which targets one share of a sharded build makes (`build --shard I/N` or `--targets`): a pure
 * function of the plan's matrix, so every machine deals the same shares (decision 0055).
 */
import { createHash } from 'node:crypto';
import { formatTarget, type Target } from '#contract';
import { usage } from '../commands/usage.js';
import type { ReleaseConfig } from '../config.js';

/** How a share was asked for: one of N dealt shares, or an explicit list of targets. */
export type ShareRequest =
  { readonly kind: 'shard'; readonly index: number; readonly count: number } | { readonly kind: 'targets'; readonly targets: readonly string[] };

/** What the binaries stage builds, and records, for one share. */
export interface ShareSpec {
  readonly index?: number;
  readonly count?: number;
  readonly targets: readonly Target[];
  /** configDigest of the config the share was built with. */
  readonly config: string;
}

/** Pure: `--shard I/N` (1-based) or `--targets os/arch,...` as typed; EUSAGE for anything else, or both. */
export function parseShareRequest(shard: string | undefined, targets: string | undefined): ShareRequest | undefined {
  if (shard !== undefined && targets !== undefined) throw usage('--shard and --targets exclude each other: a share is one or the other');
  if (targets !== undefined) {
    const list = targets.split(',').map((target) => target.trim());
    if (list.some((target) => target === '')) throw usage(`--targets: "${targets}" has an empty entry; write os/arch,os/arch`);
    const twice = list.find((target, i) => list.indexOf(target) !== i);
    if (twice) throw usage(`--targets names ${twice} twice`);
    return { kind: 'targets', targets: list };
  }
  if (shard === undefined) return undefined;
  const match = /^([1-9]\d*)\/([1-9]\d*)$/.exec(shard.trim());
  if (!match || Number(match[1]) > Number(match[2])) throw usage(`--shard takes I/N with 1 ≤ I ≤ N (e.g. 2/3), not "${shard}"`);
  return { kind: 'shard', index: Number(match[1]), count: Number(match[2]) };
}

/**
 * Pure: the targets of one share, in the matrix's order. `--shard I/N` deals the matrix round-robin,
 * its Linux targets first: they are the ones run under qemu to prove their version (the costliest
 * to finish), so each share gets its part of them, and one to prove whenever there are N.
 */
export function shareTargets(matrix: readonly Target[], request: ShareRequest): Target[] {
  const keys = matrix.map(formatTarget);
  if (request.kind === 'targets') {
    const unknown = request.targets.filter((target) => !keys.includes(target));
    if (unknown.length > 0) throw usage(`--targets: ${unknown.join(', ')} ${unknown.length > 1 ? 'are' : 'is'} not in the build matrix (${keys.join(', ')})`);
    return matrix.filter((_, i) => request.targets.includes(keys[i]!));
  }
  if (request.count > matrix.length) {
    throw usage(`--shard ${request.index}/${request.count}: the build matrix has ${matrix.length} targets, so at most ${matrix.length} shares`);
  }
  const dealt = [...matrix.filter((t) => t.os === 'linux'), ...matrix.filter((t) => t.os !== 'linux')];
  const mine = new Set(dealt.filter((_, i) => i % request.count === request.index - 1));
  return matrix.filter((target) => mine.has(target));
}

/** The digest of the effective config (every default filled in): shares agree on it or are not merged. */
export function configDigest(config: ReleaseConfig): string {
  return createHash('sha256').update(JSON.stringify(config)).digest('hex');
}
