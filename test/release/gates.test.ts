import { describe, expect, it } from 'vitest';
import { evaluateGates, type GateInput, type TagRecord } from '../../release/src/version/gates.js';

const NOW = new Date('2024-07-10T12:00:00Z');
const daysAgo = (days: number) => new Date(NOW.getTime() - days * 86_400_000);

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);

/** `releasedDaysAgo: null` is a lightweight tag, which records no date. */
function tag(name: string, commit = A, releasedDaysAgo: number | null = 10): TagRecord {
  return releasedDaysAgo === null ? { name, commit } : { name, commit, releasedAt: daysAgo(releasedDaysAgo) };
}

function input(overrides: Partial<GateInput> & { tag: string }): GateInput {
  return {
    tagCommit: A,
    tags: [],
    repo: { headCommit: overrides.tagCommit ?? A, dirtyPaths: [], branchContainsTag: true },
    branch: 'main',
    soakDays: 3,
    requireRc: true,
    now: NOW,
    ...overrides,
  };
}

function failedCodes(gateInput: GateInput): string[] {
  return evaluateGates(gateInput)
    .gates.filter((g) => !g.ok)
    .map((g) => g.code!);
}

describe('release gates: each error code has a case that triggers it', () => {
  it.each([
    ['ENOTSEMVER: a v prefix', input({ tag: 'v0.1.0' }), ['ENOTSEMVER']],
    ['ENOTSEMVER: not a version', input({ tag: 'latest' }), ['ENOTSEMVER']],
    ['ENOTSEMVER: two parts', input({ tag: '0.1' }), ['ENOTSEMVER']],
    ['EPRERELEASEFORM: beta', input({ tag: '0.1.0-beta.1' }), ['EPRERELEASEFORM']],
    ['EPRERELEASEFORM: rc without dot', input({ tag: '0.1.0-rc1' }), ['EPRERELEASEFORM']],
    ['EPRERELEASEFORM: rc.0', input({ tag: '0.1.0-rc.0' }), ['EPRERELEASEFORM']],
    ['ENOTSEMVER: leading zero in the rc number', input({ tag: '0.1.0-rc.01' }), ['ENOTSEMVER']],
    ['EPRERELEASEFORM: build metadata', input({ tag: '0.1.0+build.5' }), ['EPRERELEASEFORM']],
    ['EPRERELEASEFORM: extra identifier', input({ tag: '0.1.0-rc.1.fix' }), ['EPRERELEASEFORM']],
    ['ERCGAP: rc.2 without rc.1', input({ tag: '0.1.0-rc.2' }), ['ERCGAP']],
    ['ERCGAP: rc.3 with only rc.1', input({ tag: '0.1.0-rc.3', tags: [tag('0.1.0-rc.1')] }), ['ERCGAP']],
    [
      'EVERSIONREGRESSION: rc after its stable',
      input({ tag: '0.0.2-rc.3', tags: [tag('0.0.2-rc.1'), tag('0.0.2-rc.2'), tag('0.0.2')] }),
      ['EVERSIONREGRESSION'],
    ],
    [
      'EVERSIONREGRESSION: an rc tagged after its stable on the same commit is a new release, not a rebuild',
      input({ tag: '0.0.2-rc.3', tags: [tag('0.0.2-rc.1', A, 12), tag('0.0.2-rc.2', A, 10), tag('0.0.2', A, 5), tag('0.0.2-rc.3', A, 1)] }),
      ['EVERSIONREGRESSION'],
    ],
    [
      'EVERSIONREGRESSION: rebuilding an rc whose stable is on another commit',
      input({ tag: '0.0.2-rc.1', tags: [tag('0.0.2-rc.1', A, 10), tag('0.0.2', B, 5)] }),
      ['EVERSIONREGRESSION'],
    ],
    [
      'EVERSIONREGRESSION: rebuilding an rc that a later rc superseded',
      input({ tag: '0.0.2-rc.1', tags: [tag('0.0.2-rc.1', A, 10), tag('0.0.2-rc.2', A, 8), tag('0.0.2', A, 5)] }),
      ['EVERSIONREGRESSION'],
    ],
    ['EVERSIONREGRESSION: lower patch in the line', input({ tag: '0.0.2-rc.1', tags: [tag('0.0.3')] }), ['EVERSIONREGRESSION']],
    ['EVERSIONREGRESSION: lower rc than the line has', input({ tag: '0.1.0-rc.1', tags: [tag('0.1.1-rc.1')] }), ['EVERSIONREGRESSION']],
    ['ESTABLEWITHOUTRC', input({ tag: '0.1.0' }), ['ESTABLEWITHOUTRC']],
    [
      'EPROMOTECOMMITMISMATCH: stable on another commit than its last rc',
      input({ tag: '0.1.0', tags: [tag('0.1.0-rc.1', A), tag('0.1.0-rc.2', B)] }),
      ['EPROMOTECOMMITMISMATCH'],
    ],
    ['ESOAK: rc released one day ago', input({ tag: '0.1.0', tags: [tag('0.1.0-rc.1', A, 1)] }), ['ESOAK']],
    ['ESOAK: lightweight rc tag has no release date', input({ tag: '0.1.0', tags: [tag('0.1.0-rc.1', A, null)] }), ['ESOAK']],
    ['ESOAK: soak counts from the last rc, not the first', input({ tag: '0.1.0', tags: [tag('0.1.0-rc.1', A, 30), tag('0.1.0-rc.2', A, 2)] }), ['ESOAK']],
    ['EDIRTY', input({ tag: '0.1.0-rc.1', repo: { headCommit: A, dirtyPaths: ['main.go'], branchContainsTag: true } }), ['EDIRTY']],
    ['ETAGNOTHEAD', input({ tag: '0.1.0-rc.1', repo: { headCommit: B, dirtyPaths: [], branchContainsTag: true } }), ['ETAGNOTHEAD']],
    ['ENOTONBRANCH: tag not on main', input({ tag: '0.1.0-rc.1', repo: { headCommit: A, dirtyPaths: [], branchContainsTag: false } }), ['ENOTONBRANCH']],
    ['ENOTONBRANCH: main not fetched', input({ tag: '0.1.0-rc.1', repo: { headCommit: A, dirtyPaths: [], branchContainsTag: undefined } }), ['ENOTONBRANCH']],
  ])('%s', (_name, gateInput, expected) => {
    expect(failedCodes(gateInput)).toEqual(expected);
  });
});

