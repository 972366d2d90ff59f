// create-glide's ask → plan → apply flow in-process, with a scripted terminal (as create-astro
// tests its steps): which questions are asked when, and that a cancel writes nothing.
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nextSteps } from '../../src/create-glide/steps.js';
import type { Terminal } from '../../src/create-glide/terminal.js';
import { CANCEL, runCreate, scriptedTerminal, type Answer } from '../helpers/scripted-terminal.js';

let cwd: string;
let mirrorDir: string;
beforeEach(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'create-flow-'));
  // A mirror folder with only the checksums file: the plan reads it (does the release have the platform?), nothing else.
  mirrorDir = await mkdtemp(join(tmpdir(), 'create-flow-mirror-'));
  await mkdir(join(mirrorDir, '0.1.0-rc.1'));
  await writeFile(
    join(mirrorDir, '0.1.0-rc.1', 'glide_v0.1.0-rc.1_checksums.txt'),
    ['linux_arm64.tar.gz', 'windows_amd64.zip'].map((name, i) => `${String(i + 1).repeat(64)}  glide_v0.1.0-rc.1_${name}\n`).join(''),
  );
});
afterEach(async () => {
  await rm(cwd, { recursive: true, force: true });
  await rm(mirrorDir, { recursive: true, force: true });
});

const create = (argv: string[], terminal: Terminal, env: NodeJS.ProcessEnv = {}) => runCreate(cwd, argv, terminal, env);

// An exact version and a mirror folder: planning reads its checksums file and asks nothing else.
const offline = () => ['--glide-version', '0.1.0-rc.1', '--download-base-url', mirrorDir, '--dry-run'];

