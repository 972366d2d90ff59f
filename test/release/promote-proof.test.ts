import { describe, expect, it } from 'vitest';
import { GlideError, parseTarget } from '#contract';
import type { LedgerArchive } from '../../release/src/ledger.js';
import {
  buildInfoDifferences,
  describeRebuildDifference,
  firstDifference,
  parseBuildInfo,
  rcArchivesFor,
  rcStampFor,
  stableStampProblems,
} from '../../release/src/binaries/promote-proof.js';

const COMMIT = 'a'.repeat(40);
const DATE = '2024-06-05T10:00:00.000Z';
const RC = { tag: '0.1.0-rc.2', version: '0.1.0-rc.2', stage: 'rc' as const, commit: COMMIT, date: DATE, goVersion: 'go1.19.8' };
const STABLE = { tag: '0.1.0', version: '0.1.0', commit: COMMIT, date: DATE };

// `go version -m` of a release binary of the stand-in, as Go 1.19 prints it (tabs kept).
const BUILD_INFO = [
  '/tmp/glide: go1.19.8',
  '\tpath\tgithub.com/EinStack/glide',
  '\tmod\tgithub.com/EinStack/glide\t(devel)\t',
  '\tdep\tgopkg.in/yaml.v3\tv3.0.1\th1:abc=',
  '\tbuild\t-compiler=gc',
  '\tbuild\t-trimpath=true',
  '\tbuild\tCGO_ENABLED=0',
  '\tbuild\tGOARCH=amd64',
  '\tbuild\tGOOS=linux',
  '\tbuild\tGOAMD64=v1',
  '',
].join('\n');

function thrown(run: () => unknown): GlideError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(GlideError);
    return error as GlideError;
  }
  throw new Error('expected a GlideError');
}

describe('rcStampFor: the RC stamp, or why the proof cannot hold before anything is built', () => {
  it('the RC ledger’s own version, commit and date', () => {
    expect(rcStampFor(RC, STABLE, 'go1.19.8')).toEqual({ version: '0.1.0-rc.2', commit: COMMIT, date: DATE });
  });

  it.each([
    ['a stable, not an RC', { ...RC, stage: 'stable' as const }, 'go1.19.8', 'EUSAGE', /is a stable release, not an RC/],
    [
      'an RC of another commit',
      { ...RC, commit: 'b'.repeat(40) },
      'go1.19.8',
      'EPROMOTECOMMITMISMATCH',
      /0\.1\.0 is commit aaaaaaaaaaaa, but 0\.1\.0-rc\.2 was built from bbbbbbbbbbbb/,
    ],
    ['an RC stamped with another date', { ...RC, date: '2024-06-01T10:00:00.000Z' }, 'go1.19.8', 'ENOTREPRODUCIBLE', /stamped with the date 2024-06-01/],
    ['another Go on PATH', RC, 'go1.22.4', 'ENOTREPRODUCIBLE', /built with go1\.19\.8, but the go on PATH is go1\.22\.4/],
  ])('%s', (_case, rc, goVersion, code, message) => {
    const error = thrown(() => rcStampFor(rc, STABLE, goVersion));
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
  });
});

describe("rcArchivesFor: the RC's archive of each target the stable builds", () => {
  const archive = (target: string): LedgerArchive => ({
    kind: 'archive',
    path: `0.1.0-rc.2/glide_v0.1.0-rc.2_${target.replace('/', '_')}.tar.gz`,
    target,
    format: 'tar.gz',
    size: 10,
    sha256: 'a'.repeat(64),
    binary: { name: 'glide', size: 20, sha256: 'b'.repeat(64) },
    proof: { header: 'ELF', ran: 'native' },
  });
  const rc = {
    tag: '0.1.0-rc.2',
    artifacts: [archive('linux/amd64'), { kind: 'checksums' as const, path: '0.1.0-rc.2/sums.txt', size: 1, sha256: 'c'.repeat(64) }, archive('linux/arm64')],
  };

  it("in the stable's target order", () => {
    const found = rcArchivesFor(rc, ['linux/arm64', 'linux/amd64'].map(parseTarget));
    expect(found.map((a) => a.target)).toEqual(['linux/arm64', 'linux/amd64']);
  });

  it('a target the RC did not release is ENOTREPRODUCIBLE naming every one', () => {
    const error = thrown(() => rcArchivesFor(rc, ['linux/amd64', 'linux/riscv64', 'windows/amd64'].map(parseTarget)));
    expect(error.code).toBe('ENOTREPRODUCIBLE');
    expect(error.message).toBe("0.1.0-rc.2 released no binary for linux/riscv64, windows/amd64: the stable's cannot be proven to be the RC's bytes.");
  });
});

