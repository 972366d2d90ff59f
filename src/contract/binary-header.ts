import { GlideError } from './errors.js';
import { formatTarget, type Target } from './targets.js';

/**
 * Reads the first bytes of an executable and checks them against a Go build target. The
 * release build uses it to prove each cross-compiled binary is for its target; the installer
 * uses it on a binary downloaded for another platform. Pure: callers read the bytes.
 */

export type BinaryFormat = 'elf' | 'macho' | 'pe';

export interface BinaryHeader {
  readonly format: BinaryFormat;
  /** ELF e_machine, Mach-O cputype, PE Machine. */
  readonly machine: number;
  readonly bits: 32 | 64;
  readonly littleEndian: boolean;
  /** ELF EI_OSABI only. */
  readonly osabi?: number;
  /** Human words, e.g. "ELF 64-bit LSB aarch64 (OSABI 0)", "Mach-O arm64", "PE32+ x86-64". */
  readonly description: string;
}

export interface ExpectedHeader {
  format: BinaryFormat;
  machine: number;
  bits: 32 | 64;
  littleEndian: boolean;
  /** Accepted EI_OSABI values (ELF only). */
  osabi?: number[];
  description: string;
}

export type HeaderCheck = { ok: true; actual: BinaryHeader } | { ok: false; actual?: BinaryHeader; expected: ExpectedHeader; reason: string };

/**
 * How many leading bytes readBinaryHeader needs at most (callers read only this much). ELF
 * and Mach-O need 64 and 32; PE needs its header, which sits behind a DOS stub: Go's linker
 * puts it at 0x80 (154 bytes in all), other linkers' longer stubs still fit in 512.
 */
export const BINARY_HEADER_BYTES = 512;

interface ArchLayout {
  readonly machine: number;
  readonly bits: 32 | 64;
  readonly littleEndian: boolean;
}

// Values below were read from Go 1.19 cross-compiled hello-worlds (readelf -h, xxd).
const ELF_ARCHES: ReadonlyMap<string, ArchLayout> = new Map([
  ['amd64', { machine: 62, bits: 64, littleEndian: true }],
  ['arm64', { machine: 183, bits: 64, littleEndian: true }],
  ['386', { machine: 3, bits: 32, littleEndian: true }],
  ['ppc64le', { machine: 21, bits: 64, littleEndian: true }],
  ['s390x', { machine: 22, bits: 64, littleEndian: false }],
  ['riscv64', { machine: 243, bits: 64, littleEndian: true }],
  // GOARM=6 and GOARM=7 write byte-identical headers (e_flags too), so they cannot be told apart.
  ['arm', { machine: 40, bits: 32, littleEndian: true }],
]);

/**
 * cmd/link sets EI_OSABI from the OS alone: 0 (SYSV) for linux, 9 for freebsd, 12 for
 * openbsd, whatever the arch. That tells the three apart from the header alone, so the
 * ELF notes (OpenBSD writes an "OpenBSD" note, FreeBSD none) are not needed. Only 0 is
 * accepted for linux: GNU ld may write 3 (GNU) for cgo builds, which Glide's releases are not.
 */
const ELF_OSABI: ReadonlyMap<string, number> = new Map([
  ['linux', 0],
  ['freebsd', 9],
  ['openbsd', 12],
]);

const MACHO_ARCHES: ReadonlyMap<string, ArchLayout> = new Map([
  ['amd64', { machine: 0x01000007, bits: 64, littleEndian: true }],
  ['arm64', { machine: 0x0100000c, bits: 64, littleEndian: true }],
]);

// PE is always little-endian; bits come from the optional header's magic (0x10b / 0x20b).
const PE_ARCHES: ReadonlyMap<string, ArchLayout> = new Map([
  ['amd64', { machine: 0x8664, bits: 64, littleEndian: true }],
  ['386', { machine: 0x14c, bits: 32, littleEndian: true }],
  ['arm64', { machine: 0xaa64, bits: 64, littleEndian: true }],
]);

