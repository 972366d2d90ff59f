/** The snaps built for real with snapd's `snap pack` and squashfs-tools, from archives made here and named by a ledger. */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create } from 'tar';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { archiveName, parseTarget, type GlideError } from '#contract';
import { defaultSnapConfig } from '../../release/src/channels/snap/config.js';
import { packSnaps, runSnapPack, sha3_384 } from '../../release/src/channels/snap/pack.js';
import { assertSnapVersion } from '../../release/src/channels/snap/render.js';
import type { LedgerArtifact, ReleaseLedger } from '../../release/src/ledger.js';
import { rejection } from './snap-errors.js';
import { ledgerOf } from '../helpers/publish-world.js';

const CONFIG = defaultSnapConfig();
const SIGNAL = new AbortController().signal;
/** snap pack does not look inside the command: a script stands in for Glide's static binary. */
const BINARY = '#!/bin/sh\necho glide\n';

const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

/** `{out}/{version}/` with a real .tar.gz per target (built from `files`, default just `glide`) and the ledger naming their bytes. */
async function builtRelease(
  version: string,
  targets: readonly string[],
  files: (dir: string) => Promise<string[]> = async () => ['glide'],
): Promise<{ out: string; ledger: ReleaseLedger }> {
  const out = await mkdtemp(join(tmpdir(), 'snap-release-'));
  await mkdir(join(out, version));
  const artifacts: LedgerArtifact[] = [];
  for (const text of targets) {
    const target = parseTarget(text);
    const content = await mkdtemp(join(tmpdir(), 'snap-archive-'));
    await writeFile(join(content, 'glide'), BINARY, { mode: 0o755 });
    await writeFile(join(content, 'LICENSE'), 'Apache-2.0\n');
    const path = `${version}/${archiveName(version, target)}`;
    await create({ gzip: true, cwd: content, file: join(out, path), portable: true }, await files(content));
    const bytes = await readFile(join(out, path));
    artifacts.push({
      kind: 'archive',
      path,
      target: text,
      format: 'tar.gz',
      size: bytes.length,
      sha256: sha256(bytes),
      binary: { name: 'glide', size: BINARY.length, sha256: sha256(BINARY) },
      proof: { header: 'ELF', ran: 'native' },
    });
  }
  return { out, ledger: { ...ledgerOf(version), artifacts } };
}

function unsquashfs(...args: string[]): string {
  // -lls prints times in the local zone.
  return execFileSync('unsquashfs', args, { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } });
}

describe('snap pack of a release', () => {
  let release: { out: string; ledger: ReleaseLedger };
  beforeAll(async () => {
    release = await builtRelease('0.1.0-rc.1', ['linux/amd64', 'linux/arm/7', 'linux/arm/6', 'windows/amd64']);
  });

  it('packs one snap per snap architecture holding exactly meta/snap.yaml and the ledger binary', async () => {
    const snaps = await packSnaps(release.ledger, CONFIG, { outDir: release.out, signal: SIGNAL });
    expect(snaps.map((snap) => [snap.architecture, snap.path])).toEqual([
      ['amd64', '0.1.0-rc.1/snap/glide_0.1.0-rc.1_amd64.snap'],
      ['armhf', '0.1.0-rc.1/snap/glide_0.1.0-rc.1_armhf.snap'],
    ]);
    // Nothing left behind of the staging folders.
    expect((await readdir(join(release.out, '0.1.0-rc.1', 'snap'))).sort()).toEqual(['glide_0.1.0-rc.1_amd64.snap', 'glide_0.1.0-rc.1_armhf.snap']);
    for (const snap of snaps) {
      const file = join(release.out, snap.path);
      const listing = unsquashfs('-lls', file)
        .split('\n')
        .filter((line) => line.includes('squashfs-root'))
        .map((line) => {
          const fields = line.trim().split(/\s+/);
          return `${fields[0]} ${fields[1]} ${fields.at(-1)}`;
        });
      expect(listing).toEqual([
        'drwxr-xr-x root/root squashfs-root',
        'drwxr-xr-x root/root squashfs-root/bin',
        '-rwxr-xr-x root/root squashfs-root/bin/glide',
        'drwxr-xr-x root/root squashfs-root/meta',
        '-rw-r--r-- root/root squashfs-root/meta/snap.yaml',
      ]);
      expect(unsquashfs('-cat', file, 'bin/glide')).toBe(BINARY);
      expect(parse(unsquashfs('-cat', file, 'meta/snap.yaml'))).toMatchObject({ version: '0.1.0-rc.1', grade: 'devel', architectures: [snap.architecture] });
      // The store's digest, by a second implementation.
      expect(execFileSync('openssl', ['dgst', '-sha3-384', '-r', file], { encoding: 'utf8' }).split(' ')[0]).toBe(snap.sha3_384);
      expect(snap.size).toBe((await readFile(file)).length);
    }
  });

  it('gives the same bytes when packed again (every time in the squashfs is the commit date)', async () => {
    const again = await mkdtemp(join(tmpdir(), 'snap-again-'));
    await mkdir(join(again, '0.1.0-rc.1'));
    for (const artifact of release.ledger.artifacts) await writeFile(join(again, artifact.path), await readFile(join(release.out, artifact.path)));
    const [first] = await packSnaps(release.ledger, CONFIG, { outDir: release.out, signal: SIGNAL });
    const [second] = await packSnaps(release.ledger, CONFIG, { outDir: again, signal: SIGNAL });
    expect(second!.sha3_384).toBe(first!.sha3_384);
    expect(await readFile(join(again, second!.path))).toEqual(await readFile(join(release.out, first!.path)));
    expect(unsquashfs('-lls', join(again, second!.path))).toContain('2024-07-09 10:00 squashfs-root/bin/glide');
  });
});

