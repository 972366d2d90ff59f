import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, existsSync, WriteStream } from 'node:fs';
import { mkdir, mkdtemp, open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { gzipSync } from 'node:zlib';
import { create as createTar, Header, Pax, type HeaderData } from 'tar';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import yazl from 'yazl';
import {
  classifyEntryPath,
  createTarGzMemberExtractor,
  extractZipMember,
  judgeEntry,
  normalizeEntryPath,
  tarEntryKind,
  zipEntryKind,
  type ArchiveEntry,
  type EntryKind,
  type MemberExtraction,
} from '../../src/install/extract.js';

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/** The hash of a sparse file: `size` zero bytes. */
function sha256OfZeros(size: number): string {
  const hash = createHash('sha256');
  const block = Buffer.alloc(1 << 20);
  for (let left = size; left > 0; left -= block.length) hash.update(left >= block.length ? block : block.subarray(0, left));
  return hash.digest('hex');
}

describe('classifyEntryPath', () => {
  it.each([
    ['glide', 'ok'],
    ['./glide', 'ok'],
    ['docs/README.md', 'ok'],
    ['...', 'ok'],
    ['..glide', 'ok'],
    ['glide..', 'ok'],
    ['/etc/passwd', 'absolute'],
    ['//server/share', 'absolute'],
    ['\\\\server\\share\\x', 'absolute'],
    ['\\x', 'absolute'],
    ['C:\\x', 'absolute'],
    ['C:/x', 'absolute'],
    ['c:x', 'absolute'],
    ['..', 'parent'],
    ['../x', 'parent'],
    ['a/../../x', 'parent'],
    ['a/..', 'parent'],
    ['..\\x', 'parent'],
    ['a\\..\\..\\x', 'parent'],
  ] as const)('%j is %s', (path, expected) => {
    expect(classifyEntryPath(path)).toBe(expected);
  });
});

describe('normalizeEntryPath', () => {
  it.each([
    ['glide', 'glide'],
    ['./glide', 'glide'],
    ['.//glide', 'glide'],
    ['././glide', 'glide'],
    ['glide/', 'glide'],
    ['.\\glide.exe', 'glide.exe'],
    ['bin/glide', 'bin/glide'],
    ['./', ''],
  ])('%j names %j', (path, expected) => {
    expect(normalizeEntryPath(path)).toBe(expected);
  });
});

describe('judgeEntry', () => {
  const file = (path: string, rawPath?: string): ArchiveEntry => ({ path, rawPath, kind: 'file' });
  it.each<[string, ArchiveEntry, boolean, string]>([
    ['the member', file('glide'), false, 'extract'],
    ['the member as ./glide', file('./glide'), false, 'extract'],
    ['another file', file('LICENSE'), false, 'skip'],
    ['a file named glide in a folder', file('bin/glide'), false, 'skip'],
    ['a directory', { path: 'docs/', kind: 'directory' }, false, 'skip'],
    ['the member again', file('./glide'), true, 'refuse: "glide" appears more than once'],
    ['a directory named like the member', { path: 'glide/', kind: 'directory' }, false, 'refuse: "glide" is a directory'],
    ['an absolute path', file('/glide'), false, 'refuse: entry "/glide" has an absolute path'],
    ['a parent segment', file('x/../glide'), false, 'refuse: entry "x/../glide" climbs out'],
    ['a safe name over an unsafe raw header', file('glide', '../glide'), false, 'refuse: entry "../glide" climbs out'],
    ['an unsafe name over a safe raw header', file('../glide', 'glide'), false, 'refuse: entry "../glide" climbs out'],
    ['a symlink', { path: 'glide', kind: 'symlink' }, false, 'refuse: entry "glide" is a symbolic link'],
    ['a hard link', { path: 'x', kind: 'hardlink' }, false, 'refuse: entry "x" is a hard link'],
    ['a device', { path: 'x', kind: 'device' }, false, 'refuse: entry "x" is a device'],
    ['a FIFO', { path: 'x', kind: 'fifo' }, false, 'refuse: entry "x" is a named pipe'],
    ['an unknown type', { path: 'x', kind: 'other' }, false, 'refuse: entry "x" has a type'],
  ])('%s: %s', (_name, entry, memberSeen, expected) => {
    const verdict = judgeEntry(entry, 'glide', memberSeen);
    const summary = verdict.action === 'refuse' ? `refuse: ${verdict.reason}` : verdict.action;
    expect(summary.startsWith(expected), summary).toBe(true);
  });
});

describe('entry kinds', () => {
  it.each<[string, EntryKind]>([
    ['File', 'file'],
    ['OldFile', 'file'],
    ['ContiguousFile', 'file'],
    ['Directory', 'directory'],
    ['SymbolicLink', 'symlink'],
    ['Link', 'hardlink'],
    ['CharacterDevice', 'device'],
    ['BlockDevice', 'device'],
    ['FIFO', 'fifo'],
    ['GNUDumpDir', 'other'],
    ['SparseFile', 'other'],
  ])('tar %s is %s', (type, kind) => {
    expect(tarEntryKind(type)).toBe(kind);
  });

  const unix = (mode: number): number => (mode << 16) >>> 0;
  it.each<[string, number, string, EntryKind]>([
    ['a regular file', unix(0o100755), 'glide.exe', 'file'],
    ['no Unix mode', 0, 'glide.exe', 'file'],
    ['no Unix mode, trailing slash', 0, 'docs/', 'directory'],
    ['MS-DOS directory bit', 0x10, 'docs', 'directory'],
    ['a Unix directory', unix(0o40755), 'docs/', 'directory'],
    ['a symlink', unix(0o120777), 'glide.exe', 'symlink'],
    ['a character device', unix(0o20644), 'x', 'device'],
    ['a block device', unix(0o60644), 'x', 'device'],
    ['a FIFO', unix(0o10644), 'x', 'fifo'],
    ['a socket', unix(0o140644), 'x', 'other'],
  ])('zip %s is %s', (_name, attributes, path, kind) => {
    expect(zipEntryKind(attributes, path)).toBe(kind);
  });
});

// ---------------------------------------------------------------------------------------
// Real archives in a temp dir.

let root: string;
let destDir: string;
let outside: string;
let destFile: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'glide-extract-'));
  destDir = join(root, 'dest');
  // Absolute entry names point here, so a write through one would be seen.
  outside = join(root, 'outside');
  await mkdir(destDir);
  await mkdir(outside);
  await mkdir(join(root, 'archives'));
  destFile = join(destDir, 'glide');
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Every path under root, relative to it (archives are written before this is taken). */
async function tree(): Promise<string[]> {
  const entries = await readdir(root, { recursive: true });
  return entries.map((entry) => entry.split('\\').join('/')).sort();
}