describe('create-glide flow', () => {
  it('asks folder, method, provider and each value (one left for later: no start offered), then prints the plan without a single request', async () => {
    const { terminal, asked, said } = scriptedTerminal(['my-app', 'binary', 'azureopenai', 'sk-typed', 'https://x.openai.azure.com', '']);
    const { code, errors } = await create(offline(), terminal);
    expect(errors).toBe('');
    expect(code).toBe(0);
    expect(asked).toEqual([
      'text: Where should the project go?',
      'select: How should Glide run?',
      'select: Which LLM provider should Glide route to?',
      'password: Azure OpenAI API key (stored only in .env; Enter to fill it in later)',
      'text: Azure OpenAI endpoint (https://….openai.azure.com) (Enter to fill it in later)',
      'text: Azure OpenAI deployment (model) name (Enter to fill it in later)',
    ]);
    expect(said).toContain(`  download  ${mirrorDir}/0.1.0-rc.1/glide_v0.1.0-rc.1_linux_arm64.tar.gz`);
    expect(said).toContain(`  verify    sha256 ${'1'.repeat(64)} (glide_v0.1.0-rc.1_checksums.txt)`);
    expect(said.join('\n')).not.toContain('sk-typed');
    expect(await readdir(cwd)).toEqual([]);
  });

  it('values already in the environment are not asked for; with all of them, starting is offered', async () => {
    const { terminal, asked } = scriptedTerminal(['my-app', 'binary', 'openai', false]);
    expect((await create(offline(), terminal, { OPENAI_API_KEY: 'sk-env' })).code).toBe(0);
    expect(asked.some((question) => question.includes('API key'))).toBe(false);
    expect(asked.at(-1)).toBe('confirm: Start Glide now and wait until it is healthy?');
  });

  it('flags answer their questions; --yes asks nothing', async () => {
    const { terminal, asked } = scriptedTerminal([]);
    expect((await create(['my-app', '--provider', 'cohere', '--yes', ...offline()], terminal)).code).toBe(0);
    expect(asked).toEqual([]);
  });

  it.each([0, 1, 2, 3, 4])('a cancel at question %i exits 130 and writes nothing', async (at) => {
    const script: Answer[] = ['my-app', 'binary', 'openai', 'sk-typed', true];
    script[at] = CANCEL;
    const { terminal } = scriptedTerminal(script);
    const { code, errors } = await create(['--glide-version', '0.1.0-rc.1', '--download-base-url', '/nonexistent-mirror'], terminal);
    expect(code).toBe(130);
    expect(errors).toContain('Cancelled');
    expect(await readdir(cwd)).toEqual([]);
  });

  it('a non-empty folder is confirmed, and "no" cancels', async () => {
    await mkdir(join(cwd, 'busy'));
    await writeFile(join(cwd, 'busy', 'notes.txt'), 'x');
    const { terminal, asked } = scriptedTerminal(['busy', false]);
    expect((await create(offline(), terminal)).code).toBe(130);
    expect(asked[1]).toMatch(/^confirm: busy is not empty \(notes\.txt\)/);
  });

  it('a file where the folder should go is refused with what to do', async () => {
    await writeFile(join(cwd, 'taken'), 'x');
    const { terminal } = scriptedTerminal([]);
    const { code, errors } = await create(['taken', '--yes', ...offline()], terminal);
    expect(code).toBe(1);
    expect(errors).toContain('EPROJECTDIR');
    expect(errors).toContain('is a file');
  });

  it('another platform is planned with a header check instead of a run', async () => {
    const { terminal, said } = scriptedTerminal([]);
    expect((await create(['x', '--yes', '--os', 'windows', '--arch', 'amd64', ...offline()], terminal)).code).toBe(0);
    expect(said.join('\n')).toContain('glide_v0.1.0-rc.1_windows_amd64.zip');
    expect(said.join('\n')).toContain('header must be a windows/amd64 binary');
  });

  it('--method and --no-start answer their questions at a terminal too', async () => {
    const { terminal, asked } = scriptedTerminal(['my-app', 'openai', 'sk-typed']);
    expect((await create(['--method', 'binary', '--no-start', ...offline()], terminal)).code).toBe(0);
    expect(asked).toEqual(['text: Where should the project go?', 'select: Which LLM provider should Glide route to?', expect.stringMatching(/^password: /)]);
  });

  it('--start is planned: the binary run with the project config and the health URL', async () => {
    const { terminal, said } = scriptedTerminal([]);
    expect((await create(['x', '--yes', '--start', ...offline()], terminal, { OPENAI_API_KEY: 'sk-env' })).code).toBe(0);
    expect(said).toContain('  start     glide --config config.yaml --env .env; wait for http://127.0.0.1:9099/v1/health/');
    expect(await readdir(cwd)).toEqual([]);
  });

  // Glide 0.1 validates the provider's api_key (and each value create-glide asks for) as required.
  it('--start without the provider key is refused before anything is planned, downloaded or written', async () => {
    const { terminal, said } = scriptedTerminal([]);
    const { code, errors } = await create(['x', '--yes', '--start', '--provider', 'azureopenai', ...offline()], terminal, {
      AZURE_OPENAI_API_KEY: 'sk-secret-5678',
    });
    expect(code).toBe(1);
    expect(errors).toContain('ENOPROVIDERKEY: --start: Glide does not start while AZURE_OPENAI_ENDPOINT, AZURE_OPENAI_MODEL are empty');
    expect(errors).toContain('drop --start');
    expect([...said, errors].join('\n')).not.toContain('sk-secret-5678');
    expect(said.some((line) => line.startsWith('Plan'))).toBe(false);
    expect(await readdir(cwd)).toEqual([]);
  });

  it('--start with an install for another platform is a usage error before anything is written', async () => {
    const { terminal } = scriptedTerminal([]);
    const { code, errors } = await create(['x', '--yes', '--start', '--os', 'windows', '--arch', 'amd64', ...offline()], terminal);
    expect(code).toBe(2);
    expect(errors).toContain('--start runs Glide here, and this install is for windows/amd64');
  });

  it('port 9099 taken: --start is refused before anything is downloaded or written', async () => {
    const holder = createServer();
    // Held by us, or already by something else: taken either way.
    await new Promise<void>((done) => holder.once('error', () => done()).listen(9099, '127.0.0.1', done));
    try {
      const { terminal } = scriptedTerminal([]);
      const { code, errors } = await create(['x', '--yes', '--start', '--glide-version', '0.1.0-rc.1', '--download-base-url', mirrorDir], terminal, {
        OPENAI_API_KEY: 'sk-secret-1234',
      });
      expect(code).toBe(1);
      expect(errors).toContain('EPORTINUSE: Port 9099 on 127.0.0.1 is taken');
      expect(errors).not.toContain('sk-secret-1234');
      expect(await readdir(cwd)).toEqual([]);
    } finally {
      await new Promise((done) => holder.close(done));
    }
  });

  it('without --start the binary next steps name npx glide-up', () => {
    const lines = nextSteps(
      { dir: join(cwd, 'app'), overwrite: false },
      { binary: '/c/glide', reused: false } as never,
      { runnable: true, version: '0.1.0-rc.1' } as never,
      ['OPENAI_API_KEY'],
      { cwd, host: { os: 'linux', arch: 'amd64' } },
    );
    expect(lines).toEqual([
      'cd app',
      '# fill in OPENAI_API_KEY in .env',
      '/c/glide --config config.yaml',
      "# or: npx glide-up (Glide 0.1.0-rc.1, pinned in .glide-version, with this folder's config.yaml and .env)",
      '# then: curl http://127.0.0.1:9099/v1/health/',
    ]);
  });

  it('a bad --template is a usage error before the first question', async () => {
    const { terminal, asked } = scriptedTerminal([]);
    const { code, errors } = await create(['--template', 'ftp:x', ...offline()], terminal);
    expect(code).toBe(2);
    expect(errors).toContain('--template "ftp:x"');
    expect(asked).toEqual([]);
  });

  it('--template FOLDER: its files are planned beside the generated config.yaml and .env', async () => {
    const template = join(cwd, 'my-template');
    await mkdir(template);
    await writeFile(join(template, 'NOTES.md'), 'Router {{router}} on port {{port}}\n');
    const { terminal, said } = scriptedTerminal([]);
    expect((await create(['x', '--yes', '--template', template, ...offline()], terminal)).code).toBe(0);
    expect(said).toEqual(expect.arrayContaining(['  create    config.yaml', '  create    NOTES.md']));
  });
});