describe('release gates: what passes', () => {
  it.each([
    ['the first rc', input({ tag: '0.0.1-rc.1' })],
    ['the next rc', input({ tag: '0.0.2-rc.3', tags: [tag('0.0.2-rc.1'), tag('0.0.2-rc.2')] })],
    ['a stable on its soaked last rc', input({ tag: '0.0.2', tags: [tag('0.0.2-rc.1', B, 20), tag('0.0.2-rc.2', A, 4)] })],
    ['a new minor after a stable', input({ tag: '0.1.0-rc.1', tags: [tag('0.0.3'), tag('0.0.3-rc.2')] })],
    ['a maintenance release of an older line', input({ tag: '0.0.4-rc.1', tags: [tag('0.0.3'), tag('0.1.0')] })],
    [
      'a rebuild of the rc its stable was promoted from (same commit, tagged before the stable)',
      input({ tag: '0.0.2-rc.2', tags: [tag('0.0.2-rc.1', B, 20), tag('0.0.2-rc.2', A, 10), tag('0.0.2', A, 5)] }),
    ],
    ['a stable without rc when requireRc is false', input({ tag: '0.1.0', requireRc: false })],
    ['soakDays 0', input({ tag: '0.1.0', soakDays: 0, tags: [tag('0.1.0-rc.1', A, 0)] })],
    ['an unrelated tag beside releases', input({ tag: '0.1.0-rc.1', tags: [tag('docs-v2'), tag('v0.9.0')] })],
    [
      'Glide 0.0.3 after its real history',
      input({
        tag: '0.0.3',
        tags: ['0.0.1-rc.1', '0.0.1-rc.2', '0.0.1', '0.0.2-rc.1', '0.0.2-rc.2', '0.0.2-rc.3', '0.0.2', '0.0.3-rc.1']
          .map((n) => tag(n, B))
          .concat(tag('0.0.3-rc.2', A, 5)),
      }),
    ],
  ])('%s', (_name, gateInput) => {
    expect(failedCodes(gateInput)).toEqual([]);
  });

  it('a soak override passes the soak gate and records the reason', () => {
    const report = evaluateGates({ ...input({ tag: '0.1.0', tags: [tag('0.1.0-rc.1', A, 1)] }), soakOverrideReason: 'CVE fix' });
    const soak = report.gates.find((g) => g.gate === 'soak')!;
    expect(soak.ok).toBe(true);
    expect(soak.message).toContain('overridden: CVE fix');
  });

  it('exactly at soakDays the soak has passed; a minute before it has not', () => {
    const at = input({ tag: '0.1.0', tags: [tag('0.1.0-rc.1', A, 3)] });
    expect(failedCodes(at)).toEqual([]);
    const before = input({ tag: '0.1.0', tags: [{ name: '0.1.0-rc.1', commit: A, releasedAt: new Date(daysAgo(3).getTime() + 60_000) }] });
    expect(failedCodes(before)).toEqual(['ESOAK']);
  });

  describe('the soak window: from the RC published to the stable tagged', () => {
    const minutes = (n: number) => n * 60_000;
    const rcAt = daysAgo(10);
    const rc: TagRecord = { name: '0.1.0-rc.2', commit: A, releasedAt: rcAt };
    const soak = (gateInput: GateInput) => evaluateGates(gateInput).gates.find((g) => g.gate === 'soak')!;

    it('a stable tagged 29 minutes after its RC has not soaked, however long ago that was (Glide 0.0.3)', () => {
      const stable: TagRecord = { name: '0.1.0', commit: A, releasedAt: new Date(rcAt.getTime() + minutes(29)) };
      const gate = soak(input({ tag: '0.1.0', tags: [{ ...rc, name: '0.1.0-rc.1' }, rc, stable] }));
      expect(gate.code).toBe('ESOAK');
      expect(gate.message).toContain('0.1.0 was tagged too early');
      expect(gate.message).toContain('0.5 hours');
    });

    it('an untagged stable (promote tags it now) counts up to now', () => {
      expect(soak(input({ tag: '0.1.0', tags: [{ ...rc, name: '0.1.0-rc.1' }, rc] })).ok).toBe(true);
    });

    it("a backdated RC tag does not count: GitHub's publication time does", () => {
      const published = new Map([['0.1.0-rc.2', daysAgo(1)]]);
      const gate = soak({ ...input({ tag: '0.1.0', tags: [{ ...rc, name: '0.1.0-rc.1' }, rc] }), rcPublishedAt: published });
      expect(gate.code).toBe('ESOAK');
      expect(gate.message).toContain('from its GitHub release');
      const longAgo = new Map([['0.1.0-rc.2', daysAgo(5)]]);
      expect(soak({ ...input({ tag: '0.1.0', tags: [{ ...rc, name: '0.1.0-rc.1' }, rc] }), rcPublishedAt: longAgo }).ok).toBe(true);
    });

    it('a lightweight RC tag soaks from its GitHub release when there is one', () => {
      const light: TagRecord = { name: '0.1.0-rc.1', commit: A };
      expect(failedCodes(input({ tag: '0.1.0', tags: [light] }))).toEqual(['ESOAK']);
      expect(soak({ ...input({ tag: '0.1.0', tags: [light] }), rcPublishedAt: new Map([['0.1.0-rc.1', daysAgo(4)]]) }).ok).toBe(true);
    });

    it('a stable tag dated in the future counts as now', () => {
      const future: TagRecord = { name: '0.1.0', commit: A, releasedAt: new Date(NOW.getTime() + 30 * 86_400_000) };
      const gate = soak(input({ tag: '0.1.0', tags: [{ ...rc, releasedAt: daysAgo(1) }, future] }));
      expect(gate.code).toBe('ESOAK');
      expect(gate.message).toContain('to now)');
    });
  });

  it('names the last rc a stable promotes', () => {
    const report = evaluateGates(input({ tag: '0.0.2', tags: [tag('0.0.2-rc.1', B), tag('0.0.2-rc.2', A)] }));
    expect(report.lastRc?.name).toBe('0.0.2-rc.2');
    expect(report.release?.kind).toBe('stable');
  });

  it('reports every failure at once', () => {
    const codes = failedCodes(input({ tag: '0.1.0', repo: { headCommit: B, dirtyPaths: ['x'], branchContainsTag: false } }));
    expect(codes).toEqual(['ESTABLEWITHOUTRC', 'EDIRTY', 'ETAGNOTHEAD', 'ENOTONBRANCH']);
  });
});
