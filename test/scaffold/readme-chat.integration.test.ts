// The demo's curl chat example, run for real: the project scaffolded for each provider, the Go
// stand-in of Glide started with its config.yaml and .env (it answers /v1/language/{router}/chat/
// with Glide 0.1.0's checks and shapes), and the command copied out of the generated README.md
// and out of the lines create-glide prints once Glide runs, each run by sh with the real curl.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatCommand } from '../../src/create-glide/steps.js';
import { describeExit, startGlide, type GlideProcess } from '../../src/run/glide-process.js';
import { waitForHealthy } from '../../src/run/health.js';
import { BUNDLED_TEMPLATE } from '../../src/scaffold/bundled-template.js';
import { demoProjectFiles, type DemoMethod } from '../../src/scaffold/demo.js';
import { DEMO_ROUTER } from '../../src/scaffold/glide-config.js';
import { PROVIDER_SPECS, PROVIDERS, type Provider } from '../../src/scaffold/providers.js';
import { planProjectWrite, writeProject } from '../../src/scaffold/write.js';
import { expectGlideChatResponse, runCurl, shellBlocks, theChatCommand } from '../helpers/chat-example.js';
import { freePort } from '../helpers/process.js';
import { requireTools } from '../helpers/tools.js';
import { buildStandin, type StandinBinary } from '../run/standin-binary.js';

let standin: StandinBinary;
const cleanup: string[] = [];
/** Every Glide a test started and has not stopped: a failed test must not leave one behind. */
const running = new Set<GlideProcess>();

beforeAll(async () => {
  requireTools('go', 'curl');
  standin = await buildStandin();
}, 600_000);

afterAll(async () => {
  for (const glide of running) await stop(glide);
  await standin?.remove();
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

async function stop(glide: GlideProcess): Promise<void> {
  glide.stop();
  await glide.exited;
  running.delete(glide);
}

/** Secret fields get a value that must show up nowhere; the others (an endpoint, a model) a plain one. */
function keyValues(provider: Provider): { values: Record<string, string>; secrets: string[] } {
  const fields = PROVIDER_SPECS[provider].fields;
  const values = Object.fromEntries(fields.map((field) => [field.env, field.secret ? `sk-${field.env.toLowerCase()}-e2e-9x7` : `plain-${field.key}`]));
  return { values, secrets: fields.filter((field) => field.secret).map((field) => values[field.env]!) };
}

interface Demo {
  readonly port: number;
  readonly readme: string;
  readonly secrets: string[];
  /** What Glide has said on stderr so far. */
  log(): string;
  stop(): Promise<void>;
}

/** The demo scaffolded (as create-glide writes it) and Glide started in it, as `npx glide-up` or --start runs it. */
async function startDemo(provider: Provider): Promise<Demo> {
  const dir = await mkdtemp(join(tmpdir(), 'readme-chat-'));
  cleanup.push(dir);
  const port = await freePort();
  const { values, secrets } = keyValues(provider);
  const files = demoProjectFiles({ provider, values, port, method: 'binary', glideVersion: '0.1.0' }, BUNDLED_TEMPLATE);
  await writeProject(dir, await planProjectWrite(dir, files));
  const glide = startGlide({
    binary: standin.binary,
    args: ['--config', 'config.yaml', '--env', '.env'],
    cwd: dir,
    env: { PATH: process.env.PATH ?? '' },
    stdio: 'pipe',
  });
  running.add(glide);
  let log = '';
  glide.stderr?.setEncoding('utf8').on('data', (text: string) => (log += text));
  await waitForHealthy(new URL(`http://127.0.0.1:${port}/v1/health/`), { timeoutMs: 60_000, gaveUp: glide.exited.then(describeExit) });
  return { port, readme: await readFile(join(dir, 'README.md'), 'utf8'), secrets, log: () => log, stop: () => stop(glide) };
}

const providerId = (provider: Provider): string => (provider === 'bedrock' ? 'aws/bedrock' : provider);

/** Both chat examples, README.md's and the printed one, run against `demo`: Glide's answer, and no key anywhere. */
async function checkExamples(provider: Provider, demo: Demo): Promise<void> {
  const commands = {
    'README.md': theChatCommand(shellBlocks(demo.readme).join('\n'), 'README.md'),
    'the printed line': theChatCommand(chatCommand(demo.port, DEMO_ROUTER), 'the printed line'),
  };
  for (const [where, command] of Object.entries(commands)) {
    // Glide holds the provider's key: the client sends none.
    expect(command, where).not.toMatch(/authorization|api[-_]?key|bearer/i);
    const result = await runCurl(command);
    expectGlideChatResponse(result, { router: DEMO_ROUTER, modelId: provider, providerId: providerId(provider) });
    for (const secret of demo.secrets) expect(command + result.all, where).not.toContain(secret);
  }
  for (const secret of demo.secrets) expect(demo.log()).not.toContain(secret);
}

describe("the demo's curl chat example gets Glide's chat answer", () => {
  it.each(PROVIDERS)('%s: the one in README.md and the one create-glide prints', async (provider) => {
    const demo = await startDemo(provider);
    try {
      await checkExamples(provider, demo);
    } finally {
      await demo.stop();
    }
  });

  it("the docker method's README has the same example (compose binds the same port on 127.0.0.1)", () => {
    const readme = (method: DemoMethod) =>
      demoProjectFiles(
        { provider: 'openai', values: {}, port: 9099, method, glideVersion: '0.1.0', image: 'ghcr.io/einstack/glide:0.1.0-alpine' },
        BUNDLED_TEMPLATE,
      ).find((file) => file.path === 'README.md')!.content;
    expect(theChatCommand(shellBlocks(readme('docker')).join('\n'), 'the docker README')).toBe(
      theChatCommand(shellBlocks(readme('binary')).join('\n'), 'the binary README'),
    );
  });
});

describe('the check fails on a broken example: Glide (and so the stand-in) refuses it', () => {
  // Each a mistake a README could make, and Glide 0.1.0's answer to it (pkg/api/http/handlers.go).
  const broken: [string, (command: string) => string, number, string][] = [
    ['the OpenAI path', (command) => command.replace('/v1/language/default/chat/', '/v1/chat/completions'), 404, 'route_not_found'],
    ['GET instead of POST', (command) => command.replace('-X POST', '-X GET'), 404, 'route_not_found'],
    ['another router', (command) => command.replace('/language/default/', '/language/demo/'), 404, 'router_not_found'],
    ['no Content-Type (curl sends a form)', (command) => command.replace(/-H 'Content-Type: application\/json'/, ''), 400, 'unsupported_media_type'],
    ['JSON cut short', (command) => command.replace(/}}'/, "}'"), 400, 'payload_parse_error'],
    ["OpenAI's body (messages, a list)", (command) => command.replace(/\{"message": (\{[^}]*\})\}/, '{"messages": [$1]}'), 503, 'all_models_unavailable'],
    ['a message without a role', (command) => command.replace('"role": "user", ', ''), 503, 'all_models_unavailable'],
  ];
  let demo: Demo;
  let good: string;

  beforeAll(async () => {
    demo = await startDemo('openai');
    good = theChatCommand(shellBlocks(demo.readme).join('\n'), 'README.md');
  }, 120_000);
  afterAll(() => demo?.stop());

  it.each(broken)('%s', async (_, breakIt, status, name) => {
    const command = breakIt(good);
    expect(command).not.toBe(good);
    const result = await runCurl(command);
    expect(result.status, result.all).toBe(status);
    expect(JSON.parse(result.body)).toEqual({ name, message: expect.any(String) });
  });
});
