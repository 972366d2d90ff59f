// The demo's .env as both Compose variants hand it to a container: every key must arrive exactly
// as typed, `$`, quotes and `#` included (Compose v2 interpolates `$` in env_file values; `${…}`,
// which v1 expands even in single quotes, is refused before it gets here: core.test.ts).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dotenv } from '../../src/scaffold/glide-config.js';
import { startDockerWorld, type DockerWorld } from './docker-world.js';
import { pushStandinImage } from './standin-image.js';

const VALUES: Record<string, string> = {
  DOLLAR_NAME: 'sk-$HOME-x',
  DOLLAR_CURLY: 'sk-$HOME{x}',
  DOUBLE_DOLLAR: 'a$$b',
  DOLLAR_END: 'key$',
  DOUBLE_QUOTE: 'a"b"',
  HASH: 'a #b#c',
  SPACES: ' padded ',
  PLAIN: 'sk-proj-0123456789_abc',
};
const NAMES = Object.keys(VALUES);
const GOARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64' };

let world: DockerWorld;
let project: string;

beforeAll(async () => {
  world = await startDockerWorld();
  const build = await world.tempDir('glide-env-probe-');
  const binary = join(build, 'env-probe');
  await execa('go', ['build', '-trimpath', '-o', binary, '.'], {
    cwd: resolve('test/fixtures/env-probe'),
    env: { CGO_ENABLED: '0', GOOS: 'linux', GOARCH: GOARCH[process.arch] ?? process.arch },
  });
  const image = await pushStandinImage(world.registry.host, {
    binary,
    repository: 'env-probe',
    tag: '1',
    architectures: [GOARCH[process.arch] ?? process.arch],
  });
  project = await mkdtemp(join(tmpdir(), 'glide-dotenv-'));
  await writeFile(join(project, '.env'), dotenv(VALUES, NAMES, 'compose'), { mode: 0o600 });
  await writeFile(join(project, 'compose.yaml'), `services:\n  probe:\n    image: ${image}\n    env_file: .env\n    command: ${JSON.stringify(NAMES)}\n`);
}, 600_000);

afterAll(async () => {
  if (project) await rm(project, { recursive: true, force: true });
  await world?.stop();
}, 120_000);

describe.each([
  ['v2', 'docker', ['compose']],
  ['v1', 'docker-compose', []],
] as const)('the demo .env through Compose %s', (variant, command, args) => {
  it('reaches the container byte for byte', async () => {
    const env = world.env(variant);
    const run = await execa(command, [...args, '--project-name', `dotenv${variant}`, 'run', '--rm', '-T', 'probe'], { cwd: project, env, reject: false });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '')).toEqual(VALUES);
  });
});