const ELF_MACHINE_NAMES: ReadonlyMap<number, string> = new Map([
  [2, 'sparc'],
  [3, 'i386'],
  [8, 'mips'],
  [20, 'ppc'],
  [21, 'ppc64'],
  [22, 's390'],
  [40, 'arm'],
  [43, 'sparcv9'],
  [62, 'x86-64'],
  [183, 'aarch64'],
  [243, 'riscv'],
  [258, 'loongarch'],
]);

const ELF_OSABI_NAMES: ReadonlyMap<number, string> = new Map([
  [2, 'NetBSD'],
  [3, 'GNU/Linux'],
  [9, 'FreeBSD'],
  [12, 'OpenBSD'],
]);

const MACHO_CPU_NAMES: ReadonlyMap<number, string> = new Map([
  [7, 'i386'],
  [0x01000007, 'x86-64'],
  [12, 'arm'],
  [0x0100000c, 'arm64'],
  [0x0200000c, 'arm64_32'],
  [18, 'ppc'],
  [0x01000012, 'ppc64'],
]);

const PE_MACHINE_NAMES: ReadonlyMap<number, string> = new Map([
  [0x14c, 'i386'],
  [0x8664, 'x86-64'],
  [0xaa64, 'arm64'],
  [0x1c0, 'arm'],
  [0x1c4, 'armv7'],
  [0x200, 'ia64'],
]);

type HeaderFields = Omit<BinaryHeader, 'description'>;

function hex(value: number): string {
  return `0x${value.toString(16)}`;
}

/** ELF machine numbers are usually quoted in decimal, Mach-O and PE ones in hex. */
function formatMachine(format: BinaryFormat, machine: number): string {
  return format === 'elf' ? `${machine}` : hex(machine);
}

function describe(fields: HeaderFields): string {
  switch (fields.format) {
    case 'elf': {
      const machine = ELF_MACHINE_NAMES.get(fields.machine) ?? `machine ${fields.machine}`;
      const osabiName = ELF_OSABI_NAMES.get(fields.osabi ?? 0);
      const osabi = osabiName ? `${fields.osabi} ${osabiName}` : `${fields.osabi ?? 0}`;
      return `ELF ${fields.bits}-bit ${fields.littleEndian ? 'LSB' : 'MSB'} ${machine} (OSABI ${osabi})`;
    }
    case 'macho': {
      const cpu = MACHO_CPU_NAMES.get(fields.machine) ?? `cputype ${hex(fields.machine)}`;
      return `Mach-O ${cpu}${fields.bits === 32 ? ' 32-bit' : ''}${fields.littleEndian ? '' : ' big-endian'}`;
    }
    case 'pe':
      return `${fields.bits === 64 ? 'PE32+' : 'PE32'} ${PE_MACHINE_NAMES.get(fields.machine) ?? `machine ${hex(fields.machine)}`}`;
  }
}

function withDescription(fields: HeaderFields): BinaryHeader {
  return { ...fields, description: describe(fields) };
}

function badBinary(message: string): GlideError {
  return new GlideError('EBADBINARY', message);
}

function truncated(what: string, need: number, have: number): GlideError {
  return badBinary(`Truncated ${what}: needs ${need} bytes, got ${have}. The file is incomplete; download or build it again.`);
}

function startsWith(bytes: Uint8Array, prefix: readonly number[]): boolean {
  return prefix.every((byte, index) => bytes[index] === byte);
}

const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46];
const MZ_MAGIC = [0x4d, 0x5a];
const PE_SIGNATURE = [0x50, 0x45, 0x00, 0x00];

function readElf(bytes: Uint8Array, view: DataView): BinaryHeader {
  if (bytes.length < 16) throw truncated('ELF identification', 16, bytes.length);
  const elfClass = bytes[4];
  const elfData = bytes[5];
  if (elfClass !== 1 && elfClass !== 2) throw badBinary(`ELF file with an unknown class (EI_CLASS ${elfClass}).`);
  if (elfData !== 1 && elfData !== 2) throw badBinary(`ELF file with an unknown byte order (EI_DATA ${elfData}).`);
  const bits = elfClass === 2 ? 64 : 32;
  const size = bits === 64 ? 64 : 52;
  if (bytes.length < size) throw truncated(`ELF${bits} header`, size, bytes.length);
  const littleEndian = elfData === 1;
  return withDescription({ format: 'elf', machine: view.getUint16(18, littleEndian), bits, littleEndian, osabi: bytes[7] ?? 0 });
}

