// dockerPreflight for real: the engine, Compose v1 and v2, a registry holding the stand-in's
// image, and each failure made as a user meets it (no daemon, no docker, no compose, the port
// taken, an image built for another architecture, a tag that is not there).
import { mkdir, symlink } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GlideError, type Target } from '#contract';
import { dockerPreflight, type DockerPreflight } from '../../src/docker/preflight.js';
import { freePort } from '../helpers/process.js';
import { startDockerWorld, type DockerWorld } from './docker-world.js';

const HOST: Target = { os: 'linux', arch: 'amd64' };
let world: DockerWorld;
let image: string;
let foreignImage: string;

beforeAll(async () => {
  world = await startDockerWorld();
  image = await world.pushImage('0.0.1-alpine', ['amd64', 'arm64']);
  // An index that lists only another architecture than the host's: Docker could not run it here.
  foreignImage = await world.pushImage('0.0.1-redhat', ['s390x']);
}, 600_000);

afterAll(async () => {
  await world?.stop();
}, 120_000);

async function preflight(overrides: Partial<DockerPreflight> = {}) {
  return dockerPreflight({
    image,
    port: await freePort(),
    start: true,
    host: HOST,
    env: world.env('v2'),
    ...overrides,
  });
}

async function refusal(overrides: Partial<DockerPreflight>): Promise<GlideError> {
  const error = await preflight(overrides).then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(GlideError);
  return error as GlideError;
}

/** A PATH folder holding only `docker` (no docker-compose), or nothing at all. */
async function pathWith(...tools: string[]): Promise<string> {
  const bin = await world.tempDir('glide-path-');
  for (const tool of tools) await symlink((await execa('sh', ['-c', `command -v ${tool}`])).stdout.trim(), join(bin, tool));
  return bin;
}

describe('dockerPreflight', () => {
  it('passes with the daemon, Compose v2 preferred, a free port and an image for this platform', async () => {
    const { compose, platform } = await preflight();
    expect(compose).toMatchObject({ version: 'v2', command: 'docker', args: ['compose'] });
    expect(platform).toEqual({ os: 'linux', architecture: 'amd64' });
  });

  it('passes with Compose v1 when v2 is not there', async () => {
    const { compose } = await preflight({ env: world.env('v1') });
    expect(compose).toMatchObject({ version: 'v1', command: 'docker-compose' });
  });

  it('no daemon (DOCKER_HOST at a dead socket): EDOCKER naming it, offering --method binary', async () => {
    const socket = `unix://${join(tmpdir(), `glide-no-daemon-${process.pid}.sock`)}`;
    const error = await refusal({ env: { ...world.env('v2'), DOCKER_HOST: socket } });
    expect(error.code).toBe('EDOCKER');
    expect(error.message).toBe(`No Docker daemon answers at ${socket} (DOCKER_HOST).`);
    expect(error.details.join('\n')).toContain('Cannot connect to the Docker daemon');
    expect(error.details.join('\n')).toContain('--method binary');
  });

  it('no docker command: EDOCKER saying to install it', async () => {
    const error = await refusal({ env: { ...world.env('v2'), PATH: await pathWith() } });
    expect(error.code).toBe('EDOCKER');
    expect(error.message).toContain('Docker is not installed');
    expect(error.details.join('\n')).toContain('--method binary');
  });

  it('docker but no Compose at all: ECOMPOSE', async () => {
    const config = join(await pathWith(), 'config');
    await mkdir(config);
    const error = await refusal({ env: { ...world.env('v1'), PATH: await pathWith('docker'), DOCKER_CONFIG: config } });
    expect(error.code).toBe('ECOMPOSE');
    expect(error.details.join('\n')).toContain('--method binary');
  });

  it('the port taken: EPORTINUSE naming the port', async () => {
    const port = await freePort();
    const server: Server = createServer();
    await new Promise<void>((done) => server.listen(port, '127.0.0.1', done));
    try {
      const error = await refusal({ port });
      expect(error.code).toBe('EPORTINUSE');
      expect(error.message).toContain(`Port ${port} on 127.0.0.1 is taken`);
    } finally {
      await new Promise((done) => server.close(done));
    }
  });

  it('the port taken but nothing to start (no --start): passes, the port is not its business', async () => {
    const port = await freePort();
    const server: Server = createServer();
    await new Promise<void>((done) => server.listen(port, '127.0.0.1', done));
    try {
      const { compose } = await preflight({ port, start: false });
      expect(compose.version).toBe('v2');
    } finally {
      await new Promise((done) => server.close(done));
    }
  });

  it('an image index without the platform Docker runs here: ENOPLATFORMIMAGE listing what it has', async () => {
    const error = await refusal({ image: foreignImage });
    expect(error.code).toBe('ENOPLATFORMIMAGE');
    expect(error.message).toBe(`${foreignImage} has no build for linux/amd64, the platform Docker runs here (it has linux/s390x).`);
    expect(error.details.join('\n')).toContain('--method binary');
  });

  it('asks the registry through the proxy of the environment it is given', async () => {
    const deadProxy = `http://127.0.0.1:${await freePort()}`;
    const error = await refusal({ env: { ...world.env('v2'), HTTP_PROXY: deadProxy, http_proxy: deadProxy, NO_PROXY: '', no_proxy: '' } });
    expect(error.code).toBe('ENETWORK');
  });

  it('a tag the registry does not have: ENORELEASE', async () => {
    const error = await refusal({ image: `${world.registry.host}/glide:9.9.9-alpine` });
    expect(error.code).toBe('ENORELEASE');
    expect(error.message).toContain('9.9.9-alpine');
  });
});
