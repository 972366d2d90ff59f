// glide-up's pure core: the command line, the kept "latest" answer and its TTL, the choice of
// version (with the cache as the fallback) and of config, the port override, and what prune removes.
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { archiveName, GlideError, isGlideError, type Target } from '#contract';
import { installPaths, type InstallReceipt } from '../../src/install/cache.js';
import type { ReleaseLookup } from '../../src/releases/resolve.js';
import { glideUpConfigDir } from '../../src/glide-up/config-dir.js';
import { chooseConfig, everyInterfaceHost, withPort } from '../../src/glide-up/config.js';
import { pruneCandidates, type CachedVersion } from '../../src/glide-up/installs.js';
import { parseGlideUpOptions, parsePort } from '../../src/glide-up/options.js';
import { answerKey, chooseVersion, freshAnswer, LATEST_TTL_MS, readAnswers, writeAnswers, type VersionContext } from '../../src/glide-up/version.js';

function thrownBy(run: () => unknown): GlideError {
  try {
    run();
  } catch (error) {
    if (isGlideError(error)) return error;
    throw error;
  }
  throw new Error('did not throw');
}

async function rejectionOf(promise: Promise<unknown>): Promise<GlideError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!isGlideError(error)) throw new Error(`expected a GlideError, got ${String(error)}`);
  return error;
}

describe('parseGlideUpOptions', () => {
  it.each([
    // No version flag: none chosen here, so ./.glide-version can decide (requestToRun).
    [[], { kind: 'run', offline: false, glideArgs: [] }],
    [['--channel', 'stable'], { kind: 'run', version: { kind: 'latest' }, offline: false, glideArgs: [] }],
    [['--glide-version', 'latest'], { kind: 'run', version: { kind: 'latest' }, offline: false, glideArgs: [] }],
    [['--channel', 'rc'], { kind: 'run', version: { kind: 'rc' }, offline: false, glideArgs: [] }],
    [['--channel', 'stable', '--offline'], { kind: 'run', version: { kind: 'latest' }, offline: true, glideArgs: [] }],
    [['--glide-version', '0.1.0-rc.1'], { kind: 'run', version: { kind: 'exact', version: '0.1.0-rc.1' }, offline: false, glideArgs: [] }],
    [
      ['--config', 'my.yaml', '--env', 'keys.env', '--port', '8080', '--download-base-url', 'mirror', '--', '--help', 'doctor'],
      {
        kind: 'run',
        config: 'my.yaml',
        envFile: 'keys.env',
        port: 8080,
        offline: false,
        downloadBaseUrl: 'mirror',
        glideArgs: ['--help', 'doctor'],
      },
    ],
    [['doctor'], { kind: 'doctor' }],
    [['cache', 'list'], { kind: 'cache', action: 'list', yes: false }],
    [['cache', 'clear', '--yes'], { kind: 'cache', action: 'clear', yes: true }],
    [['--help'], { kind: 'help' }],
    [['--version'], { kind: 'version' }],
  ])('%j → %j', (argv, command) => {
    expect(parseGlideUpOptions(argv)).toEqual(command);
  });

  it.each([
    [['--port', '0'], /--port 0/],
    [['--port', '65536'], /--port 65536/],
    [['--port', '80a'], /--port 80a/],
    [['--channel', 'beta'], /--channel beta: use stable or rc/],
    [['--glide-version', '0.1.0', '--channel', 'rc'], /--glide-version and --channel/],
    [['--glide-version', 'v1'], /--glide-version v1/],
    [['--config', ''], /--config needs a value/],
    [['--nope'], /--nope/],
    [['start'], /Unknown command start/],
    [['doctor', '--offline'], /--offline belongs to running Glide/],
    [['cache', 'list', '--port', '1'], /--port belongs to running Glide/],
    [['cache'], /expected one of list, prune, clear/],
    [['cache', 'list', 'more'], /expected one of list, prune, clear/],
    [['--yes'], /--yes is for glide-up cache clear/],
  ])('%j is a usage error naming the flag', (argv, message) => {
    const error = thrownBy(() => parseGlideUpOptions(argv));
    expect(error.code).toBe('EUSAGE');
    expect(error.message).toMatch(message);
  });

  it.each([
    ['1', 1],
    ['9099', 9099],
    [' 65535 ', 65535],
  ])('parsePort(%j) → %d', (text, port) => {
    expect(parsePort(text)).toBe(port);
  });
});

