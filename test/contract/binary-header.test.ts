import { describe, expect, it } from 'vitest';
import { BINARY_HEADER_BYTES, checkBinaryHeader, expectedHeader, readBinaryHeader, GlideError, parseTarget, type BinaryFormat } from '#contract';

interface HeaderFields {
  format: BinaryFormat;
  machine: number;
  bits: 32 | 64;
  littleEndian: boolean;
  osabi?: number;
}

/** Writes the fields at their offsets in an otherwise zeroed header, as the real files have them. */
function synthesize(fields: HeaderFields): Uint8Array {
  switch (fields.format) {
    case 'elf': {
      const bytes = new Uint8Array(fields.bits === 64 ? 64 : 52);
      const view = new DataView(bytes.buffer);
      bytes.set([0x7f, 0x45, 0x4c, 0x46, fields.bits === 64 ? 2 : 1, fields.littleEndian ? 1 : 2, 1, fields.osabi ?? 0]);
      view.setUint16(16, 2, fields.littleEndian); // ET_EXEC
      view.setUint16(18, fields.machine, fields.littleEndian);
      view.setUint32(20, 1, fields.littleEndian); // EV_CURRENT
      return bytes;
    }
    case 'macho': {
      const bytes = new Uint8Array(fields.bits === 64 ? 32 : 28);
      const view = new DataView(bytes.buffer);
      view.setUint32(0, fields.bits === 64 ? 0xfeedfacf : 0xfeedface, fields.littleEndian);
      view.setUint32(4, fields.machine, fields.littleEndian);
      view.setUint32(12, 2, fields.littleEndian); // MH_EXECUTE
      return bytes;
    }
    case 'pe':
      return synthesizePe(fields.machine, fields.bits === 64 ? 0x20b : 0x10b);
  }
}

/** Go's linker puts the PE header at 0x80; the buffer ends right after the optional header's magic. */
function synthesizePe(machine: number, optionalMagic: number, peOffset = 0x80, length = peOffset + 26): Uint8Array {
  const bytes = new Uint8Array(length);
  const view = new DataView(bytes.buffer);
  bytes.set([0x4d, 0x5a]);
  view.setUint32(0x3c, peOffset, true);
  if (length >= peOffset + 26) {
    bytes.set([0x50, 0x45, 0, 0], peOffset);
    view.setUint16(peOffset + 4, machine, true);
    view.setUint16(peOffset + 6, 13, true); // NumberOfSections, as Go writes
    view.setUint16(peOffset + 20, optionalMagic === 0x20b ? 0xf0 : 0xe0, true);
    view.setUint16(peOffset + 24, optionalMagic, true);
  }
  return bytes;
}

const elf = (bits: 32 | 64, littleEndian: boolean, machine: number, osabi: number): HeaderFields => ({
  format: 'elf',
  machine,
  bits,
  littleEndian,
  osabi,
});
const macho = (machine: number): HeaderFields => ({ format: 'macho', machine, bits: 64, littleEndian: true });
const pe = (machine: number, bits: 32 | 64): HeaderFields => ({ format: 'pe', machine, bits, littleEndian: true });

/**
 * What Go 1.19.8 wrote into CGO_ENABLED=0 hello-worlds, read with readelf -h, xxd and file.
 * Rows marked "derived" have no Go 1.19 port (go tool dist list): cmd/link sets EI_OSABI
 * from the OS alone (elf.go) and e_machine from the arch, so they combine observed values.
 */
