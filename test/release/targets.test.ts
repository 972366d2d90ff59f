// Release-only: which targets a release builds (GEP 0004's matrix met with the Go toolchain's ports).
import { describe, expect, it } from 'vitest';
import { formatTarget } from '#contract';
import { GEP_MATRIX, resolveMatrix, type GoPort } from '../../release/src/targets.js';

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

  it.each([['plan9/amd64'], ['macos/arm64'], ['linux/mips64'], ['linux/loong64'], ['js/wasm']])(
    '%s: Go may build it, but no installer installs it, so the matrix refuses it',
    (target) => {
      const attempt = () => resolveMatrix({ matrix: ['linux/amd64', target], skip: [] }, [...GO_1_24_PORTS, ...ports('plan9/amd64 js/wasm')]);
      expect(attempt).toThrow(expect.objectContaining({ code: 'EUNKNOWNTARGET' }));
      expect(attempt).toThrow(new RegExp(`${target.replace('/', '\\/')}, which no Glide installer can install`));
    },
  );
});
