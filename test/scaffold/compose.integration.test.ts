// The docker demo's compose.yaml as Docker Compose itself reads it (v1, Debian 12's
// docker-compose 1.29), observability profile included. Nothing is pulled or started: the
// profile's images cannot be pulled here.
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { BUNDLED_TEMPLATE } from '../../src/scaffold/bundled-template.js';
import { demoProjectFiles } from '../../src/scaffold/demo.js';
import { planProjectWrite, writeProject } from '../../src/scaffold/write.js';
import { requireTools } from '../helpers/tools.js';

const run = promisify(execFile);
const IMAGE = '127.0.0.1:5000/einstack/glide:0.1.0-distroless';
const SECRET = 'sk-compose-secret-0123456789';

interface ComposeService {
  image: string;
  ports?: { host_ip?: string; published?: string | number; target?: number }[] | string[];
  environment?: Record<string, string>;
  volumes?: unknown[];
  profiles?: string[];
}

let project: string;
beforeAll(async () => {
  requireTools('docker-compose');
  project = join(await mkdtemp(join(tmpdir(), 'compose-')), 'demo');
  const files = demoProjectFiles(
    { provider: 'openai', values: { OPENAI_API_KEY: SECRET }, port: 9099, method: 'docker', glideVersion: '0.1.0', image: IMAGE },
    BUNDLED_TEMPLATE,
  );
  await writeProject(project, await planProjectWrite(project, files));
});

/** `docker-compose config` in the project, as a user runs it there (compose.yaml found by name, .env beside it). */
async function composeConfig(...args: string[]): Promise<{ services: Record<string, ComposeService> }> {
  const { stdout } = await run('docker-compose', [...args, 'config'], { cwd: project, env: { ...process.env, COMPOSE_PROJECT_NAME: 'glide-demo-test' } });
  return parseYaml(stdout) as { services: Record<string, ComposeService> };
}

describe('docker-compose v1 reads the scaffolded compose.yaml', () => {
  it('Glide runs without a profile: its pinned image on loopback, the key from .env', async () => {
    const config = await composeConfig();
    // Compose v1's `config` lists every service; `up` starts those without a profile.
    const unprofiled = Object.entries(config.services).filter(([, service]) => service.profiles === undefined);
    expect(unprofiled.map(([name]) => name)).toEqual(['glide']);
    const glide = config.services.glide!;
    expect(glide.image).toBe(IMAGE);
    expect(JSON.stringify(glide.ports)).toContain('127.0.0.1');
    // env_file: compose hands the key to the container; it is read from .env, not written in compose.yaml.
    expect(glide.environment).toEqual({ OPENAI_API_KEY: SECRET });
  });

  it('with --profile observability: the collector, Jaeger and Grafana, every port on loopback', async () => {
    const config = await composeConfig('--profile', 'observability');
    expect(Object.keys(config.services).sort()).toEqual(['glide', 'grafana', 'jaeger', 'otel-collector']);
    for (const name of ['grafana', 'jaeger', 'otel-collector']) expect(config.services[name]!.profiles).toEqual(['observability']);
    for (const [name, service] of Object.entries(config.services)) {
      for (const port of service.ports ?? []) expect(typeof port === 'string' ? port : port.host_ip, name).toMatch(/^127\.0\.0\.1/);
    }
  });

  it('a broken compose file is refused (the check can fail)', async () => {
    await expect(run('docker-compose', ['-f', join(project, 'observability', 'otel-collector.yaml'), 'config'], { cwd: project })).rejects.toThrow();
  });
});
