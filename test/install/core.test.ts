// The installer's pure core: platform → asset, version requests, checksums, sources.
import { describe, expect, it } from 'vitest';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  archiveName,
  assetArch,
  formatChecksums,
  INSTALLABLE_ARCHES,
  INSTALLABLE_OSES,
  isGlideError,
  parseArchiveName,
  parseChecksums,
  parseTarget,
} from '#contract';
import { expectedArchive, platformsInChecksums } from '../../src/install/checksums.js';
import { cacheDir, installPaths } from '../../src/install/cache.js';
import { looksLikeGlideGateway } from '../../src/install/path-check.js';
import { nextPage, releaseLookup } from '../../src/releases/lookup.js';
import { HttpClient, proxyFromEnv, redactUrl } from '../../src/net/http.js';
import { readSettings } from '../../src/settings.js';
import { hostTarget, targetFromWords, type HostFacts } from '../../src/platform/detect.js';
import { highestStable, parseVersionRequest, resolveVersion, type ReleaseLookup } from '../../src/releases/resolve.js';
import {
  assetLocation,
  describeLocation,
  describeSource,
  mirrorIndexLocation,
  releaseSource,
  sourceCredentials,
  type AssetLocation,
} from '../../src/releases/source.js';
import { parseCreateOptions } from '../../src/create-glide/options.js';
import { binaryProjectFiles, dotenv, glideConfig, projectFileActions, unsetVariables, type ProjectFile } from '../../src/scaffold/project.js';
import { quoteForShell } from '../../src/create-glide/steps.js';
import { parse as parseYaml } from 'yaml';

function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

function codeOf(run: () => unknown): string | undefined {
  const error = thrownBy(run);
  if (error === undefined) return undefined;
  return isGlideError(error) ? error.code : `not a GlideError: ${String(error)}`;
}

/** A location as `kind what`, so a URL and a path that spell the same are told apart. */
const located = (location: AssetLocation): string => (location.kind === 'url' ? `url ${location.url.href}` : `file ${location.path}`);

const facts = (platform: string, arch: string, extra: Partial<HostFacts> = {}): HostFacts => ({ platform, arch, translated: false, ...extra });

describe('host platform → the asset Glide publishes for it (0.1.0-rc.1)', () => {
  it.each([
    [facts('linux', 'x64'), 'glide_v0.1.0-rc.1_linux_amd64.tar.gz'],
    [facts('linux', 'arm64'), 'glide_v0.1.0-rc.1_linux_arm64.tar.gz'],
    [facts('linux', 'arm', { armVersion: '6' }), 'glide_v0.1.0-rc.1_linux_armv6.tar.gz'],
    [facts('linux', 'arm', { armVersion: '7' }), 'glide_v0.1.0-rc.1_linux_armv7.tar.gz'],
    [facts('linux', 'ppc64'), 'glide_v0.1.0-rc.1_linux_ppc64le.tar.gz'],
    [facts('linux', 's390x'), 'glide_v0.1.0-rc.1_linux_s390x.tar.gz'],
    [facts('linux', 'riscv64'), 'glide_v0.1.0-rc.1_linux_riscv64.tar.gz'],
    [facts('linux', 'ia32'), 'glide_v0.1.0-rc.1_linux_386.tar.gz'],
    [facts('darwin', 'x64'), 'glide_v0.1.0-rc.1_darwin_amd64.tar.gz'],
    // Rosetta 2: an x64 Node on Apple silicon still gets the native build.
    [facts('darwin', 'x64', { translated: true }), 'glide_v0.1.0-rc.1_darwin_arm64.tar.gz'],
    [facts('darwin', 'arm64'), 'glide_v0.1.0-rc.1_darwin_arm64.tar.gz'],
    [facts('win32', 'x64'), 'glide_v0.1.0-rc.1_windows_amd64.zip'],
    [facts('win32', 'ia32'), 'glide_v0.1.0-rc.1_windows_386.zip'],
    [facts('freebsd', 'x64'), 'glide_v0.1.0-rc.1_freebsd_amd64.tar.gz'],
    [facts('openbsd', 'x64'), 'glide_v0.1.0-rc.1_openbsd_amd64.tar.gz'],
  ])('%o → %s', (host, asset) => {
    expect(archiveName('0.1.0-rc.1', hostTarget(host))).toBe(asset);
  });

  it.each([facts('aix', 'ppc64'), facts('linux', 'mips'), facts('linux', 'loong64'), facts('sunos', 'x64'), facts('android', 'arm64')])(
    'refuses %o with EUNSUPPORTEDPLATFORM',
    (host) => {
      expect(codeOf(() => hostTarget(host))).toBe('EUNSUPPORTEDPLATFORM');
    },
  );

  it('builds the exact download URL Glide uses on GitHub (no v on the tag, v in the asset)', () => {
    const source = releaseSource({ repo: 'einstack/glide', githubUrl: 'https://github.com', githubApiUrl: 'https://api.github.com', cwd: '/' });
    const asset = archiveName('0.1.0-rc.1', hostTarget(facts('darwin', 'arm64')));
    expect(located(assetLocation(source, '0.1.0-rc.1', asset))).toBe(
      'url https://github.com/einstack/glide/releases/download/0.1.0-rc.1/glide_v0.1.0-rc.1_darwin_arm64.tar.gz',
    );
  });
});

