// The demo project: the bundled template rendered per method, and config.yaml held to Glide's own rules.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { BUNDLED_TEMPLATE } from '../../src/scaffold/bundled-template.js';
import { checkTemplatePath, demoProjectFiles, renderTemplateText, TEMPLATE_FIELDS, type DemoAnswers, type DemoMethod } from '../../src/scaffold/demo.js';
import { binaryProjectFiles, projectFileActions } from '../../src/scaffold/project.js';
import { PROVIDER_SPECS, PROVIDERS, type Provider } from '../../src/scaffold/providers.js';
import { GLIDE_PROVIDER_REQUIRED, glideConfigProblems } from './glide-config-schema.js';

const TEMPLATE_DIR = fileURLToPath(new URL('../../templates/demo', import.meta.url));
const IMAGE = 'ghcr.io/einstack/glide:0.1.0-distroless';
const METHODS: DemoMethod[] = ['binary', 'docker'];

function answers(provider: Provider, method: DemoMethod, values: Record<string, string> = {}): DemoAnswers {
  return { provider, values, port: 9099, method, glideVersion: '0.1.0', ...(method === 'docker' ? { image: IMAGE } : {}) };
}

function fileOf(files: { path: string; content: string }[], path: string): string {
  const file = files.find((each) => each.path === path);
  if (!file) throw new Error(`no ${path} among ${files.map((each) => each.path).join(', ')}`);
  return file.content;
}

/** A secret-looking value per variable, so a leak into any other file shows. */
function secretValues(provider: Provider): Record<string, string> {
  return Object.fromEntries(PROVIDER_SPECS[provider].fields.map((field) => [field.env, `value-of-${field.env}-x9`]));
}

describe("the scaffolded config.yaml passes Glide's rules", () => {
  const cases = PROVIDERS.flatMap((provider) => METHODS.map((method) => [provider, method] as const));

  it.each(cases)('%s, %s method', (provider, method) => {
    const config: unknown = parseYaml(fileOf(demoProjectFiles(answers(provider, method), BUNDLED_TEMPLATE), 'config.yaml'));
    expect(glideConfigProblems(config)).toEqual([]);
    const http = (config as { api: { http: { host: string; port: number } } }).api.http;
    expect(http).toEqual({ host: method === 'docker' ? '0.0.0.0' : '127.0.0.1', port: 9099 });
  });

  it.each(cases)('%s, %s method: every key is read from .env, and .env names each one', (provider, method) => {
    const files = demoProjectFiles(answers(provider, method, secretValues(provider)), BUNDLED_TEMPLATE);
    const config = fileOf(files, 'config.yaml');
    const referenced = [...config.matchAll(/\$\{env:([A-Z0-9_]+)\}/g)].map((match) => match[1]);
    expect(referenced.length).toBe(GLIDE_PROVIDER_REQUIRED[provider]!.length);
    const env = fileOf(files, '.env');
    for (const name of referenced) expect(env).toContain(`${name}=value-of-${name}-x9\n`);
    // A value lives in .env only: never in the config, the README, the compose file or the example.
    for (const file of files.filter((each) => each.path !== '.env')) expect(file.content).not.toMatch(/value-of-/);
  });
});