describe('what no snap is built from', () => {
  it('an archive that is not the ledger bytes (ECHECKSUM), leaving no snap', async () => {
    const { out, ledger } = await builtRelease('0.1.0', ['linux/amd64']);
    const archive = join(out, ledger.artifacts[0]!.path);
    const bytes = await readFile(archive);
    bytes[bytes.length - 1] = bytes.at(-1)! ^ 1;
    await writeFile(archive, bytes);
    const error = await rejection(packSnaps(ledger, CONFIG, { outDir: out, signal: SIGNAL }));
    expect(error.code).toBe('ECHECKSUM');
    expect(error.message).toContain(ledger.artifacts[0]!.sha256);
    expect(await readdir(join(out, '0.1.0', 'snap'))).toEqual([]);
  });

  it('an archive whose binary is not the ledger binary (ECHECKSUM)', async () => {
    const { out, ledger } = await builtRelease('0.1.0', ['linux/amd64']);
    const archive = ledger.artifacts[0] as Extract<LedgerArtifact, { kind: 'archive' }>;
    const other = { ...ledger, artifacts: [{ ...archive, binary: { ...archive.binary, sha256: sha256('another build') } }] };
    const error = await rejection(packSnaps(other, CONFIG, { outDir: out, signal: SIGNAL }));
    expect(error.code).toBe('ECHECKSUM');
    expect(error.message).toContain(`The glide in ${join(out, archive.path)} hashes to ${sha256(BINARY)}`);
    expect(await readdir(join(out, '0.1.0', 'snap'))).toEqual([]);
  });

  it('an archive the ledger names whose binary is a link out (EUNSAFEARCHIVE from the installers extractor)', async () => {
    const { out, ledger } = await builtRelease('0.1.0', ['linux/amd64'], async (dir) => {
      await symlink('/etc/passwd', join(dir, 'link'));
      return ['LICENSE', 'link'];
    });
    const error = await rejection(packSnaps(ledger, CONFIG, { outDir: out, signal: SIGNAL }));
    expect(error.code).toBe('EUNSAFEARCHIVE');
    expect(await readdir(join(out, '0.1.0', 'snap'))).toEqual([]);
  });

  it('a version the store refuses: named by glide-release before snap pack runs (ESNAPVERSION)', async () => {
    const { out, ledger } = await builtRelease('0.1.0', ['linux/amd64']);
    const error = await rejection(packSnaps({ ...ledger, version: '0.1.0_1' }, CONFIG, { outDir: out, signal: SIGNAL }));
    expect(error.code).toBe('ESNAPVERSION');
  });
});

describe('the version rule agrees with snap pack', () => {
  it.each(['0.1.0', '0.1.0-rc.1', '1:2+3~', 'x'.repeat(32), 'x'.repeat(33), '0.1.0_rc1', '-1.0', '1.0-', '1.0.'])('%s', async (version) => {
    const dir = await mkdtemp(join(tmpdir(), 'snap-rule-'));
    await mkdir(join(dir, 'root', 'meta'), { recursive: true });
    await mkdir(join(dir, 'out'));
    await writeFile(join(dir, 'root', 'meta', 'snap.yaml'), `name: glide\nversion: '${version}'\nsummary: s\ndescription: d\n`);
    const ours = (() => {
      try {
        assertSnapVersion(version);
        return 'accepted';
      } catch {
        return 'refused';
      }
    })();
    const packed = await runSnapPack(join(dir, 'root'), join(dir, 'out'), '2024-07-09T10:00:00.000Z', SIGNAL).then(
      () => 'accepted',
      (error: GlideError) => {
        expect(error.code).toBe('ESNAPPACK');
        expect(error.details.join('\n')).toContain('invalid snap version');
        return 'refused';
      },
    );
    expect(ours).toBe(packed);
  });

  it('says so when snap is not installed (ESNAPPACK)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'snap-none-'));
    const path = process.env.PATH;
    process.env.PATH = dir;
    try {
      const error = await rejection(runSnapPack(dir, dir, '2024-07-09T10:00:00.000Z', SIGNAL));
      expect(error.code).toBe('ESNAPPACK');
      expect(error.message).toContain('not installed');
    } finally {
      process.env.PATH = path;
    }
  });
});

it('hashes sha3-384 as openssl does', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'snap-sha3-'));
  await writeFile(join(dir, 'f'), 'abc');
  expect(await sha3_384(join(dir, 'f'))).toBe('ec01498288516fc926459f58e2c6ad8df9b473cb0fc08c2596da7cf0e49be4b298d88cea927ac7f539f1edf228376d25');
});
