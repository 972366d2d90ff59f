// The installing core against real servers on 127.0.0.1: a static mirror of what
// `glide-release build` produced from the Go stand-in, a GitHub-shaped stand-in, a real
// tinyproxy, and injected faults.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import lockfile from 'proper-lockfile';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { archiveName, isGlideError, type Target } from '#contract';
import { installGlide, type InstallEvent } from '../../src/install/index.js';
import { HttpClient, type HttpClientOptions } from '../../src/net/http.js';
import { hostTarget, sameTarget, targetFromWords } from '../../src/platform/detect.js';
import { readHostFacts } from '../../src/platform/host.js';
import { releaseLookup } from '../../src/releases/lookup.js';
import { resolveVersion } from '../../src/releases/resolve.js';
import { releaseSource, type ReleaseSource } from '../../src/releases/source.js';
import { startClosingServer, type ClosingServer } from '../helpers/closing-server.js';
import { startGitHubStandin } from '../helpers/github-standin.js';
import { buildReleaseMirror, type ReleaseMirror } from '../helpers/release-mirror.js';
import { BUILD_TIMEOUT } from '../helpers/repo.js';
import { startStaticMirror } from '../helpers/static-mirror.js';
import { startTinyproxy } from '../helpers/tinyproxy.js';

type StaticMirror = Awaited<ReturnType<typeof startStaticMirror>>;

let mirror: ReleaseMirror & { repo: { dir: string } };
let server: StaticMirror;
let host: Target;
let cache: string;
const cleanup: string[] = [];

beforeAll(async () => {
  mirror = await buildReleaseMirror();
  cleanup.push(mirror.dir, mirror.repo.dir);
  server = await startStaticMirror(mirror.dir);
  host = hostTarget(await readHostFacts());
}, BUILD_TIMEOUT);

afterAll(async () => {
  await server?.close();
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  cache = await mkdtemp(join(tmpdir(), 'glide-cache-'));
  cleanup.push(cache);
  server.log.length = 0;
});

function client(options: Partial<HttpClientOptions> = {}): HttpClient {
  return new HttpClient({
    proxy: {},
    apiOrigin: 'https://api.github.com',
    userAgent: 'create-glide-test',
    retries: 3,
    backoffMs: 10,
    stallMs: 2_000,
    ...options,
  });
}

const mirrorSource = (base = server.url): ReleaseSource =>
  releaseSource({ repo: 'EinStack/glide', downloadBaseUrl: base, githubUrl: 'https://github.com', githubApiUrl: 'https://api.github.com', cwd: '/' });

async function install(
  version: string,
  target: Target,
  options: { source?: ReleaseSource; http?: HttpClient; insecure?: boolean; events?: InstallEvent[] } = {},
) {
  const http = options.http ?? client();
  try {
    return await installGlide(
      {
        version,
        target,
        runnable: sameTarget(target, host),
        source: options.source ?? mirrorSource(),
        cacheDir: cache,
        insecureSkipVerify: options.insecure ?? false,
      },
      { client: http, report: (event) => options.events?.push(event) },
    );
  } finally {
    if (!options.http) await http.close();
  }
}

async function failure(run: Promise<unknown>): Promise<{ code: string; message: string; details: string }> {
  try {
    await run;
  } catch (error) {
    if (!isGlideError(error)) throw error;
    return { code: error.code, message: error.message, details: error.details.join('\n') };
  }
  throw new Error('expected a failure');
}

/** Every file under the cache, relative, for "nothing was installed" assertions. */
async function cacheFiles(): Promise<string[]> {
  const entries = await readdir(cache, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(cache.length + 1))
    .sort();
}

const asset = (version: string, target: Target) => archiveName(version, target);
const assetPath = (version: string, target: Target) => `/${version}/${asset(version, target)}`;

