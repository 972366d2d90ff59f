import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GlideError } from '#contract';
import {
  assertLedgerOf,
  LEDGER_SCHEMA,
  makeLedger,
  parseLedger,
  readLedger,
  writeLedger,
  type LedgerArtifact,
  type ReleaseLedger,
} from '../../release/src/ledger.js';
import { assertGatesPass } from '../../release/src/prepare.js';
import { COMMIT, RELEASED_RC, releasePlan, snapshotPlan } from '../helpers/release-plan.js';

const SHA = (c: string) => c.repeat(64);

function builtPlan(tag: string, tags = [RELEASED_RC]) {
  const plan = releasePlan(tag, tags);
  assertGatesPass(plan, 'built');
  return plan;
}

/** The artifacts the binaries stage records, listed out of path order. */
const ARTIFACTS: LedgerArtifact[] = [
  { kind: 'checksums', path: '0.1.0/glide_v0.1.0_checksums.txt', size: 300, sha256: SHA('c') },
  {
    kind: 'archive',
    path: '0.1.0/glide_v0.1.0_linux_arm64.tar.gz',
    target: 'linux/arm64',
    format: 'tar.gz',
    size: 2000,
    sha256: SHA('b'),
    binary: { name: 'glide', size: 5000, sha256: SHA('e') },
    proof: { header: 'ELF 64-bit LSB aarch64 (OSABI 0)', ran: 'qemu-aarch64-static', versionOutput: 'glide version 0.1.0' },
  },
  {
    kind: 'archive',
    path: '0.1.0/glide_v0.1.0_darwin_arm64.tar.gz',
    target: 'darwin/arm64',
    format: 'tar.gz',
    size: 2100,
    sha256: SHA('a'),
    binary: { name: 'glide', size: 5100, sha256: SHA('f') },
    proof: { header: 'Mach-O 64-bit arm64', ran: 'not run: darwin binaries cannot run on linux' },
  },
];

const LEDGER: ReleaseLedger = makeLedger(builtPlan('0.1.0'), 'EinStack/glide', ARTIFACTS);

describe('makeLedger', () => {
  it('records the plan facts a later stage needs, the schema number, and the artifacts in path order', () => {
    expect(LEDGER).toEqual({
      schema: LEDGER_SCHEMA,
      repo: 'EinStack/glide',
      tag: '0.1.0',
      version: '0.1.0',
      stage: 'stable',
      prerelease: false,
      publishable: true,
      commit: COMMIT,
      date: '2024-07-09T10:00:00.000Z',
      goVersion: 'go1.22.5',
      artifacts: [ARTIFACTS[0], ARTIFACTS[2], ARTIFACTS[1]],
      skipped: [{ target: 'freebsd/s390x', reason: 'Go has no freebsd/s390x port' }],
    });
  });

  it('a snapshot is recorded as a pre-release that is never publishable', () => {
    const plan = snapshotPlan();
    assertGatesPass(plan, 'built');
    expect(makeLedger(plan, 'EinStack/glide', [])).toMatchObject({ stage: 'snapshot', prerelease: true, publishable: false });
  });
});

describe('readLedger and writeLedger', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'glide-ledger-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('what writeLedger writes, readLedger reads back the same, with images and without', async () => {
    await writeLedger(dir, LEDGER);
    expect(await readLedger(dir)).toEqual(LEDGER);
    const withImages: ReleaseLedger = {
      ...LEDGER,
      images: {
        layout: 'images',
        repository: 'ghcr.io/einstack/glide',
        distros: [
          {
            distro: 'alpine',
            tag: '0.1.0-alpine',
            index: `sha256:${SHA('1')}`,
            base: { name: 'docker.io/library/alpine:3.20', digest: `sha256:${SHA('2')}` },
            manifests: [{ target: 'linux/arm64', digest: `sha256:${SHA('3')}`, caLayerAdded: false }],
            lacking: [],
          },
        ],
        digests: [`sha256:${SHA('1')}`, `sha256:${SHA('3')}`],
      },
    };
    await writeLedger(dir, withImages);
    expect(await readLedger(dir)).toEqual(withImages);
    expect(await readFile(join(dir, 'release.json'), 'utf8')).toBe(`${JSON.stringify(withImages, null, 2)}\n`);
  });

  it('a promoted stable records the RC each binary re-stamps; a ledger without it still reads at the same schema', async () => {
    const promoted: ReleaseLedger = {
      ...LEDGER,
      artifacts: LEDGER.artifacts.map((a) => (a.kind === 'archive' ? { ...a, promotedFrom: { tag: '0.1.0-rc.1', binarySha256: SHA('9') } } : a)),
    };
    await writeLedger(dir, promoted);
    expect(await readLedger(dir)).toEqual(promoted);
    expect(promoted.schema).toBe(LEDGER.schema);
  });

  it('no release.json is no ledger (the stage says what to build first)', async () => {
    expect(await readLedger(dir)).toBeUndefined();
  });

  it('a release.json that cannot be read is ELEDGER, not a crash', async () => {
    await mkdir(join(dir, 'release.json'));
    await expect(readLedger(dir)).rejects.toMatchObject({ code: 'ELEDGER', message: expect.stringContaining('cannot be read (EISDIR)') });
  });
});

