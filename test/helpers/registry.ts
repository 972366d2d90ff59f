import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createPrivateKey, createSign, randomUUID, X509Certificate, type KeyObject } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, get, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { freePort, stopChild } from './process.js';

/**
 * A real OCI registry on loopback: Debian's `docker-registry`, the distribution code behind
 * the `registry:2` image, so pushes are tested against the server everyone runs, not our
 * reading of the spec. Optionally behind Basic auth (htpasswd) or Docker's token auth, with
 * a small token service here that signs RS256 JWTs the way Docker Hub's and GHCR's do.
 */

export const DOCKER_REGISTRY = '/usr/bin/docker-registry';
const HTPASSWD = '/usr/bin/htpasswd';
const OPENSSL = '/usr/bin/openssl';

export interface TestRegistryOptions {
  readonly basicAuth?: { readonly user: string; readonly password: string };
  readonly tokenAuth?: TokenService;
  /** Answer uploads with relative `Location` headers (distribution's `http.relativeurls`). */
  readonly relativeUrls?: boolean;
  /**
   * A fixed port instead of a free one, for tests whose goldens hold the registry's host (it is in
   * the images' base.name). Pick one below the kernel's ephemeral range, so no free port collides.
   */
  readonly port?: number;
}

export interface TestRegistry {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** `127.0.0.1:PORT`, as in an image reference. */
  readonly host: string;
  stop(): Promise<void>;
  /** SIGKILL, for "the server died midway". */
  kill(): Promise<void>;
  /** Starts it again on the same port over the same storage. */
  restart(): Promise<void>;
}

const START_TIMEOUT_MS = 10_000;
// The free port is found by binding and releasing it; another process may take it in between.
const START_ATTEMPTS = 3;

export async function startRegistry(options: TestRegistryOptions = {}): Promise<TestRegistry> {
  await access(DOCKER_REGISTRY, constants.X_OK).catch(() => {
    throw new Error(`docker-registry is not installed (no ${DOCKER_REGISTRY}): run \`apt-get install docker-registry\``);
  });
  const dir = await mkdtemp(join(tmpdir(), 'glide-registry-'));
  const auth = await authConfig(dir, options);

  let failure = '';
  // A fixed port gets one attempt: if it is taken, retrying it would not help.
  if (options.port !== undefined) await ensureFree(options.port, dir);
  for (let attempt = 1; attempt <= (options.port === undefined ? START_ATTEMPTS : 1); attempt++) {
    const port = options.port ?? (await freePort());
    const configFile = join(dir, 'config.yml');
    await writeFile(configFile, registryConfig(dir, port, auth, options.relativeUrls ?? false));
    let server = launch(configFile);
    const started = await waitUntilServing(port, server);
    if (started !== 'ready') {
      failure = `docker-registry ${started} on attempt ${attempt}:\n${server.output()}`;
      await stopChild(server.child, 'SIGKILL', 3_000);
      continue;
    }
    const host = `127.0.0.1:${port}`;
    return {
      url: `http://${host}`,
      host,
      async stop() {
        await stopChild(server.child, 'SIGTERM', 3_000);
        await rm(dir, { recursive: true, force: true });
      },
      async kill() {
        await stopChild(server.child, 'SIGKILL', 3_000);
      },
      async restart() {
        await stopChild(server.child, 'SIGTERM', 3_000);
        server = launch(configFile);
        const outcome = await waitUntilServing(port, server);
        if (outcome !== 'ready') throw new Error(`docker-registry ${outcome} on restart:\n${server.output()}`);
      },
    };
  }
  await rm(dir, { recursive: true, force: true });
  throw new Error(failure);
}

/**
 * Throws unless `port` can be bound on loopback: the readiness probe cannot tell another server's
 * answer from the one just launched, so a taken port would hand out a registry this one does not run.
 */
async function ensureFree(port: number, dir: string): Promise<void> {
  const server = createNetServer();
  try {
    await new Promise<void>((done, fail) => server.once('error', fail).listen(port, '127.0.0.1', done));
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`127.0.0.1:${port} is taken (${(error as NodeJS.ErrnoException).code}): another run of this test, or another server, holds it`);
  }
  await new Promise<void>((done) => server.close(() => done()));
}

interface Launched {
  readonly child: ChildProcess;
  readonly exited: Promise<string>;
  output(): string;
}