describe('the kept latest answer', () => {
  const now = new Date('2026-01-01T12:00:00Z');
  const at = (msBefore: number) => ({ key: { version: '0.1.0', checkedAt: new Date(now.getTime() - msBefore).toISOString() } });

  it.each([
    ['just asked', 0, '0.1.0'],
    ['a minute before the TTL', LATEST_TTL_MS - 60_000, '0.1.0'],
    ['exactly the TTL', LATEST_TTL_MS, undefined],
    ['a day old', 24 * LATEST_TTL_MS, undefined],
    ['from the future (a clock set back)', -60_000, undefined],
  ])('%s → %s', (_, age, expected) => {
    expect(freshAnswer(at(age), 'key', now)).toBe(expected);
  });

  it('is kept per source and channel', () => {
    expect(answerKey('mirror https://a', { kind: 'latest' })).not.toBe(answerKey('mirror https://a', { kind: 'rc' }));
    expect(answerKey('mirror https://a', { kind: 'latest' })).not.toBe(answerKey('GitHub EinStack/glide', { kind: 'latest' }));
  });

  it('is written whole and read back; a damaged file reads as never asked', async () => {
    const cache = await mkdtemp(join(tmpdir(), 'glide-up-answers-'));
    await writeAnswers(cache, { a: { version: '0.1.0', checkedAt: now.toISOString() } });
    expect(await readAnswers(cache)).toEqual({ a: { version: '0.1.0', checkedAt: now.toISOString() } });
    expect((await readdir(cache)).filter((name) => name.startsWith('.'))).toEqual([]);
    await writeFile(join(cache, 'glide-up-latest.json'), '{"a": {"version": 1}, "b": ');
    expect(await readAnswers(cache)).toEqual({});
  });
});

const HOST: Target = { os: 'linux', arch: 'amd64' };

/** A verified (or not) install of `version` in the cache, with a receipt its binary matches. */
async function fakeInstall(cache: string, version: string, verified = true): Promise<void> {
  const paths = installPaths(cache, version, HOST, archiveName(version, HOST));
  await mkdir(paths.dir, { recursive: true });
  const binary = `#!/bin/sh\necho ${version}\n`;
  await writeFile(paths.binary, binary, { mode: 0o755 });
  const receipt: InstallReceipt = {
    version,
    target: 'linux/amd64',
    asset: archiveName(version, HOST),
    sha256: '0'.repeat(64),
    verified,
    binarySize: binary.length,
    binarySha256: createHash('sha256').update(binary).digest('hex'),
    source: 'test',
    installedAt: '2026-01-01T00:00:00Z',
  };
  await writeFile(paths.receipt, JSON.stringify(receipt));
}

/** A lookup that counts its calls and answers, or fails, as told. */
function countingLookup(answer: string | GlideError): { lookup: () => ReleaseLookup; calls: () => number } {
  let calls = 0;
  const respond = async () => {
    calls++;
    if (answer instanceof GlideError) throw answer;
    return answer;
  };
  return {
    lookup: () => ({ latestStable: respond, list: async () => [{ tag: await respond(), prerelease: false }] }),
    calls: () => calls,
  };
}

