import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { archiveName, formatTarget, parseTarget } from '#contract';
import { makeLedger, parseLedger, readLedger, readShareLedger, writeLedger, type LedgerArtifact, type ShareLedger } from '../../release/src/ledger.js';
import { main } from '../../release/src/cli.js';
import { readRcBuild } from '../../release/src/promote/rc-build.js';
import { checkShares, type ShareRead } from '../../release/src/shares/check.js';
import { configDigest, parseShareRequest, shareTargets } from '../../release/src/shares/partition.js';
import { parseConfig } from '../../release/src/config.js';
import { COMMIT, OTHER_COMMIT, sha } from '../helpers/publish-world.js';

const TAG = '0.4.0-rc.1';
const MATRIX = ['darwin/amd64', 'darwin/arm64', 'linux/amd64', 'linux/arm64', 'linux/s390x', 'windows/amd64', 'freebsd/amd64'];
const CONFIG = configDigest(parseConfig('{}', 'glide-release.config.json'));

/** A share's ledger as build --shard writes it, before it is read. */
function unreadShareLedger(targets: readonly string[], change: { commit?: string; goVersion?: string; config?: string; tag?: string; ran?: boolean } = {}) {
  const tag = change.tag ?? TAG;
  const archives: LedgerArtifact[] = targets.map((text, i) => {
    const target = parseTarget(text);
    return {
      kind: 'archive',
      path: `${tag}/${archiveName(tag, target)}`,
      target: formatTarget(target),
      format: target.os === 'windows' ? 'zip' : 'tar.gz',
      size: 2000 + i,
      sha256: sha(tag, text),
      binary: { name: target.os === 'windows' ? 'glide.exe' : 'glide', size: 5000 + i, sha256: sha(tag, `binary ${text}`) },
      proof:
        change.ran === false
          ? { header: 'ELF', ran: 'not run: qemu-user is not installed' }
          : { header: 'ELF', ran: 'native', versionOutput: `glide version ${tag}` },
    };
  });
  const facts = {
    tag,
    version: tag,
    stage: 'rc' as const,
    prerelease: true,
    publishable: true,
    commit: change.commit ?? COMMIT,
    date: '2024-07-09T10:00:00.000Z',
    goVersion: change.goVersion ?? 'go1.19.8',
    skipped: [],
  };
  const share = { targets, matrix: MATRIX, config: change.config ?? CONFIG, releasedAt: '2024-07-10T10:00:00.000Z' };
  return { ...makeLedger(facts, 'EinStack/glide', archives), share };
}

/** A share's ledger as build --shard writes it, checked by the ledger's own reader. */
function shareLedger(...args: Parameters<typeof unreadShareLedger>): ShareLedger {
  return parseLedger(JSON.stringify(unreadShareLedger(...args)), 'release.json') as ShareLedger;
}

function read(source: string, ledger: ShareLedger): ShareRead {
  return { source, dir: join(source, ledger.tag), ledger };
}

describe('parseShareRequest', () => {
  it.each([
    { shard: '2/3', targets: undefined, request: { kind: 'shard', index: 2, count: 3 } },
    { shard: '1/1', targets: undefined, request: { kind: 'shard', index: 1, count: 1 } },
    { shard: undefined, targets: 'linux/amd64, windows/amd64', request: { kind: 'targets', targets: ['linux/amd64', 'windows/amd64'] } },
    { shard: undefined, targets: undefined, request: undefined },
  ])('--shard $shard --targets $targets', ({ shard, targets, request }) => {
    expect(parseShareRequest(shard, targets)).toEqual(request);
  });

  it.each([
    { shard: '0/3', targets: undefined },
    { shard: '4/3', targets: undefined },
    { shard: '2', targets: undefined },
    { shard: '1/3/5', targets: undefined },
    { shard: '-1/3', targets: undefined },
    { shard: '1/3', targets: 'linux/amd64' },
    { shard: undefined, targets: 'linux/amd64,,windows/amd64' },
    { shard: undefined, targets: 'linux/amd64,linux/amd64' },
  ])('refuses --shard $shard --targets $targets (EUSAGE)', ({ shard, targets }) => {
    expect(() => parseShareRequest(shard, targets)).toThrow(expect.objectContaining({ code: 'EUSAGE' }));
  });
});

