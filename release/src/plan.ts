import {
  archiveFormat,
  archiveName,
  binaryName,
  checksumsName,
  formatTarget,
  MIRROR_INDEX,
  mirrorAssetPath,
  RELEASE_LEDGER,
  type Target,
} from '#contract';
import type { SkippedTarget } from './targets.js';
import type { GateResult } from './version/gates.js';

/** `invalid`: the tag is no release version (the version gate says why), so nothing would be built. */
export type Stage = 'rc' | 'stable' | 'snapshot' | 'invalid';

export interface PlannedArtifact {
  readonly kind: 'archive' | 'checksums' | 'ledger' | 'index';
  /** Path inside the output folder (the mirror). */
  readonly path: string;
  readonly target?: string;
  readonly format?: string;
  readonly binary?: string;
}

export interface ReleasePlan {
  readonly tag: string;
  readonly version: string;
  readonly stage: Stage;
  readonly prerelease: boolean;
  /** Whether a later `publish` may ship it: never a snapshot, never with a failed gate. */
  readonly publishable: boolean;
  readonly commit: string;
  /** Commit time, ISO 8601: the build date injected and every archive entry's mtime. */
  readonly date: string;
  /** When the tag was made (annotated tag date, else the commit time): the mirror's published_at. */
  readonly releasedAt: string;
  readonly goVersion: string;
  readonly gates: readonly GateResult[];
  readonly targets: readonly string[];
  readonly skipped: readonly SkippedTarget[];
  readonly artifacts: readonly PlannedArtifact[];
}

export interface PlanInput {
  readonly tag: string;
  readonly version: string;
  readonly stage: Stage;
  readonly commit: string;
  readonly date: Date;
  readonly releasedAt?: Date;
  readonly goVersion: string;
  readonly gates: readonly GateResult[];
  readonly targets: readonly Target[];
  readonly skipped: readonly SkippedTarget[];
}

/** Pure: everything `build` will write, decided before anything is built. */
export function makePlan(input: PlanInput): ReleasePlan {
  const archives: PlannedArtifact[] = (input.stage === 'invalid' ? [] : input.targets).map((target) => ({
    kind: 'archive',
    path: mirrorAssetPath(input.tag, archiveName(input.version, target)),
    target: formatTarget(target),
    format: archiveFormat(target.os),
    binary: binaryName(target.os),
  }));
  const artifacts: PlannedArtifact[] =
    input.stage === 'invalid'
      ? []
      : [
          ...archives,
          { kind: 'checksums', path: mirrorAssetPath(input.tag, checksumsName(input.version)) },
          { kind: 'ledger', path: mirrorAssetPath(input.tag, RELEASE_LEDGER) },
        ];
  if (input.stage === 'rc' || input.stage === 'stable') artifacts.push({ kind: 'index', path: MIRROR_INDEX });
  return {
    tag: input.tag,
    version: input.version,
    stage: input.stage,
    prerelease: input.stage !== 'stable',
    publishable: (input.stage === 'rc' || input.stage === 'stable') && input.gates.every((gate) => gate.ok),
    commit: input.commit,
    date: input.date.toISOString(),
    releasedAt: (input.releasedAt ?? input.date).toISOString(),
    goVersion: input.goVersion,
    gates: input.gates,
    targets: input.targets.map(formatTarget),
    skipped: input.skipped,
    artifacts,
  };
}
