/**
 * The Snap Store's applier performs nothing: the store exists only online and glide-release holds
 * no store login. It hands back what a maintainer runs instead, and says the upload did not happen;
 * publish reports Snap as "planned only", never as published (decision 0049).
 */
import { join } from 'node:path';
import { formatSnapMutations, type SnapMutation } from './plan.js';

export interface SnapPlannedOnly {
  readonly status: 'planned-only';
  /** The requests the store would get, as `--dry-run` prints them. */
  readonly requests: string;
  /** What to run by hand, with a store login: snapcraft's upload makes exactly the requests above. */
  readonly commands: readonly string[];
}

export function applySnapMutations(mutations: readonly SnapMutation[], outDir: string): SnapPlannedOnly {
  const commands = mutations.flatMap((mutation) =>
    mutation.kind === 'snap-push' ? [`snapcraft upload --release=${mutation.channels.join(',')} ${join(outDir, mutation.snap.path)}`] : [],
  );
  return { status: 'planned-only', requests: formatSnapMutations(mutations), commands };
}