describe('asset names Glide has published (each OS, each archive format, RCs and stables)', () => {
  it.each([
    ['0.1.0-rc.1', 'linux', 'amd64', 'glide_v0.1.0-rc.1_linux_amd64.tar.gz'],
    ['0.0.3', 'linux', 'arm64', 'glide_v0.0.3_linux_arm64.tar.gz'],
    ['0.0.3', 'linux', 'armv6', 'glide_v0.0.3_linux_armv6.tar.gz'],
    ['0.0.2-rc.3', 'linux', 'armv7', 'glide_v0.0.2-rc.3_linux_armv7.tar.gz'],
    ['0.0.2', 'linux', 'ppc64le', 'glide_v0.0.2_linux_ppc64le.tar.gz'],
    ['0.0.1-rc.2', 'linux', 's390x', 'glide_v0.0.1-rc.2_linux_s390x.tar.gz'],
    ['0.0.3-rc.1', 'linux', 'riscv64', 'glide_v0.0.3-rc.1_linux_riscv64.tar.gz'],
    ['0.0.1', 'darwin', 'amd64', 'glide_v0.0.1_darwin_amd64.tar.gz'],
    ['0.1.0-rc.1', 'darwin', 'arm64', 'glide_v0.1.0-rc.1_darwin_arm64.tar.gz'],
    ['0.0.3', 'windows', 'amd64', 'glide_v0.0.3_windows_amd64.zip'],
    ['0.1.0-rc.1', 'windows', '386', 'glide_v0.1.0-rc.1_windows_386.zip'],
    ['0.0.2-rc.1', 'freebsd', 'amd64', 'glide_v0.0.2-rc.1_freebsd_amd64.tar.gz'],
    ['0.0.3-rc.2', 'openbsd', 'amd64', 'glide_v0.0.3-rc.2_openbsd_amd64.tar.gz'],
  ])('%s %s/%s → %s', (version, os, arch, asset) => {
    expect(archiveName(version, targetFromWords(os, arch))).toBe(asset);
  });

  it.each(['0.0.1-rc.1', '0.0.1-rc.2', '0.0.1', '0.0.2-rc.1', '0.0.2-rc.2', '0.0.2-rc.3', '0.0.2', '0.0.3-rc.1', '0.0.3-rc.2', '0.0.3', '0.1.0-rc.1'])(
    'the published tag %s is an exact version request',
    (tag) => {
      expect(parseVersionRequest(tag)).toEqual({ kind: 'exact', version: tag });
    },
  );
});

describe('every installable pair (--os × --arch)', () => {
  // In Go's words as the release's matrix writes them (linux/arm/7), beside the installers' (--arch armv7).
  const pairs: [os: string, arch: string, target: string][] = INSTALLABLE_OSES.flatMap((os) =>
    INSTALLABLE_ARCHES.flatMap((arch): [string, string, string][] =>
      arch === 'arm'
        ? [
            [os, 'armv6', `${os}/arm/6`],
            [os, 'armv7', `${os}/arm/7`],
          ]
        : [[os, arch, `${os}/${arch}`]],
    ),
  );

  it.each(pairs)('--os %s --arch %s is the target %s', (os, arch, text) => {
    const target = targetFromWords(os, arch);
    expect(target).toEqual(parseTarget(text));
    expect(assetArch(target)).toBe(arch);
  });

  it.each(['0.1.0-rc.1', '0.0.3'])('in %s, each has exactly one asset name, which the contract reads back to it', (version) => {
    const names = pairs.map(([os, arch]) => archiveName(version, targetFromWords(os, arch)));
    expect(new Set(names).size).toBe(pairs.length);
    names.forEach((name, index) => {
      const [os, arch] = pairs[index]!;
      expect(parseArchiveName(name)).toEqual({ version, target: targetFromWords(os, arch) });
    });
  });

  it('a checksums file the release writes lists each one, and the installer finds each in it', () => {
    const version = '0.1.0-rc.1';
    const entries = pairs.map(([os, arch], index) => ({ name: archiveName(version, targetFromWords(os, arch)), sha256: index.toString(16).padStart(64, '0') }));
    const checksums = parseChecksums(formatChecksums(entries));
    expect(platformsInChecksums(checksums, version)).toEqual(pairs.map(([os, arch]) => `${os}/${arch}`).sort());
    for (const [index, [os, arch]] of pairs.entries()) {
      expect(expectedArchive(checksums, version, targetFromWords(os, arch))).toEqual({ asset: entries[index]!.name, sha256: entries[index]!.sha256 });
    }
  });
});