const OBSERVED: ReadonlyArray<{ target: string; fields: HeaderFields; description: string; derived?: true }> = [
  { target: 'darwin/amd64', fields: macho(0x01000007), description: 'Mach-O x86-64' },
  { target: 'darwin/arm64', fields: macho(0x0100000c), description: 'Mach-O arm64' },

  { target: 'linux/amd64', fields: elf(64, true, 62, 0), description: 'ELF 64-bit LSB x86-64 (OSABI 0)' },
  { target: 'linux/arm64', fields: elf(64, true, 183, 0), description: 'ELF 64-bit LSB aarch64 (OSABI 0)' },
  { target: 'linux/386', fields: elf(32, true, 3, 0), description: 'ELF 32-bit LSB i386 (OSABI 0)' },
  { target: 'linux/ppc64le', fields: elf(64, true, 21, 0), description: 'ELF 64-bit LSB ppc64 (OSABI 0)' },
  { target: 'linux/s390x', fields: elf(64, false, 22, 0), description: 'ELF 64-bit MSB s390 (OSABI 0)' },
  { target: 'linux/riscv64', fields: elf(64, true, 243, 0), description: 'ELF 64-bit LSB riscv (OSABI 0)' },
  { target: 'linux/arm/6', fields: elf(32, true, 40, 0), description: 'ELF 32-bit LSB arm (OSABI 0)' },
  { target: 'linux/arm/7', fields: elf(32, true, 40, 0), description: 'ELF 32-bit LSB arm (OSABI 0)' },

  { target: 'freebsd/amd64', fields: elf(64, true, 62, 9), description: 'ELF 64-bit LSB x86-64 (OSABI 9 FreeBSD)' },
  { target: 'freebsd/arm64', fields: elf(64, true, 183, 9), description: 'ELF 64-bit LSB aarch64 (OSABI 9 FreeBSD)' },
  { target: 'freebsd/386', fields: elf(32, true, 3, 9), description: 'ELF 32-bit LSB i386 (OSABI 9 FreeBSD)' },
  { target: 'freebsd/arm/7', fields: elf(32, true, 40, 9), description: 'ELF 32-bit LSB arm (OSABI 9 FreeBSD)' },
  { target: 'freebsd/ppc64le', fields: elf(64, true, 21, 9), description: 'ELF 64-bit LSB ppc64 (OSABI 9 FreeBSD)', derived: true },
  { target: 'freebsd/s390x', fields: elf(64, false, 22, 9), description: 'ELF 64-bit MSB s390 (OSABI 9 FreeBSD)', derived: true },
  { target: 'freebsd/riscv64', fields: elf(64, true, 243, 9), description: 'ELF 64-bit LSB riscv (OSABI 9 FreeBSD)', derived: true },

  { target: 'openbsd/amd64', fields: elf(64, true, 62, 12), description: 'ELF 64-bit LSB x86-64 (OSABI 12 OpenBSD)' },
  { target: 'openbsd/arm64', fields: elf(64, true, 183, 12), description: 'ELF 64-bit LSB aarch64 (OSABI 12 OpenBSD)' },
  { target: 'openbsd/386', fields: elf(32, true, 3, 12), description: 'ELF 32-bit LSB i386 (OSABI 12 OpenBSD)' },
  { target: 'openbsd/arm/7', fields: elf(32, true, 40, 12), description: 'ELF 32-bit LSB arm (OSABI 12 OpenBSD)' },
  { target: 'openbsd/ppc64le', fields: elf(64, true, 21, 12), description: 'ELF 64-bit LSB ppc64 (OSABI 12 OpenBSD)', derived: true },
  { target: 'openbsd/s390x', fields: elf(64, false, 22, 12), description: 'ELF 64-bit MSB s390 (OSABI 12 OpenBSD)', derived: true },
  { target: 'openbsd/riscv64', fields: elf(64, true, 243, 12), description: 'ELF 64-bit LSB riscv (OSABI 12 OpenBSD)', derived: true },

  { target: 'windows/amd64', fields: pe(0x8664, 64), description: 'PE32+ x86-64' },
  { target: 'windows/386', fields: pe(0x14c, 32), description: 'PE32 i386' },
  { target: 'windows/arm64', fields: pe(0xaa64, 64), description: 'PE32+ arm64' },
];

