// The "done means" for --method docker: the images are the stand-in release's own, built
// by the bundled glide-release (`build --only binaries,images` on local base images) and pushed by
// `publish --only images` to a registry on loopback; the built create-glide scaffolds and starts
// them with Compose v2 and v1, health answers from the host, and `compose down` stops them.
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { composeDown, findCompose } from '../../src/docker/compose.js';
import { startDockerWorld, type DockerWorld } from '../docker/docker-world.js';
import { pushBaseImages, TEST_CA_BUNDLE } from '../helpers/base-images.js';
import { runCli, type CliUser } from '../helpers/cli-user.js';
import { BUILD_TIMEOUT, StandinRepo } from '../helpers/repo.js';

const CLI = resolve('create-glide/dist/create-glide.mjs');
const SECRET = 'sk-docker-release-secret-0123456789';
const VERSION = '0.0.2-rc.1';
const HEALTH = 'http://127.0.0.1:9099/v1/health/';

let world: DockerWorld;
let repo: StandinRepo;
let out: string;
let repository: string;
let user: CliUser;

beforeAll(async () => {
  world = await startDockerWorld();
  repository = `${world.registry.host}/glide`;
  const bases = await pushBaseImages(world.registry.host);
  repo = await StandinRepo.create();
  out = await mkdtemp(join(tmpdir(), 'glide-docker-release-'));
  const caFile = join(out, 'ca.pem');
  await writeFile(caFile, TEST_CA_BUNDLE);
  // Two distros (a root and a non-root image) keep the build short.
  const config = {
    targets: { matrix: ['linux/amd64', 'linux/arm64'], skip: [] },
    images: { repository, distros: { alpine: { base: bases.alpine }, distroless: { base: bases.distroless } }, caBundle: caFile },
  };
  await repo.write('glide-release.config.json', `${JSON.stringify(config, null, 2)}\n`);
  await repo.commitAll('Release config with local bases', '2024-06-01T10:00:00Z');
  await repo.tag(VERSION, 1);
  const build = await repo.release(['build', '--only', 'binaries,images', '--out', join(out, 'release')]);
  if (build.exitCode !== 0) throw new Error(`glide-release build failed:\n${build.all}`);
  const publish = await repo.release(['publish', '--only', 'images', '--out', join(out, 'release')]);
  if (publish.exitCode !== 0) throw new Error(`glide-release publish failed:\n${publish.all}`);
}, BUILD_TIMEOUT);

afterAll(async () => {
  if (out) await rm(out, { recursive: true, force: true });
  if (repo) await rm(repo.dir, { recursive: true, force: true });
  await world?.stop();
}, 120_000);

beforeEach(async () => {
  const root = await world.tempDir('create-docker-release-user-');
  user = { home: join(root, 'home'), cwd: join(root, 'work') };
  await mkdir(user.home, { recursive: true });
  await mkdir(user.cwd, { recursive: true });
});

describe('create-glide --method docker --start with the images glide-release published', () => {
  it.each([
    ['v2', 'alpine'],
    ['v1', 'alpine'],
    ['v2', 'distroless'],
  ] as const)(
    'Compose %s, %s: health answers 200 from the host, compose down stops it, the key is never printed',
    { timeout: 300_000 },
    async (variant, distro) => {
      const env = world.env(variant);
      const dockerEnv = { DOCKER_HOST: env.DOCKER_HOST ?? '', ...(env.DOCKER_CONFIG ? { DOCKER_CONFIG: env.DOCKER_CONFIG } : {}) };
      const compose = await findCompose({ ...process.env, ...dockerEnv });
      if (compose?.version !== variant) throw new Error(`Compose ${variant} not found`);
      const name = `glide-${variant}-${distro}-${process.pid}`;
      const project = join(user.cwd, name);
      const result = await runCli(
        CLI,
        user,
        ['--yes', '--method', 'docker', '--start', '--image', repository, '--glide-version', VERSION, '--distro', distro, name],
        {
          ...dockerEnv,
          OPENAI_API_KEY: SECRET,
        },
      );
      try {
        expect(result.exitCode, result.all).toBe(0);
        expect(result.stdout).toContain(`${repository}:${VERSION}-${distro} (it has a build for this machine)`);
        expect(result.stdout).toContain('Glide is running');
        expect(result.all).not.toContain(SECRET);
        expect((await fetch(HEALTH)).status).toBe(200);
      } finally {
        await composeDown(project, compose);
      }
      await expect(fetch(HEALTH)).rejects.toThrow();
    },
  );

  it('without --start while port 9099 is taken (a Glide already running): the project is scaffolded, exit 0', { timeout: 120_000 }, async () => {
    const holder = createServer();
    await new Promise<void>((done) => holder.listen(9099, '127.0.0.1', done));
    try {
      const env = world.env('v2');
      const result = await runCli(CLI, user, ['--yes', '--method', 'docker', '--no-start', '--image', repository, '--glide-version', VERSION, 'second'], {
        DOCKER_HOST: env.DOCKER_HOST ?? '',
        DOCKER_CONFIG: env.DOCKER_CONFIG ?? '',
        OPENAI_API_KEY: SECRET,
      });
      expect(result.exitCode, result.all).toBe(0);
      expect(result.all).not.toContain('EPORTINUSE');
      expect((await stat(join(user.cwd, 'second', 'compose.yaml'))).isFile()).toBe(true);
    } finally {
      await new Promise((done) => holder.close(done));
    }
  });
});