async function saveArchive(name: string, bytes: Buffer): Promise<string> {
  const path = join(root, 'archives', name);
  await writeFile(path, bytes);
  return path;
}

const GLIDE = randomBytes(150_000);
const DOCS = [
  { path: 'LICENSE', body: Buffer.from('Apache License 2.0\n') },
  { path: 'CHANGELOG.md', body: Buffer.from('# Changelog\n') },
  { path: 'ROADMAP.md', body: Buffer.from('# Roadmap\n') },
];

interface RawTarEntry {
  readonly path: string;
  readonly type?: HeaderData['type'];
  readonly body?: Buffer;
  readonly linkpath?: string;
  /** A PAX `x` header giving the entry this name instead of `path`. */
  readonly paxPath?: string;
  /** A GNU `L` header giving the entry this name instead of `path`. */
  readonly gnuLongPath?: string;
}

function headerAndBody(data: HeaderData, body: Buffer): Buffer[] {
  const header = new Header({ mode: 0o755, uid: 0, gid: 0, mtime: new Date(0), ...data, size: body.length });
  header.encode();
  return [header.block!, body, Buffer.alloc((512 - (body.length % 512)) % 512)];
}

/** A tar written block by block, so it can hold anything a hostile archive could. */
function rawTar(entries: readonly RawTarEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    if (entry.paxPath !== undefined) blocks.push(new Pax({ path: entry.paxPath }).encode());
    if (entry.gnuLongPath !== undefined) {
      blocks.push(...headerAndBody({ path: '././@LongLink', type: 'NextFileHasLongPath' }, Buffer.from(`${entry.gnuLongPath}\0`)));
    }
    const { path, type = 'File', linkpath } = entry;
    blocks.push(...headerAndBody({ path, type, linkpath }, type === 'File' ? (entry.body ?? Buffer.alloc(0)) : Buffer.alloc(0)));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

function chunksOf(bytes: Buffer, size: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size));
  return chunks;
}