function thrown(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

function expectGlideError(action: () => unknown, code: string): GlideError {
  const error = thrown(action);
  expect(error).toBeInstanceOf(GlideError);
  expect((error as GlideError).code).toBe(code);
  return error as GlideError;
}

describe('readBinaryHeader and expectedHeader agree with what Go writes', () => {
  it.each(OBSERVED)('$target', ({ target, fields, description }) => {
    const bytes = synthesize(fields);
    expect(bytes.length).toBeLessThanOrEqual(BINARY_HEADER_BYTES);

    const { osabi, ...rest } = fields;
    expect(readBinaryHeader(bytes)).toEqual({ ...fields, description });
    expect(expectedHeader(parseTarget(target))).toEqual(osabi === undefined ? { ...rest, description } : { ...rest, osabi: [osabi], description });
    expect(checkBinaryHeader(bytes, parseTarget(target))).toEqual({ ok: true, actual: { ...fields, description } });
  });

  it('reads a header that sits inside a larger buffer (a Node Buffer slice)', () => {
    const header = synthesize(elf(64, false, 22, 0));
    const pool = new Uint8Array(header.length + 13);
    pool.set(header, 7);
    expect(readBinaryHeader(pool.subarray(7))).toMatchObject({ machine: 22, littleEndian: false, bits: 64 });
  });

  it('reads big-endian and 32-bit Mach-O', () => {
    const ppc = synthesize({ format: 'macho', machine: 18, bits: 32, littleEndian: false });
    expect(readBinaryHeader(ppc)).toMatchObject({ format: 'macho', machine: 18, bits: 32, littleEndian: false });
  });

  it('reads a PE header behind a longer DOS stub', () => {
    expect(readBinaryHeader(synthesizePe(0x8664, 0x20b, 0x118))).toMatchObject({ format: 'pe', machine: 0x8664, bits: 64 });
  });
});

describe('a binary checked against another target', () => {
  it.each([
    ['linux/arm64', 'linux/amd64', /machine is 183, expected 62/],
    ['linux/amd64', 'freebsd/amd64', /OSABI is 0, expected 9/],
    ['freebsd/amd64', 'openbsd/amd64', /OSABI is 9, expected 12/],
    ['openbsd/arm64', 'linux/arm64', /OSABI is 12, expected 0/],
    ['linux/ppc64le', 'linux/s390x', /machine is 21, expected 22; it is little-endian, expected big-endian/],
    ['darwin/amd64', 'darwin/arm64', /machine is 0x1000007, expected 0x100000c/],
    ['windows/386', 'windows/amd64', /machine is 0x14c, expected 0x8664; it is 32-bit, expected 64-bit/],
    ['windows/arm64', 'windows/amd64', /machine is 0xaa64, expected 0x8664/],
    ['linux/amd64', 'darwin/amd64', /format is elf, expected macho/],
    ['darwin/arm64', 'linux/arm64', /format is macho, expected elf/],
  ])('%s bytes fail as %s, naming both', (builtFor, checkedAs, detail) => {
    const row = OBSERVED.find((entry) => entry.target === builtFor)!;
    const check = checkBinaryHeader(synthesize(row.fields), parseTarget(checkedAs));
    expect(check.ok).toBe(false);
    if (check.ok) return;
    expect(check.actual).toEqual({ ...row.fields, description: row.description });
    expect(check.expected).toEqual(expectedHeader(parseTarget(checkedAs)));
    expect(check.reason).toContain(`Expected a ${checkedAs} binary`);
    expect(check.reason).toContain(`found one for ${builtFor}`);
    expect(check.reason).toMatch(detail);
  });

  it('fails for every pair of targets except GOARM 6 against 7', () => {
    const passes: string[] = [];
    for (const built of OBSERVED) {
      for (const checked of OBSERVED) {
        if (checkBinaryHeader(synthesize(built.fields), parseTarget(checked.target)).ok) passes.push(`${built.target} as ${checked.target}`);
      }
    }
    const sameTarget = OBSERVED.map(({ target }) => `${target} as ${target}`);
    expect(passes.sort()).toEqual([...sameTarget, 'linux/arm/6 as linux/arm/7', 'linux/arm/7 as linux/arm/6'].sort());
  });

  it('says so when the bytes are for no known target', () => {
    const mips = synthesize(elf(64, false, 8, 0));
    const check = checkBinaryHeader(mips, parseTarget('linux/amd64'));
    expect(check).toMatchObject({ ok: false, actual: { description: 'ELF 64-bit MSB mips (OSABI 0)' } });
    if (!check.ok) expect(check.reason).toContain('none of the known targets');
  });
});

/** A fixed-seed generator, so the "random" bytes are the same on every run. */
function pseudoRandomBytes(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let state = seed;
  for (let index = 0; index < length; index += 1) {
    state = (state * 1103515245 + 12345) >>> 0;
    bytes[index] = state >>> 24;
  }
  return bytes;
}

const text = (value: string): Uint8Array => new TextEncoder().encode(value);

function fatMachO(): Uint8Array {
  const bytes = new Uint8Array(48);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, 0xcafebabe, false);
  view.setUint32(4, 2, false); // nfat_arch
  view.setUint32(8, 0x01000007, false);
  view.setUint32(28, 0x0100000c, false);
  return bytes;
}