describe('parseBuildInfo and buildInfoDifferences', () => {
  it('reads the Go version, module and every build setting', () => {
    const info = parseBuildInfo(BUILD_INFO)!;
    expect(Object.fromEntries(info)).toEqual({
      go: 'go1.19.8',
      path: 'github.com/EinStack/glide',
      mod: 'github.com/EinStack/glide (devel)',
      'dep gopkg.in/yaml.v3': 'v3.0.1 h1:abc=',
      'build -compiler': 'gc',
      'build -trimpath': 'true',
      'build CGO_ENABLED': '0',
      'build GOARCH': 'amd64',
      'build GOOS': 'linux',
      'build GOAMD64': 'v1',
    });
  });

  it('a file that is no Go binary has no build info', () => {
    expect(parseBuildInfo('')).toBeUndefined();
    expect(parseBuildInfo('/tmp/x: not executable file')).toBeUndefined();
  });

  it('names each setting that differs, and one that only one side has', () => {
    const rc = parseBuildInfo(BUILD_INFO)!;
    const rebuilt = parseBuildInfo(BUILD_INFO.replace('go1.19.8', 'go1.21.0').replace('\tbuild\t-trimpath=true\n', ''))!;
    expect(buildInfoDifferences(rc, rebuilt, ['RC', 'rebuilt'])).toEqual([
      'build -trimpath: "true" (RC) vs absent (rebuilt)',
      'go: "go1.19.8" (RC) vs "go1.21.0" (rebuilt)',
    ]);
    expect(buildInfoDifferences(rc, parseBuildInfo(BUILD_INFO)!, ['RC', 'rebuilt'])).toEqual([]);
  });
});

describe('firstDifference', () => {
  it.each([
    ['equal', [1, 2, 3], [1, 2, 3], undefined],
    ['differ inside', [1, 2, 3], [1, 9, 3], 1],
    ['differ at the first byte', [1], [2], 0],
    ['one a prefix of the other', [1, 2], [1, 2, 3], 2],
    ['both empty', [], [], undefined],
  ])('%s', (_case, a, b, offset) => {
    expect(firstDifference(Uint8Array.from(a), Uint8Array.from(b))).toBe(offset);
  });
});

describe('describeRebuildDifference: where to look when the rebuild is not the RC', () => {
  const info = parseBuildInfo(BUILD_INFO)!;

  it('build settings that differ are named first', () => {
    const other = parseBuildInfo(BUILD_INFO.replace('GOAMD64=v1', 'GOAMD64=v3'))!;
    expect(describeRebuildDifference({ bytes: Buffer.from('ab'), info }, { bytes: Buffer.from('ac'), info: other })).toBe(
      'build GOAMD64: "v1" (RC) vs "v3" (rebuilt)',
    );
  });

  it('the same settings: the offset and sizes, and that sources or -ldflags are the suspects', () => {
    const text = describeRebuildDifference({ bytes: Buffer.from('abcd'), info }, { bytes: Buffer.from('abXde'), info });
    expect(text).toMatch(/^the same Go and build settings, but other bytes from offset 2 \(4 bytes in the RC, 5 rebuilt\): other sources, or other -ldflags/);
  });

  it('an RC binary that is no Go binary says so', () => {
    expect(describeRebuildDifference({ bytes: Buffer.from('x'), info: undefined }, { bytes: Buffer.from('y'), info })).toMatch(/holds no Go build info/);
  });
});

describe('stableStampProblems', () => {
  const info = parseBuildInfo(BUILD_INFO)!;
  const versions = { rc: '0.1.0-rc.2', stable: '0.1.0' };

  it('none for a binary of the same build info holding the stable version only', () => {
    expect(stableStampProblems(info, { bytes: Buffer.from('..glide version 0.1.0..'), info }, versions)).toEqual([]);
  });

  it.each([
    ['the RC version still inside', Buffer.from('0.1.0-rc.2'), info, [/still holds the RC's version 0\.1\.0-rc\.2/]],
    ['no version at all', Buffer.from('devel'), info, [/does not hold its version 0\.1\.0/]],
    [
      'other build settings',
      Buffer.from('0.1.0'),
      parseBuildInfo(BUILD_INFO.replace('CGO_ENABLED=0', 'CGO_ENABLED=1')),
      [/build CGO_ENABLED: "0" \(RC\) vs "1" \(stable\)/],
    ],
  ])('%s', (_case, bytes, stableInfo, expected) => {
    const problems = stableStampProblems(info, { bytes, info: stableInfo }, versions);
    expect(problems).toHaveLength(expected.length);
    expected.forEach((pattern, i) => expect(problems[i]).toMatch(pattern));
  });
});
