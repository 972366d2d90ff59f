// The built create-glide with --method docker against the real Docker engine: the stand-in
// image in a local registry, `--start` brings the compose project up and health answers from
// the host; an image without this machine's platform is refused before anything is written.
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { composeCommand } from '../../src/create-glide/docker.js';
import { composeDown, findCompose } from '../../src/docker/compose.js';
import { startDockerWorld, type DockerWorld } from '../docker/docker-world.js';
import { expectGlideChatResponse, runCurl, shellBlocks, theChatCommand } from '../helpers/chat-example.js';
import { listTree, runCli, type CliUser } from '../helpers/cli-user.js';

const CLI = resolve('create-glide/dist/create-glide.mjs');
const SECRET = 'sk-docker-e2e-secret-0123456789';
const VERSION = '0.0.2';

let world: DockerWorld;
let repository: string;
let user: CliUser;

beforeAll(async () => {
  world = await startDockerWorld();
  await world.pushImage(`${VERSION}-alpine`, ['amd64', 'arm64']);
  // A distro built for another machine only: Docker here could not run it.
  await world.pushImage(`${VERSION}-ubuntu`, ['s390x']);
  repository = `${world.registry.host}/glide`;
}, 600_000);

afterAll(async () => {
  await world?.stop();
}, 120_000);

beforeEach(async () => {
  const root = await world.tempDir('create-docker-user-');
  user = { home: join(root, 'home'), cwd: join(root, 'work') };
  await mkdir(user.home, { recursive: true });
  await mkdir(user.cwd, { recursive: true });
});

// An exact version: nothing asks GitHub or a mirror; the image tag is {version}-{distro}.
const run = (args: readonly string[], variant: 'v1' | 'v2' = 'v2') =>
  runCli(CLI, user, ['--yes', '--method', 'docker', '--image', repository, '--glide-version', VERSION, ...args], {
    ...dockerEnv(variant),
    OPENAI_API_KEY: SECRET,
  });

/** The engine, and Compose v2's plugin (v2) or only Debian 12's docker-compose 1.29 on PATH (v1); nothing else of this process's environment. */
function dockerEnv(variant: 'v1' | 'v2'): Record<string, string> {
  const env = world.env(variant);
  return { DOCKER_HOST: env.DOCKER_HOST ?? '', ...(env.DOCKER_CONFIG ? { DOCKER_CONFIG: env.DOCKER_CONFIG } : {}) };
}

describe('create-glide --method docker', () => {
  it.each(['v2', 'v1'] as const)(
    '--start with Compose %s: compose up pulls the pinned image, health answers 200 from the host, the key is never printed',
    { timeout: 300_000 },
    async (variant) => {
      const name = `glide-docker-${variant}-${process.pid}`;
      const project = join(user.cwd, name);
      const compose = await findCompose({ ...process.env, ...dockerEnv(variant) });
      if (compose?.version !== variant) throw new Error(`Compose ${variant} not found`);
      const result = await run([name, '--start'], variant);
      try {
        expect(result.exitCode, result.all).toBe(0);
        expect(result.stdout).toContain(`${composeCommand(compose)} ${compose.release}`);
        expect(result.stdout).toContain(`${repository}:${VERSION}-alpine (it has a build for this machine)`);
        expect(result.stdout).toContain('Glide is running');
        expect(result.stdout).toContain('http://127.0.0.1:9099/v1/language/default/chat/');
        expect(result.all).not.toContain(SECRET);
        expect(await readFile(join(project, 'compose.yaml'), 'utf8')).toContain(`image: ${repository}:${VERSION}-alpine`);
        // The same version for glide-up in this folder (decision 0031).
        expect(await readFile(join(project, '.glide-version'), 'utf8')).toBe(`${VERSION}\n`);
        expect((await stat(join(project, '.env'))).mode & 0o777).toBe(0o600);
        const health = await fetch('http://127.0.0.1:9099/v1/health/');
        expect(health.status).toBe(200);
        // The chat examples, printed and in README.md, through compose's port on 127.0.0.1.
        const readme = await readFile(join(project, 'README.md'), 'utf8');
        for (const command of [theChatCommand(result.stdout, 'the output'), theChatCommand(shellBlocks(readme).join('\n'), 'README.md')]) {
          const chat = await runCurl(command);
          expectGlideChatResponse(chat, { router: 'default', modelId: 'openai', providerId: 'openai' });
          expect(command + chat.all).not.toContain(SECRET);
        }
      } finally {
        await composeDown(project, compose);
      }
      await expect(fetch('http://127.0.0.1:9099/v1/health/')).rejects.toThrow();
    },
  );

  it('--dry-run: the preflight runs, the plan names the pinned image, nothing is written', { timeout: 120_000 }, async () => {
    const result = await run(['demo', '--dry-run', '--distro', 'alpine']);
    expect(result.exitCode, result.all).toBe(0);
    expect(result.stdout).toContain(`Glide ${VERSION} with Docker: ${repository}:${VERSION}-alpine`);
    expect(result.stdout).toContain('create    compose.yaml');
    expect(await listTree(user.cwd)).toEqual([]);
  });

  it('an image without this machine platform: ENOPLATFORMIMAGE naming what it has and --method binary, nothing written', { timeout: 120_000 }, async () => {
    const result = await run(['demo', '--start', '--distro', 'ubuntu']);
    expect(result.exitCode, result.all).toBe(1);
    expect(result.stderr).toContain(`ENOPLATFORMIMAGE: ${repository}:${VERSION}-ubuntu has no build for linux/`);
    expect(result.stderr).toContain('linux/s390x');
    expect(result.stderr).toContain('--method binary');
    expect(result.all).not.toContain(SECRET);
    expect(await listTree(user.cwd)).toEqual([]);
  });

  it('a release with no image for the distro: refused before anything is written', { timeout: 120_000 }, async () => {
    const result = await run(['demo', '--distro', 'redhat']);
    expect(result.exitCode, result.all).toBe(1);
    expect(result.stderr).toContain(`There is no image ${repository}:${VERSION}-redhat`);
    expect(await listTree(user.cwd)).toEqual([]);
  });
});