describe('--os/--arch outside the contract', () => {
  it.each([
    ['linux', 'x86_64', 'EUSAGE'],
    ['linux', 'aarch64', 'EUSAGE'],
    ['macos', 'arm64', 'EUSAGE'],
    ['linux', 'arm', 'EUSAGE'],
  ])('refuses %s/%s', (os, arch, code) => {
    expect(codeOf(() => targetFromWords(os, arch))).toBe(code);
  });
});

describe("usage errors speak the installer's language", () => {
  function caught(run: () => unknown): { code: string; text: string } {
    try {
      run();
    } catch (error) {
      if (!isGlideError(error)) throw error;
      return { code: error.code, text: [error.message, ...error.details].join('\n') };
    }
    throw new Error('expected a GlideError');
  }

  it("--arch arm is Go's word, but Glide does not ship it: the 32-bit ARM builds are named", () => {
    const { code, text } = caught(() => targetFromWords('linux', 'arm'));
    expect(code).toBe('EUSAGE');
    expect(text).toContain('Glide does not ship');
    expect(text).not.toContain("not an architecture in Go's words");
    expect(text).toContain('--arch armv7');
    expect(text).toContain('--arch armv6');
  });
  it.each([
    ['mips', 'Glide does not ship'],
    ['wasm', 'Glide does not ship'],
    ['x86_64', "not an architecture in Go's words"],
  ])('--arch %s: %s', (arch, said) => {
    expect(caught(() => targetFromWords('linux', arch)).text).toContain(said);
  });

  it.each(['v1', 'v1.x', '1.2', '0.1.0-beta.1', 'banana'])('--glide-version %s names what the installer accepts, not how to tag', (text) => {
    const { code, text: said } = caught(() => parseVersionRequest(text));
    expect(code).toBe('EUSAGE');
    expect(said).toContain(`--glide-version ${text}: not a Glide version; use latest, rc, or an exact version like 0.1.0 or 0.1.0-rc.1`);
    expect(said).not.toMatch(/\btag/i);
  });
});

describe('version requests', () => {
  it.each([
    ['latest', { kind: 'latest' }],
    ['stable', { kind: 'latest' }],
    ['rc', { kind: 'rc' }],
    ['0.1.0-rc.1', { kind: 'exact', version: '0.1.0-rc.1' }],
    ['v0.0.3', { kind: 'exact', version: '0.0.3' }],
  ])('%s', (text, expected) => {
    expect(parseVersionRequest(text)).toEqual(expected);
  });
  it.each(['1.2', 'banana', '0.1.0-beta.1', '0.1.0-rc.0'])('refuses %s with EUSAGE', (text) => {
    expect(codeOf(() => parseVersionRequest(text))).toBe('EUSAGE');
  });

  const countingLookup = (releases: { tag: string; prerelease: boolean }[], latest = '0.0.3') => {
    const calls = { latestStable: 0, list: 0 };
    const lookup: ReleaseLookup = {
      latestStable: async () => {
        calls.latestStable++;
        return latest;
      },
      list: async () => {
        calls.list++;
        return releases;
      },
    };
    return { lookup, calls };
  };
  const glideReleases = [
    { tag: '0.1.0-rc.1', prerelease: true },
    { tag: '0.0.3', prerelease: false },
    { tag: '0.0.3-rc.2', prerelease: true },
    { tag: '0.0.2', prerelease: false },
  ];

  it('an exact version asks nothing at all', async () => {
    const { lookup, calls } = countingLookup(glideReleases);
    expect(await resolveVersion({ kind: 'exact', version: '0.0.2' }, lookup)).toBe('0.0.2');
    expect(calls).toEqual({ latestStable: 0, list: 0 });
  });
  it('latest asks only the latest-stable lookup (one redirect on GitHub)', async () => {
    const { lookup, calls } = countingLookup(glideReleases);
    expect(await resolveVersion({ kind: 'latest' }, lookup)).toBe('0.0.3');
    expect(calls).toEqual({ latestStable: 1, list: 0 });
  });
  it('rc picks the highest by semver, RCs included, whatever the list order', async () => {
    const { lookup } = countingLookup([...glideReleases].reverse());
    expect(await resolveVersion({ kind: 'rc' }, lookup)).toBe('0.1.0-rc.1');
  });
  it('a mirror index: latest is the highest stable, not the newest entry', () => {
    expect(
      highestStable([
        { tag: '0.0.2', prerelease: false },
        { tag: '0.0.3', prerelease: false },
        { tag: '0.1.0-rc.1', prerelease: true },
      ]),
    ).toBe('0.0.3');
    expect(codeOf(() => highestStable([{ tag: '0.1.0-rc.1', prerelease: true }]))).toBe('ENORELEASE');
  });
  it('follows GitHub Link headers', () => {
    expect(
      nextPage(
        '<https://api.github.com/repositories/1/releases?per_page=100&page=2>; rel="next", <https://api.github.com/repositories/1/releases?per_page=100&page=3>; rel="last"',
      ),
    ).toBe('https://api.github.com/repositories/1/releases?per_page=100&page=2');
    expect(nextPage('<https://x/?page=1>; rel="prev"')).toBeUndefined();
    expect(nextPage(undefined)).toBeUndefined();
  });
});

