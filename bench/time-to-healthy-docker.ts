// bench/time-to-healthy's Docker half (bundled and run by bench/time-to-healthy.mjs --docker):
// create-glide `--yes --method docker --start` against writing the same compose project by hand
// and `docker compose up -d` + a curl loop, the stand-in image in a local registry, the image
// removed from the engine before each so both pull it. Prints one line per measurement as JSON.
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { composeDown, findCompose } from '../src/docker/compose.js';
import { startDockerWorld } from '../test/docker/docker-world.js';

const [createGlide = ''] = process.argv.slice(2);
const HEALTH = 'http://127.0.0.1:9099/v1/health/';
const VERSION = '0.0.1-rc.1';

async function healthy(): Promise<boolean> {
  try {
    return (await fetch(HEALTH)).status === 200;
  } catch {
    return false;
  }
}

/** Runs `command` to its end (both return once the containers are up) and polls health until 200; the milliseconds from the start. */
async function timeToHealthy(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<number> {
  const start = process.hrtime.bigint();
  const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let errors = '';
  child.stderr.on('data', (chunk) => (errors += String(chunk)));
  let exit: number | null | undefined;
  child.once('exit', (code) => (exit = code));
  while (!(await healthy())) {
    if (exit !== undefined && exit !== 0) throw new Error(`${command} ${args.join(' ')} exited ${exit}:\n${errors}`);
    await sleep(20);
  }
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  while (exit === undefined) await sleep(20);
  return ms;
}

const world = await startDockerWorld();
try {
  const image = await world.pushImage(`${VERSION}-alpine`, ['amd64', 'arm64']);
  const env = { ...world.env('v2'), GLIDE_CACHE_DIR: await world.tempDir('bench-cache-'), OPENAI_API_KEY: 'sk-bench-placeholder' };
  const compose = await findCompose(env);
  if (!compose) throw new Error('no Compose found');
  const forget = () => world.engine.docker(['image', 'rm', '--force', image]);

  await forget();
  const created = await world.tempDir('bench-create-');
  const createMs = await timeToHealthy(
    process.execPath,
    [createGlide, 'app', '--yes', '--method', 'docker', '--start', '--image', image.slice(0, image.lastIndexOf(':')), '--glide-version', VERSION],
    created,
    env,
  );
  await composeDown(join(created, 'app'), compose);

  await forget();
  const byHand = await world.tempDir('bench-by-hand-');
  await writeFile(
    join(byHand, 'config.yaml'),
    'api:\n  http:\n    host: 0.0.0.0\n    port: 9099\nrouters:\n  language:\n    - id: default\n      models:\n        - id: openai\n          openai:\n            api_key: ${env:OPENAI_API_KEY}\n',
  );
  await writeFile(join(byHand, '.env'), `OPENAI_API_KEY=${env.OPENAI_API_KEY}\n`, { mode: 0o600 });
  await writeFile(
    join(byHand, 'compose.yaml'),
    `services:\n  glide:\n    image: ${image}\n    command: ["--config", "/etc/glide/config.yaml"]\n    ports: ["127.0.0.1:9099:9099"]\n    volumes: ["./config.yaml:/etc/glide/config.yaml:ro"]\n    env_file: .env\n`,
  );
  const handMs = await timeToHealthy(compose.command, [...compose.args, 'up', '-d'], byHand, env);
  await composeDown(byHand, compose);
  console.log(JSON.stringify({ compose: `${compose.command} ${compose.args.join(' ')} ${compose.release}`.replace('  ', ' '), createMs, handMs }));
} finally {
  await world.stop();
}
