import { describe, expect, it } from 'vitest';
import {
  archiveName,
  checksumsName,
  DISTROS,
  formatChecksums,
  formatMirrorIndex,
  highestVersion,
  imageTag,
  mayBeLatest,
  parseArchiveName,
  parseChecksums,
  parseImageTag,
  parseMirrorIndex,
  parseReleaseVersion,
  parseTarget,
  upsertMirrorIndex,
  type MirrorIndexEntry,
} from '#contract';

describe('targets', () => {
  it.each([['linux'], ['linux/'], ['linux/arm'], ['linux/arm/5'], ['linux/amd64/7'], ['a/b/c/d']])('%s is not a target', (text) => {
    expect(() => parseTarget(text)).toThrow(expect.objectContaining({ code: 'EUNKNOWNTARGET' }));
  });
});

describe('asset names: exactly as Glide releases them', () => {
  it.each([
    ['0.1.0-rc.1', 'darwin/arm64', 'glide_v0.1.0-rc.1_darwin_arm64.tar.gz'],
    ['0.1.0-rc.1', 'darwin/amd64', 'glide_v0.1.0-rc.1_darwin_amd64.tar.gz'],
    ['0.1.0-rc.1', 'linux/amd64', 'glide_v0.1.0-rc.1_linux_amd64.tar.gz'],
    ['0.1.0-rc.1', 'linux/arm/6', 'glide_v0.1.0-rc.1_linux_armv6.tar.gz'],
    ['0.1.0-rc.1', 'linux/arm/7', 'glide_v0.1.0-rc.1_linux_armv7.tar.gz'],
    ['0.1.0-rc.1', 'linux/arm64', 'glide_v0.1.0-rc.1_linux_arm64.tar.gz'],
    ['0.0.3', 'windows/amd64', 'glide_v0.0.3_windows_amd64.zip'],
    ['0.0.3', 'freebsd/amd64', 'glide_v0.0.3_freebsd_amd64.tar.gz'],
  ])('%s %s → %s, and back', (version, target, expected) => {
    expect(archiveName(version, parseTarget(target))).toBe(expected);
    expect(parseArchiveName(expected)).toEqual({ version, target: parseTarget(target) });
  });

  it.each([
    ['the checksums file', 'glide_v0.0.2_checksums.txt'],
    ['a Windows archive as .tar.gz', 'glide_v0.0.2_windows_amd64.tar.gz'],
    ['a Linux archive as .zip', 'glide_v0.0.2_linux_amd64.zip'],
    ['no v before the version', 'glide_0.0.2_linux_amd64.tar.gz'],
    ['no arch', 'glide_v0.0.2_linux.tar.gz'],
    ['another archive format', 'glide_v0.0.2_linux_amd64.tar.xz'],
  ])('%s is no archive name (%s)', (_what, name) => {
    expect(parseArchiveName(name)).toBeUndefined();
  });

  it('checksums file name and format (sorted by name, two spaces)', () => {
    expect(checksumsName('0.0.2')).toBe('glide_v0.0.2_checksums.txt');
    const text = formatChecksums([
      { name: 'glide_v0.0.2_linux_amd64.tar.gz', sha256: 'b'.repeat(64) },
      { name: 'glide_v0.0.2_darwin_arm64.tar.gz', sha256: 'a'.repeat(64) },
    ]);
    expect(text).toBe(`${'a'.repeat(64)}  glide_v0.0.2_darwin_arm64.tar.gz\n${'b'.repeat(64)}  glide_v0.0.2_linux_amd64.tar.gz\n`);
  });

  it('a checksums file reads back to what was written', () => {
    const entries = [
      { name: 'glide_v0.0.2_windows_amd64.zip', sha256: 'c'.repeat(64) },
      { name: 'glide_v0.0.2_linux_armv7.tar.gz', sha256: '0123456789abcdef'.repeat(4) },
    ];
    expect(parseChecksums(formatChecksums(entries))).toEqual(new Map(entries.map((entry) => [entry.name, entry.sha256])));
  });

  it('image tags are {version}-{distro}', () => {
    expect(imageTag('0.0.2-rc.1', 'alpine')).toBe('0.0.2-rc.1-alpine');
  });

  it.each(DISTROS)('a %s image tag reads back to its version and distro', (distro) => {
    for (const version of ['0.0.2', '0.1.0-rc.1']) expect(parseImageTag(imageTag(version, distro))).toEqual({ version, distro });
  });

  it.each(['latest', 'latest-alpine', '0.0.2', 'dev-alpine', '0.1.0-foo-alpine', '0.0.2-arch'])('%s names no image of a release', (tag) => {
    expect(parseImageTag(tag)).toBeUndefined();
  });
});