/** Feeds a .tar.gz through the extractor as a download would; the sink's own error is ignored. */
async function extractTarGz(bytes: Buffer, chunkSize = 4096): Promise<MemberExtraction> {
  const { sink, done } = createTarGzMemberExtractor('glide', destFile);
  await pipeline(Readable.from(chunksOf(bytes, chunkSize)), sink).catch(() => {});
  return done;
}

async function expectRefused(run: () => Promise<unknown>, detail: RegExp, hostileNames: readonly string[]): Promise<void> {
  const before = await tree();
  const error = await run().then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toMatchObject({ code: 'EUNSAFEARCHIVE' });
  expect((error as { details: string[] }).details.join('\n')).toMatch(detail);
  expect(existsSync(destFile)).toBe(false);
  expect(await tree()).toEqual(before.filter((path) => path !== relative(root, destFile)));
  for (const name of hostileNames) {
    // Where a naive extractor would have written it.
    expect(existsSync(resolve(destDir, name)), name).toBe(false);
    expect(existsSync(resolve(process.cwd(), name)), name).toBe(false);
  }
}

describe('createTarGzMemberExtractor', () => {
  async function glideTarGz(glidePath: string, glide: Buffer = GLIDE): Promise<Buffer> {
    const source = join(root, 'release');
    await mkdir(source);
    await writeFile(join(source, 'glide'), glide, { mode: 0o755 });
    for (const doc of DOCS) await writeFile(join(source, doc.path), doc.body);
    const archive = join(root, 'archives', 'glide_v1.0.0_linux_amd64.tar.gz');
    await createTar({ gzip: true, portable: true, cwd: source, file: archive }, [glidePath, ...DOCS.map((doc) => doc.path)]);
    await rm(source, { recursive: true });
    return readFile(archive);
  }

  it.each([
    ['glide', 4096],
    ['./glide', 4096],
    ['glide', 1],
    ['glide', Number.MAX_SAFE_INTEGER],
  ])('extracts only %s (fed %i bytes at a time), mode 755, exact bytes', async (glidePath, chunkSize) => {
    const archive = await glideTarGz(glidePath, chunkSize === 1 ? GLIDE.subarray(0, 5000) : GLIDE);
    const expected = chunkSize === 1 ? GLIDE.subarray(0, 5000) : GLIDE;

    const result = await extractTarGz(archive, chunkSize);

    expect(result).toEqual({ bytes: expected.length, sha256: sha256(expected), path: destFile });
    expect((await readFile(destFile)).equals(expected)).toBe(true);
    expect((await stat(destFile)).mode & 0o777).toBe(0o755);
    expect(await readdir(destDir)).toEqual(['glide']);
    expect(await readdir(outside)).toEqual([]);
  });

  it('extracts an empty member without stalling', async () => {
    const result = await extractTarGz(gzipSync(rawTar([{ path: 'glide', body: Buffer.alloc(0) }, ...DOCS])));
    expect(result.bytes).toBe(0);
    expect((await stat(destFile)).size).toBe(0);
  });

  it('reads past PAX and GNU long names of other entries', async () => {
    const long = `docs/${'d'.repeat(150)}/notes.md`;
    const archive = gzipSync(
      rawTar([
        { path: 'notes.md', paxPath: long, body: Buffer.from('pax') },
        { path: 'notes.md', gnuLongPath: long, body: Buffer.from('gnu') },
        { path: 'glide', body: GLIDE },
        ...DOCS,
      ]),
    );
    await extractTarGz(archive);
    expect((await readFile(destFile)).equals(GLIDE)).toBe(true);
  });

  const glide: RawTarEntry = { path: 'glide', body: GLIDE };
  // Unsafe entries come after a good glide (so its file must be removed again) unless the
  // row is about glide itself.
  const TAR_REFUSALS: [string, (outsideDir: string) => RawTarEntry[], RegExp][] = [
    ['an absolute path', (dir) => [glide, { path: `${dir}/escape-abs`, body: Buffer.from('x') }], /absolute path/],
    ['a Windows drive path', () => [glide, { path: 'C:\\escape-drive', body: Buffer.from('x') }], /absolute path/],
    ['a UNC path', () => [glide, { path: '\\\\server\\share\\escape-unc', body: Buffer.from('x') }], /absolute path/],
    ['../x', () => [glide, { path: '../escape-parent', body: Buffer.from('x') }], /climbs out/],
    ['a/../../x', () => [glide, { path: 'a/../../escape-nested', body: Buffer.from('x') }], /climbs out/],
    ['..\\x', () => [glide, { path: '..\\escape-backslash', body: Buffer.from('x') }], /climbs out/],
    ['an unsafe entry before glide', () => [{ path: '../escape-first', body: Buffer.from('x') }, glide], /climbs out/],
    ['a symlink named glide', () => [{ path: 'glide', type: 'SymbolicLink', linkpath: '/etc/passwd' }, ...DOCS], /symbolic link/],
    ['a symlink elsewhere', () => [glide, { path: 'escape-link', type: 'SymbolicLink', linkpath: '../../escape-target' }], /symbolic link/],
    ['a hard link', () => [glide, { path: 'escape-hard', type: 'Link', linkpath: 'glide' }], /hard link/],
    ['a character device', () => [glide, { path: 'escape-chr', type: 'CharacterDevice' }], /is a device/],
    ['a block device', () => [glide, { path: 'escape-blk', type: 'BlockDevice' }], /is a device/],
    ['a FIFO', () => [glide, { path: 'escape-fifo', type: 'FIFO' }], /FIFO/],
    ['an entry type node-tar skips (GNU sparse)', () => [glide, { path: 'escape-sparse', type: 'SparseFile' }], /type \(SparseFile\)/],
    ['glide twice', () => [glide, ...DOCS, { path: './glide', body: Buffer.from('second') }], /appears more than once/],
    ['a directory named glide', () => [{ path: 'glide/', type: 'Directory' }, ...DOCS], /is a directory/],
    ['no glide', () => [...DOCS], /"glide" is missing/],
    ['a long PAX name with ..', () => [{ path: 'glide', paxPath: `${'a'.repeat(120)}/../../escape-pax`, body: GLIDE }, ...DOCS], /climbs out/],
    ['a GNU long name with ..', () => [{ path: 'glide', gnuLongPath: `${'a'.repeat(120)}/../../escape-gnu`, body: GLIDE }, ...DOCS], /climbs out/],
  ];

  it.each(TAR_REFUSALS)('refuses %s', async (_name, entries, detail) => {
    const raw = entries(outside);
    const archive = gzipSync(rawTar(raw));
    const hostile = raw.map((entry) => entry.paxPath ?? entry.gnuLongPath ?? entry.path).filter((path) => path.includes('escape'));
    await expectRefused(() => extractTarGz(archive), detail, hostile);
  });

  const good = (): Buffer => rawTar([glide, ...DOCS]);
  const DAMAGED: [string, () => Buffer, RegExp][] = [
    ['a tar.gz cut in the middle', () => gzipSync(good()).subarray(0, 60_000), /unexpected end of file/],
    ['a tar.gz cut inside glide, gzip intact', () => gzipSync(good().subarray(0, 100_000)), /Truncated input/],
    ['a tar header with a broken checksum', () => gzipSync(good().fill(0x41, 148, 150)), /checksum/],
    ['bytes that are not gzip', () => randomBytes(4096), /incorrect header check/],
    ['gzip of bytes that are not tar', () => gzipSync(randomBytes(4096)), /./],
    ['nothing at all', () => Buffer.alloc(0), /./],
  ];

  it.each(DAMAGED)('refuses %s as damaged', async (_name, bytes, detail) => {
    const error = await extractTarGz(bytes()).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'EUNSAFEARCHIVE', message: expect.stringMatching(/damaged/) });
    expect((error as { details: string[] }).details.join('\n')).toMatch(detail);
    expect(existsSync(destFile)).toBe(false);
  });

  it('reports a refusal through done to a writer with no error listener (as the downloader writes)', async () => {
    const archive = gzipSync(rawTar([glide, { path: '../escape', body: Buffer.from('x') }]));
    const { sink, done } = createTarGzMemberExtractor('glide', destFile);
    const failure = done.then(() => new Promise<never>(() => {}));
    // Raced only when the sink pushes back, which a small archive may never make it do.
    failure.catch(() => {});
    const feed = async (): Promise<void> => {
      for (const chunk of chunksOf(archive, 1024)) {
        if (!sink.write(chunk)) await Promise.race([once(sink, 'drain'), failure]);
      }
      sink.end();
      await done;
    };
    await expect(feed()).rejects.toMatchObject({ code: 'EUNSAFEARCHIVE' });
    expect(sink.destroyed).toBe(true);
    expect(existsSync(destFile)).toBe(false);
  });

  async function destroyMidway(reason?: Error): Promise<unknown> {
    const archive = gzipSync(rawTar([{ path: 'glide', body: randomBytes(4 << 20) }, ...DOCS]));
    const { sink, done } = createTarGzMemberExtractor('glide', destFile);
    sink.on('error', () => {});
    for (const chunk of chunksOf(archive.subarray(0, archive.length / 2), 16_384)) {
      if (!sink.write(chunk)) await once(sink, 'drain');
    }
    while (!existsSync(destFile)) await new Promise((wake) => setTimeout(wake, 5));
    sink.destroy(reason);
    return done.catch((caught: unknown) => caught);
  }

  it('destroying the sink cancels and removes the partly written binary', async () => {
    expect(await destroyMidway()).toMatchObject({ code: 'ECANCELLED' });
    expect(existsSync(destFile)).toBe(false);
  });

  it('destroying the sink with an error rejects done with that error', async () => {
    const network = new Error('socket hang up');
    expect(await destroyMidway(network)).toBe(network);
    expect(existsSync(destFile)).toBe(false);
  });

  it('never writes through or removes a file that was already at destFile', async () => {
    await writeFile(destFile, 'not ours');
    const error = await extractTarGz(gzipSync(rawTar([glide, ...DOCS]))).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'EEXIST' });
    expect(await readFile(destFile, 'utf8')).toBe('not ours');
  });
});

