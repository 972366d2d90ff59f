/**
 * What `--method docker` checks before anything is written (decision 0026): the docker CLI,
 * a daemon that answers, Compose, a free port (when it will be started), and an image with a build for the platform the
 * daemon runs. Each failure is its own GlideError saying what to do, the binary method
 * offered where it avoids the problem.
 */
import { formatTarget, GlideError, type Target } from '#contract';
import { proxyFromEnv } from '../net/transport.js';
import { RegistryClient } from '../registry/client.js';
import { hasPlatform, imagePlatforms, type ImagePlatform } from '../registry/platforms.js';
import { parseImageReference, type ImageReference } from '../registry/reference.js';
import { isPortFree } from '../run/port.js';
import { firstLines, runCommand } from './command.js';
import { findCompose, type Compose } from './compose.js';

export interface DockerPreflight {
  /** The full reference compose.yaml will name: `ghcr.io/einstack/glide:0.1.0-alpine`. */
  readonly image: string;
  /** The host port Glide is published on, on 127.0.0.1. */
  readonly port: number;
  /** Whether the caller will start the project (`--start`): only then must the port be free. */
  readonly start: boolean;
  /** This machine's platform; its ARM version names the variant a 32-bit ARM daemon needs. */
  readonly host: Target;
  readonly env: NodeJS.ProcessEnv;
  /** A client for the image's registry (tests, credentials); default: an anonymous one. */
  readonly client?: RegistryClient;
  readonly signal?: AbortSignal;
}

const OR_BINARY = 'Or use --method binary: it runs Glide without Docker.';
const DAEMON_TIMEOUT_MS = 30_000;

export async function dockerPreflight({
  image,
  port,
  start,
  host,
  env,
  client,
  signal,
}: DockerPreflight): Promise<{ compose: Compose; platform: ImagePlatform }> {
  const platform = await daemonPlatform(env, host);
  const compose = await findCompose(env);
  if (!compose) {
    throw new GlideError('ECOMPOSE', 'Docker Compose is not installed: neither `docker compose` (v2) nor `docker-compose` (v1) answers.', [
      'Install the Compose plugin (Debian and Ubuntu: apt-get install docker-compose-plugin or docker-compose; Docker Desktop has it).',
      OR_BINARY,
    ]);
  }
  if (start && !(await isPortFree(port))) {
    throw new GlideError('EPORTINUSE', `Port ${port} on 127.0.0.1 is taken: another program, or a Glide already running, listens there.`, [
      `Stop it (\`ss -ltnp 'sport = :${port}'\` shows which program it is), or choose another port.`,
    ]);
  }
  const reference = parseImageReference(image);
  // Through the proxies of the environment given, which is not necessarily the process's.
  const registry = client ?? new RegistryClient({ registry: reference.registry, proxy: proxyFromEnv(env), ...(signal ? { signal } : {}) });
  try {
    await expectPlatform(image, reference, platform, registry);
  } finally {
    if (!client) await registry.close();
  }
  return { compose, platform };
}

/** The platform the daemon runs containers for (Docker Desktop on a Mac runs linux ones), or EDOCKER when there is no docker or no daemon. */
async function daemonPlatform(env: NodeJS.ProcessEnv, host: Target): Promise<ImagePlatform> {
  const result = await runCommand('docker', ['version', '--format', '{{.Server.Os}}/{{.Server.Arch}}'], { env, timeoutMs: DAEMON_TIMEOUT_MS });
  if (!result.found) {
    throw new GlideError('EDOCKER', `Docker is not installed: there is no \`docker\` command (${result.reason}).`, [
      'Install Docker (https://docs.docker.com/engine/install/), or Docker Desktop on macOS and Windows.',
      OR_BINARY,
    ]);
  }
  const [os, architecture] = result.stdout.trim().split('/');
  if (result.code !== 0 || !os || !architecture) {
    const said = firstLines(result.stderr || result.stdout);
    const where = env.DOCKER_HOST ? `at ${env.DOCKER_HOST} (DOCKER_HOST)` : '';
    throw new GlideError('EDOCKER', `No Docker daemon answers${where ? ` ${where}` : ''}.`, [
      ...(said ? [`docker said: ${said}`] : []),
      /permission denied/i.test(said)
        ? 'Your user may not use the Docker socket: add it to the docker group (then log in again), or run Docker rootless.'
        : 'Start Docker (Docker Desktop, or `sudo systemctl start docker`)' + (where ? ', or fix DOCKER_HOST' : '') + ', then run again.',
      OR_BINARY,
    ]);
  }
  const variant = architecture === 'arm' && host.arm ? `v${host.arm}` : undefined;
  return { os, architecture, ...(variant ? { variant } : {}) };
}

async function expectPlatform(image: string, reference: ImageReference, platform: ImagePlatform, client: RegistryClient): Promise<void> {
  const platforms = await imagePlatforms(client, reference).catch((error: unknown) => {
    if ((error as { status?: unknown }).status === 404) {
      throw new GlideError('ENORELEASE', `There is no image ${image} in its registry.`, [
        'Check the version and --distro (each release publishes {version}-{distro} tags), or use --method binary.',
      ]);
    }
    throw error;
  });
  if (!hasPlatform(platforms, platform)) {
    throw new GlideError(
      'ENOPLATFORMIMAGE',
      `${image} has no build for ${formatPlatform(platform)}, the platform Docker runs here (it has ${platforms.map(formatPlatform).join(', ') || 'none'}).`,
      ['Pick another --distro or version that is built for it, or use --method binary.'],
    );
  }
}

function formatPlatform(platform: ImagePlatform): string {
  return formatTarget({ os: platform.os, arch: platform.architecture }) + (platform.variant ? `/${platform.variant}` : '');
}