describe('chooseVersion', () => {
  const now = new Date('2026-01-01T12:00:00Z');
  async function context(overrides: Partial<VersionContext> & Pick<VersionContext, 'lookup'>): Promise<VersionContext> {
    return {
      request: { kind: 'latest' },
      offline: false,
      cacheDir: await mkdtemp(join(tmpdir(), 'glide-up-cache-')),
      target: HOST,
      sourceName: 'mirror m',
      now,
      ...overrides,
    };
  }

  it('an exact version asks nothing at all', async () => {
    const source = countingLookup('9.9.9');
    expect(await chooseVersion(await context({ request: { kind: 'exact', version: '0.0.3' }, lookup: source.lookup }))).toEqual({ version: '0.0.3' });
    expect(source.calls()).toBe(0);
  });

  it('latest is asked once, then kept for the TTL, then asked again', async () => {
    const source = countingLookup('0.1.0');
    const ctx = await context({ lookup: source.lookup });
    expect(await chooseVersion(ctx)).toEqual({ version: '0.1.0' });
    expect(await chooseVersion({ ...ctx, now: new Date(now.getTime() + LATEST_TTL_MS - 1) })).toEqual({ version: '0.1.0' });
    expect(source.calls()).toBe(1);
    await chooseVersion({ ...ctx, now: new Date(now.getTime() + LATEST_TTL_MS) });
    expect(source.calls()).toBe(2);
    expect(JSON.parse(await readFile(join(ctx.cacheDir, 'glide-up-latest.json'), 'utf8'))).toEqual({
      [answerKey('mirror m', { kind: 'latest' })]: { version: '0.1.0', checkedAt: new Date(now.getTime() + LATEST_TTL_MS).toISOString() },
    });
  });

  it('--offline uses the newest verified install, never an unverified or an RC one for latest, and asks nothing', async () => {
    const source = countingLookup('9.9.9');
    const ctx = await context({ offline: true, lookup: source.lookup });
    await fakeInstall(ctx.cacheDir, '0.0.2');
    await fakeInstall(ctx.cacheDir, '0.0.3', false);
    await fakeInstall(ctx.cacheDir, '0.1.0-rc.1');
    expect(await chooseVersion(ctx)).toEqual({ version: '0.0.2', note: '--offline: using Glide 0.0.2, the newest verified install in the cache' });
    expect((await chooseVersion({ ...ctx, request: { kind: 'rc' } })).version).toBe('0.1.0-rc.1');
    expect(source.calls()).toBe(0);
  });

  it('--offline with nothing verified cached is ENOTCACHED', async () => {
    const ctx = await context({ offline: true, lookup: countingLookup('9.9.9').lookup });
    await fakeInstall(ctx.cacheDir, '0.0.3', false);
    expect((await rejectionOf(chooseVersion(ctx))).code).toBe('ENOTCACHED');
  });

  it('--offline for latest with only an RC cached names the RC and how to run it', async () => {
    const ctx = await context({ offline: true, lookup: countingLookup('9.9.9').lookup });
    await fakeInstall(ctx.cacheDir, '0.1.0-rc.1');
    const error = await rejectionOf(chooseVersion(ctx));
    expect(error.code).toBe('ENOTCACHED');
    expect(error.message).toContain('no verified stable install');
    expect(error.details.join('\n')).toContain('--channel rc (or --glide-version 0.1.0-rc.1)');
  });

  it('a network failure falls back to the cache, saying why; another failure is said as it is', async () => {
    const offline = await context({ lookup: countingLookup(new GlideError('ENETWORK', 'unreachable')).lookup });
    await fakeInstall(offline.cacheDir, '0.0.2');
    expect(await chooseVersion(offline)).toEqual({
      version: '0.0.2',
      note: 'Could not ask mirror m for the latest version (ENETWORK): using Glide 0.0.2, the newest verified install in the cache',
    });
    const wrongMirror = await context({ cacheDir: offline.cacheDir, lookup: countingLookup(new GlideError('ENORELEASE', 'no index')).lookup });
    expect((await rejectionOf(chooseVersion(wrongMirror))).code).toBe('ENORELEASE');
    const nothingCached = await context({ lookup: countingLookup(new GlideError('ENETWORK', 'unreachable')).lookup });
    expect((await rejectionOf(chooseVersion(nothingCached))).code).toBe('ENETWORK');
  });

  it('a cached binary that no longer matches its receipt is not a fallback', async () => {
    const ctx = await context({ offline: true, lookup: countingLookup('9.9.9').lookup });
    await fakeInstall(ctx.cacheDir, '0.0.2');
    await writeFile(installPaths(ctx.cacheDir, '0.0.2', HOST, archiveName('0.0.2', HOST)).binary, 'altered');
    expect((await rejectionOf(chooseVersion(ctx))).code).toBe('ENOTCACHED');
  });
});

describe('chooseConfig', () => {
  const cwd = '/work/project';
  it.each([
    ['--config wins over ./config.yaml', { flag: 'other.yaml', localConfig: true, env: {} }, { kind: 'given', path: '/work/project/other.yaml' }],
    ['./config.yaml wins over keys', { localConfig: true, env: { OPENAI_API_KEY: 'sk' } }, { kind: 'local', path: '/work/project/config.yaml' }],
    ['an OpenAI key', { localConfig: false, env: { OPENAI_API_KEY: 'sk' } }, { kind: 'generated', provider: 'openai', variables: ['OPENAI_API_KEY'] }],
    [
      'the first provider in the table whose variables are all set',
      { localConfig: false, env: { OPENAI_API_KEY: ' ', ANTHROPIC_API_KEY: 'a', COHERE_API_KEY: 'c' } },
      { kind: 'generated', provider: 'anthropic', variables: ['ANTHROPIC_API_KEY'] },
    ],
    [
      'Azure only with its endpoint and model too',
      { localConfig: false, env: { AZURE_OPENAI_API_KEY: 'k', AZURE_OPENAI_ENDPOINT: 'https://x', AZURE_OPENAI_MODEL: 'gpt' } },
      { kind: 'generated', provider: 'azureopenai', variables: ['AZURE_OPENAI_API_KEY', 'AZURE_OPENAI_ENDPOINT', 'AZURE_OPENAI_MODEL'] },
    ],
  ])('%s', (_, facts, choice) => {
    expect(chooseConfig({ cwd, ...facts })).toEqual(choice);
  });

  it('with nothing to go on: ENOPROVIDERKEY listing every variable looked for, and no value', () => {
    const error = thrownBy(() => chooseConfig({ cwd, localConfig: false, env: { AZURE_OPENAI_API_KEY: 'sk-partial-secret' } }));
    expect(error.code).toBe('ENOPROVIDERKEY');
    const text = [error.message, ...error.details].join('\n');
    for (const name of ['OPENAI_API_KEY', 'ANTHROPIC_API_KEY', 'COHERE_API_KEY', 'OCTOML_API_KEY', 'AZURE_OPENAI_ENDPOINT', 'BEDROCK_API_KEY', 'AWS_REGION']) {
      expect(text).toContain(name);
    }
    expect(text).not.toContain('sk-partial-secret');
  });
});