describe('the schema the configs are held to can fail', () => {
  const valid = () => ({
    api: { http: { host: '127.0.0.1', port: 9099 } },
    routers: { language: [{ id: 'default', strategy: 'priority', models: [{ id: 'openai', openai: { api_key: '${env:OPENAI_API_KEY}' } }] }] },
  });

  it('accepts the minimal config', () => expect(glideConfigProblems(valid())).toEqual([]));

  it.each([
    [
      'a missing api_key',
      (c: ReturnType<typeof valid>) => void (c.routers.language[0]!.models[0] = { id: 'openai', openai: {} as never }),
      'openai.api_key: required',
    ],
    [
      'two providers in one model',
      (c: ReturnType<typeof valid>) => void Object.assign(c.routers.language[0]!.models[0]!, { cohere: { api_key: 'x' } }),
      'exactly one provider is required, found openai, cohere',
    ],
    ['no router', (c: ReturnType<typeof valid>) => void (c.routers.language = []), 'at least one router'],
    [
      'an ollama-only router',
      (c: ReturnType<typeof valid>) => void (c.routers.language[0]!.models = [{ id: 'local', ollama: { model: 'llama3' } } as never]),
      'only ollama models',
    ],
    [
      'bedrock without aws_region',
      (c: ReturnType<typeof valid>) =>
        void (c.routers.language[0]!.models = [{ id: 'b', bedrock: { base_url: 'u', api_key: 'k', access_key: 'a', secret_key: 's' } } as never]),
      'bedrock.aws_region: required',
    ],
    [
      "azureopenai with 0.0.3's baseUrl",
      (c: ReturnType<typeof valid>) => void (c.routers.language[0]!.models = [{ id: 'a', azureopenai: { baseUrl: 'u', model: 'm', api_key: 'k' } } as never]),
      'base_url: required',
    ],
    ['an unknown strategy', (c: ReturnType<typeof valid>) => void (c.routers.language[0]!.strategy = 'random'), 'unknown strategy random'],
    ['an unknown top-level key', (c: ReturnType<typeof valid>) => void Object.assign(c, { router: {} }), 'unknown keys router'],
  ])('refuses %s', (_, spoil, expected) => {
    const config = valid();
    spoil(config);
    expect(glideConfigProblems(config).join('\n')).toContain(expected);
  });
});