/** Thin Mach-O magics as read big-endian: the byte order of the magic is the file's. */
const MACHO_MAGICS: ReadonlyMap<number, { bits: 32 | 64; littleEndian: boolean }> = new Map([
  [0xcefaedfe, { bits: 32, littleEndian: true }],
  [0xcffaedfe, { bits: 64, littleEndian: true }],
  [0xfeedface, { bits: 32, littleEndian: false }],
  [0xfeedfacf, { bits: 64, littleEndian: false }],
] as const);

/** Thin Mach-O only: a universal binary holds several headers, one per slice. */
function readMachO(bytes: Uint8Array, view: DataView): BinaryHeader | undefined {
  const magic = view.getUint32(0, false);
  if (magic === 0xcafebabe || magic === 0xcafebabf || magic === 0xbebafeca || magic === 0xbfbafeca) {
    throw badBinary(
      'This is a universal (fat) Mach-O, or a Java class file. Check each slice on its own (lipo -thin <arch>); a release asset is built for one arch.',
    );
  }
  const layout = MACHO_MAGICS.get(magic);
  if (!layout) return undefined;
  const size = layout.bits === 64 ? 32 : 28;
  if (bytes.length < size) throw truncated(`Mach-O header`, size, bytes.length);
  return withDescription({ format: 'macho', machine: view.getUint32(4, layout.littleEndian), ...layout });
}

function readPe(bytes: Uint8Array, view: DataView): BinaryHeader {
  if (bytes.length < 0x40) throw truncated('DOS header', 0x40, bytes.length);
  const peOffset = view.getUint32(0x3c, true);
  // Signature (4) + COFF header (20) + the optional header's 2-byte magic.
  const end = peOffset + 26;
  if (end > BINARY_HEADER_BYTES) {
    throw badBinary(`PE header at ${hex(peOffset)} lies beyond the first ${BINARY_HEADER_BYTES} bytes; this is not an executable Go would write.`);
  }
  if (bytes.length < end) throw truncated('PE header', end, bytes.length);
  if (!startsWith(bytes.subarray(peOffset), PE_SIGNATURE)) {
    throw badBinary('MZ file without a PE signature: an MS-DOS program, not a Windows executable.');
  }
  const machine = view.getUint16(peOffset + 4, true);
  const optionalHeaderSize = view.getUint16(peOffset + 20, true);
  if (optionalHeaderSize < 2) throw badBinary('PE file without an optional header: an object file, not an executable.');
  const optionalMagic = view.getUint16(peOffset + 24, true);
  if (optionalMagic !== 0x10b && optionalMagic !== 0x20b) {
    throw badBinary(`PE file with an unknown optional header magic ${hex(optionalMagic)}.`);
  }
  return withDescription({ format: 'pe', machine, bits: optionalMagic === 0x20b ? 64 : 32, littleEndian: true });
}

/** Names what the bytes are instead when they are a common wrong download. */
function notAnExecutable(bytes: Uint8Array): GlideError {
  const start = [...bytes.subarray(0, 4)].map((byte) => byte.toString(16).padStart(2, '0')).join(' ');
  let what = `it starts with ${start}`;
  if (startsWith(bytes, [0x23, 0x21])) what = 'it is a script (starts with #!)';
  else if (startsWith(bytes, [0x1f, 0x8b])) what = 'it is a gzip archive; unpack it first';
  else if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04])) what = 'it is a zip archive; unpack it first';
  else if (bytes[0] === 0x3c) what = 'it looks like HTML or XML, perhaps an error page instead of the download';
  return badBinary(`Not an ELF, Mach-O or PE executable: ${what}.`);
}

/** Reads the format, machine, word size and byte order from an executable's first bytes. */
export function readBinaryHeader(bytes: Uint8Array): BinaryHeader {
  if (bytes.length < 4) throw truncated('executable', 4, bytes.length);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (startsWith(bytes, ELF_MAGIC)) return readElf(bytes, view);
  if (startsWith(bytes, MZ_MAGIC)) return readPe(bytes, view);
  const macho = readMachO(bytes, view);
  if (macho) return macho;
  throw notAnExecutable(bytes);
}