describe('extractZipMember', () => {
  interface ZipMember {
    readonly name: string;
    readonly body?: Buffer;
    readonly mode?: number;
    readonly directory?: boolean;
  }

  async function zipBytes(members: readonly ZipMember[], compress = true): Promise<Buffer> {
    const zip = new yazl.ZipFile();
    for (const member of members) {
      const mtime = new Date(0);
      const mode = member.mode === undefined ? {} : { mode: member.mode };
      if (member.directory) zip.addEmptyDirectory(member.name, { mtime });
      else zip.addBuffer(member.body ?? Buffer.alloc(0), member.name, { mtime, compress, ...mode });
    }
    zip.end();
    const chunks: Buffer[] = [];
    for await (const chunk of zip.outputStream as Readable) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  /** yazl refuses unsafe names: write a same-length placeholder and swap the bytes. */
  function renamed(zip: Buffer, placeholder: string, name: string): Buffer {
    const from = Buffer.from(placeholder);
    const to = Buffer.from(name);
    expect(to.length).toBe(from.length);
    const patched = Buffer.from(zip);
    let count = 0;
    for (let at = patched.indexOf(from); at !== -1; at = patched.indexOf(from, at + 1), count++) to.copy(patched, at);
    expect(count, 'local header and central directory').toBe(2);
    return patched;
  }

  const glideExe = { name: 'glide.exe', body: GLIDE, mode: 0o100755 };
  const docs = DOCS.map((doc) => ({ name: doc.path, body: doc.body }));

  beforeEach(() => {
    destFile = join(destDir, 'glide.exe');
  });

  it.each([true, false])('extracts only glide.exe (compressed: %s), mode 755, exact bytes', async (compress) => {
    const zipPath = await saveArchive('glide_v1.0.0_windows_amd64.zip', await zipBytes([glideExe, ...docs], compress));

    const result = await extractZipMember(zipPath, 'glide.exe', destFile);

    expect(result).toEqual({ bytes: GLIDE.length, sha256: sha256(GLIDE), path: destFile });
    expect((await readFile(destFile)).equals(GLIDE)).toBe(true);
    expect((await stat(destFile)).mode & 0o777).toBe(0o755);
    expect(await readdir(destDir)).toEqual(['glide.exe']);
  });

  const hostile =
    (name: string): (() => Promise<Buffer>) =>
    async () => {
      const placeholder = 'Q'.repeat(Buffer.byteLength(name));
      return renamed(await zipBytes([glideExe, { name: placeholder, body: Buffer.from('x') }, ...docs]), placeholder, name);
    };
  const ZIP_REFUSALS: [string, (outsideDir: string) => Promise<Buffer>, RegExp][] = [
    ['an absolute path', (dir) => hostile(`${dir}/escape-abs`)(), /absolute path/],
    ['a drive letter C:/x', () => hostile('C:/escape-drive')(), /absolute path/],
    ['a UNC path', () => hostile('\\\\server\\escape-unc')(), /absolute path/],
    ['../x', () => hostile('../escape-parent')(), /climbs out/],
    ['a/../../x', () => hostile('a/../../escape-nested')(), /climbs out/],
    ['..\\x', () => hostile('..\\escape-backslash')(), /climbs out/],
    ['a symlink named glide.exe', () => zipBytes([{ name: 'glide.exe', body: Buffer.from('C:\\x'), mode: 0o120777 }, ...docs]), /symbolic link/],
    ['a symlink elsewhere', () => zipBytes([glideExe, { name: 'escape-link', body: Buffer.from('../x'), mode: 0o120777 }]), /symbolic link/],
    ['a character device', () => zipBytes([glideExe, { name: 'escape-chr', mode: 0o20644 }]), /is a device/],
    ['a FIFO', () => zipBytes([glideExe, { name: 'escape-fifo', mode: 0o10644 }]), /FIFO/],
    ['glide.exe twice', () => zipBytes([glideExe, ...docs, { name: 'glide.exe', body: Buffer.from('second') }]), /appears more than once/],
    ['a directory named glide.exe', () => zipBytes([{ name: 'glide.exe', directory: true }, ...docs]), /is a directory/],
    ['no glide.exe', () => zipBytes(docs), /"glide.exe" is missing/],
  ];

  it.each(ZIP_REFUSALS)('refuses %s', async (_name, bytes, detail) => {
    const zipPath = await saveArchive('hostile.zip', await bytes(outside));
    const hostileNames = [`${outside}/escape-abs`, '../escape-parent', 'a/../../escape-nested', 'escape-link', 'escape-chr', 'escape-fifo'];
    await expectRefused(() => extractZipMember(zipPath, 'glide.exe', destFile), detail, hostileNames);
  });

  it('refuses a zip cut in the middle as damaged', async () => {
    const zip = await zipBytes([glideExe, ...docs]);
    const zipPath = await saveArchive('cut.zip', zip.subarray(0, zip.length / 2));
    const error = await extractZipMember(zipPath, 'glide.exe', destFile).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'EUNSAFEARCHIVE', message: expect.stringMatching(/damaged/) });
    expect(existsSync(destFile)).toBe(false);
  });
});

