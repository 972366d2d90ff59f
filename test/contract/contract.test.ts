import { describe, expect, it } from 'vitest';
import {
  archiveName,
  checksumsName,
  formatChecksums,
  formatTarget,
  GEP_MATRIX,
  highestVersion,
  imageTag,
  mayBeLatest,
  parseReleaseVersion,
  parseTarget,
  resolveMatrix,
  upsertMirrorIndex,
  type GoPort,
} from '#contract';

const ports = (text: string): GoPort[] => text.split(' ').map((pair) => ({ GOOS: pair.split('/')[0]!, GOARCH: pair.split('/')[1]! }));

// `go tool dist list` of Go 1.19 (Debian 12) and Go 1.24 (Debian 13) for the OSes of GEP 0004.
const GO_1_19_PORTS = ports(
  'darwin/amd64 darwin/arm64 freebsd/386 freebsd/amd64 freebsd/arm freebsd/arm64 ' +
    'linux/386 linux/amd64 linux/arm linux/arm64 linux/loong64 linux/mips linux/mips64 linux/mips64le linux/mipsle linux/ppc64 linux/ppc64le linux/riscv64 linux/s390x ' +
    'openbsd/386 openbsd/amd64 openbsd/arm openbsd/arm64 openbsd/mips64 windows/386 windows/amd64 windows/arm windows/arm64',
);
const GO_1_24_PORTS = ports(
  'darwin/amd64 darwin/arm64 freebsd/386 freebsd/amd64 freebsd/arm freebsd/arm64 freebsd/riscv64 ' +
    'linux/386 linux/amd64 linux/arm linux/arm64 linux/loong64 linux/mips linux/mips64 linux/mips64le linux/mipsle linux/ppc64 linux/ppc64le linux/riscv64 linux/s390x ' +
    'openbsd/386 openbsd/amd64 openbsd/arm openbsd/arm64 openbsd/ppc64 openbsd/riscv64 windows/386 windows/amd64 windows/arm64',
);

describe('target matrix', () => {
  it('GEP 0004 asks for 22 pairs', () => {
    expect(GEP_MATRIX).toHaveLength(22);
    expect(GEP_MATRIX).toContain('openbsd/riscv64');
    expect(GEP_MATRIX).toContain('windows/386');
  });

  it.each([
    ['go1.19.8', GO_1_19_PORTS, ['freebsd/ppc64le', 'freebsd/s390x', 'freebsd/riscv64', 'openbsd/ppc64le', 'openbsd/s390x', 'openbsd/riscv64']],
    ['go1.24.4', GO_1_24_PORTS, ['freebsd/ppc64le', 'freebsd/s390x', 'openbsd/ppc64le', 'openbsd/s390x']],
  ])('by default, every GEP pair %s can build ships, and each one it cannot is named', (go, available, missing) => {
    const matrix = resolveMatrix({ skip: [] }, available, go);
    expect(matrix.build.map(formatTarget).sort()).toEqual(GEP_MATRIX.filter((t) => !missing.includes(t)).sort());
    expect(matrix.skipped).toEqual(missing.map((target) => ({ target, reason: `${go} has no ${target} port` })));
  });

  it('a matrix of its own replaces the defaults: no default skip entry gets in its way', () => {
    expect(resolveMatrix({ matrix: ['linux/amd64'], skip: [] }, GO_1_19_PORTS)).toEqual({ build: [{ os: 'linux', arch: 'amd64' }], skipped: [] });
  });

  it('a pair the user asked for that Go cannot build is EIMPOSSIBLETARGET, naming each one', () => {
    const attempt = () => resolveMatrix({ matrix: GEP_MATRIX, skip: [] }, GO_1_19_PORTS, 'go1.19.8');
    expect(attempt).toThrow(expect.objectContaining({ code: 'EIMPOSSIBLETARGET' }));
    expect(attempt).toThrow(/go1\.19\.8 cannot build freebsd\/ppc64le, freebsd\/s390x, freebsd\/riscv64, openbsd\/ppc64le, openbsd\/s390x, openbsd\/riscv64/);
  });

  it('knowingly skipped pairs keep their reasons', () => {
    const skip = [{ target: 'freebsd/riscv64', reason: 'no CI for it yet' }];
    const matrix = resolveMatrix({ skip }, GO_1_24_PORTS, 'go1.24.4');
    expect(matrix.build).toHaveLength(17);
    expect(matrix.skipped).toContainEqual(skip[0]);
  });

  it('a skip entry for a target outside the matrix is refused', () => {
    expect(() => resolveMatrix({ matrix: ['linux/amd64'], skip: [{ target: 'linux/arm64', reason: 'x' }] }, GO_1_19_PORTS)).toThrow(
      expect.objectContaining({ code: 'EUNKNOWNTARGET' }),
    );
  });

  it.each([['linux'], ['linux/'], ['linux/arm'], ['linux/arm/5'], ['linux/amd64/7'], ['a/b/c/d']])('%s is not a target', (text) => {
    expect(() => parseTarget(text)).toThrow(expect.objectContaining({ code: 'EUNKNOWNTARGET' }));
  });

  it.each([['plan9/amd64'], ['macos/arm64'], ['linux/mips64'], ['linux/loong64'], ['js/wasm']])(
    '%s: Go may build it, but no installer installs it, so the matrix refuses it',
    (target) => {
      const attempt = () => resolveMatrix({ matrix: ['linux/amd64', target], skip: [] }, [...GO_1_24_PORTS, ...ports('plan9/amd64 js/wasm')]);
      expect(attempt).toThrow(expect.objectContaining({ code: 'EUNKNOWNTARGET' }));
      expect(attempt).toThrow(new RegExp(`${target.replace('/', '\\/')}, which no Glide installer can install`));
    },
  );
});