describe('from a mirror served over HTTP', () => {
  it('installs the host build, runs it, and writes the receipt; an exact version fetches no index', async () => {
    const result = await install(mirror.stable, host);
    expect(result.reused).toBe(false);
    const output = execFileSync(result.binary, ['--version'], { encoding: 'utf8' });
    expect(output).toMatch(/^glide version 0\.0\.2 \(commit: [0-9a-f]{40}, runtime: go1\.\d+/);
    const receipt = JSON.parse(await readFile(join(result.dir, 'receipt.json'), 'utf8'));
    expect(receipt).toMatchObject({
      version: '0.0.2',
      target: `${host.os}/${host.arch}`,
      asset: asset('0.0.2', host),
      sha256: (await mirror.checksums('0.0.2')).get(asset('0.0.2', host)),
      verified: true,
      source: `${server.url}${assetPath('0.0.2', host)}`,
    });
    expect((await stat(result.binary)).mode & 0o777).toBe(0o755);
    expect(server.log.map((entry) => entry.path)).toEqual(['/0.0.2/glide_v0.0.2_checksums.txt', assetPath('0.0.2', host)]);
    expect(await cacheFiles()).toEqual([`versions/0.0.2/${host.os}_${host.arch}/glide`, `versions/0.0.2/${host.os}_${host.arch}/receipt.json`]);
  });

  it('reuses an existing install without a single request', async () => {
    await install(mirror.stable, host);
    server.log.length = 0;
    const again = await install(mirror.stable, host);
    expect(again.reused).toBe(true);
    expect(server.log).toHaveLength(0);
  });

  it("records the binary's own sha256, and reuses only an install that still matches it", async () => {
    const first = await install(mirror.stable, host);
    const bytes = await readFile(first.binary);
    expect(first.receipt.binarySha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(JSON.parse(await readFile(join(first.dir, 'receipt.json'), 'utf8')).binarySha256).toBe(first.receipt.binarySha256);

    // Same size, all zeros: a size check alone calls it ready.
    await writeFile(first.binary, Buffer.alloc(bytes.length));
    const events: InstallEvent[] = [];
    const repaired = await install(mirror.stable, host, { events });
    expect(repaired.reused).toBe(false);
    expect(events).toContainEqual({ type: 'reinstall', reason: "the glide in the cache does not match its receipt's sha256 (damaged or altered)" });
    expect((await readFile(repaired.binary)).equals(bytes)).toBe(true);
  });

  it('an install made with --insecure-skip-verify is reinstalled by a run that verifies, and reused by another insecure run', async () => {
    await install(mirror.stable, host, { insecure: true });
    const insecureAgain = await install(mirror.stable, host, { insecure: true });
    expect(insecureAgain.reused).toBe(true);

    const events: InstallEvent[] = [];
    const verified = await install(mirror.stable, host, { events });
    expect(verified.reused).toBe(false);
    expect(verified.receipt.verified).toBe(true);
    expect(events).toContainEqual({ type: 'reinstall', reason: 'the install in the cache was made with --insecure-skip-verify' });
    expect(events.some((event) => event.type === 'verified')).toBe(true);
  });

  it('removes staging folders a killed installer left, but not those of a live installer of another platform', async () => {
    const versionDir = join(cache, 'versions', mirror.stable);
    const platform = `${host.os}_${host.arch}`;
    const other = host.arch === 'arm64' ? 'linux_amd64' : 'linux_arm64';
    const stale = join(versionDir, `.staging-${platform}-Zk3q9A`);
    const live = join(versionDir, `.staging-${other}-Qw7e2R`);
    await mkdir(stale, { recursive: true });
    await writeFile(join(stale, 'glide'), 'half a binary');
    await mkdir(live, { recursive: true });
    // That other installer is alive: it holds its platform's lock (and keeps it fresh).
    const release = await lockfile.lock(join(versionDir, other), { lockfilePath: join(versionDir, `${other}.lock`), realpath: false });
    try {
      await install(mirror.stable, host);
      expect(existsSync(stale)).toBe(false);
      expect(existsSync(live)).toBe(true);
    } finally {
      await release();
    }
  });

  it('resolves latest and rc from index.json by semver', async () => {
    const http = client();
    const lookup = releaseLookup(mirrorSource(), http);
    expect(await resolveVersion({ kind: 'latest' }, lookup)).toBe('0.0.2');
    expect(await resolveVersion({ kind: 'rc' }, lookup)).toBe('0.0.2');
    await http.close();
    // A mirror whose index has a newer RC, and an older line's patch published last.
    const copy = await mkdtemp(join(tmpdir(), 'glide-index-'));
    cleanup.push(copy);
    await writeFile(
      join(copy, 'index.json'),
      JSON.stringify([
        { tag: '0.0.1', prerelease: false, published_at: '2024-07-02T00:00:00Z' },
        { tag: '0.1.0-rc.1', prerelease: true, published_at: '2024-07-01T00:00:00Z' },
        { tag: '0.0.2', prerelease: false, published_at: '2024-06-01T00:00:00Z' },
      ]),
    );
    const folder = releaseLookup(mirrorSource(copy), client());
    expect(await resolveVersion({ kind: 'latest' }, folder)).toBe('0.0.2');
    expect(await resolveVersion({ kind: 'rc' }, folder)).toBe('0.1.0-rc.1');
  });

  it.each([
    ['linux/arm64', 'ELF 64-bit LSB aarch64'],
    ['darwin/arm64', 'Mach-O arm64'],
    ['windows/amd64', 'PE32+ x86-64'],
  ])('installs %s for another machine and checks its header instead of running it', async (text, description) => {
    const [os, arch] = text.split('/') as [string, string];
    const target = targetFromWords(os, arch);
    const events: InstallEvent[] = [];
    const result = await install(mirror.rc, target, { events });
    expect(result.binary.endsWith(os === 'windows' ? `${os}_${arch}/glide.exe` : `${os}_${arch}/glide`)).toBe(true);
    const checked = events.find((event) => event.type === 'checked');
    expect(checked).toMatchObject({ type: 'checked', check: { how: 'header' } });
    expect(checked?.type === 'checked' && checked.check.evidence).toContain(description);
    // Hashed as it was unpacked (tar.gz while downloading, zip from the file), not read again.
    const bytes = await readFile(result.binary);
    expect(result.receipt).toMatchObject({ binarySize: bytes.length, binarySha256: createHash('sha256').update(bytes).digest('hex') });
  });

  it('a binary that does not start here is ESMOKE, and nothing is installed', async () => {
    // A macOS binary presented as runnable: Linux cannot exec Mach-O (not even with qemu's binfmt).
    const target = targetFromWords('darwin', 'arm64');
    const http = client();
    const refused = await failure(
      installGlide({ version: mirror.stable, target, runnable: true, source: mirrorSource(), cacheDir: cache, insecureSkipVerify: false }, { client: http }),
    );
    await http.close();
    expect(refused.code).toBe('ESMOKE');
    expect(refused.message).toContain('does not start here');
    expect(await cacheFiles()).toEqual([]);
  });

  it('a platform the release lacks names those it has', async () => {
    const { code, details } = await failure(install(mirror.stable, targetFromWords('linux', 's390x')));
    expect(code).toBe('EUNSUPPORTEDPLATFORM');
    expect(details).toContain('darwin/arm64, linux/amd64, linux/arm64, windows/amd64');
  });

  it('a version that does not exist has no checksums file: refused, nothing written', async () => {
    const { code, message } = await failure(install('9.9.9', host));
    expect(code).toBe('ECHECKSUM');
    expect(message).toContain('has no checksums file');
    expect(await cacheFiles()).toEqual([]);
  });
});

describe('faults', () => {
  it('a connection reset mid-body is resumed with a Range request', async () => {
    server.faults.add(assetPath('0.0.2', host), { kind: 'reset', afterBytes: 300_000 });
    const result = await install(mirror.stable, host);
    execFileSync(result.binary, ['--version']);
    const requests = server.log.filter((entry) => entry.path === assetPath('0.0.2', host));
    expect(requests).toHaveLength(2);
    expect(requests[1]?.range).toMatch(/^bytes=\d+-$/);
    expect(Number(/\d+/.exec(requests[1]?.range ?? '')?.[0])).toBeGreaterThan(0);
    expect(requests[1]?.status).toBe(206);
  });

  it('a .partial left by an earlier run is replayed and only the rest is fetched', async () => {
    const whole = await readFile(join(mirror.dir, '0.0.2', asset('0.0.2', host)));
    await mkdir(join(cache, 'downloads'), { recursive: true });
    await writeFile(join(cache, 'downloads', `${asset('0.0.2', host)}.partial`), whole.subarray(0, 123_456));
    const events: InstallEvent[] = [];
    const result = await install(mirror.stable, host, { events });
    expect(events).toContainEqual({ type: 'resume', asset: asset('0.0.2', host), from: 123_456 });
    expect(server.log.find((entry) => entry.path === assetPath('0.0.2', host))).toMatchObject({ range: 'bytes=123456-', status: 206 });
    expect(result.receipt.sha256).toBe((await mirror.checksums('0.0.2')).get(asset('0.0.2', host)));
  });

  it('a .partial of some other file is thrown away and the download starts over', async () => {
    await mkdir(join(cache, 'downloads'), { recursive: true });
    await writeFile(join(cache, 'downloads', `${asset('0.0.2', host)}.partial`), Buffer.alloc(50_000, 7));
    const events: InstallEvent[] = [];
    const result = await install(mirror.stable, host, { events });
    expect(events.map((event) => event.type)).toContain('retry-fresh');
    execFileSync(result.binary, ['--version']);
    // The damage may show while the kept bytes are replayed (no request yet) or just after the Range request.
    expect(server.log.filter((entry) => entry.path === assetPath('0.0.2', host)).at(-1)).toMatchObject({ range: undefined, status: 200 });
  });

  it('500 then 200 is retried', async () => {
    server.faults.add(assetPath('0.0.2', host), { kind: 'status', status: 500 });
    server.faults.add('/0.0.2/glide_v0.0.2_checksums.txt', { kind: 'status', status: 503 });
    await install(mirror.stable, host);
    expect(server.log.map((entry) => entry.status)).toEqual([503, 200, 500, 200]);
  });

  it('a stalled body times out with advice, and nothing is installed', async () => {
    for (let i = 0; i < 3; i++) server.faults.add(assetPath('0.0.2', host), { kind: 'stall', afterBytes: 1000 });
    const http = client({ stallMs: 300, retries: 2 });
    const { code, message, details } = await failure(install(mirror.stable, host, { http }));
    await http.close();
    expect(code).toBe('ENETWORK');
    expect(message).toContain('stopped sending data');
    expect(details).toContain('resumes');
    expect((await cacheFiles()).filter((file) => file.startsWith('versions/'))).toEqual([]);
  });

  describe('a body cut short', () => {
    let closing: ClosingServer;
    beforeAll(async () => {
      closing = await startClosingServer(mirror.dir);
    });
    afterAll(async () => {
      await closing?.close();
    });
    beforeEach(() => {
      closing.log.length = 0;
    });

    it('by a server that closes the connection early is resumed with a Range request', async () => {
      closing.cutAfter(assetPath('0.0.2', host), 300_000);
      const result = await install(mirror.stable, host, { source: mirrorSource(closing.url) });
      execFileSync(result.binary, ['--version']);
      const requests = closing.log.filter((entry) => entry.path === assetPath('0.0.2', host));
      expect(requests.map((entry) => entry.status)).toEqual([200, 206]);
      // Bytes still in flight when the connection failed are lost: the resume starts at or before the cut.
      const from = Number(/^bytes=(\d+)-$/.exec(requests[1]?.range ?? '')?.[1]);
      expect(from).toBeGreaterThan(0);
      expect(from).toBeLessThanOrEqual(300_000);
    });

    it('every time: says the host closed the connection before the bytes it announced, and keeps them', async () => {
      const size = (await stat(join(mirror.dir, '0.0.2', asset('0.0.2', host)))).size;
      for (let i = 0; i < 4; i++) closing.cutAfter(assetPath('0.0.2', host), 100_000);
      const { code, message, details } = await failure(install(mirror.stable, host, { source: mirrorSource(closing.url) }));
      expect(code).toBe('ENETWORK');
      const kept = (await stat(join(cache, 'downloads', `${asset('0.0.2', host)}.partial`))).size;
      expect(kept).toBeGreaterThan(0);
      expect(message).toBe(
        `${new URL(closing.url).host} closed the connection before sending all ${size} bytes of ${asset('0.0.2', host)} it announced: ${kept} arrived (UND_ERR_RES_CONTENT_LENGTH_MISMATCH).`,
      );
      expect(details).toContain('resumes');
      expect(
        closing.log
          .filter((entry) => entry.path === assetPath('0.0.2', host))
          .slice(1)
          .every((entry) => entry.range !== undefined),
      ).toBe(true);
    });

    it('by resets: says the connection was reset, not that the host could not be reached', async () => {
      for (let i = 0; i < 4; i++) server.faults.add(assetPath('0.0.2', host), { kind: 'reset', afterBytes: 100_000 });
      const { code, message } = await failure(install(mirror.stable, host));
      expect(code).toBe('ENETWORK');
      const size = (await stat(join(mirror.dir, '0.0.2', asset('0.0.2', host)))).size;
      const kept = (await stat(join(cache, 'downloads', `${asset('0.0.2', host)}.partial`))).size;
      expect(message).toBe(
        `${new URL(server.url).host} reset the connection before sending all ${size} bytes of ${asset('0.0.2', host)} it announced: ${kept} arrived (ECONNRESET).`,
      );
      expect(message).not.toContain('Could not reach');
    });

    it('for the checksums file: names it and the bytes it announced', async () => {
      const name = 'glide_v0.0.2_checksums.txt';
      const size = (await stat(join(mirror.dir, '0.0.2', name))).size;
      for (let i = 0; i < 4; i++) closing.cutAfter(`/0.0.2/${name}`, 100);
      const { code, message } = await failure(install(mirror.stable, host, { source: mirrorSource(closing.url) }));
      expect(code).toBe('ENETWORK');
      // The 100 bytes sent may or may not be read before the failure is: only the announcement is certain.
      expect(message).toMatch(
        new RegExp(
          `^${new URL(closing.url).host} closed the connection before sending all ${size} bytes of ${name.replace(/\./g, '\\.')} it announced: (0|100) arrived \\(UND_ERR_RES_CONTENT_LENGTH_MISMATCH\\)\\.$`,
        ),
      );
    });
  });

  describe('deadlines', () => {
    it('a mirror sending 1 byte every 10 s: the download gives up at its deadline, says so, and keeps the bytes', async () => {
      server.faults.add(assetPath('0.0.2', host), { kind: 'throttle', bytesPerSecond: 0.1 });
      // The first byte comes at once, the second after 10 s: the deadline falls well in between,
      // and before the stall timeout (which a byte every few seconds never trips anyway).
      const http = client({ downloadDeadlineMs: 3_000, stallMs: 30_000 });
      const { code, message, details } = await failure(install(mirror.stable, host, { http }));
      await http.close();
      expect(code).toBe('ENETWORK');
      const size = (await stat(join(mirror.dir, '0.0.2', asset('0.0.2', host)))).size;
      expect(message).toBe(
        `${new URL(server.url).host} answered but is too slow: 1 of the ${size} bytes of ${asset('0.0.2', host)} were here after 3 s, the time a download may take.`,
      );
      expect(details).toContain('resumes');
      expect((await stat(join(cache, 'downloads', `${asset('0.0.2', host)}.partial`))).size).toBe(1);
      expect((await cacheFiles()).filter((file) => file.startsWith('versions/'))).toEqual([]);
    });

    it('a checksums file sent 1 byte every 10 s: the fetch gives up at its deadline', async () => {
      server.faults.add('/0.0.2/glide_v0.0.2_checksums.txt', { kind: 'throttle', bytesPerSecond: 0.1 });
      const http = client({ documentDeadlineMs: 2_000, stallMs: 30_000 });
      const { code, message } = await failure(install(mirror.stable, host, { http }));
      await http.close();
      expect(code).toBe('ENETWORK');
      expect(message).toBe(
        `${new URL(server.url).host} answered but is too slow: glide_v0.0.2_checksums.txt was still incomplete after 2 s, the time a small file may take.`,
      );
    });
  });

  describe('bad bytes are refused and an earlier install stays untouched', () => {
    let copy: string;
    let copyServer: StaticMirror;
    beforeEach(async () => {
      copy = await mkdtemp(join(tmpdir(), 'glide-bad-mirror-'));
      cleanup.push(copy);
      await cp(mirror.dir, copy, { recursive: true });
      copyServer = await startStaticMirror(copy);
      await install(mirror.rc, host, { source: mirrorSource(copyServer.url) });
    });
    afterEach(async () => {
      await copyServer.close();
    });

    async function expectRefused(code: string) {
      const before = await cacheFiles();
      const earlier = await readFile(join(cache, 'versions', mirror.rc, `${host.os}_${host.arch}`, 'glide'));
      const refused = await failure(install(mirror.stable, host, { source: mirrorSource(copyServer.url) }));
      expect(refused.code).toBe(code);
      expect(await cacheFiles()).toEqual(before);
      // Buffer.equals: vitest's deep equality walks a 5 MB buffer byte by byte.
      expect(earlier.equals(await readFile(join(cache, 'versions', mirror.rc, `${host.os}_${host.arch}`, 'glide')))).toBe(true);
      return refused;
    }

    it('a truncated file', async () => {
      copyServer.faults.add(assetPath('0.0.2', host), { kind: 'truncate', bytes: 100_000 });
      const refused = await expectRefused('ECHECKSUM');
      expect(refused.details).toContain('(100000 bytes)');
    });

    it('a wrong checksum', async () => {
      const file = join(copy, '0.0.2', 'glide_v0.0.2_checksums.txt');
      const text = await readFile(file, 'utf8');
      const name = asset('0.0.2', host);
      await writeFile(file, text.replace(new RegExp(`^[0-9a-f]{64}(?=  ${name.replace(/\./g, '\\.')}$)`, 'm'), 'f'.repeat(64)));
      const refused = await expectRefused('ECHECKSUM');
      expect(refused.details).toContain(`expected sha256 ${'f'.repeat(64)}`);
    });

    it('an asset missing from the checksums file', async () => {
      const file = join(copy, '0.0.2', 'glide_v0.0.2_checksums.txt');
      const text = await readFile(file, 'utf8');
      await writeFile(
        file,
        text
          .split('\n')
          .filter((line) => !line.endsWith(asset('0.0.2', host)))
          .join('\n'),
      );
      await expectRefused('EUNSUPPORTEDPLATFORM');
    });
  });

  it('--insecure-skip-verify installs without the checksums file and records it', async () => {
    const events: InstallEvent[] = [];
    const result = await install(mirror.stable, host, { insecure: true, events });
    expect(result.receipt.verified).toBe(false);
    expect(events.some((event) => event.type === 'unverified')).toBe(true);
    expect(server.log.map((entry) => entry.path)).toEqual([assetPath('0.0.2', host)]);
  });

  it('two concurrent installs of one version: one downloads, the other waits and reuses it', async () => {
    server.faults.add(assetPath('0.0.2', host), { kind: 'throttle', bytesPerSecond: 4_000_000 });
    const [a, b] = await Promise.all([install(mirror.stable, host), install(mirror.stable, host)]);
    expect([a.reused, b.reused].sort()).toEqual([false, true]);
    expect(server.log.filter((entry) => entry.path === assetPath('0.0.2', host))).toHaveLength(1);
    execFileSync(a.binary, ['--version']);
  });
});

describe('a mirror behind HTTP Basic auth (credentials in its URL)', () => {
  const PASSWORD = 'p@ss:w/rd%42';
  let locked: StaticMirror;
  let other: StaticMirror;
  const withCredentials = (password = PASSWORD) => {
    const url = new URL(locked.url);
    url.username = 'alice';
    url.password = encodeURIComponent(password);
    return url.toString();
  };
  beforeAll(async () => {
    locked = await startStaticMirror(mirror.dir, { basicAuth: { username: 'alice', password: PASSWORD } });
    other = await startStaticMirror(mirror.dir);
  });
  afterAll(async () => {
    await locked?.close();
    await other?.close();
  });
  beforeEach(() => {
    locked.log.length = 0;
    other.log.length = 0;
  });

  it('sends them on every request to the mirror, and no URL or receipt holds them', async () => {
    const http = client();
    const source = mirrorSource(withCredentials());
    const version = await resolveVersion({ kind: 'rc' }, releaseLookup(source, http));
    const events: InstallEvent[] = [];
    const result = await install(version, host, { source, http, events });
    await http.close();
    execFileSync(result.binary, ['--version']);
    expect(locked.log.map((entry) => [entry.path, entry.status])).toEqual([
      ['/index.json', 200],
      ['/0.0.2/glide_v0.0.2_checksums.txt', 200],
      [assetPath('0.0.2', host), 200],
    ]);
    const receipt = await readFile(join(result.dir, 'receipt.json'), 'utf8');
    expect(JSON.parse(receipt).source).toBe(`${locked.url}${assetPath('0.0.2', host)}`);
    for (const text of [receipt, JSON.stringify(events)]) {
      expect(text).not.toContain(encodeURIComponent(PASSWORD));
      expect(text).not.toContain('alice');
    }
  });

  it('a redirect to another origin does not carry them', async () => {
    locked.faults.add(assetPath('0.0.2', host), { kind: 'redirect', to: other.url });
    await install(mirror.stable, host, { source: mirrorSource(withCredentials()) });
    expect(locked.log.map((entry) => entry.status)).toEqual([200, 302]);
    expect(other.log).toMatchObject([{ path: assetPath('0.0.2', host), status: 200, authorization: false }]);
  });

  it('wrong ones: says the mirror refused them, never what they were', async () => {
    const { code, message, details } = await failure(install(mirror.stable, host, { source: mirrorSource(withCredentials('hunter2')) }));
    expect(code).toBe('ENETWORK');
    expect(message).toBe(`The mirror ${new URL(locked.url).host} refused the user name and password in its URL (HTTP 401) for glide_v0.0.2_checksums.txt.`);
    expect(`${message}${details}`).not.toContain('hunter2');
    expect(await cacheFiles()).toEqual([]);
  });

  it('none: says the mirror asks for them and where they go', async () => {
    const { code, message, details } = await failure(install(mirror.stable, host, { source: mirrorSource(locked.url) }));
    expect(code).toBe('ENETWORK');
    expect(message).toBe(`${new URL(locked.url).host} asks for credentials (HTTP 401) for glide_v0.0.2_checksums.txt.`);
    expect(details).toContain('https://user:password@host/path');
  });

  it('a 403 says access was refused, not to run again later', async () => {
    server.faults.add('/0.0.2/glide_v0.0.2_checksums.txt', { kind: 'status', status: 403 });
    const { code, message } = await failure(install(mirror.stable, host));
    expect(code).toBe('ENETWORK');
    expect(message).toBe(`${new URL(server.url).host} refused access to glide_v0.0.2_checksums.txt (HTTP 403).`);
  });
});

describe('GitHub-shaped stand-in', () => {
  type Standin = Awaited<ReturnType<typeof startGitHubStandin>>;
  let github: Standin;
  const TOKEN = 'ghp_testtoken0000000000000000000000000000';

  beforeAll(async () => {
    const assets = async (tag: string) => Object.fromEntries((await readdir(join(mirror.dir, tag))).map((name) => [name, join(mirror.dir, tag, name)]));
    github = await startGitHubStandin({
      repo: 'EinStack/glide',
      token: TOKEN,
      releases: [
        { tag: mirror.stable, prerelease: false, published_at: '2024-06-05T10:00:00Z', assets: await assets(mirror.stable) },
        { tag: mirror.rc, prerelease: true, published_at: '2024-06-01T10:00:00Z', assets: await assets(mirror.rc) },
      ],
    });
  });
  afterAll(async () => {
    await github?.close();
  });
  beforeEach(() => {
    github.log.length = 0;
    github.setRateLimited(undefined);
  });

  const githubSource = (): ReleaseSource => releaseSource({ repo: 'EinStack/glide', githubUrl: github.webUrl, githubApiUrl: github.apiUrl, cwd: '/' });
  const githubClient = (options: Partial<HttpClientOptions> = {}) => client({ apiOrigin: new URL(github.apiUrl).origin, ...options });

  it('latest resolves through the releases/latest redirect, with no API call', async () => {
    const http = githubClient();
    expect(await resolveVersion({ kind: 'latest' }, releaseLookup(githubSource(), http))).toBe('0.0.2');
    await http.close();
    expect(github.log.map((entry) => `${entry.host} ${entry.path}`)).toEqual(['web /EinStack/glide/releases/latest']);
  });

  it('rc lists releases through the API (the token goes there) and picks the highest', async () => {
    const http = githubClient({ token: { value: TOKEN, source: 'GLIDE_GITHUB_TOKEN' } });
    expect(await resolveVersion({ kind: 'rc' }, releaseLookup(githubSource(), http))).toBe('0.0.2');
    await http.close();
    expect(github.log).toHaveLength(1);
    expect(github.log[0]).toMatchObject({ host: 'api', authorization: true });
    expect(JSON.stringify(github.log)).not.toContain(TOKEN);
  });

  it('downloads through the web → CDN redirect; the token reaches the API host only', async () => {
    const http = githubClient({ token: { value: TOKEN, source: 'GLIDE_GITHUB_TOKEN' } });
    const result = await install(mirror.stable, host, { source: githubSource(), http });
    await http.close();
    execFileSync(result.binary, ['--version']);
    const hosts = github.log.map((entry) => entry.host);
    expect(hosts).toEqual(['web', 'cdn', 'web', 'cdn']);
    expect(github.log.every((entry) => entry.authorization === false)).toBe(true);
  });

  it('a rate limit says when it resets and that a token helps; an exact version still installs', async () => {
    const reset = Math.floor(Date.now() / 1000) + 17 * 60;
    github.setRateLimited(reset);
    const http = githubClient();
    const refused = await failure(resolveVersion({ kind: 'rc' }, releaseLookup(githubSource(), http)));
    expect(refused.code).toBe('ERATELIMIT');
    expect(refused.message).toContain(`resets at ${new Date(reset * 1000).toISOString().slice(11, 16)} UTC`);
    expect(refused.details).toContain('GLIDE_GITHUB_TOKEN');
    expect(refused.details).toContain('--glide-version');
    github.log.length = 0;
    await install(mirror.stable, host, { source: githubSource(), http });
    await http.close();
    expect(github.log.filter((entry) => entry.host === 'api')).toHaveLength(0);
  });

  it('a refused token is named by its variable, never by its value', async () => {
    const http = githubClient({ token: { value: 'ghp_wrong', source: 'GH_TOKEN' } });
    const refused = await failure(resolveVersion({ kind: 'rc' }, releaseLookup(githubSource(), http)));
    await http.close();
    expect(refused.message).toContain('GH_TOKEN');
    expect(`${refused.message}${refused.details}`).not.toContain('ghp_wrong');
  });

  it('through a real forward proxy (tinyproxy): everything goes via the proxy and the CDN never sees the token', async () => {
    if (!existsSync('/usr/bin/tinyproxy')) throw new Error('tinyproxy is missing: apt-get install tinyproxy');
    const proxy = await startTinyproxy();
    try {
      const http = githubClient({ proxy: { httpProxy: proxy.url, httpsProxy: proxy.url }, token: { value: TOKEN, source: 'GITHUB_TOKEN' } });
      expect(await resolveVersion({ kind: 'rc' }, releaseLookup(githubSource(), http))).toBe('0.0.2');
      const result = await install(mirror.stable, host, { source: githubSource(), http });
      await http.close();
      execFileSync(result.binary, ['--version']);
      // undici tunnels every proxied request with CONNECT, plain http:// included.
      const log = await proxy.readLog();
      for (const origin of [github.webUrl, github.apiUrl, github.cdnUrl]) expect(log).toContain(`CONNECT ${new URL(origin).host} HTTP/1.1`);
      expect(github.log.find((entry) => entry.host === 'api')?.authorization).toBe(true);
      expect(github.log.filter((entry) => entry.host === 'cdn').map((entry) => entry.authorization)).toEqual([false, false]);
    } finally {
      await proxy.stop();
    }
  });
});