function layoutFor(target: Target): { format: BinaryFormat; layout: ArchLayout; osabi?: number } | undefined {
  const { os, arch } = target;
  if (os === 'darwin') {
    const layout = MACHO_ARCHES.get(arch);
    return layout && { format: 'macho', layout };
  }
  if (os === 'windows') {
    const layout = PE_ARCHES.get(arch);
    return layout && { format: 'pe', layout };
  }
  const osabi = ELF_OSABI.get(os);
  const layout = ELF_ARCHES.get(arch);
  return osabi !== undefined && layout ? { format: 'elf', layout, osabi } : undefined;
}

/** Every target expectedHeader knows, so a mismatch can name the target the bytes are for. */
const KNOWN_HEADER_TARGETS: readonly Target[] = [
  ...[...MACHO_ARCHES.keys()].map((arch) => ({ os: 'darwin', arch })),
  ...[...ELF_OSABI.keys()].flatMap((os) => [...ELF_ARCHES.keys()].map((arch) => ({ os, arch }))),
  ...[...PE_ARCHES.keys()].map((arch) => ({ os: 'windows', arch })),
];

/** The header a Go binary for `target` carries. GOARM is ignored: it does not show in the header. */
export function expectedHeader(target: Target): ExpectedHeader {
  const found = layoutFor(target);
  if (!found) {
    throw new GlideError('EUNKNOWNTARGET', `No known executable header for ${formatTarget(target)}.`, [
      `Known: ${KNOWN_HEADER_TARGETS.map(formatTarget).join(', ')}`,
    ]);
  }
  const { format, layout, osabi } = found;
  const description = describe({ format, ...layout, osabi });
  return osabi === undefined ? { format, ...layout, description } : { format, ...layout, osabi: [osabi], description };
}

function mismatches(actual: BinaryHeader, expected: ExpectedHeader): string[] {
  if (actual.format !== expected.format) return [`format is ${actual.format}, expected ${expected.format}`];
  const found: string[] = [];
  if (actual.machine !== expected.machine) {
    found.push(`machine is ${formatMachine(actual.format, actual.machine)}, expected ${formatMachine(actual.format, expected.machine)}`);
  }
  if (actual.bits !== expected.bits) found.push(`it is ${actual.bits}-bit, expected ${expected.bits}-bit`);
  if (actual.littleEndian !== expected.littleEndian) {
    found.push(`it is ${actual.littleEndian ? 'little' : 'big'}-endian, expected ${expected.littleEndian ? 'little' : 'big'}-endian`);
  }
  if (expected.osabi && !expected.osabi.includes(actual.osabi ?? -1)) {
    found.push(`OSABI is ${actual.osabi}, expected ${expected.osabi.join(' or ')}`);
  }
  return found;
}

/** Checks the bytes against `target`. Bad bytes give ok:false; an unknown target throws EUNKNOWNTARGET. */
export function checkBinaryHeader(bytes: Uint8Array, target: Target): HeaderCheck {
  const expected = expectedHeader(target);
  const wanted = `Expected a ${formatTarget(target)} binary (${expected.description})`;
  let actual: BinaryHeader;
  try {
    actual = readBinaryHeader(bytes);
  } catch (error) {
    if (error instanceof GlideError && error.code === 'EBADBINARY') {
      return { ok: false, expected, reason: `${wanted}. ${error.message}` };
    }
    throw error;
  }
  const problems = mismatches(actual, expected);
  if (problems.length === 0) return { ok: true, actual };
  const builtFor = KNOWN_HEADER_TARGETS.find((known) => mismatches(actual, expectedHeader(known)).length === 0);
  const found = builtFor ? `one for ${formatTarget(builtFor)} (${actual.description})` : `${actual.description}, which is none of the known targets`;
  return { ok: false, actual, expected, reason: `${wanted} but found ${found}: ${problems.join('; ')}.` };
}