describe('checksums file', () => {
  const hash = (c: string) => c.repeat(64);
  const text = [
    `${hash('a')}  glide_v0.1.0-rc.1_darwin_amd64.tar.gz`,
    `${hash('b')}  glide_v0.1.0-rc.1_darwin_arm64.tar.gz`,
    `${hash('C')} *glide_v0.1.0-rc.1_linux_armv6.tar.gz`,
    `${hash('d')}  glide_v0.1.0-rc.1_windows_amd64.zip`,
    '',
  ].join('\n');

  it('parses text and binary-mode lines, lower-casing the hash', () => {
    const checksums = parseChecksums(text);
    expect(checksums.get('glide_v0.1.0-rc.1_linux_armv6.tar.gz')).toBe(hash('c'));
    expect(checksums.size).toBe(4);
  });
  it('names the platforms a release has', () => {
    expect(platformsInChecksums(parseChecksums(text), '0.1.0-rc.1')).toEqual(['darwin/amd64', 'darwin/arm64', 'linux/armv6', 'windows/amd64']);
  });
  it('names only what the release writes: a Windows .tar.gz or another version is no platform of this one', () => {
    const odd = `${text}${hash('e')}  glide_v0.1.0-rc.1_windows_386.tar.gz\n${hash('f')}  glide_v0.0.3_linux_s390x.tar.gz\n`;
    expect(platformsInChecksums(parseChecksums(odd), '0.1.0-rc.1')).toEqual(['darwin/amd64', 'darwin/arm64', 'linux/armv6', 'windows/amd64']);
  });
  it('finds the archive for a target', () => {
    expect(expectedArchive(parseChecksums(text), '0.1.0-rc.1', targetFromWords('windows', 'amd64'))).toEqual({
      asset: 'glide_v0.1.0-rc.1_windows_amd64.zip',
      sha256: hash('d'),
    });
  });
  it('a platform the release lacks is EUNSUPPORTEDPLATFORM listing those it has', () => {
    try {
      expectedArchive(parseChecksums(text), '0.1.0-rc.1', targetFromWords('linux', 's390x'));
      expect.unreachable();
    } catch (error) {
      expect(isGlideError(error) && error.code).toBe('EUNSUPPORTEDPLATFORM');
      expect(String((error as Error).message)).toContain('linux/s390x');
      expect(isGlideError(error) && error.details.join('\n')).toContain('darwin/amd64, darwin/arm64, linux/armv6, windows/amd64');
    }
  });
  it.each([
    ['short hash', 'abc  glide.tar.gz'],
    ['no name', `${hash('a')}`],
    ['one space and no star', `${hash('a')} glide`.replace(' ', '\t')],
    ['html error page', '<html><body>Not Found</body></html>'],
    ['same name, two hashes', `${hash('a')}  x.tar.gz\n${hash('b')}  x.tar.gz`],
  ])('fails closed on %s', (_name, bad) => {
    expect(codeOf(() => parseChecksums(bad))).toBe('ECHECKSUM');
  });
});

describe('cache layout', () => {
  it.each([
    [{ GLIDE_CACHE_DIR: '/c' }, 'linux', '/c'],
    [{ XDG_CACHE_HOME: '/x' }, 'linux', '/x/glide'],
    // The XDG spec ignores a relative path.
    [{ XDG_CACHE_HOME: 'rel' }, 'linux', '/home/u/.cache/glide'],
    [{}, 'linux', '/home/u/.cache/glide'],
    [{}, 'darwin', '/home/u/Library/Caches/glide'],
    [{ LOCALAPPDATA: 'C:\\Users\\u\\AppData\\Local' }, 'win32', 'C:\\Users\\u\\AppData\\Local/glide/Cache'],
  ])('%o on %s → %s', (env, platform, expected) => {
    expect(cacheDir({ env, platform, home: '/home/u' })).toBe(expected);
  });
  it.each([
    [undefined, {}],
    ['', {}],
    ['relative', {}],
    [undefined, { XDG_CACHE_HOME: '' }],
  ])('no usable home (%j) and no cache variable is ECACHEDIR, never the current folder', (home, env) => {
    expect(codeOf(() => cacheDir({ env, platform: 'linux', home }))).toBe('ECACHEDIR');
    expect(cacheDir({ env: { ...env, GLIDE_CACHE_DIR: '/c' }, platform: 'linux', home })).toBe('/c');
  });
  it('versions/{version}/{os}_{arch}/glide', () => {
    const paths = installPaths('/c', '0.1.0-rc.1', targetFromWords('linux', 'armv7'), 'glide_v0.1.0-rc.1_linux_armv7.tar.gz');
    expect(paths.binary).toBe('/c/versions/0.1.0-rc.1/linux_armv7/glide');
    expect(paths.receipt).toBe('/c/versions/0.1.0-rc.1/linux_armv7/receipt.json');
    expect(installPaths('/c', '0.0.3', targetFromWords('windows', 'amd64'), 'a.zip').binary).toBe('/c/versions/0.0.3/windows_amd64/glide.exe');
  });
});