describe('asset names: exactly as Glide releases them', () => {
  it.each([
    ['0.1.0-rc.1', 'darwin/arm64', 'glide_v0.1.0-rc.1_darwin_arm64.tar.gz'],
    ['0.1.0-rc.1', 'darwin/amd64', 'glide_v0.1.0-rc.1_darwin_amd64.tar.gz'],
    ['0.1.0-rc.1', 'linux/amd64', 'glide_v0.1.0-rc.1_linux_amd64.tar.gz'],
    ['0.1.0-rc.1', 'linux/arm/6', 'glide_v0.1.0-rc.1_linux_armv6.tar.gz'],
    ['0.1.0-rc.1', 'linux/arm/7', 'glide_v0.1.0-rc.1_linux_armv7.tar.gz'],
    ['0.1.0-rc.1', 'linux/arm64', 'glide_v0.1.0-rc.1_linux_arm64.tar.gz'],
    ['0.0.3', 'windows/amd64', 'glide_v0.0.3_windows_amd64.zip'],
    ['0.0.3', 'freebsd/amd64', 'glide_v0.0.3_freebsd_amd64.tar.gz'],
  ])('%s %s → %s', (version, target, expected) => {
    expect(archiveName(version, parseTarget(target))).toBe(expected);
  });

  it('checksums file name and format (sorted by name, two spaces)', () => {
    expect(checksumsName('0.0.2')).toBe('glide_v0.0.2_checksums.txt');
    const text = formatChecksums([
      { name: 'glide_v0.0.2_linux_amd64.tar.gz', sha256: 'b'.repeat(64) },
      { name: 'glide_v0.0.2_darwin_arm64.tar.gz', sha256: 'a'.repeat(64) },
    ]);
    expect(text).toBe(`${'a'.repeat(64)}  glide_v0.0.2_darwin_arm64.tar.gz\n${'b'.repeat(64)}  glide_v0.0.2_linux_amd64.tar.gz\n`);
  });

  it('image tags are {version}-{distro}', () => {
    expect(imageTag('0.0.2-rc.1', 'alpine')).toBe('0.0.2-rc.1-alpine');
  });
});

describe('channel rules', () => {
  it.each([
    ['0.0.1', 'stable', undefined],
    ['0.1.0-rc.1', 'rc', 1],
    ['1.2.3-rc.12', 'rc', 12],
  ])('%s is %s', (version, kind, rc) => {
    const parsed = parseReleaseVersion(version);
    expect(parsed.kind).toBe(kind);
    expect(parsed.rc).toBe(rc);
  });

  const released = ['0.0.1-rc.1', '0.0.1', '0.0.2-rc.1', '0.0.2', '0.0.3-rc.1', '0.0.3', '0.1.0-rc.1'];
  it.each([
    ['0.1.0', true, 'the highest stable'],
    ['0.0.4', true, 'above every stable so far'],
    ['0.1.0-rc.2', false, 'an RC never'],
    ['0.0.2', false, 'an older stable'],
  ])('may %s be latest? %s (%s)', (version, expected) => {
    expect(mayBeLatest(version, released)).toBe(expected);
  });

  it('a patch of an older line is not latest once a newer line is stable', () => {
    expect(mayBeLatest('0.0.4', [...released, '0.1.0'])).toBe(false);
  });

  it('latest is the newest stable, rc the newest of all (Glide today: 0.0.3 and 0.1.0-rc.1)', () => {
    expect(highestVersion(released, false)).toBe('0.0.3');
    expect(highestVersion(released, true)).toBe('0.1.0-rc.1');
  });
});

describe('mirror index', () => {
  it('keeps one entry per tag, newest first', () => {
    let index = upsertMirrorIndex([], { tag: '0.0.2-rc.1', prerelease: true, published_at: '2024-06-01T00:00:00.000Z' });
    index = upsertMirrorIndex(index, { tag: '0.0.2', prerelease: false, published_at: '2024-06-10T00:00:00.000Z' });
    index = upsertMirrorIndex(index, { tag: '0.0.2-rc.1', prerelease: true, published_at: '2024-06-01T00:00:00.000Z' });
    expect(index.map((e) => e.tag)).toEqual(['0.0.2', '0.0.2-rc.1']);
  });
});