describe('everyInterfaceHost', () => {
  it.each([
    ['api:\n  http:\n    host: 0.0.0.0\n', '0.0.0.0'],
    ['api: {http: {host: "::"}}\n', '::'],
    ['api: {http: {host: "[::]", port: 9099}}\n', '[::]'],
    ['api: {http: {host: ""}}\n', ''],
    ['api: {http: {host: 127.0.0.1}}\n', undefined],
    ['api: {http: {host: localhost}}\n', undefined],
    // Unset or null: Glide's default, 127.0.0.1.
    ['api: {http: {port: 9099}}\n', undefined],
    ['api: {http: {host: null}}\n', undefined],
    ['routers: {}\n', undefined],
    ['api: [\n', undefined],
  ])('%j → %j', (text, host) => {
    expect(everyInterfaceHost(text)).toBe(host);
  });
});

describe('withPort', () => {
  it('sets api.http.port and keeps the rest, comments included', () => {
    const text = '# mine\napi:\n  http:\n    host: 127.0.0.1 # loopback\n    port: 9099\nrouters: {language: [{id: a}]}\n';
    const changed = withPort(text, 8080);
    expect(parseYaml(changed)).toEqual({ api: { http: { host: '127.0.0.1', port: 8080 } }, routers: { language: [{ id: 'a' }] } });
    expect(changed).toContain('# mine');
    expect(changed).toContain('# loopback');
  });

  it('adds the api section a config lacks', () => {
    expect(parseYaml(withPort('routers: {}\n', 9100))).toEqual({ routers: {}, api: { http: { port: 9100 } } });
  });

  it('refuses a config that is not YAML', () => {
    expect(thrownBy(() => withPort('api: [\n', 8080)).code).toBe('EUSAGE');
  });
});

describe('glideUpConfigDir', () => {
  it.each([
    [{ XDG_CONFIG_HOME: '/x' }, 'linux', '/home/u', '/x/glide-up'],
    [{ XDG_CONFIG_HOME: 'relative' }, 'linux', '/home/u', '/home/u/.config/glide-up'],
    [{}, 'linux', '/home/u', '/home/u/.config/glide-up'],
    [{ XDG_CONFIG_HOME: '/x' }, 'darwin', '/Users/u', '/Users/u/Library/Application Support/glide-up'],
    [{ APPDATA: 'C:\\Users\\u\\AppData\\Roaming' }, 'win32', 'C:\\Users\\u', join('C:\\Users\\u\\AppData\\Roaming', 'glide-up')],
  ])('%j on %s → %s', (env, platform, home, dir) => {
    expect(glideUpConfigDir(env, platform, home)).toBe(dir);
  });

  it('without a home folder: ECACHEDIR, never the current folder', () => {
    expect(thrownBy(() => glideUpConfigDir({}, 'linux', undefined)).code).toBe('ECACHEDIR');
  });
});

describe('pruneCandidates', () => {
  const install = (version: string, platform = 'linux_amd64'): CachedVersion => ({
    version,
    platform,
    dir: `/c/versions/${version}/${platform}`,
    verified: true,
    size: 1,
    prerelease: version.includes('-rc.'),
  });

  it('keeps the newest stable and the newest RC of each platform, and removes the rest', () => {
    const installs = [install('0.0.2'), install('0.1.0-rc.2'), install('0.0.3'), install('0.1.0-rc.1'), install('0.0.1', 'darwin_arm64'), install('0.0.1')];
    expect(
      pruneCandidates(installs)
        .map((removed) => `${removed.version} ${removed.platform}`)
        .sort(),
    ).toEqual(['0.0.1 linux_amd64', '0.0.2 linux_amd64', '0.1.0-rc.1 linux_amd64']);
  });

  it('removes nothing when each channel has one install', () => {
    expect(pruneCandidates([install('0.0.3'), install('0.1.0-rc.1')])).toEqual([]);
  });
});