describe('release sources', () => {
  const base = { repo: 'EinStack/glide', githubUrl: 'https://github.com', githubApiUrl: 'https://api.github.com', cwd: '/work' };
  it.each([
    ['http://127.0.0.1:8080/mirror/', 'url http://127.0.0.1:8080/mirror/0.0.3/a.tar.gz'],
    ['./mirror', 'file /work/mirror/0.0.3/a.tar.gz'],
    ['/srv/glide', 'file /srv/glide/0.0.3/a.tar.gz'],
    ['file:///srv/glide', 'file /srv/glide/0.0.3/a.tar.gz'],
  ])('%s', (downloadBaseUrl, expected) => {
    expect(located(assetLocation(releaseSource({ ...base, downloadBaseUrl }), '0.0.3', 'a.tar.gz'))).toBe(expected);
  });
  it.each([
    ['GLIDE_GITHUB_URL', { githubUrl: 'not a url' }],
    ['GLIDE_GITHUB_URL', { githubUrl: 'ftp://github.example.com' }],
    ['GLIDE_GITHUB_API_URL', { githubApiUrl: 'api.github.com' }],
  ])('%s that is no http(s) URL is EUSAGE, not a mirror folder', (variable, settings) => {
    const error = thrownBy(() => releaseSource({ ...base, ...settings }));
    expect(isGlideError(error) && error.code).toBe('EUSAGE');
    expect(String((error as Error).message)).toContain(`${variable}=`);
  });
  it("a mirror's index.json: entries that name no release (null, a number, a tag that is no version) are passed over", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'glide-index-'));
    const entries = [
      null,
      7,
      { tag: 'dev' },
      { tag: '0.0.3', prerelease: false, published_at: '2024-06-01T00:00:00Z', notes: 'kept' },
      { tag: '0.1.0-rc.1', prerelease: true },
    ];
    await writeFile(join(dir, 'index.json'), JSON.stringify(entries));
    const client = new HttpClient({ proxy: {}, apiOrigin: 'https://api.github.com', userAgent: 'create-glide-test' });
    const lookup = releaseLookup(releaseSource({ ...base, downloadBaseUrl: dir }), client);
    expect(await lookup.latestStable()).toBe('0.0.3');
    expect(await resolveVersion({ kind: 'rc' }, lookup)).toBe('0.1.0-rc.1');
  });
  it('refuses other schemes and a malformed GLIDE_REPO', () => {
    expect(codeOf(() => releaseSource({ ...base, downloadBaseUrl: 'ftp://x/y' }))).toBe('EUSAGE');
    expect(codeOf(() => releaseSource({ ...base, repo: 'glide' }))).toBe('EUSAGE');
  });

  describe('a mirror URL with credentials: kept apart from every location and description', () => {
    const password = 'p@ss:w/rd%';
    const withCredentials = `https://alice:${encodeURIComponent(password)}@mirror.example.com/glide/`;
    it.each([
      [withCredentials, { base: 'https://mirror.example.com/glide', credentials: { username: 'alice', password } }],
      [
        'https://ghp_tokenAsUserName@mirror.example.com/',
        { base: 'https://mirror.example.com', credentials: { username: 'ghp_tokenAsUserName', password: '' } },
      ],
      ['https://mirror.example.com/glide', { base: 'https://mirror.example.com/glide' }],
    ])('%s', (downloadBaseUrl, expected) => {
      expect(releaseSource({ ...base, downloadBaseUrl })).toEqual({ kind: 'mirror', ...expected });
    });
    it('names no secret in the asset URL, the index URL, the description or the request options it hands out', () => {
      const source = releaseSource({ ...base, downloadBaseUrl: withCredentials });
      const shown = [
        describeLocation(assetLocation(source, '0.0.3', 'a.tar.gz')),
        describeLocation(mirrorIndexLocation(source as Exclude<typeof source, { kind: 'github' }>)),
        describeSource(source),
      ];
      expect(shown).toEqual([
        'https://mirror.example.com/glide/0.0.3/a.tar.gz',
        'https://mirror.example.com/glide/index.json',
        'mirror https://mirror.example.com/glide',
      ]);
      expect(sourceCredentials(source)).toEqual({ credentials: { username: 'alice', password } });
      expect(sourceCredentials(releaseSource(base))).toEqual({});
    });
    it.each([
      ['ftp://alice:hunter2@x/y', 'hunter2'],
      ['https://alice:hunter2@[bad/y', 'hunter2'],
      ['https://alice:%zzhunter2@x/y', 'hunter2'],
    ])('a refused URL %s is not echoed with its password', (downloadBaseUrl, secret) => {
      const error = thrownBy(() => releaseSource({ ...base, downloadBaseUrl }));
      expect(isGlideError(error) && error.code).toBe('EUSAGE');
      expect(isGlideError(error) && [error.message, ...error.details].join('\n')).not.toContain(secret);
      expect(isGlideError(error) && [error.message, ...error.details].join('\n')).not.toContain('alice');
    });
  });
});

