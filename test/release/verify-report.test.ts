import { describe, expect, it } from 'vitest';
import { archiveName, checksumsName, formatChecksums } from '#contract';
import { checkGithubRelease, formatVerifyReport, type GithubReleaseFacts } from '../../release/src/verify/report.js';

const V = '0.2.0';
const ARCHIVE = archiveName(V, { os: 'linux', arch: 'arm64' });
const CHECKSUMS = checksumsName(V);
const HEX = 'a'.repeat(64);
const OTHER = 'b'.repeat(64);

/** A release that passes every check: one archive, its checksums, latest as the highest stable. */
function good(): GithubReleaseFacts {
  return {
    version: V,
    repo: 'EinStack/glide',
    release: { draft: false, prerelease: false },
    assets: [
      { name: ARCHIVE, state: 'uploaded', githubDigest: `sha256:${HEX}`, downloadedDigest: `sha256:${HEX}` },
      { name: CHECKSUMS, state: 'uploaded', githubDigest: null, downloadedDigest: `sha256:${OTHER}` },
    ],
    checksumsText: formatChecksums([{ name: ARCHIVE, sha256: HEX }]),
    latestTag: V,
    publishedTags: ['0.1.0', '0.2.0-rc.1', V],
  };
}

const failed = (facts: GithubReleaseFacts) =>
  checkGithubRelease(facts)
    .filter((check) => !check.ok)
    .map((check) => `${check.code} ${check.name}`);

describe('checkGithubRelease', () => {
  it('passes a good release, and every check it made is on its line', () => {
    const checks = checkGithubRelease(good());
    expect(checks.filter((check) => !check.ok)).toEqual([]);
    expect(checks.map((check) => check.name)).toEqual([
      'release',
      'prerelease',
      'latest',
      `checksums ${CHECKSUMS}`,
      `name ${ARCHIVE}`,
      `digest ${ARCHIVE}`,
      `checksum ${ARCHIVE}`,
    ]);
  });

  it.each<[string, (facts: GithubReleaseFacts) => GithubReleaseFacts, string[]]>([
    ['no release', ({ release: _, ...facts }) => facts, ['ENORELEASE release']],
    ['a draft', (facts) => ({ ...facts, release: { ...facts.release!, draft: true } }), ['ENORELEASE release']],
    ['a stable marked prerelease', (facts) => ({ ...facts, release: { ...facts.release!, prerelease: true } }), ['EPRERELEASEFLAG prerelease']],
    ['an RC not marked prerelease', (facts) => rc(facts, false), ['EPRERELEASEFLAG prerelease']],
    ['an RC marked latest', (facts) => ({ ...rc(facts, true), latestTag: '0.2.0-rc.1' }), ['ELATEST latest']],
    ['the highest stable not latest', (facts) => ({ ...facts, latestTag: '0.1.0' }), ['ELATEST latest']],
    ['an older line’s stable latest', (facts) => ({ ...facts, publishedTags: [...facts.publishedTags, '0.3.0'] }), ['ELATEST latest']],
    [
      'bytes that are not the checksums file’s',
      (facts) => withArchive(facts, { githubDigest: `sha256:${OTHER}`, downloadedDigest: `sha256:${OTHER}` }),
      [`ECHECKSUM checksum ${ARCHIVE}`],
    ],
    ['bytes that are not GitHub’s digest', (facts) => withArchive(facts, { githubDigest: `sha256:${OTHER}` }), [`ECHECKSUM digest ${ARCHIVE}`]],
    [
      'an asset not in the checksums file',
      (facts) => ({ ...facts, checksumsText: `${OTHER}  ${archiveName(V, { os: 'linux', arch: 'amd64' })}\n` }),
      [`ECHECKSUM checksum ${ARCHIVE}`, `EMISSINGASSET asset ${archiveName(V, { os: 'linux', arch: 'amd64' })}`],
    ],
    ['a listed asset missing', (facts) => ({ ...facts, assets: facts.assets.filter((asset) => asset.name !== ARCHIVE) }), [`EMISSINGASSET asset ${ARCHIVE}`]],
    ['no checksums file', ({ checksumsText: _, ...facts }) => facts, [`EMISSINGASSET checksums ${CHECKSUMS}`]],
    ['a damaged checksums file', (facts) => ({ ...facts, checksumsText: 'not a checksum line\n' }), [`ECHECKSUM checksums ${CHECKSUMS}`]],
    [
      'a checksums file without archives',
      (facts) => ({ ...facts, checksumsText: '', assets: facts.assets.filter((asset) => asset.name !== ARCHIVE) }),
      ['EMISSINGASSET archives'],
    ],
    ['an unfinished upload', (facts) => withArchive(facts, { state: 'open', downloadedDigest: undefined }), [`EMISSINGASSET asset ${ARCHIVE}`]],
    [
      'an archive of another version',
      (facts) => renamed(facts, archiveName('0.1.0', { os: 'linux', arch: 'arm64' })),
      [`EASSETNAME name ${archiveName('0.1.0', { os: 'linux', arch: 'arm64' })}`],
    ],
    ['a name glide-release does not write', (facts) => renamed(facts, 'glide.tar.gz'), ['EASSETNAME name glide.tar.gz', 'EMISSINGASSET archives']],
  ])('fails %s', (_, change, expected) => {
    expect(failed(change(good()))).toEqual(expected);
  });
});

describe('formatVerifyReport', () => {
  it('one line per check, the failures with their code, then the verdict', () => {
    const text = formatVerifyReport(V, [
      { name: 'release', ok: true, detail: 'published' },
      { name: `checksum ${ARCHIVE}`, ok: false, code: 'ECHECKSUM', detail: 'other bytes' },
    ]);
    expect(text).toBe(`pass  release: published\nFAIL  ECHECKSUM  checksum ${ARCHIVE}: other bytes\n${V}: 1 of 2 checks FAIL\n`);
  });

  it('says all pass when they do', () => {
    expect(formatVerifyReport(V, [{ name: 'release', ok: true, detail: 'published' }])).toBe(`pass  release: published\n${V}: all 1 checks pass\n`);
  });
});

/** The release as the RC 0.2.0-rc.1, its assets renamed to match. */
function rc(facts: GithubReleaseFacts, prerelease: boolean): GithubReleaseFacts {
  const version = '0.2.0-rc.1';
  const archive = archiveName(version, { os: 'linux', arch: 'arm64' });
  return {
    ...facts,
    version,
    release: { ...facts.release!, prerelease },
    latestTag: '0.1.0',
    publishedTags: ['0.1.0', version],
    assets: facts.assets.map((asset) => ({ ...asset, name: asset.name === ARCHIVE ? archive : checksumsName(version) })),
    checksumsText: formatChecksums([{ name: archive, sha256: HEX }]),
  };
}

function withArchive(facts: GithubReleaseFacts, change: Partial<GithubReleaseFacts['assets'][number]>): GithubReleaseFacts {
  return { ...facts, assets: facts.assets.map((asset) => (asset.name === ARCHIVE ? { ...asset, ...change } : asset)) };
}

/** The archive under another name, listed under it in the checksums file too: only the name is wrong. */
function renamed(facts: GithubReleaseFacts, name: string): GithubReleaseFacts {
  return {
    ...facts,
    assets: facts.assets.map((asset) => (asset.name === ARCHIVE ? { ...asset, name } : asset)),
    checksumsText: formatChecksums([{ name, sha256: HEX }]),
  };
}