function launch(configFile: string): Launched {
  const child = spawn(DOCKER_REGISTRY, ['serve', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (text: string) => (output += text));
  child.stderr?.setEncoding('utf8').on('data', (text: string) => (output += text));
  const exited = new Promise<string>((done) => {
    child.once('exit', (code, signal) => done(`exited (${signal ?? code})`));
    child.once('error', (error) => done(`failed to start (${error.message})`));
  });
  return { child, exited, output: () => output };
}

function registryConfig(dir: string, port: number, auth: string[], relativeUrls: boolean): string {
  return [
    'version: 0.1',
    'log:',
    '  level: warn',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${join(dir, 'storage')}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    // Upload sessions are HMAC-signed with this secret; a random one per start would void them on restart.
    '  secret: glide-test-registry',
    `  relativeurls: ${relativeUrls}`,
    ...auth,
    '',
  ].join('\n');
}

async function authConfig(dir: string, options: TestRegistryOptions): Promise<string[]> {
  if (options.basicAuth && options.tokenAuth) throw new Error('a test registry takes Basic or token auth, not both');
  if (options.basicAuth) {
    // distribution reads bcrypt entries only; -B makes htpasswd write them.
    const { stdout } = await promisify(execFile)(HTPASSWD, ['-Bbn', options.basicAuth.user, options.basicAuth.password]);
    const file = join(dir, 'htpasswd');
    await writeFile(file, stdout);
    return ['auth:', '  htpasswd:', '    realm: glide-test', `    path: ${file}`];
  }
  if (options.tokenAuth) {
    const { realm, service, issuer, certFile } = options.tokenAuth;
    return ['auth:', '  token:', `    realm: ${realm}`, `    service: ${service}`, `    issuer: ${issuer}`, `    rootcertbundle: ${certFile}`];
  }
  return [];
}

// Any HTTP answer to GET /v2/ (200, or 401 behind auth) means it is serving.
async function waitUntilServing(port: number, server: Launched): Promise<string> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const status = await Promise.race([probe(port), server.exited]);
    if (typeof status === 'string') return status;
    if (status > 0) return 'ready';
    await sleep(25);
  }
  return 'timed out';
}

function probe(port: number): Promise<number> {
  return new Promise((done) => {
    const req = get({ host: '127.0.0.1', port, path: '/v2/', timeout: 1_000 }, (res) => {
      res.resume();
      done(res.statusCode ?? 0);
    });
    req.on('error', () => done(0));
    req.on('timeout', () => req.destroy());
  });
}

export interface TokenRequest {
  readonly user: string | undefined;
  readonly scopes: readonly string[];
}

/** A token service for Docker's token auth: Basic credentials in, an RS256 JWT granting the asked scopes out. */
export interface TokenService {
  readonly realm: string;
  readonly service: string;
  readonly issuer: string;
  /** The certificate the registry trusts (`auth.token.rootcertbundle`). */
  readonly certFile: string;
  /** Every token request so far: who asked, for what. */
  readonly requests: TokenRequest[];
  stop(): Promise<void>;
}

export async function startTokenService(credentials: { readonly user: string; readonly password: string }): Promise<TokenService> {
  const dir = await mkdtemp(join(tmpdir(), 'glide-token-'));
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  await promisify(execFile)(OPENSSL, [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    keyFile,
    '-out',
    certFile,
    '-days',
    '1',
    '-subj',
    '/CN=glide-test-token',
  ]);
  const key = createPrivateKey(await readFile(keyFile));
  // The registry checks the signature against the certificate chain in the JWT's x5c header.
  const x5c = new X509Certificate(await readFile(certFile)).raw.toString('base64');
  const service = 'glide-test-registry';
  const issuer = 'glide-test-token-service';
  const requests: TokenRequest[] = [];

  const server: Server = createHttpServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const scopes = url.searchParams.getAll('scope');
    const [scheme, encoded] = (req.headers.authorization ?? '').split(' ');
    const [user, password] = scheme === 'Basic' && encoded ? Buffer.from(encoded, 'base64').toString('utf8').split(':') : [];
    requests.push({ user, scopes });
    if (user !== undefined && (user !== credentials.user || password !== credentials.password)) {
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ details: 'incorrect username or password' }));
      return;
    }
    // Anonymous callers may pull, as on Docker Hub; pushing needs the credentials.
    const access = scopes.map((scope) => {
      const [type, name, actions] = scope.split(':');
      const asked = (actions ?? '').split(',');
      return { type, name, actions: user === undefined ? asked.filter((action) => action === 'pull') : asked };
    });
    const token = signJwt(key, x5c, { iss: issuer, sub: user ?? '', aud: service, access });
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token, expires_in: 300 }));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    service,
    issuer,
    certFile,
    requests,
    async stop() {
      await new Promise<void>((done) => server.close(() => done()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function signJwt(key: KeyObject, x5c: string, claims: Record<string, unknown>): string {
  const now = Math.floor(Date.now() / 1000);
  const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const header = encode({ alg: 'RS256', typ: 'JWT', x5c: [x5c] });
  const payload = encode({ ...claims, iat: now, nbf: now - 10, exp: now + 300, jti: randomUUID() });
  const signature = createSign('RSA-SHA256').update(`${header}.${payload}`).sign(key).toString('base64url');
  return `${header}.${payload}.${signature}`;
}
