import { cp, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReleaseLedger } from '../../release/src/ledger.js';
import { BUILD_TIMEOUT, StandinRepo } from '../helpers/repo.js';
import { requireTools } from '../helpers/tools.js';

// A release built as three shares, in three processes and folders, then merged, against a
// single build of the same tag: the merged folder and index.json must be the same bytes.
const TAG = '0.3.0-rc.1';
// Small, and mixed: two Linux targets run (natively, under qemu), three are checked by header only.
const MATRIX = ['linux/amd64', 'linux/arm64', 'darwin/arm64', 'windows/amd64', 'freebsd/amd64'];

let repo: StandinRepo;
let scratch: string;
let single: string;
const shares: string[] = [];

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => !entry.isDirectory())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

async function readLedgerAt(dir: string): Promise<ReleaseLedger> {
  return JSON.parse(await readFile(join(dir, TAG, 'release.json'), 'utf8')) as ReleaseLedger;
}

/** The same files as the single build's mirror, each the same bytes (`cmp`). */
async function expectSameBytesAsSingle(out: string): Promise<void> {
  const files = await filesUnder(single);
  expect(await filesUnder(out)).toEqual(files);
  for (const file of files) {
    const same = await execa('cmp', [join(single, file), join(out, file)], { reject: false });
    expect(same.exitCode, `${file}: ${same.stdout}`).toBe(0);
  }
}

function merge(out: string, ...shareDirs: string[]) {
  return repo.release(['merge', '--out', out, ...shareDirs]);
}

/** A copy of the shares to tamper with, so each refusal starts from the shares as built. */
async function copyShares(): Promise<string[]> {
  const dir = await mkdtemp(join(scratch, 'copy-'));
  return Promise.all(
    shares.map(async (share, i) => {
      const copy = join(dir, `share-${i + 1}`);
      await cp(share, copy, { recursive: true });
      return copy;
    }),
  );
}

beforeAll(async () => {
  requireTools('go', 'qemu-aarch64-static');
  repo = await StandinRepo.create();
  await repo.write('glide-release.config.json', `${JSON.stringify({ targets: { matrix: MATRIX } })}\n`);
  await repo.commitAll('A small matrix', '2024-06-02T10:00:00Z');
  await repo.tag(TAG, 1);
  scratch = await mkdtemp(join(tmpdir(), 'glide-shards-'));
  single = join(scratch, 'single');
  const built = await repo.release(['build', '--out', single]);
  expect(built.all).toContain(`built ${TAG}: 5 archives`);
  for (const index of [1, 2, 3]) {
    const out = join(scratch, `share-${index}`);
    const share = await repo.release(['build', '--shard', `${index}/3`, '--out', out]);
    expect(share.exitCode, share.all).toBe(0);
    shares.push(out);
  }
}, BUILD_TIMEOUT);

afterAll(async () => {
  await rm(repo.dir, { recursive: true, force: true });
  await rm(scratch, { recursive: true, force: true });
});

describe('build --shard I/N', () => {
  it('deals the Linux targets first, round-robin, and marks each folder as a share with no checksums and no index.json', async () => {
    const expected = [['linux/amd64', 'windows/amd64'], ['linux/arm64', 'freebsd/amd64'], ['darwin/arm64']];
    const singleLedger = await readLedgerAt(single);
    for (const [i, share] of shares.entries()) {
      expect(await readdir(share)).toEqual([TAG]);
      const ledger = await readLedgerAt(share);
      expect(ledger.share).toEqual({
        index: i + 1,
        count: 3,
        targets: expected[i],
        matrix: MATRIX,
        config: expect.stringMatching(/^[0-9a-f]{64}$/),
        releasedAt: expect.any(String),
      });
      expect(ledger.artifacts.map((a) => a.kind)).toEqual(expected[i]!.map(() => 'archive'));
      expect({ commit: ledger.commit, goVersion: ledger.goVersion }).toEqual({ commit: singleLedger.commit, goVersion: singleLedger.goVersion });
    }
  });
});

describe('build --shard into a release mirror', () => {
  it('is refused (EOUTDIR): a share there would replace the release index.json lists', async () => {
    const before = await filesUnder(single);
    const result = await repo.release(['build', '--shard', '1/3', '--out', single]);
    expect(result.exitCode, result.all).toBe(1);
    expect(result.stderr).toMatch(/^error EOUTDIR: .* is a release mirror \(it has index\.json\)/m);
    expect(await filesUnder(single)).toEqual(before);
    expect((await readLedgerAt(single)).share).toBeUndefined();
  });
});