describe('Masterminds/glide on PATH', () => {
  it.each([
    ['glide version 0.0.3 (commit: 1a2b3c, runtime: go1.22.1, buildDate: 2024-03-01T10:00:00Z)', true],
    ['github.com/EinStack/glide version devel (commit: , runtime: go1.22.2, buildDate: )', true],
    ['glide version v0.13.3', false],
    ['glide version 0.12.3', false],
    ['', false],
  ])('%j → %s', (output, isGateway) => {
    expect(looksLikeGlideGateway(output)).toBe(isGateway);
  });
});

describe('create-glide options', () => {
  it('defaults', () => {
    expect(parseCreateOptions([])).toMatchObject({ version: { kind: 'latest' }, yes: false, dryRun: false, overwrite: false, insecureSkipVerify: false });
  });
  it('reads every flag', () => {
    expect(
      parseCreateOptions([
        'my-app',
        '--method',
        'binary',
        '--glide-version',
        'rc',
        '--provider',
        'anthropic',
        '-y',
        '--overwrite',
        '--dry-run',
        '--os',
        'linux',
        '--arch',
        'arm64',
        '--download-base-url',
        './m',
        '--insecure-skip-verify',
      ]),
    ).toMatchObject({
      dir: 'my-app',
      method: 'binary',
      version: { kind: 'rc' },
      provider: 'anthropic',
      yes: true,
      overwrite: true,
      dryRun: true,
      os: 'linux',
      arch: 'arm64',
      downloadBaseUrl: './m',
      insecureSkipVerify: true,
    });
  });
  it.each([[['--bogus']], [['a', 'b']], [['--provider', 'ollama']], [['--method', 'podman']], [['--glide-version', 'v1']], [['--os', 'linux']]])(
    '%j is a usage error',
    (argv) => {
      expect(codeOf(() => parseCreateOptions(argv))).toBe('EUSAGE');
    },
  );
});

describe('project files', () => {
  it('a config Glide reads: one router, the provider keyed by ${env:…}, loopback 9099', () => {
    const config = parseYaml(glideConfig({ provider: 'azureopenai', values: {}, port: 9099 }));
    expect(config.api.http).toEqual({ host: '127.0.0.1', port: 9099 });
    expect(config.routers.language[0].models[0]).toEqual({
      id: 'azureopenai',
      azureopenai: { api_key: '${env:AZURE_OPENAI_API_KEY}', base_url: '${env:AZURE_OPENAI_ENDPOINT}', model: '${env:AZURE_OPENAI_MODEL}' },
    });
  });
  it('.env is 0600 and quotes what godotenv would misread', () => {
    expect(dotenv({ A: 'sk-abc_123', B: 'has space#x' }, ['A', 'B', 'C'])).toBe("A=sk-abc_123\nB='has space#x'\nC=\n");
    const env = binaryProjectFiles({ provider: 'openai', values: { OPENAI_API_KEY: 'k' }, port: 9099, glideVersion: '0.1.0' }).find(
      (file) => file.path === '.env',
    );
    expect(env).toMatchObject({ mode: 0o600, secret: true });
  });
});

