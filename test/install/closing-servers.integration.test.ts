// Mirrors that close the connection right after the body (python3 -m http.server, nginx with
// keep-alive off, a raw socket server) while the installer consumes slowly: undici 7's
// HTTP/1 parser, paused by that backpressure, used to die on the FIN with an uncatchable
// AssertionError (undici #5360; decision 0012). Many installs each, zero crashes.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Target } from '#contract';
import { installGlide } from '../../src/install/index.js';
import { HttpClient } from '../../src/net/http.js';
import { hostTarget } from '../../src/platform/detect.js';
import { readHostFacts } from '../../src/platform/host.js';
import { releaseSource } from '../../src/releases/source.js';
import { startClosingServer } from '../helpers/closing-server.js';
import { startNginx } from '../helpers/nginx.js';
import { startPythonHttpServer } from '../helpers/python-http-server.js';
import { buildReleaseMirror, type ReleaseMirror } from '../helpers/release-mirror.js';
import { BUILD_TIMEOUT } from '../helpers/repo.js';

// Before the fix about one install in five died against each of these servers.
const INSTALLS_PER_SERVER = 12;

let mirror: ReleaseMirror & { repo: { dir: string } };
let host: Target;
const servers: { name: string; url: string; stop: () => Promise<void> }[] = [];
const cleanup: string[] = [];
// The crash is thrown from a socket event handler: nothing in the install can catch it, so count it here.
const uncaught: Error[] = [];
const recordUncaught = (error: Error): void => void uncaught.push(error);

beforeAll(async () => {
  process.on('uncaughtException', recordUncaught);
  mirror = await buildReleaseMirror();
  cleanup.push(mirror.dir, mirror.repo.dir);
  host = hostTarget(await readHostFacts());
  const python = await startPythonHttpServer(mirror.dir);
  servers.push({ name: 'python3 -m http.server', url: python.url, stop: () => python.stop() });
  const nginx = await startNginx(mirror.dir);
  servers.push({ name: 'nginx, keep-alive off', url: nginx.url, stop: () => nginx.stop() });
  const raw = await startClosingServer(mirror.dir);
  servers.push({ name: 'a raw socket server answering Connection: close', url: raw.url, stop: () => raw.close() });
}, BUILD_TIMEOUT);

afterAll(async () => {
  process.off('uncaughtException', recordUncaught);
  for (const server of servers) await server.stop();
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

describe.each(['python3 -m http.server', 'nginx, keep-alive off', 'a raw socket server answering Connection: close'])('from %s', (name) => {
  it(`${INSTALLS_PER_SERVER} installs in a row all succeed, the process intact`, async () => {
    const server = servers.find((candidate) => candidate.name === name);
    if (!server) throw new Error(`${name} did not start`);
    const source = releaseSource({
      repo: 'EinStack/glide',
      downloadBaseUrl: server.url,
      githubUrl: 'https://github.com',
      githubApiUrl: 'https://api.github.com',
      cwd: '/',
    });
    uncaught.length = 0;
    const digests: string[] = [];
    for (let run = 0; run < INSTALLS_PER_SERVER; run++) {
      const cache = await mkdtemp(join(tmpdir(), 'glide-closing-'));
      cleanup.push(cache);
      // No retries: a connection the client mishandles must show, not be papered over.
      const client = new HttpClient({ proxy: {}, apiOrigin: 'https://api.github.com', userAgent: 'create-glide-test', retries: 0, stallMs: 10_000 });
      try {
        const result = await installGlide(
          { version: mirror.stable, target: host, runnable: true, source, cacheDir: cache, insecureSkipVerify: false },
          { client },
        );
        digests.push(result.receipt.sha256);
      } finally {
        await client.close();
      }
    }
    const expected = (await mirror.checksums(mirror.stable)).get(`glide_v${mirror.stable}_${host.os}_${host.arch}.tar.gz`);
    expect(uncaught.map((error) => error.message)).toEqual([]);
    expect(digests).toEqual(Array(INSTALLS_PER_SERVER).fill(expected));
  }, 120_000);
});