describe('merge', () => {
  let merged: string;

  it('writes the same bytes as a single build: every file of the release folder, and index.json', async () => {
    merged = join(scratch, 'merged');
    // Given out of order: the shares' order does not matter.
    const result = await merge(merged, shares[2]!, shares[0]!, shares[1]!);
    expect(result.exitCode, result.all).toBe(0);
    expect(result.stdout).toContain(`merged 3 shares of ${TAG}: 5 archives`);
    const files = await filesUnder(single);
    expect(files).toContain('index.json');
    expect(files).toContain(`${TAG}/release.json`);
    expect(files).toHaveLength(8);
    await expectSameBytesAsSingle(merged);
  });

  it("without --out, merges into build's default, dist/ at the repository root", async () => {
    const result = await repo.release(['merge', ...shares]);
    try {
      expect(result.exitCode, result.all).toBe(0);
      await expectSameBytesAsSingle(join(repo.dir, 'dist'));
    } finally {
      await rm(join(repo.dir, 'dist'), { recursive: true, force: true });
    }
  });

  it('merges a --targets share with a --shard share into the same bytes', async () => {
    const rest = join(scratch, 'share-rest');
    const built = await repo.release(['build', '--targets', 'freebsd/amd64,darwin/arm64,linux/arm64', '--out', rest]);
    expect(built.exitCode, built.all).toBe(0);
    expect((await readLedgerAt(rest)).share).toMatchObject({ targets: ['linux/arm64', 'darwin/arm64', 'freebsd/amd64'] });
    expect((await readLedgerAt(rest)).share).not.toHaveProperty('index');
    const out = join(scratch, 'merged-targets');
    const result = await merge(out, shares[0]!, rest);
    expect(result.exitCode, result.all).toBe(0);
    await expectSameBytesAsSingle(out);
  });

  /** A refused merge leaves the mirror it was to write into as it was: no new release, no staging folder. */
  async function expectRefused(result: Awaited<ReturnType<typeof merge>>, code: string): Promise<void> {
    expect(result.exitCode, result.all).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^error ${code}: `));
    expect(await filesUnder(merged)).toEqual(await filesUnder(single));
    expect((await readdir(merged)).sort()).toEqual([TAG, 'index.json']);
    const still = await execa('cmp', [join(single, TAG, 'release.json'), join(merged, TAG, 'release.json')], { reject: false });
    expect(still.exitCode).toBe(0);
  }

  it('refuses shares of different builds (ESHAREMISMATCH)', async () => {
    const [one, two, three] = await copyShares();
    const ledgerPath = join(three!, TAG, 'release.json');
    const ledger = await readFile(ledgerPath, 'utf8');
    const commit = JSON.parse(ledger).commit as string;
    await writeFile(ledgerPath, ledger.replace(commit, 'f'.repeat(40)));
    const result = await merge(merged, one!, two!, three!);
    await expectRefused(result, 'ESHAREMISMATCH');
    expect(result.stderr).toContain(`has commit ${commit}`);
  });

  it('refuses a target built twice (ESHAREDUPLICATE)', async () => {
    const [one, two, three] = await copyShares();
    const again = join(scratch, 'share-1-again');
    await cp(one!, again, { recursive: true });
    const result = await merge(merged, one!, two!, three!, again);
    await expectRefused(result, 'ESHAREDUPLICATE');
    expect(result.stderr).toContain('linux/amd64 is built by two shares');
  });

  it('refuses a partial matrix (ESHAREMISSING), naming the share not given', async () => {
    const [one, two] = await copyShares();
    const result = await merge(merged, one!, two!);
    await expectRefused(result, 'ESHAREMISSING');
    expect(result.stderr).toContain('No share built darwin/arm64');
    expect(result.stderr).toContain('Not given: share 3/3.');
  });

  it("refuses an archive whose bytes are not its share's ledger's (ESHAREBYTES)", async () => {
    const [one, two, three] = await copyShares();
    const archive = join(two!, TAG, `glide_v${TAG}_linux_arm64.tar.gz`);
    const bytes = await readFile(archive);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 0xff, bytes.length - 1);
    await writeFile(archive, bytes);
    const result = await merge(merged, one!, two!, three!);
    await expectRefused(result, 'ESHAREBYTES');
    expect(result.stderr).toContain('linux_arm64.tar.gz is not the file its share');
  });

  it('refuses a file its share does not list, rather than dropping it (ESHAREUNLISTED)', async () => {
    const [one, two, three] = await copyShares();
    await writeFile(join(one!, TAG, 'notes.txt'), 'left here\n');
    const result = await merge(merged, one!, two!, three!);
    await expectRefused(result, 'ESHAREUNLISTED');
    expect(result.stderr).toContain('notes.txt is not a file the ledger of the share');
  });

  it('refuses a share folder that is a link, and an archive that is a link (ESHARELINK)', async () => {
    const [one, two, three] = await copyShares();
    const linkedShare = join(scratch, 'linked-share');
    await symlink(three!, linkedShare);
    await expectRefused(await merge(merged, one!, two!, linkedShare), 'ESHARELINK');

    // The link leads to the very bytes the ledger lists: it is refused all the same, never followed.
    const name = `glide_v${TAG}_darwin_arm64.tar.gz`;
    const outside = join(scratch, 'outside.tar.gz');
    await cp(join(three!, TAG, name), outside);
    await rm(join(three!, TAG, name));
    await symlink(outside, join(three!, TAG, name));
    const result = await merge(merged, one!, two!, three!);
    await expectRefused(result, 'ESHARELINK');
    expect(result.stderr).toContain(`${name} is a symbolic link`);
  });

  it('refuses a folder that is not a share: a release (ENOTSHARE)', async () => {
    const [one, two] = await copyShares();
    await expectRefused(await merge(merged, one!, two!, single), 'ENOTSHARE');
  });
});

describe('a share is not a release', () => {
  it('publish and build --only images refuse a share folder (ESHAREFOLDER)', async () => {
    for (const args of [
      ['publish', '--dry-run', '--tag', TAG, '--out', shares[0]!],
      ['build', '--only', 'images', '--tag', TAG, '--out', shares[0]!],
    ]) {
      const result = await repo.release(args);
      expect(result.exitCode, result.all).toBe(1);
      expect(result.stderr).toMatch(
        /^error ESHAREFOLDER: .* holds one share \(1\/3\) of 0\.3\.0-rc\.1's build \(linux\/amd64, windows\/amd64\), not a release\./,
      );
      expect(result.stderr).toContain('glide-release merge --out DIR SHARE_DIR...');
    }
  });
});