describe('bytes that are not a usable executable', () => {
  const elf64 = synthesize(elf(64, true, 62, 0));
  const elf32 = synthesize(elf(32, true, 3, 0));
  it.each([
    ['empty input', new Uint8Array(0), /Truncated executable/],
    ['the ELF magic alone', elf64.subarray(0, 4), /Truncated ELF identification: needs 16 bytes, got 4/],
    ['a truncated ELF64 header', elf64.subarray(0, 40), /Truncated ELF64 header/],
    ['a truncated ELF32 header', elf32.subarray(0, 50), /Truncated ELF32 header: needs 52/],
    ['an ELF file of unknown class', Uint8Array.from([...elf64.subarray(0, 4), 3, 1, 1, 0, ...new Uint8Array(56)]), /unknown class/],
    ['a truncated Mach-O header', synthesize(macho(0x0100000c)).subarray(0, 20), /Truncated Mach-O header/],
    ['a truncated DOS header', synthesizePe(0x8664, 0x20b).subarray(0, 20), /Truncated DOS header/],
    ['a truncated PE header', synthesizePe(0x8664, 0x20b).subarray(0, 0x90), /Truncated PE header: needs 154 bytes, got 144/],
    ['a PE header beyond the bytes read', synthesizePe(0x8664, 0x20b, 0x1000), /beyond the first 512 bytes/],
    ['an MZ file with no PE signature', Uint8Array.from([...synthesizePe(0, 0, 0x40, 0x40), ...new Uint8Array(64)]), /MS-DOS program/],
    ['a PE file with an unknown optional header magic', synthesizePe(0x8664, 0x107), /unknown optional header magic 0x107/],
    ['random bytes', pseudoRandomBytes(BINARY_HEADER_BYTES, 42), /Not an ELF, Mach-O or PE executable: it starts with/],
    ['a shell script', text('#!/bin/sh\nexec glide "$@"\n'), /a script \(starts with #!\)/],
    ['an HTML error page', text('<!DOCTYPE html><title>404</title>'), /error page/],
    ['a gzip archive', Uint8Array.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0]), /gzip archive; unpack it first/],
    ['a universal (fat) Mach-O', fatMachO(), /universal \(fat\) Mach-O/],
  ])('%s', (_name, bytes, message) => {
    const error = expectGlideError(() => readBinaryHeader(bytes), 'EBADBINARY');
    expect(error.message).toMatch(message);

    const check = checkBinaryHeader(bytes, parseTarget('linux/amd64'));
    expect(check.ok).toBe(false);
    if (check.ok) return;
    expect(check.actual).toBeUndefined();
    expect(check.expected.description).toBe('ELF 64-bit LSB x86-64 (OSABI 0)');
    expect(check.reason).toBe(`Expected a linux/amd64 binary (ELF 64-bit LSB x86-64 (OSABI 0)). ${error.message}`);
  });
});

describe('expectedHeader', () => {
  it.each(['darwin/386', 'windows/ppc64le', 'plan9/amd64', 'linux/mips64', 'netbsd/amd64'])('does not know %s', (target) => {
    expectGlideError(() => expectedHeader(parseTarget(target)), 'EUNKNOWNTARGET');
    expectGlideError(() => checkBinaryHeader(new Uint8Array(0), parseTarget(target)), 'EUNKNOWNTARGET');
  });
});