describe('--overwrite: what becomes of a file the folder already has', () => {
  const files = binaryProjectFiles({ provider: 'openai', values: { OPENAI_API_KEY: 'sk-new' }, port: 9099, glideVersion: '0.1.0' });
  const config = files.find((file) => file.path === 'config.yaml')!.content;
  const action = (path: string, current: string | undefined, taken: string[] = []) => {
    const existing = new Map(current === undefined ? [] : [[path, current]]);
    return projectFileActions(files, existing, new Set([path, ...taken])).find((each) => each.file.path === path)!;
  };
  const summary = (path: string, current: string | undefined, taken: string[] = []) => {
    const result = action(path, current, taken);
    const note = result.kind === 'keep' ? result.why : result.kind === 'merge' ? result.what : result.kind === 'replace' ? result.backup : '';
    return { kind: result.kind, note, content: result.file.content };
  };

  it.each([
    ['missing', undefined, { kind: 'create', note: '', content: 'OPENAI_API_KEY=sk-new\n' }],
    ['with the key set: kept, never replaced', 'OPENAI_API_KEY=sk-mine\n', { kind: 'keep', note: 'has OPENAI_API_KEY', content: 'OPENAI_API_KEY=sk-mine\n' }],
    [
      'with other keys: appended, comments and order kept',
      '# mine\nCOHERE_API_KEY="co key"\nexport AWS_REGION=eu',
      {
        kind: 'merge',
        note: 'keeps 2 existing keys, adds OPENAI_API_KEY',
        content: '# mine\nCOHERE_API_KEY="co key"\nexport AWS_REGION=eu\nOPENAI_API_KEY=sk-new\n',
      },
    ],
    [
      'with the key empty: filled in',
      'A=1\nOPENAI_API_KEY=\n',
      { kind: 'merge', note: 'keeps 1 existing key, fills in OPENAI_API_KEY', content: 'A=1\nOPENAI_API_KEY=sk-new\n' },
    ],
    [
      'with the key empty and quoted',
      'OPENAI_API_KEY=""  # later\n',
      { kind: 'merge', note: 'keeps 0 existing keys, fills in OPENAI_API_KEY', content: 'OPENAI_API_KEY=sk-new\n' },
    ],
    ['empty file', '', { kind: 'merge', note: 'keeps 0 existing keys, adds OPENAI_API_KEY', content: 'OPENAI_API_KEY=sk-new\n' }],
  ])('.env %s', (_name, current, expected) => {
    expect(summary('.env', current)).toEqual(expected);
  });

  it('.env: no value is ever blanked, even with nothing to write', () => {
    const blank = binaryProjectFiles({ provider: 'openai', values: {}, port: 9099, glideVersion: '0.1.0' });
    const result = projectFileActions(blank, new Map([['.env', 'OPENAI_API_KEY=sk-mine\n']]), new Set(['.env'])).find((each) => each.file.path === '.env')!;
    expect(result).toMatchObject({ kind: 'keep', file: { content: 'OPENAI_API_KEY=sk-mine\n', mode: 0o600 } });
  });

  it('.env: a secret with $& is written as it is, single-quoted so no reader expands the $', () => {
    const odd = binaryProjectFiles({ provider: 'openai', values: { OPENAI_API_KEY: 'a$&b' }, port: 9099, glideVersion: '0.1.0' });
    const result = projectFileActions(odd, new Map([['.env', 'OPENAI_API_KEY=\n']]), new Set(['.env'])).find((each) => each.file.path === '.env')!;
    expect(result.file.content).toBe("OPENAI_API_KEY='a$&b'\n");
  });

  it('.env for Compose: ${, which Compose v1 expands even in single quotes, is refused, naming the binary method', () => {
    expect(dotenv({ A: 'sk-${x}' }, ['A'])).toBe("A='sk-${x}'\n");
    expect(codeOf(() => dotenv({ A: 'sk-${x}' }, ['A'], 'compose'))).toBe('EUSAGE');
    expect((thrownBy(() => dotenv({ A: 'sk-${x}' }, ['A'], 'compose')) as Error).message).toBe(
      'The value of A holds `${`: .env cannot hold it so that Docker Compose reads it as typed.',
    );
    expect(dotenv({ A: 'sk-$x$$y' }, ['A'], 'compose')).toBe("A='sk-$x$$y'\n");
  });

  it.each([
    ['a quote', "sk-it's"],
    ['a backslash', 'sk-a\\b'],
    ['a line break', 'sk-a\nb'],
    ['a carriage return', 'sk-a\rb'],
  ])('.env: a secret with %s, which single quotes cannot hold for every reader, is refused (EUSAGE) without echoing it', (_name, value) => {
    const write = () => binaryProjectFiles({ provider: 'openai', values: { OPENAI_API_KEY: value }, port: 9099, glideVersion: '0.1.0' });
    expect(codeOf(write)).toBe('EUSAGE');
    const refusal = thrownBy(write) as { message: string; details: string[] };
    expect(refusal.message).toContain('OPENAI_API_KEY');
    expect([refusal.message, ...refusal.details].join('\n')).not.toContain(value);
  });

  it.each([
    ['the same', config, [], { kind: 'keep', note: 'unchanged' }],
    ['edited', '# mine\n', [], { kind: 'replace', note: 'config.yaml.bak' }],
    ['edited, with backups already there', '# mine\n', ['config.yaml.bak', 'config.yaml.bak.1'], { kind: 'replace', note: 'config.yaml.bak.2' }],
  ])('config.yaml %s', (_name, current, taken, expected) => {
    expect(summary('config.yaml', current, taken)).toMatchObject(expected);
    expect(action('config.yaml', current, taken).file.content).toBe(config);
  });

  it.each([
    ['without our lines', 'node_modules/', { kind: 'merge', note: 'adds .env, secrets/', content: 'node_modules/\n.env\nsecrets/\n' }],
    ['with one of them', '.env\r\n', { kind: 'merge', note: 'adds secrets/', content: '.env\r\nsecrets/\n' }],
    ['with both', 'secrets/\n.env\n', { kind: 'keep', note: 'already has .env, secrets/', content: 'secrets/\n.env\n' }],
  ])('.gitignore %s', (_name, current, expected) => {
    expect(summary('.gitignore', current)).toEqual(expected);
  });

  it('what is left to fill in is read from the .env as written', () => {
    expect(unsetVariables('A=1\nB=\n', ['A', 'B', 'C'])).toEqual(['B', 'C']);
  });

  it('every project file says what happens to an existing copy', () => {
    expect(files.map((file: ProjectFile) => [file.path, file.existing])).toEqual([
      ['config.yaml', 'backup'],
      ['.env', 'dotenv'],
      ['.gitignore', 'lines'],
      ['.glide-version', 'backup'],
      ['README.md', 'backup'],
    ]);
  });
});

