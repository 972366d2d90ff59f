import { describe, expect, it } from 'vitest';
import { GlideError } from '#contract';
import { main } from '../../release/src/cli.js';
import type { ReleaseLedger } from '../../release/src/ledger.js';
import type { GitHubAsset } from '../../release/src/github/client.js';
import { publishedDifferences } from '../../release/src/promote/rc-build.js';
import { rcAssetsOf } from '../../release/src/promote/rc-fetch.js';
import { assertLastRc, assertStableTagOnRc, formatPromotePlan, higherRc, parsePromotion, publishedRc } from '../../release/src/promote/rules.js';

const sha = (c: string) => c.repeat(64);
const commit = 'a'.repeat(40);
const promotion = { rc: '0.1.0-rc.2', stable: '0.1.0' };

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof GlideError) return error.code;
    throw error;
  }
  return undefined;
}

describe('the promote argument', () => {
  it.each([
    ['0.1.0-rc.2', { rc: '0.1.0-rc.2', stable: '0.1.0' }],
    ['1.12.3-rc.10', { rc: '1.12.3-rc.10', stable: '1.12.3' }],
  ])('%s promotes to its stable', (argument, expected) => {
    expect(parsePromotion(argument)).toEqual(expected);
  });

  it.each([undefined, '', '0.1.0', 'v0.1.0-rc.1', '0.1.0-rc.0', '0.1.0-beta.1', '0.1'])('%s is a usage error', (argument) => {
    expect(codeOf(() => parsePromotion(argument))).toBe('EUSAGE');
  });
});

describe('the last RC rule', () => {
  it.each([
    { git: ['0.1.0-rc.1', '0.1.0-rc.2'], github: ['0.1.0-rc.1', '0.1.0-rc.2'], higher: undefined },
    { git: ['0.1.0-rc.2', '0.1.0-rc.3'], github: [], higher: '0.1.0-rc.3' },
    { git: ['0.1.0-rc.2'], github: ['0.1.0-rc.10'], higher: '0.1.0-rc.10' },
    { git: ['0.1.0-rc.2', '0.1.0-rc.3', '0.1.0-rc.4'], github: [], higher: '0.1.0-rc.4' },
    // RCs of other versions, the stable itself and names that are no release do not count.
    { git: ['0.1.0-rc.2', '0.1.1-rc.1', '0.2.0-rc.5', '0.1.0', 'nightly'], github: ['0.0.9-rc.7'], higher: undefined },
  ])('git $git, GitHub $github: higher is $higher', ({ git, github, higher }) => {
    expect(higherRc(promotion, git, github)).toBe(higher);
  });

  it('refuses an RC that is not the last with ENOTLASTRC, naming the one to promote', () => {
    expect(() => assertLastRc(promotion, ['0.1.0-rc.2', '0.1.0-rc.3'], [])).toThrow(
      expect.objectContaining({ code: 'ENOTLASTRC', details: [expect.stringContaining('promote 0.1.0-rc.3 instead')] }),
    );
    expect(() => assertLastRc(promotion, ['0.1.0-rc.2'], ['0.1.0-rc.3'])).toThrow(
      expect.objectContaining({ message: expect.stringContaining('has a release on GitHub') }),
    );
    expect(() => assertLastRc(promotion, ['0.1.0-rc.2'], ['0.1.0-rc.2'])).not.toThrow();
  });
});

describe("the RC's GitHub release", () => {
  it('gives the soak start from published_at', () => {
    const release = { draft: false, publishedAt: '2024-06-04T12:00:00Z', id: 7 };
    expect(publishedRc(promotion, release, 'EinStack/glide')).toEqual({ release, publishedAt: new Date('2024-06-04T12:00:00Z') });
  });

  it.each([
    ['no release', undefined, 'has no release on GitHub'],
    ['a draft', { draft: true, publishedAt: null }, 'is a draft'],
  ])('refuses %s with ERCNOTPUBLISHED', (_, release, message) => {
    expect(() => publishedRc(promotion, release, 'EinStack/glide')).toThrow(
      expect.objectContaining({ code: 'ERCNOTPUBLISHED', message: expect.stringContaining(message) }),
    );
  });
});

describe('the stable tag', () => {
  const other = 'b'.repeat(40);
  it.each([
    { git: undefined, github: undefined, code: undefined },
    { git: commit, github: undefined, code: undefined },
    { git: commit, github: commit, code: undefined },
    { git: other, github: undefined, code: 'EPROMOTECOMMITMISMATCH' },
    { git: undefined, github: other, code: 'EPROMOTECOMMITMISMATCH' },
    { git: commit, github: other, code: 'EPROMOTECOMMITMISMATCH' },
  ])('in git $git, on GitHub $github: $code', ({ git, github, code }) => {
    expect(codeOf(() => assertStableTagOnRc(promotion, commit, { git, github }))).toBe(code);
  });
});