describe('the demo per method', () => {
  it('the binary method writes the files create-glide always wrote, plus the README', () => {
    const files = binaryProjectFiles({ provider: 'openai', values: { OPENAI_API_KEY: 'k' }, port: 9099, glideVersion: '0.1.0' });
    expect(files.map((file) => [file.path, file.mode, file.existing])).toEqual([
      ['config.yaml', 0o644, 'backup'],
      ['.env', 0o600, 'dotenv'],
      ['.gitignore', 0o644, 'lines'],
      ['.glide-version', 0o644, 'backup'],
      ['README.md', 0o644, 'backup'],
    ]);
    const readme = fileOf(files, 'README.md');
    expect(readme).toContain('npx glide-up');
    expect(readme).not.toMatch(/docker|compose/i);
  });

  it('the docker method adds compose, the example .env and the observability profile', () => {
    const files = demoProjectFiles(answers('openai', 'docker'), BUNDLED_TEMPLATE);
    expect(files.map((file) => file.path)).toEqual([
      'config.yaml',
      '.env',
      '.gitignore',
      '.glide-version',
      '.env.example',
      'README.md',
      'compose.yaml',
      'observability/grafana/datasources.yaml',
      'observability/otel-collector.yaml',
    ]);
    expect(fileOf(files, '.env.example')).toMatch(/\nOPENAI_API_KEY=\n$/);
    expect(fileOf(files, 'README.md')).not.toContain('glide-up');
    // The version compose pins, so that glide-up in this folder runs the same Glide.
    expect(fileOf(files, '.glide-version')).toBe('0.1.0\n');
    expect(fileOf(files, 'README.md')).toContain('| `.glide-version` | the Glide version this project runs, 0.1.0, the one `compose.yaml` pins |');
  });

  it.each(['latest', 'rc', 'v0.1.0', '0.1.0\nimage: evil', ''])('a version %j that is not exact is never written as the pin', (glideVersion) => {
    expect(() => demoProjectFiles({ ...answers('openai', 'binary'), glideVersion }, BUNDLED_TEMPLATE)).toThrow(expect.objectContaining({ code: 'ENOTSEMVER' }));
  });

  it('compose runs the pinned image on loopback only, with the config mounted and .env passed, and no healthcheck', () => {
    const compose = parseYaml(fileOf(demoProjectFiles({ ...answers('anthropic', 'docker'), port: 9199 }, BUNDLED_TEMPLATE), 'compose.yaml'));
    expect(compose.services.glide).toMatchObject({
      image: IMAGE,
      command: ['--config', '/etc/glide/config.yaml'],
      ports: ['127.0.0.1:9199:9199'],
      volumes: ['./config.yaml:/etc/glide/config.yaml:ro'],
      env_file: '.env',
    });
    expect(compose.services.glide.healthcheck).toBeUndefined();
    for (const name of ['otel-collector', 'jaeger', 'grafana']) expect(compose.services[name].profiles).toEqual(['observability']);
    const published = Object.values(compose.services as Record<string, { ports?: string[] }>).flatMap((service) => service.ports ?? []);
    expect(published.filter((port) => !port.startsWith('127.0.0.1:'))).toEqual([]);
  });

  it.each(METHODS)('the README of the %s method shows a chat request against the router the config has', (method) => {
    const files = demoProjectFiles(answers('cohere', method), BUNDLED_TEMPLATE);
    const routerId = (parseYaml(fileOf(files, 'config.yaml')) as { routers: { language: { id: string }[] } }).routers.language[0]!.id;
    const readme = fileOf(files, 'README.md');
    expect(readme).toContain(`curl -X POST http://127.0.0.1:9099/v1/language/${routerId}/chat/`);
    expect(readme).toContain('"message": {"role": "user"');
    expect(readme).toContain('`COHERE_API_KEY`');
  });

  it.each(METHODS)('nothing of the template language is left in the %s files', (method) => {
    for (const file of demoProjectFiles(answers('bedrock', method), BUNDLED_TEMPLATE)) expect(file.content, file.path).not.toMatch(/\{\{[#/]?\w+\}\}/);
  });

  it('every file of templates/demo is bundled, as it is on disk', async () => {
    const onDisk = (await readdir(TEMPLATE_DIR, { recursive: true, withFileTypes: true }))
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath, entry.name).slice(TEMPLATE_DIR.length + 1))
      .sort();
    expect(BUNDLED_TEMPLATE.files.map((file) => file.path).sort()).toEqual(onDisk);
    for (const file of BUNDLED_TEMPLATE.files) expect(file.content).toBe(await readFile(join(TEMPLATE_DIR, file.path), 'utf8'));
  });

  it("a user's .env is never overwritten: the docker demo's keys are added to it", () => {
    const files = demoProjectFiles(answers('openai', 'docker', { OPENAI_API_KEY: 'sk-new' }), BUNDLED_TEMPLATE);
    const [env] = projectFileActions(
      files.filter((file) => file.path === '.env'),
      new Map([['.env', 'OPENAI_API_KEY=sk-mine\n']]),
      new Set(['.env']),
    );
    expect(env).toMatchObject({ kind: 'keep', file: { content: 'OPENAI_API_KEY=sk-mine\n', mode: 0o600 } });
  });

  it("a template's own config.yaml and .env are not used; its .gitignore keeps .env out of git", () => {
    const template = {
      source: 'test',
      files: [
        { path: 'config.yaml', content: 'routers: {}\n', mode: 0o644 },
        { path: '.env', content: 'OPENAI_API_KEY=theirs\n', mode: 0o644 },
        { path: '.gitignore', content: 'node_modules/', mode: 0o644 },
      ],
    };
    const files = demoProjectFiles(answers('openai', 'binary', { OPENAI_API_KEY: 'mine' }), template);
    expect(glideConfigProblems(parseYaml(fileOf(files, 'config.yaml')))).toEqual([]);
    expect(fileOf(files, '.env')).toBe('OPENAI_API_KEY=mine\n');
    expect(fileOf(files, '.gitignore')).toBe('node_modules/\n.env\nsecrets/\n');
  });

  it.each([
    [['.ENV'], undefined],
    [['Config.YAML'], undefined],
    [['README.md', 'readme.md'], 'another file or folder has the same name'],
    [['docs/a.md', 'DOCS'], 'another file or folder has the same name'],
    [['docs', 'docs/a.md'], 'docs is a file of the project'],
    [['.GITIGNORE'], undefined],
    [['.Glide-Version'], undefined],
    [['.gitignore', '.GITIGNORE'], 'another file or folder has the same name'],
    [['.env/x'], '.env is a file of the project'],
    [['.gitignore/x'], '.gitignore is a file of the project'],
  ])('a template with %j cannot touch the keys or write a name twice', (paths, refused) => {
    const template = { source: 'test', files: paths.map((path) => ({ path, content: 'OPENAI_API_KEY=theirs\n', mode: 0o644 })) };
    const make = () => demoProjectFiles(answers('openai', 'binary', { OPENAI_API_KEY: 'mine' }), template);
    if (refused) return void expect(make).toThrow(expect.objectContaining({ code: 'ETEMPLATE', message: expect.stringContaining(refused) }));
    const files = make();
    expect(files.map((file) => file.path)).toEqual(['config.yaml', '.env', '.gitignore', '.glide-version']);
    expect(fileOf(files, '.glide-version')).toBe('0.1.0\n');
    expect(files.find((file) => file.path === '.gitignore')?.content).toMatch(/^\.env$/m);
  });

  it('the docker method needs a pinned image', () => {
    expect(() => demoProjectFiles({ ...answers('openai', 'docker'), image: 'ghcr.io/einstack/glide' }, BUNDLED_TEMPLATE)).toThrow(
      expect.objectContaining({ code: 'ECONFIG' }),
    );
    expect(() => demoProjectFiles({ ...answers('openai', 'docker'), image: 'ghcr.io/x/y:1.0\ncommand: evil' }, BUNDLED_TEMPLATE)).toThrow(
      expect.objectContaining({ code: 'ECONFIG' }),
    );
    expect(() => demoProjectFiles({ provider: 'openai', values: {}, port: 9099, method: 'docker', glideVersion: '0.1.0' }, BUNDLED_TEMPLATE)).toThrow(
      /answers.image/,
    );
  });
});

describe('template text', () => {
  const fields = Object.fromEntries(TEMPLATE_FIELDS.map((name) => [name, `<${name}>`])) as Parameters<typeof renderTemplateText>[2];

  it.each([
    ['a field', 'port {{port}}\n', 'binary', 'port <port>\n'],
    ['a section on lines of its own, kept', 'a\n{{#docker}}\nb\n{{/docker}}\nc\n', 'docker', 'a\nb\nc\n'],
    ['a section on lines of its own, dropped', 'a\n{{#docker}}\nb\n{{/docker}}\nc\n', 'binary', 'a\nc\n'],
    ['an inline section, dropped', 'x{{#docker}} y{{/docker}}\nz\n', 'binary', 'x\nz\n'],
    ['an inline section, kept', 'x{{#binary}} y{{/binary}}.\n', 'binary', 'x y.\n'],
    ['braces it does not know', 'legend: {{instance}} {{ .Name }}\n', 'docker', 'legend: {{instance}} {{ .Name }}\n'],
  ] as const)('%s', (_, text, method, expected) => {
    expect(renderTemplateText(text, method, fields)).toBe(expected);
  });

  it('a value with $& is put in as it is', () => {
    expect(renderTemplateText('{{image}}', 'docker', { ...fields, image: 'a$&b' })).toBe('a$&b');
  });

  it.each(['/etc/passwd', '../up', 'a/../../b', 'a//b', './a', '.git/hooks/pre-commit', '.GIT/config', 'a\\b', 'C:/x', '', 'a\0b'])(
    'refuses the template path %j',
    (path) => {
      expect(() => checkTemplatePath(path, 'test')).toThrow(expect.objectContaining({ code: 'ETEMPLATE' }));
    },
  );

  it.each(['README.md', '.env.example', 'observability/otel-collector.yaml', 'a..b/c'])('accepts %j', (path) => {
    expect(checkTemplatePath(path, 'test')).toBe(path);
  });
});
