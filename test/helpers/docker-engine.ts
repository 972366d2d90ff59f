import { spawn, type ChildProcess } from 'node:child_process';
import { constants, openSync, closeSync } from 'node:fs';
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { execa } from 'execa';
import { Parser } from 'tar';
import { stopChild } from './process.js';

/**
 * A real Docker engine (Debian's `docker.io`), the independent client that pulls and runs
 * what the images stage pushed. An engine already answering (started by `.ci/run`, or a
 * developer's own) is used as it is; otherwise one is started here on a private socket and
 * data root, and stopped and removed by `stop()`. The client's config goes to a temp folder.
 */

const DOCKERD = '/usr/sbin/dockerd';
const START_TIMEOUT_MS = 60_000;

export interface DockerEngine {
  /** Runs the `docker` client against this engine; never rejects, check `exitCode`. */
  docker(args: readonly string[]): Promise<DockerResult>;
  /** A file's bytes from a container (`docker cp -L`, links followed). */
  copyOut(container: string, path: string): Promise<Buffer>;
  /** The environment the client needs (DOCKER_HOST, DOCKER_CONFIG), for tools run by hand. */
  readonly env: Readonly<Record<string, string>>;
  /** Whether this helper started the engine (and `stop()` stops it). */
  readonly started: boolean;
  stop(): Promise<void>;
}

export interface DockerResult {
  readonly exitCode: number;
  readonly stdout: string;
  /** stdout and stderr interleaved, for assertion messages. */
  readonly all: string;
}

export async function startDockerEngine(): Promise<DockerEngine> {
  const config = await mkdtemp(join(tmpdir(), 'glide-docker-config-'));
  const existing = await answering({ DOCKER_CONFIG: config, ...(process.env.DOCKER_HOST ? { DOCKER_HOST: process.env.DOCKER_HOST } : {}) });
  if (existing) return engine(existing, undefined, [config]);

  await access(DOCKERD, constants.X_OK).catch(() => {
    throw new Error(`no Docker engine answers and dockerd is not installed (no ${DOCKERD}): run \`apt-get install docker.io\``);
  });
  const root = await mkdtemp(join(tmpdir(), 'glide-dockerd-'));
  const socket = join(root, 'docker.sock');
  const log = join(root, 'dockerd.log');
  const out = openSync(log, 'a');
  const daemon = spawn(
    DOCKERD,
    ['--host', `unix://${socket}`, '--data-root', join(root, 'data'), '--exec-root', join(root, 'exec'), '--pidfile', join(root, 'docker.pid')],
    { stdio: ['ignore', out, out] },
  );
  closeSync(out);
  const env = { DOCKER_HOST: `unix://${socket}`, DOCKER_CONFIG: config };
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!(await answering(env))) {
    if (daemon.exitCode !== null || Date.now() > deadline) {
      await stopChild(daemon);
      const tail = (await readFile(log, 'utf8').catch(() => '')).split('\n').slice(-15).join('\n');
      await rm(root, { recursive: true, force: true });
      throw new Error(`dockerd did not start (${daemon.exitCode === null ? 'timed out' : `exit ${daemon.exitCode}`}); its log ends:\n${tail}`);
    }
    await sleep(250);
  }
  return engine(env, daemon, [config, root]);
}

async function answering(env: Record<string, string>): Promise<Record<string, string> | undefined> {
  const result = await execa('docker', ['version', '--format', '{{.Server.Version}}'], { env, reject: false, timeout: 10_000 });
  return result.exitCode === 0 && result.stdout.trim() !== '' ? env : undefined;
}

function engine(env: Record<string, string>, daemon: ChildProcess | undefined, dirs: readonly string[]): DockerEngine {
  return {
    env,
    started: daemon !== undefined,
    async docker(args) {
      const result = await execa('docker', args, { env, reject: false, all: true });
      return { exitCode: result.exitCode ?? -1, stdout: result.stdout, all: result.all };
    },
    async copyOut(container, path) {
      // `docker cp` writes a tar stream; the file is its one member.
      const result = await execa('docker', ['cp', '-L', `${container}:${path}`, '-'], { env, encoding: 'buffer' });
      const entries: Buffer[] = [];
      await pipeline(
        Readable.from([Buffer.from(result.stdout)]),
        new Parser({ onReadEntry: (entry) => entry.on('data', (chunk: Buffer) => entries.push(chunk)) }),
      );
      return Buffer.concat(entries);
    },
    async stop() {
      if (daemon) await stopChild(daemon, 'SIGTERM', 15_000);
      for (const dir of dirs) await rm(dir, { recursive: true, force: true });
    },
  };
}
