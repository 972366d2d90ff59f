/**
 * The Snap Store upload, planned only: the store exists only online, so the plan is the exact
 * pair of requests snapcraft's upload makes per snap (the file to the storage service, then
 * snap-push with the channels to release to), and nothing ever claims they were sent.
 * Converges on what the store holds: a channel that has this revision already is left out, one
 * that has a higher version is never moved back, one that has this version with other bytes is refused.
 */
import { GlideError, compareVersions } from '#contract';
import type { ReleaseLedger } from '../../ledger.js';
import { snapChannels } from './channels.js';
import type { SnapConfig } from './config.js';
import type { PackedSnap } from './pack.js';

/** Where snapcraft uploads (craft-store's defaults). */
export const SNAP_STORE = {
  storage: 'https://storage.snapcraftcontent.com/unscanned-upload/',
  dashboard: 'https://dashboard.snapcraft.io/dev/api/snap-push/',
} as const;

/** One entry of the store's channel map (`GET /api/v2/snaps/{name}/channel-map`): what a channel holds for one architecture. */
export interface SnapChannelEntry {
  readonly channel: string;
  readonly architecture: string;
  readonly version: string;
  readonly sha3_384: string;
}

export interface SnapWorld {
  /** The channel map as read from the store; empty when nothing was ever released (or not read). */
  readonly channelMap: readonly SnapChannelEntry[];
  /** Every release version out (GitHub's tags): where latest stands. */
  readonly publishedVersions: readonly string[];
}

export type SnapMutation =
  | { readonly kind: 'snap-upload'; readonly snap: PackedSnap }
  | { readonly kind: 'snap-push'; readonly name: string; readonly snap: PackedSnap; readonly channels: readonly string[]; readonly builtAt: string };

export function planSnap(ledger: ReleaseLedger, config: SnapConfig, snaps: readonly PackedSnap[], world: SnapWorld): SnapMutation[] {
  const wanted = snapChannels(ledger.version, world.publishedVersions);
  const conflicts: string[] = [];
  const mutations = snaps.flatMap((snap): SnapMutation[] => {
    const channels = wanted.filter((channel) => {
      const held = world.channelMap.find((entry) => entry.channel === channel && entry.architecture === snap.architecture);
      if (held === undefined) return true;
      if (held.version === ledger.version && held.sha3_384 !== snap.sha3_384) {
        conflicts.push(`${channel} (${snap.architecture}) holds ${held.version} as sha3-384:${held.sha3_384}; this build is sha3-384:${snap.sha3_384}.`);
      }
      return held.version !== ledger.version && compareVersions(ledger.version, held.version) > 0;
    });
    if (channels.length === 0) return [];
    return [
      { kind: 'snap-upload', snap },
      { kind: 'snap-push', name: config.name, snap, channels, builtAt: ledger.date },
    ];
  });
  if (conflicts.length > 0) {
    throw new GlideError('ESNAPCONFLICT', `The Snap Store holds ${ledger.version} of ${config.name} with other bytes than this build; nothing was planned.`, [
      ...conflicts,
      'A version in the store is never replaced: release the change as a new version (a new RC or patch).',
    ]);
  }
  return mutations;
}

/** `--dry-run`'s lines: one per request, with the snap's sha3-384 (the store's digest) and the channels it is released to. */
export function formatSnapMutations(mutations: readonly SnapMutation[]): string {
  return mutations
    .map((mutation) => {
      const { snap } = mutation;
      if (mutation.kind === 'snap-upload') return `POST ${SNAP_STORE.storage} ${snap.path} sha3-384:${snap.sha3_384} (${snap.size} bytes)`;
      return `POST ${SNAP_STORE.dashboard} name=${mutation.name} updown_id={upload_id of the upload above} series=16 arch=${snap.architecture} sha3-384:${snap.sha3_384} binary_filesize=${snap.size} built_at=${mutation.builtAt} channels=${mutation.channels.join(',')}`;
    })
    .map((line) => `${line}\n`)
    .join('');
}