describe("the RC's build against its GitHub release", () => {
  const ledger = {
    tag: '0.1.0-rc.2',
    artifacts: [
      { kind: 'archive', path: '0.1.0-rc.2/glide_0.1.0-rc.2_linux_amd64.tar.gz', sha256: sha('1') },
      { kind: 'checksums', path: '0.1.0-rc.2/glide_0.1.0-rc.2_checksums.txt', sha256: sha('2') },
    ],
  } as unknown as ReleaseLedger;

  it('is the same when every asset has the digest of the ledger', () => {
    const digests = new Map([
      ['glide_0.1.0-rc.2_linux_amd64.tar.gz', `sha256:${sha('1')}`],
      ['glide_0.1.0-rc.2_checksums.txt', `sha256:${sha('2')}`],
      ['extra.txt', `sha256:${sha('3')}`],
    ]);
    expect(publishedDifferences(ledger, digests)).toEqual([]);
  });

  it('names an asset that is missing or holds other bytes', () => {
    const digests = new Map([['glide_0.1.0-rc.2_linux_amd64.tar.gz', `sha256:${sha('9')}`]]);
    expect(publishedDifferences(ledger, digests)).toEqual([
      `glide_0.1.0-rc.2_linux_amd64.tar.gz is sha256:${sha('9')} on GitHub, but sha256:${sha('1')} in 0.1.0-rc.2's build`,
      'glide_0.1.0-rc.2_checksums.txt is not an asset of the release',
    ]);
  });
});

describe("the RC's assets promote downloads", () => {
  const asset = (name: string, state = 'uploaded'): GitHubAsset => ({ id: name.length, name, size: 1, digest: null, state, url: '', browserDownloadUrl: '' });

  it("takes its checksums file and its own archives, each with its target; never another version's, an unfinished upload or anything else", () => {
    const found = rcAssetsOf('0.1.0-rc.2', [
      asset('glide_v0.1.0-rc.2_checksums.txt'),
      asset('glide_v0.1.0-rc.2_linux_amd64.tar.gz'),
      asset('glide_v0.1.0-rc.2_windows_amd64.zip'),
      asset('glide_v0.1.0-rc.2_darwin_arm64.tar.gz', 'open'),
      asset('glide_v0.1.0-rc.1_linux_arm64.tar.gz'),
      asset('glide_v0.1.0-rc.2_windows_arm64.tar.gz'),
      asset('../../glide_v0.1.0-rc.2_linux_amd64.tar.gz'),
      asset('notes.txt'),
    ]);
    expect(found.checksums?.name).toBe('glide_v0.1.0-rc.2_checksums.txt');
    expect(found.archives.map(({ asset: { name }, target }) => [name, target])).toEqual([
      ['glide_v0.1.0-rc.2_linux_amd64.tar.gz', { os: 'linux', arch: 'amd64' }],
      ['glide_v0.1.0-rc.2_windows_amd64.zip', { os: 'windows', arch: 'amd64' }],
    ]);
  });

  it('finds no checksums file when the release has none (promote refuses: archives it cannot check)', () => {
    expect(rcAssetsOf('0.1.0-rc.2', [asset('glide_v0.1.0-rc.2_linux_amd64.tar.gz')]).checksums).toBeUndefined();
  });
});

describe('promote --dry-run', () => {
  const gates = [
    { gate: 'version', ok: true, message: '0.1.0 is a stable release' },
    { gate: 'soak', ok: false, code: 'ESOAK' as const, message: '0.1.0-rc.2 was out 1.0 hours' },
  ];
  const facts = { promotion, gates, commit, tagExists: false, githubTagCommit: commit, targets: 2, distros: ['alpine', 'ubuntu'] };

  it('lists the gates, the tag to make, the builds and the publish', () => {
    expect(formatPromotePlan(facts)).toBe(
      [
        'promote 0.1.0-rc.2 → 0.1.0',
        '  ok   version: 0.1.0 is a stable release',
        '  FAIL soak: ESOAK: 0.1.0-rc.2 was out 1.0 hours',
        `would tag 0.1.0 on ${commit.slice(0, 12)} (annotated, "Release 0.1.0")`,
        "would build 2 targets, proving each against 0.1.0-rc.2's binary",
        'would build the images of 0.1.0: alpine, ubuntu',
        'would publish 0.1.0: its requests depend on the built ledger; after a build, glide-release publish --tag 0.1.0 --dry-run lists them',
        '',
      ].join('\n'),
    );
  });

  it('says an existing tag exists, and leaves out images the RC did not have', () => {
    const text = formatPromotePlan({ ...facts, tagExists: true, distros: [], targets: 1 });
    expect(text).toContain(`tag 0.1.0 exists on ${commit.slice(0, 12)}\n`);
    expect(text).toContain("would build 1 target, proving each against 0.1.0-rc.2's binary\n");
    expect(text).not.toContain('images');
  });

  it('stops after the tag while GitHub does not have it', () => {
    const text = formatPromotePlan({ ...facts, githubTagCommit: undefined });
    expect(text).toContain('would stop there: the tag 0.1.0 is not on GitHub; push it (git push origin 0.1.0)');
    expect(text).not.toContain('would build');
    expect(text).not.toContain('would publish');
  });
});

describe('glide-release promote usage', () => {
  async function run(argv: string[]) {
    let stderr = '';
    const code = await main(argv, { cwd: process.cwd(), stdout: () => undefined, stderr: (text) => (stderr += text), signal: new AbortController().signal });
    return { code, stderr };
  }

  it.each([
    [['promote'], 'promote needs the RC'],
    [['promote', '0.1.0'], 'promote takes a release candidate'],
    [['promote', '0.1.0-rc.1', 'extra'], 'unexpected argument "extra"'],
    [['promote', '0.1.0-rc.1', '--tag', '0.1.0'], 'it takes no --tag or --snapshot'],
    [['promote', '0.1.0-rc.1', '--skip-soak'], '--skip-soak needs --reason'],
  ])('%j exits 2', async (argv, message) => {
    const { code, stderr } = await run(argv);
    expect(code).toBe(2);
    expect(stderr).toContain('error EUSAGE');
    expect(stderr).toContain(message);
  });
});