describe('a release.json that is not a ledger of this schema is ELEDGER, saying what is wrong and to rebuild', () => {
  const text = JSON.stringify(LEDGER, null, 2);
  const edited = (edit: (ledger: Record<string, unknown>) => void) => {
    const copy = JSON.parse(text) as Record<string, unknown>;
    edit(copy);
    return JSON.stringify(copy);
  };
  const archive = (ledger: Record<string, unknown>) => (ledger.artifacts as Record<string, unknown>[])[0]!;
  /** artifacts[0] is the checksums file (path order); [1] the first archive. */
  const firstArchive = (ledger: Record<string, unknown>) => (ledger.artifacts as Record<string, unknown>[])[1]!;

  it.each([
    ['cut short', text.slice(0, 200), /is not valid JSON \(.*\): it was cut short or edited/],
    ['empty', '', /is not valid JSON/],
    ['a list', '[]', /is not a glide-release ledger: it has no "schema" number/],
    ['no schema number', edited((l) => delete l.schema), /has no "schema" number/],
    ['a newer schema', edited((l) => (l.schema = LEDGER_SCHEMA + 1)), /is a ledger of schema 2, written by a newer glide-release; this one reads schema 1/],
    ['an older schema', edited((l) => (l.schema = 0)), /is a ledger of schema 0, written by an older glide-release/],
    ['a field missing', edited((l) => delete l.artifacts), /artifacts: /],
    ['a size that is text', edited((l) => (archive(l).size = '2000')), /artifacts\.0\.size: /],
    ['a sha256 that is not one', edited((l) => (archive(l).sha256 = 'abc')), /artifacts\.0\.sha256: not a sha256/],
    ['an unknown artifact kind', edited((l) => (archive(l).kind = 'sbom')), /artifacts\.0/],
    ['an unknown key', edited((l) => (l.channel = 'beta')), /\(top level\): unknown key channel/],
    ['a stage that is not built', edited((l) => (l.stage = 'invalid')), /stage: /],
    ['a short commit', edited((l) => (l.commit = 'abc123')), /commit: not a full commit id/],
    [
      'a path out of the tag folder',
      edited((l) => (archive(l).path = '0.1.0/../../etc/passwd')),
      /0\.1\.0\/\.\.\/\.\.\/etc\/passwd is not a file of 0\.1\.0\//,
    ],
    ['a path in another tag', edited((l) => (archive(l).path = '0.0.9/glide_v0.0.9_linux_arm64.tar.gz')), /is not a file of 0\.1\.0\//],
    [
      'an images layout outside the folder',
      edited((l) => (l.images = { layout: '..', repository: 'r', distros: [], digests: [] })),
      /images\.layout: a folder name inside the release folder/,
    ],
    ['a release marked unpublishable', edited((l) => (l.publishable = false)), /publishable is false, but a stable release is always publishable/],
    [
      'a snapshot marked publishable',
      edited((l) => ((l.stage = 'snapshot'), (l.prerelease = true))),
      /publishable is true, but a snapshot is never publishable/,
    ],
    [
      'a promotedFrom whose sha256 is not one',
      edited((l) => (firstArchive(l).promotedFrom = { tag: '0.1.0-rc.1', binarySha256: 'abc' })),
      /artifacts\.1\.promotedFrom\.binarySha256: not a sha256/,
    ],
    [
      'an RC marked promoted',
      edited((l) => ((l.stage = 'rc'), (firstArchive(l).promotedFrom = { tag: '0.1.0-rc.1', binarySha256: SHA('9') }))),
      /glide_v0\.1\.0_darwin_arm64\.tar\.gz is promoted from 0\.1\.0-rc\.1, but only a stable release is promoted/,
    ],
    ['a stable marked pre-release', edited((l) => (l.prerelease = true)), /prerelease is true, but a stable release is not a pre-release/],
  ])('%s', (_case, ledgerText, message) => {
    let thrown: unknown;
    try {
      parseLedger(ledgerText, '/out/0.1.0/release.json');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(GlideError);
    const error = thrown as GlideError;
    expect(error.code).toBe('ELEDGER');
    expect(error.message).toContain('/out/0.1.0/release.json');
    expect([error.message, ...error.details].join('\n')).toMatch(message);
    expect(error.details.at(-1)).toMatch(/glide-release build|Run the glide-release that built it/);
  });

  it('many problems are listed five at most, with how many more', () => {
    const bad = edited((l) => {
      for (const key of ['repo', 'tag', 'version', 'goVersion', 'date', 'skipped', 'artifacts']) delete l[key];
    });
    expect(() => parseLedger(bad, 'release.json')).toThrow(expect.objectContaining({ details: expect.arrayContaining(['… and 2 more']) }));
  });
});

describe('assertLedgerOf: the ledger in a tag folder is of that release', () => {
  it.each([
    ['the same tag and commit', { tag: '0.1.0', commit: COMMIT }, undefined],
    ['another tag', { tag: '0.1.1', commit: COMMIT }, /is the ledger of 0\.1\.0, not of 0\.1\.1/],
    [
      'the tag moved since',
      { tag: '0.1.0', commit: 'f'.repeat(40) },
      /was built from commit 0123456789ab, but 0\.1\.0 is now commit ffffffffffff: the tag moved after the build/,
    ],
  ])('%s', (_case, plan, message) => {
    const check = () => assertLedgerOf(LEDGER, plan, '/out/0.1.0');
    if (message) expect(check).toThrow(expect.objectContaining({ code: 'ELEDGER', message: expect.stringMatching(message) }));
    else expect(check).not.toThrow();
  });
});

it('writeLedger replaces release.json whole: no temp file is left beside it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'glide-ledger-'));
  await writeFile(join(dir, 'release.json'), 'old');
  await writeLedger(dir, LEDGER);
  expect((await readFile(join(dir, 'release.json'), 'utf8')).startsWith('{')).toBe(true);
  expect(await readdir(dir)).toEqual(['release.json']);
  await rm(dir, { recursive: true, force: true });
});
