import { describe, expect, it } from 'vitest';
import { parseTarget } from '#contract';
import { formatPlan } from '../../release/src/commands/plan.js';
import { makePlan, type PlanInput } from '../../release/src/plan.js';
import { COMMIT, RELEASED_RC, releasePlan, snapshotPlan } from '../helpers/release-plan.js';

// What `plan` prints, as a user reads it: every gate, every file of the binaries stage, every
// image and tag of the images stage and of publish. Reviewed as golden files under golden/.
describe('plan output (golden)', () => {
  const cases = {
    rc: releasePlan('0.1.0-rc.1'),
    stable: releasePlan('0.1.0', [RELEASED_RC]),
    'stable-unsoaked': releasePlan('0.1.0', [{ ...RELEASED_RC, releasedAt: new Date('2024-07-09T00:00:00Z') }]),
    snapshot: snapshotPlan(),
    'invalid-tag': releasePlan('v0.1.0'),
  };
  it.each(Object.entries(cases))('%s', async (name, plan) => {
    await expect(formatPlan(plan, 'dist')).toMatchFileSnapshot(`golden/plan-${name}.txt`);
    await expect(`${JSON.stringify(plan, null, 2)}\n`).toMatchFileSnapshot(`golden/plan-${name}.json`);
  });
});

describe('makePlan', () => {
  const input: PlanInput = {
    tag: '1.2.0',
    version: '1.2.0',
    stage: 'stable',
    commit: COMMIT,
    date: new Date('2024-07-09T10:00:00Z'),
    goVersion: 'go1.22.5',
    gates: [{ gate: 'version', ok: true, message: 'a stable release' }],
    targets: ['windows/arm64', 'linux/s390x', 'linux/386'].map(parseTarget),
    skipped: [],
    images: {
      repository: 'registry.test/glide',
      defaultDistro: 'ubuntu',
      distros: { redhat: { base: 'ubi' }, ubuntu: { base: 'ubuntu:24.04' } },
    },
  };

  it('each archive is in the tag folder, named by the contract, with its target, format and binary', () => {
    expect(makePlan(input).artifacts).toEqual([
      { kind: 'archive', path: '1.2.0/glide_v1.2.0_windows_arm64.zip', target: 'windows/arm64', format: 'zip', binary: 'glide.exe' },
      { kind: 'archive', path: '1.2.0/glide_v1.2.0_linux_s390x.tar.gz', target: 'linux/s390x', format: 'tar.gz', binary: 'glide' },
      { kind: 'archive', path: '1.2.0/glide_v1.2.0_linux_386.tar.gz', target: 'linux/386', format: 'tar.gz', binary: 'glide' },
      { kind: 'checksums', path: '1.2.0/glide_v1.2.0_checksums.txt' },
      { kind: 'ledger', path: '1.2.0/release.json' },
      { kind: 'index', path: 'index.json' },
    ]);
  });

  it('images: the configured distros in build order, on the Linux targets in archive order, with the default distro taking latest, and its bare version whatever the line', () => {
    expect(makePlan(input).images).toEqual({
      layout: '1.2.0/images/',
      repository: 'registry.test/glide',
      distros: [
        {
          distro: 'ubuntu',
          base: 'ubuntu:24.04',
          tag: '1.2.0-ubuntu',
          platforms: ['linux/386', 'linux/s390x'],
          pushes: ['registry.test/glide:1.2.0-ubuntu', 'registry.test/glide:1.2.0'],
          movesIfHighestStable: ['registry.test/glide:latest-ubuntu', 'registry.test/glide:latest'],
        },
        {
          distro: 'redhat',
          base: 'ubi',
          tag: '1.2.0-redhat',
          platforms: ['linux/386', 'linux/s390x'],
          pushes: ['registry.test/glide:1.2.0-redhat'],
          movesIfHighestStable: ['registry.test/glide:latest-redhat'],
        },
      ],
    });
  });

  it.each([
    ['stable', { stage: 'stable' }, { prerelease: false, publishable: true, index: true, pushes: 2, moves: 2 }],
    ['rc', { tag: '1.2.0-rc.1', version: '1.2.0-rc.1', stage: 'rc' }, { prerelease: true, publishable: true, index: true, pushes: 1, moves: 0 }],
    [
      'snapshot',
      { tag: '1.2.1-snapshot.abc', version: '1.2.1-snapshot.abc', stage: 'snapshot', gates: [] },
      { prerelease: true, publishable: false, index: false, pushes: 0, moves: 0 },
    ],
    [
      'a failed gate',
      { gates: [{ gate: 'clean-tree', ok: false, code: 'EDIRTY', message: 'dirty' }] },
      { prerelease: false, publishable: false, index: true, pushes: 2, moves: 2 },
    ],
  ] as const)('%s', (_case, change, expected) => {
    const plan = makePlan({ ...input, ...change } as PlanInput);
    const ubuntu = plan.images!.distros[0]!;
    expect({
      prerelease: plan.prerelease,
      publishable: plan.publishable,
      index: plan.artifacts.some((a) => a.kind === 'index'),
      pushes: ubuntu.pushes.length,
      moves: ubuntu.movesIfHighestStable.length,
    }).toEqual(expected);
  });

  it('a tag that is no release version plans nothing at all', () => {
    const plan = makePlan({ ...input, tag: 'v1.2.0', version: 'v1.2.0', stage: 'invalid' });
    expect(plan.artifacts).toEqual([]);
    expect(plan).not.toHaveProperty('images');
    expect(plan.publishable).toBe(false);
  });

  it('dates are ISO 8601; the release date is the commit date unless the tag has its own', () => {
    expect(makePlan(input)).toMatchObject({ date: '2024-07-09T10:00:00.000Z', releasedAt: '2024-07-09T10:00:00.000Z' });
    expect(makePlan({ ...input, releasedAt: new Date('2024-07-10T00:00:00Z') }).releasedAt).toBe('2024-07-10T00:00:00.000Z');
  });
});