describe('channel rules', () => {
  it.each([
    ['0.0.1', 'stable', undefined],
    ['0.1.0-rc.1', 'rc', 1],
    ['1.2.3-rc.12', 'rc', 12],
  ])('%s is %s', (version, kind, rc) => {
    const parsed = parseReleaseVersion(version);
    expect(parsed.kind).toBe(kind);
    expect(parsed.rc).toBe(rc);
  });

  const released = ['0.0.1-rc.1', '0.0.1', '0.0.2-rc.1', '0.0.2', '0.0.3-rc.1', '0.0.3', '0.1.0-rc.1'];
  it.each([
    ['0.1.0', true, 'the highest stable'],
    ['0.0.4', true, 'above every stable so far'],
    ['0.1.0-rc.2', false, 'an RC never'],
    ['0.0.2', false, 'an older stable'],
  ])('may %s be latest? %s (%s)', (version, expected) => {
    expect(mayBeLatest(version, released)).toBe(expected);
  });

  it('a patch of an older line is not latest once a newer line is stable', () => {
    expect(mayBeLatest('0.0.4', [...released, '0.1.0'])).toBe(false);
  });

  it('latest is the newest stable, rc the newest of all (Glide today: 0.0.3 and 0.1.0-rc.1)', () => {
    expect(highestVersion(released, false)).toBe('0.0.3');
    expect(highestVersion(released, true)).toBe('0.1.0-rc.1');
  });
});

describe('mirror index', () => {
  it('keeps one entry per tag, newest first', () => {
    let index = upsertMirrorIndex([], { tag: '0.0.2-rc.1', prerelease: true, published_at: '2024-06-01T00:00:00.000Z' });
    index = upsertMirrorIndex(index, { tag: '0.0.2', prerelease: false, published_at: '2024-06-10T00:00:00.000Z' });
    index = upsertMirrorIndex(index, { tag: '0.0.2-rc.1', prerelease: true, published_at: '2024-06-01T00:00:00.000Z' });
    expect(index.map((e) => e.tag)).toEqual(['0.0.2', '0.0.2-rc.1']);
  });

  it('index.json reads back to what was written', () => {
    const index: MirrorIndexEntry[] = [
      { tag: '0.0.2', prerelease: false, published_at: '2024-06-10T00:00:00.000Z' },
      { tag: '0.0.2-rc.1', prerelease: true, published_at: '2024-06-01T00:00:00.000Z' },
    ];
    expect(parseMirrorIndex(formatMirrorIndex(index))).toEqual(index);
  });

  it('keeps the other keys of an entry (the layout allows them), and leaves out what names no release', () => {
    const text = JSON.stringify([{ tag: '0.0.3', prerelease: false, published_at: '2024-07-01T00:00:00Z', notes: 'n' }, { tag: 'nightly' }, null, 'x']);
    expect(parseMirrorIndex(text)).toEqual([{ tag: '0.0.3', prerelease: false, published_at: '2024-07-01T00:00:00Z', notes: 'n' }]);
  });

  it.each(['{}', '"index"', 'not json'])('%s is no index', (text) => {
    expect(() => parseMirrorIndex(text)).toThrow();
  });
});
