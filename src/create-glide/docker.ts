/**
 * `--method docker`: the image compose pins, checked before anything is written (the
 * preflight: Docker, Compose, the port when it will start, the image's platforms), and with `--start` the
 * compose project brought up and waited for from this machine (decision 0028).
 */
import { GLIDE_PORT, GlideError, isGlideError } from '#contract';
import { composeUp, type Compose } from '../docker/compose.js';
import { dockerPreflight } from '../docker/preflight.js';
import { waitForHealthy } from '../run/health.js';
import { HEALTH_TIMEOUT_MS } from './start.js';
import { dockerSettings, glideUrls, imageReference, resolveRelease, runningLines, type CreateContext } from './steps.js';

export interface DockerPlan {
  readonly version: string;
  /** `{repo}:{version}-{distro}`: what compose.yaml pins. */
  readonly image: string;
  readonly compose: Compose;
}

/** Failures the binary method avoids: offered as the way out (it needs no Docker and no image). */
const BINARY_HELPS = new Set(['EDOCKER', 'ECOMPOSE', 'ENOPLATFORMIMAGE', 'ENORELEASE']);

export function binaryWouldHelp(error: unknown): error is GlideError {
  return isGlideError(error) && BINARY_HELPS.has(error.code);
}

/** `start`: whether compose will be brought up (`--start`); only then must port ${GLIDE_PORT} be free. */
export async function planDocker(
  ctx: Pick<CreateContext, 'options' | 'settings' | 'client' | 'cwd' | 'host' | 'env' | 'signal'>,
  start: boolean,
): Promise<DockerPlan> {
  const { version } = await resolveRelease(ctx);
  const { distro, image: repository } = dockerSettings(ctx.options);
  const image = imageReference(repository, version, distro);
  const { compose } = await dockerPreflight({ image, port: GLIDE_PORT, start, host: ctx.host, env: ctx.env, ...(ctx.signal ? { signal: ctx.signal } : {}) });
  return { version, image, compose };
}

/** The compose command as a user types it: `docker compose` or `docker-compose`. */
export function composeCommand(compose: Pick<Compose, 'command' | 'args'>): string {
  return [compose.command, ...compose.args].join(' ');
}

export function dockerPlanLines(plan: DockerPlan, start: boolean, router: string): string[] {
  return [
    `Glide ${plan.version} with Docker: ${plan.image} (it has a build for this machine), ${composeCommand(plan.compose)} ${plan.compose.release}`,
    ...(start ? [`  start     ${composeCommand(plan.compose)} up --detach; wait for ${glideUrls(GLIDE_PORT, router).health.href}`] : []),
  ];
}

/** `compose up --detach`, then GET /v1/health/ from the host until 200. */
export async function startCompose(ctx: Pick<CreateContext, 'terminal' | 'signal'>, dir: string, plan: DockerPlan, router: string): Promise<void> {
  const command = composeCommand(plan.compose);
  ctx.terminal.step(`Starting Glide: ${command} up --detach (pulls ${plan.image} on first use)`);
  const signal = ctx.signal ? { signal: ctx.signal } : {};
  try {
    await composeUp(dir, plan.compose, signal);
    await waitForHealthy(glideUrls(GLIDE_PORT, router).health, { timeoutMs: HEALTH_TIMEOUT_MS, ...signal });
  } catch (error) {
    // The project is written by now, so bin.ts's "nothing was written" would be wrong; the containers are left for their logs.
    const stop = `\`${command} logs glide\` in the project shows Glide's output; \`${command} down\` stops it.`;
    if (ctx.signal?.aborted) throw new GlideError('ECANCELLED', `Cancelled while Glide was starting. The project is kept; ${stop}`);
    if (isGlideError(error) && error.code === 'EUNHEALTHY') throw new GlideError(error.code, error.message, [...error.details, stop]);
    throw error;
  }
}

export function dockerRunningLines(plan: DockerPlan, router: string): string[] {
  const command = composeCommand(plan.compose);
  return [...runningLines(GLIDE_PORT, router), `${command} logs -f glide   # what Glide says`, `${command} down   # stop it`];
}