describe('shareTargets', () => {
  const matrix = MATRIX.map(parseTarget);
  const shares = (count: number) => Array.from({ length: count }, (_, i) => shareTargets(matrix, { kind: 'shard', index: i + 1, count }).map(formatTarget));

  it('deals the Linux targets first, round-robin, and keeps the matrix order within a share', () => {
    expect(shares(3)).toEqual([
      ['darwin/amd64', 'linux/amd64', 'freebsd/amd64'],
      ['darwin/arm64', 'linux/arm64'],
      ['linux/s390x', 'windows/amd64'],
    ]);
  });

  it.each([1, 2, 3, 4, 7])('%i shares cover the matrix once, each a Linux target while there are enough, sizes within one', (count) => {
    const dealt = shares(count);
    expect(dealt.flat().sort()).toEqual([...MATRIX].sort());
    const sizes = dealt.map((share) => share.length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    if (count <= 3) expect(dealt.every((share) => share.some((target) => target.startsWith('linux/')))).toBe(true);
  });

  it('is the same however often it is asked: a pure function of the matrix', () => {
    expect(shares(3)).toEqual(shares(3));
  });

  it('refuses more shares than targets, and a target not in the matrix (EUSAGE)', () => {
    expect(() => shareTargets(matrix, { kind: 'shard', index: 1, count: 8 })).toThrow(expect.objectContaining({ code: 'EUSAGE' }));
    expect(() => shareTargets(matrix, { kind: 'targets', targets: ['linux/mips'] })).toThrow(expect.objectContaining({ code: 'EUSAGE' }));
  });

  it('takes an explicit list in the matrix order', () => {
    expect(shareTargets(matrix, { kind: 'targets', targets: ['windows/amd64', 'darwin/amd64'] }).map(formatTarget)).toEqual(['darwin/amd64', 'windows/amd64']);
  });
});

describe('checkShares', () => {
  const whole = () => [read('a', shareLedger(MATRIX.slice(0, 3))), read('b', shareLedger(MATRIX.slice(3)))];

  it('returns the facts of the build and every archive with the folder it comes from', () => {
    const plan = checkShares(whole());
    expect(plan.facts).toMatchObject({ tag: TAG, commit: COMMIT, goVersion: 'go1.19.8', stage: 'rc' });
    expect(plan.releasedAt).toBe('2024-07-10T10:00:00.000Z');
    expect(plan.archives.map(({ from, archive }) => `${from} ${archive.target}`).sort()).toEqual(
      MATRIX.map((target, i) => `${join(i < 3 ? 'a' : 'b', TAG)} ${target}`).sort(),
    );
  });

  it.each([
    { fact: 'commit', change: { commit: OTHER_COMMIT } },
    { fact: 'tag', change: { tag: '0.4.0-rc.2' } },
    { fact: 'Go version', change: { goVersion: 'go1.24.4' } },
    { fact: 'config', change: { config: sha('config', 'other') } },
  ])('refuses shares of another $fact (ESHAREMISMATCH), naming it', ({ fact, change }) => {
    const shares = [read('a', shareLedger(MATRIX.slice(0, 3))), read('b', shareLedger(MATRIX.slice(3), change))];
    expect(() => checkShares(shares)).toThrow(expect.objectContaining({ code: 'ESHAREMISMATCH', message: expect.stringContaining(`a has ${fact}`) }));
  });

  it('refuses a target two shares built (ESHAREDUPLICATE)', () => {
    const shares = [...whole(), read('c', shareLedger(['linux/s390x']))];
    expect(() => checkShares(shares)).toThrow(expect.objectContaining({ code: 'ESHAREDUPLICATE', message: 'linux/s390x is built by two shares: b and c.' }));
  });

  it('refuses a union that is not the whole matrix (ESHAREMISSING)', () => {
    expect(() => checkShares(whole().slice(1))).toThrow(expect.objectContaining({ code: 'ESHAREMISSING' }));
  });

  it('refuses a union in which no binary ran (EVERSIONNOTINJECTED), the check no share can make alone', () => {
    const shares = [read('a', shareLedger(MATRIX.slice(0, 3), { ran: false })), read('b', shareLedger(MATRIX.slice(3), { ran: false }))];
    expect(() => checkShares(shares)).toThrow(expect.objectContaining({ code: 'EVERSIONNOTINJECTED' }));
    shares[0] = read('a', shareLedger(MATRIX.slice(0, 3)));
    expect(() => checkShares(shares)).not.toThrow();
  });
});

describe('a share ledger', () => {
  it('is refused where it does not list exactly the archives of its targets (ELEDGER)', () => {
    const ledger = shareLedger(['linux/amd64']);
    const text = JSON.stringify({ ...ledger, share: { ...ledger.share, targets: ['linux/amd64', 'linux/arm64'] } });
    expect(() => parseLedger(text, 'release.json')).toThrow(expect.objectContaining({ code: 'ELEDGER' }));
  });

  it.each([
    { what: 'a version that is not its tag', change: (l: ShareLedger) => ({ ...l, version: '../../elsewhere' }) },
    { what: 'a tag that is no version', change: () => unreadShareLedger(['linux/amd64'], { tag: 'index.json' }) },
    {
      what: 'an archive not named as its target',
      change: (l: ShareLedger) => ({ ...l, artifacts: l.artifacts.map((a) => ({ ...a, path: `${TAG}/release.json` })) }),
    },
  ])('is refused with $what (ELEDGER): merge names the files it writes from it', ({ change }) => {
    const text = JSON.stringify(change(shareLedger(['linux/amd64'])));
    expect(() => parseLedger(text, 'release.json')).toThrow(expect.objectContaining({ code: 'ELEDGER' }));
  });

  it('is refused by every stage after the build (ESHAREFOLDER), and read by merge', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'glide-share-'));
    const dir = join(parent, 'share');
    try {
      await mkdir(dir);
      const ledger = shareLedger(['linux/amd64', 'windows/amd64']);
      await writeLedger(dir, ledger);
      await expect(readLedger(dir)).rejects.toThrow(expect.objectContaining({ code: 'ESHAREFOLDER' }));
      // promote's reader of the RC's build in the mirror goes through the same seam.
      await rename(dir, join(parent, TAG));
      await expect(readRcBuild(parent, { rc: TAG, stable: '0.4.0' }, COMMIT)).rejects.toThrow(expect.objectContaining({ code: 'ESHAREFOLDER' }));
      await rename(join(parent, TAG), dir);
      expect(await readShareLedger(dir)).toEqual(ledger);
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  });
});

describe('the command line', () => {
  async function run(args: string[]) {
    let stderr = '';
    const exitCode = await main(args, { stdout: () => {}, stderr: (text) => (stderr += text), cwd: tmpdir(), signal: new AbortController().signal });
    return { exitCode, stderr };
  }

  it.each([
    { args: ['merge', 'shares/1'], says: 'merge needs --out DIR here' },
    { args: ['merge', '--out', 'dist'], says: 'merge needs the folders of the shares' },
    { args: ['merge', '--out', 'dist', 'shares/1', './dist'], says: '--out dist is one of the shares' },
    { args: ['merge', '--tag', TAG, '--out', 'dist', 'shares/1'], says: 'merge takes the tag from its shares' },
    { args: ['build', '--shard', '1/3', '--only', 'images'], says: '--shard and --targets build a share of the binaries only' },
    { args: ['build', '--shard', '1/3', '--only', 'binaries,images'], says: '--shard and --targets build a share of the binaries only' },
    { args: ['build', '--shard', 'three'], says: '--shard takes I/N' },
  ])('$args is a usage error (exit 2), said before anything is read', async ({ args, says }) => {
    const result = await run(args);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/^error EUSAGE: /);
    expect(result.stderr).toContain(says);
  });
});
