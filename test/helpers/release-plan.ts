/** Plans as prepareRelease makes them (gates evaluated, matrix resolved), without git or Go: for the pure plan and ledger tests. */
import { parseTarget } from '#contract';
import { makePlan, type ReleasePlan } from '../../release/src/plan.js';
import { evaluateGates, type TagRecord } from '../../release/src/version/gates.js';

export const COMMIT = '0123456789abcdef0123456789abcdef01234567';
export const NOW = new Date('2024-07-10T12:00:00Z');
const TARGETS = ['linux/amd64', 'linux/arm64', 'darwin/arm64', 'windows/amd64'].map(parseTarget);
const IMAGES = {
  repository: 'ghcr.io/einstack/glide',
  defaultDistro: 'alpine',
  distros: { alpine: { base: 'docker.io/library/alpine:3.20@sha256:' + 'a'.repeat(64) }, distroless: { base: 'gcr.io/distroless/static-debian12:nonroot' } },
} as const;
const SKIPPED = [{ target: 'freebsd/s390x', reason: 'Go has no freebsd/s390x port' }];

/** A tag evaluated against `tags` (all on COMMIT, released ten days before NOW unless said), as `plan --tag` would. */
export function releasePlan(tag: string, tags: readonly TagRecord[] = [], soakOverrideReason?: string): ReleasePlan {
  const all = [...tags, { name: tag, commit: COMMIT, releasedAt: new Date('2024-07-09T12:00:00Z') }];
  const report = evaluateGates({
    tag,
    tagCommit: COMMIT,
    tags: all,
    repo: { headCommit: COMMIT, dirtyPaths: [], branchContainsTag: true },
    branch: 'main',
    soakDays: 3,
    requireRc: true,
    now: NOW,
    ...(soakOverrideReason ? { soakOverrideReason } : {}),
  });
  return makePlan({
    tag,
    version: tag,
    stage: report.release?.kind ?? 'invalid',
    commit: COMMIT,
    date: new Date('2024-07-09T10:00:00Z'),
    releasedAt: new Date('2024-07-09T12:00:00Z'),
    goVersion: 'go1.22.5',
    gates: report.gates,
    targets: TARGETS,
    skipped: SKIPPED,
    images: IMAGES,
  });
}

/** A snapshot of COMMIT after 0.1.0: no gates. */
export function snapshotPlan(): ReleasePlan {
  return makePlan({
    tag: `0.1.1-snapshot.${COMMIT.slice(0, 12)}`,
    version: `0.1.1-snapshot.${COMMIT.slice(0, 12)}`,
    stage: 'snapshot',
    commit: COMMIT,
    date: new Date('2024-07-09T10:00:00Z'),
    goVersion: 'go1.22.5',
    gates: [],
    targets: TARGETS,
    skipped: SKIPPED,
    images: IMAGES,
  });
}

export const RELEASED_RC = { name: '0.1.0-rc.1', commit: COMMIT, releasedAt: new Date('2024-07-01T12:00:00Z') };
