import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDockerEngine, type DockerEngine } from '../helpers/docker-engine.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { requireTools } from '../helpers/tools.js';
import { buildStandin, type StandinBinary } from '../run/standin-binary.js';
import { composeV2Config } from './compose-v2.js';
import { pushStandinImage } from './standin-image.js';

/** What the Docker tests run against: the engine, a local registry, the stand-in binary, both Compose variants. */
export interface DockerWorld {
  readonly engine: DockerEngine;
  readonly registry: TestRegistry;
  readonly standin: StandinBinary;
  /** The engine's environment with Compose v2's plugin in DOCKER_CONFIG, or without it (only v1's docker-compose, on PATH). */
  env(variant: 'v1' | 'v2'): NodeJS.ProcessEnv;
  /** Pushes the stand-in image under `tag` for `architectures`; returns its reference. */
  pushImage(tag: string, architectures: readonly string[]): Promise<string>;
  /** A temp folder removed by `stop()`. */
  tempDir(prefix: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startDockerWorld(): Promise<DockerWorld> {
  requireTools('go', 'docker', 'docker-compose');
  const v2Config = await composeV2Config();
  const engine = await startDockerEngine();
  const registry = await startRegistry();
  const standin = await buildStandin();
  const dirs: string[] = [];
  return {
    engine,
    registry,
    standin,
    env: (variant) => ({ ...process.env, ...engine.env, ...(variant === 'v2' ? { DOCKER_CONFIG: v2Config.dir } : {}) }),
    pushImage: (tag, architectures) => pushStandinImage(registry.host, { binary: standin.binary, tag, architectures }),
    async tempDir(prefix) {
      const dir = await mkdtemp(join(tmpdir(), prefix));
      dirs.push(dir);
      return dir;
    },
    async stop() {
      for (const dir of dirs) await rm(dir, { recursive: true, force: true });
      await v2Config.remove();
      await standin.remove();
      await registry.stop();
      await engine.stop();
    },
  };
}
