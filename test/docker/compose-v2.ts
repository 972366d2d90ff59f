import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * Compose v2: Debian 13's `docker-compose` package (2.26, a Docker CLI plugin), unpacked into the
 * project by `scripts/fetch-debian13.sh docker-compose` (which .ci/run and scripts/setup.sh run).
 * Debian 12 has Compose v1 only.
 */
export const COMPOSE_V2_PLUGIN = resolve('.cache/debian13/root/usr/libexec/docker/cli-plugins/docker-compose');
const FETCH = 'scripts/fetch-debian13.sh docker-compose';

/** A temp DOCKER_CONFIG whose cli-plugins/docker-compose is the unpacked v2 plugin: `docker compose` works with it set. */
export async function composeV2Config(): Promise<{ readonly dir: string; remove(): Promise<void> }> {
  if (!existsSync(COMPOSE_V2_PLUGIN)) throw new Error(`Compose v2 is not in ${COMPOSE_V2_PLUGIN}: run ${FETCH}`);
  const dir = await mkdtemp(join(tmpdir(), 'glide-docker-config-v2-'));
  await mkdir(join(dir, 'cli-plugins'));
  await symlink(COMPOSE_V2_PLUGIN, join(dir, 'cli-plugins', 'docker-compose'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}