describe('next steps are quoted for the shell', () => {
  it.each([
    ['my-glide', 'linux', 'my-glide'],
    ['/home/u/.cache/glide/versions/0.1.0/linux_amd64/glide', 'linux', '/home/u/.cache/glide/versions/0.1.0/linux_amd64/glide'],
    ['my app', 'linux', "'my app'"],
    ['$(touch pwned)', 'linux', "'$(touch pwned)'"],
    ['`id`', 'darwin', "'`id`'"],
    ["it's", 'linux', "'it'\\''s'"],
    ['~/x', 'linux', "'~/x'"],
    ["it's $HOME", 'windows', "'it''s $HOME'"],
  ])('%s on %s → %s', (word, os, expected) => {
    expect(quoteForShell(word, os)).toBe(expected);
  });
});

describe('environment', () => {
  it.each([
    [
      { HTTPS_PROXY: 'http://p:1', NO_PROXY: 'localhost' },
      { httpsProxy: 'http://p:1', noProxy: 'localhost' },
    ],
    [
      { https_proxy: 'http://p:2', http_proxy: 'http://p:3', no_proxy: '.corp' },
      { httpsProxy: 'http://p:2', httpProxy: 'http://p:3', noProxy: '.corp' },
    ],
    // npx exports .npmrc's proxy settings as npm_config_*.
    [
      { npm_config_proxy: 'http://npm:8080', npm_config_noproxy: 'internal' },
      { httpsProxy: 'http://npm:8080', httpProxy: 'http://npm:8080', noProxy: 'internal' },
    ],
    [
      { npm_config_https_proxy: 'http://s:1', npm_config_proxy: 'http://p:1' },
      { httpsProxy: 'http://s:1', httpProxy: 'http://p:1' },
    ],
    [{ HTTPS_PROXY: 'http://env:1', npm_config_https_proxy: 'http://npm:1' }, { httpsProxy: 'http://env:1' }],
    [{}, {}],
  ])('%o → %o', (env, expected) => {
    expect(proxyFromEnv(env)).toEqual(expected);
  });

  it('takes the token from the first variable set, and remembers only its name for messages', () => {
    expect(readSettings({ GITHUB_TOKEN: 'a', GH_TOKEN: 'b' }, 'linux', '/h').token).toEqual({ value: 'b', source: 'GH_TOKEN' });
    expect(readSettings({ GITHUB_TOKEN: 'a', GLIDE_GITHUB_TOKEN: 'c' }, 'linux', '/h').token).toEqual({ value: 'c', source: 'GLIDE_GITHUB_TOKEN' });
    expect(readSettings({ GH_TOKEN: '  ' }, 'linux', '/h').token).toBeUndefined();
  });

  it('reads the repository, mirror and cache with their defaults', () => {
    expect(readSettings({}, 'linux', '/h')).toMatchObject({
      repo: 'EinStack/glide',
      cacheDir: '/h/.cache/glide',
      githubUrl: 'https://github.com',
      githubApiUrl: 'https://api.github.com',
    });
    expect(readSettings({ GLIDE_REPO: 'me/fork', GLIDE_DOWNLOAD_BASE_URL: 'https://m/x' }, 'linux', '/h')).toMatchObject({
      repo: 'me/fork',
      downloadBaseUrl: 'https://m/x',
    });
  });

  it.each([
    // The user name goes too: some hosts take a token there.
    ['http://user:secret@proxy:3128/', 'http://proxy:3128/'],
    ['https://ghp_token@mirror.example.com/a', 'https://mirror.example.com/a'],
    ['https://cdn/x?X-Amz-Signature=abc&X-Amz-Credential=k&a=1', 'https://cdn/x?X-Amz-Signature=***&X-Amz-Credential=***&a=1'],
    ['not a url://alice:hunter2@host/a', 'not a url://host/a'],
  ])('redacts %s', (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
  });
});
