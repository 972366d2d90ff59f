// Compose for real, both variants: Debian 12's docker-compose 1.29 (v1) and Debian 13's Compose
// 2.26 plugin (v2), each bringing up a project that runs the stand-in Glide image from a local
// registry, answered from the host, then taken down.
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeDown, composeUp, findCompose, type Compose } from '../../src/docker/compose.js';
import { waitForHealthy } from '../../src/run/health.js';
import { freePort } from '../helpers/process.js';
import { standinConfig } from '../run/standin-binary.js';
import { startDockerWorld, type DockerWorld } from './docker-world.js';

let world: DockerWorld;
let image: string;

beforeAll(async () => {
  world = await startDockerWorld();
  image = await world.pushImage('0.0.1-test', ['amd64']);
}, 600_000);

afterAll(async () => {
  await world?.stop();
}, 120_000);

const envFor = (variant: 'v1' | 'v2'): NodeJS.ProcessEnv => world.env(variant);

/** A project like the demo's: the image, the config mounted, .env, the port on 127.0.0.1 only. */
async function project(hostPort: number): Promise<string> {
  const dir = await world.tempDir('glide-compose-');
  await writeFile(join(dir, 'config.yaml'), standinConfig(9099, '0.0.0.0'));
  await writeFile(join(dir, '.env'), 'OPENAI_API_KEY=sk-test-not-a-key\n', { mode: 0o600 });
  await writeFile(
    join(dir, 'compose.yaml'),
    [
      'services:',
      '  glide:',
      `    image: ${image}`,
      '    command: ["--config", "/config/config.yaml"]',
      '    ports:',
      `      - "127.0.0.1:${hostPort}:9099"`,
      '    volumes:',
      '      - ./config.yaml:/config/config.yaml:ro',
      '    env_file: .env',
      '',
    ].join('\n'),
  );
  return dir;
}

describe('findCompose', () => {
  it('prefers v2 when the plugin is there', async () => {
    expect(await findCompose(envFor('v2'))).toMatchObject({ version: 'v2', release: '2.26.1', command: 'docker', args: ['compose'] });
  });

  it('uses v1 when only docker-compose is there', async () => {
    expect(await findCompose(envFor('v1'))).toMatchObject({
      version: 'v1',
      release: expect.stringMatching(/^1\./) as string,
      command: 'docker-compose',
      args: [],
    });
  });

  it('finds none when neither is there', async () => {
    const bin = await world.tempDir('glide-path-');
    const docker = (await execa('sh', ['-c', 'command -v docker'])).stdout.trim();
    await symlink(docker, join(bin, 'docker'));
    const config = join(bin, 'config');
    await mkdir(config);
    expect(await findCompose({ ...envFor('v1'), PATH: bin, DOCKER_CONFIG: config })).toBeUndefined();
  });
});

describe.each(['v2', 'v1'] as const)('compose %s with the real engine', (variant) => {
  let compose: Compose;
  beforeAll(async () => {
    const found = await findCompose(envFor(variant));
    if (found?.version !== variant) throw new Error(`compose ${variant} not found (found ${found?.version ?? 'none'})`);
    compose = found;
  });

  it('composeUp starts the stand-in from the local registry, health answers 200 from the host, composeDown removes it', { timeout: 300_000 }, async () => {
    const port = await freePort();
    const dir = await project(port);
    const containers = async () =>
      (await world.engine.docker(['ps', '--all', '--quiet', '--filter', `label=com.docker.compose.project.working_dir=${dir}`])).stdout
        .trim()
        .split('\n')
        .filter(Boolean);
    try {
      await composeUp(dir, compose);
      await waitForHealthy(new URL(`http://127.0.0.1:${port}/v1/health/`), { timeoutMs: 120_000 });
      expect(await containers()).toHaveLength(1);
    } finally {
      await composeDown(dir, compose);
    }
    expect(await containers()).toEqual([]);
  });

  it('a cancelled up (Ctrl-C) is ECANCELLED, and down cleans up after it', { timeout: 120_000 }, async () => {
    const dir = await project(await freePort());
    const cancel = new AbortController();
    cancel.abort();
    await expect(composeUp(dir, compose, { signal: cancel.signal })).rejects.toMatchObject({ code: 'ECANCELLED' });
    await composeDown(dir, compose);
  });

  it('a failed up is ECOMPOSE with what compose said', { timeout: 120_000 }, async () => {
    const dir = await project(await freePort());
    await writeFile(join(dir, 'compose.yaml'), 'services:\n  glide:\n    image: [not, an, image]\n');
    await expect(composeUp(dir, compose)).rejects.toMatchObject({
      code: 'ECOMPOSE',
      message: expect.stringContaining('up` failed') as string,
      details: expect.arrayContaining([expect.stringMatching(/^It said: /)]) as string[],
    });
  });
});
