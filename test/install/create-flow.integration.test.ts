// create-glide's flow in-process with the real `docker` command: when the Docker preflight
// fails in a way the binary avoids, a person at a terminal is offered the binary; without a
// terminal the error stands. Nothing is written either way until the plan is applied.
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { requireTools } from '../helpers/tools.js';
import { runCreate, scriptedTerminal } from '../helpers/scripted-terminal.js';

let cwd: string;
let mirrorDir: string;
let deadDocker: Record<string, string>;
beforeAll(() => requireTools('docker'));
beforeEach(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'create-flow-docker-'));
  mirrorDir = await mkdtemp(join(tmpdir(), 'create-flow-docker-mirror-'));
  await mkdir(join(mirrorDir, '0.1.0-rc.1'));
  await writeFile(join(mirrorDir, '0.1.0-rc.1', 'glide_v0.1.0-rc.1_checksums.txt'), `${'1'.repeat(64)}  glide_v0.1.0-rc.1_linux_arm64.tar.gz\n`);
  // A socket path nothing listens on: `docker version` finds no daemon.
  deadDocker = { PATH: process.env.PATH ?? '/usr/bin:/bin', DOCKER_HOST: `unix://${join(cwd, 'no-docker.sock')}`, OPENAI_API_KEY: 'sk-flow-secret-42' };
});
afterEach(async () => {
  await rm(cwd, { recursive: true, force: true });
  await rm(mirrorDir, { recursive: true, force: true });
});

const offline = () => ['--glide-version', '0.1.0-rc.1', '--download-base-url', mirrorDir, '--dry-run'];

describe('create-glide --method docker without a Docker daemon', () => {
  it('at a terminal: says why and offers the binary; yes plans the binary install', async () => {
    const { terminal, asked, said } = scriptedTerminal(['app', 'docker', 'openai', false, true]);
    const { code, errors } = await runCreate(cwd, offline(), terminal, deadDocker);
    expect(errors).toBe('');
    expect(code).toBe(0);
    expect(asked[4]).toMatch(/^confirm: EDOCKER: No Docker daemon answers at unix:.*\nInstall and run the Glide binary instead \(no Docker needed\)\?$/s);
    expect(said).toContain(`  download  ${mirrorDir}/0.1.0-rc.1/glide_v0.1.0-rc.1_linux_arm64.tar.gz`);
    expect(said.join('\n')).not.toContain('compose.yaml');
    expect(said.join('\n')).not.toContain('sk-flow-secret-42');
    expect(await readdir(cwd)).toEqual([]);
  });

  it('at a terminal, "no" keeps the error: exit 1, nothing written', async () => {
    const { terminal } = scriptedTerminal(['app', 'docker', 'openai', false, false]);
    const { code, errors } = await runCreate(cwd, offline(), terminal, deadDocker);
    expect(code).toBe(1);
    expect(errors).toContain('EDOCKER: No Docker daemon answers');
    expect(await readdir(cwd)).toEqual([]);
  });

  it('--yes asks nothing: the error names --method binary', async () => {
    const { terminal, asked } = scriptedTerminal([]);
    const { code, errors } = await runCreate(cwd, ['app', '--yes', '--method', 'docker', ...offline()], terminal, deadDocker);
    expect(code).toBe(1);
    expect(asked).toEqual([]);
    expect(errors).toContain('Or use --method binary');
    expect(await readdir(cwd)).toEqual([]);
  });
});