describe('memory stays flat while the disk is slower than the archive', () => {
  // arrayBuffers counts freed buffers until V8 collects them; collecting before each sample
  // shows what is held. (The flag only unlocks `gc`; it changes nothing else.)
  v8.setFlagsFromString('--expose-gc');
  const collectGarbage = runInNewContext('gc') as () => void;

  /** Every fs.WriteStream in this worker writes at most `bytesPerSecond`, like a slow disk. */
  function throttleFileWrites(bytesPerSecond: number): () => void {
    type Write = (this: WriteStream, ...args: unknown[]) => void;
    const stream = WriteStream.prototype as unknown as { _write: Write; _writev: Write };
    const { _write: write, _writev: writev } = stream;
    const start = performance.now();
    let scheduled = 0;
    const later = (bytes: number, go: () => void): void => {
      scheduled += bytes;
      const wait = start + (scheduled / bytesPerSecond) * 1000 - performance.now();
      if (wait >= 1) setTimeout(go, wait);
      else setImmediate(go);
    };
    stream._write = function (this: WriteStream, ...args: unknown[]) {
      later((args[0] as Buffer).length, () => write.apply(this, args));
    };
    stream._writev = function (this: WriteStream, ...args: unknown[]) {
      const chunks = args[0] as { chunk: Buffer }[];
      later(
        chunks.reduce((sum, { chunk }) => sum + chunk.length, 0),
        () => writev.apply(this, args),
      );
    };
    return () => Object.assign(stream, { _write: write, _writev: writev });
  }

  async function peakGrowthDuring(run: () => Promise<void>): Promise<{ rss: number; heldArrayBuffers: number }> {
    collectGarbage();
    const base = process.memoryUsage();
    const peak = { rss: 0, heldArrayBuffers: 0 };
    const rss = setInterval(() => (peak.rss = Math.max(peak.rss, process.memoryUsage().rss - base.rss)), 2);
    const held = setInterval(() => {
      collectGarbage();
      peak.heldArrayBuffers = Math.max(peak.heldArrayBuffers, process.memoryUsage().arrayBuffers - base.arrayBuffers);
    }, 50);
    const restore = throttleFileWrites(40 << 20);
    try {
      await run();
    } finally {
      restore();
      clearInterval(rss);
      clearInterval(held);
    }
    return { rss: Math.round(peak.rss / (1 << 20)), heldArrayBuffers: Math.round(peak.heldArrayBuffers / (1 << 20)) };
  }

  /** Zeros in a sparse file: they compress ~1000:1, so each KiB of archive is a MiB to write. */
  async function sparseFile(path: string, size: number): Promise<void> {
    const file = await open(path, 'w', 0o755);
    await file.truncate(size);
    await file.close();
  }

  it('tar.gz: a 120 MB member, fed 4 KiB at a time; the sink pushes back', async () => {
    const size = 120 << 20;
    const source = join(root, 'release');
    await mkdir(source);
    await sparseFile(join(source, 'glide'), size);
    for (const doc of DOCS) await writeFile(join(source, doc.path), doc.body);
    // Zeros gzip to ~550 KB, less than the sink and gunzip take in before they push back:
    // 4 MB that do not compress make the archive outgrow them.
    await writeFile(join(source, 'noise.bin'), randomBytes(4 << 20));
    const archivePath = join(root, 'archives', 'big.tar.gz');
    await createTar({ gzip: { level: 1 }, portable: true, cwd: source, file: archivePath }, ['glide', 'noise.bin', ...DOCS.map((doc) => doc.path)]);
    await rm(source, { recursive: true });
    const archive = await readFile(archivePath);

    let pushedBack = 0;
    const growth = await peakGrowthDuring(async () => {
      const { sink, done } = createTarGzMemberExtractor('glide', destFile);
      for (const chunk of chunksOf(archive, 4096)) {
        if (!sink.write(chunk)) {
          pushedBack++;
          await once(sink, 'drain');
        }
      }
      sink.end();
      expect(await done).toEqual({ bytes: size, sha256: sha256OfZeros(size), path: destFile });
    });

    expect((await stat(destFile)).size).toBe(size);
    expect(pushedBack).toBeGreaterThan(0);
    expect(growth.rss, JSON.stringify(growth)).toBeLessThan(50);
    expect(growth.heldArrayBuffers, JSON.stringify(growth)).toBeLessThan(24);
  });

  it('zip: a 64 MB deflated member', async () => {
    const size = 64 << 20;
    await sparseFile(join(root, 'glide.exe'), size);
    const zip = new yazl.ZipFile();
    zip.addFile(join(root, 'glide.exe'), 'glide.exe', { compressionLevel: 1 });
    zip.end();
    const zipPath = join(root, 'archives', 'big.zip');
    await pipeline(zip.outputStream, createWriteStream(zipPath));
    destFile = join(destDir, 'glide.exe');

    const growth = await peakGrowthDuring(async () => {
      expect(await extractZipMember(zipPath, 'glide.exe', destFile)).toEqual({ bytes: size, sha256: sha256OfZeros(size), path: destFile });
    });

    expect(growth.rss, JSON.stringify(growth)).toBeLessThan(50);
    expect(growth.heldArrayBuffers, JSON.stringify(growth)).toBeLessThan(24);
  });
});
