import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { applyHomebrew, readTapState, type TapOptions } from '../../release/src/channels/homebrew/tap.js';
import { planHomebrew } from '../../release/src/channels/homebrew/plan.js';
import { FORMULA_PATH, formulaArchives, renderFormula } from '../../release/src/channels/homebrew/render.js';
import type { HomebrewConfig } from '../../release/src/channels/homebrew/config.js';
import type { ReleaseLedger } from '../../release/src/ledger.js';
import { requireTools } from '../helpers/tools.js';
import { brewConfig, brewLedgerOf, HOMEBREW_TARGETS } from './homebrew-ledger.js';

const run = promisify(execFile);
const HARNESS = join(import.meta.dirname, 'homebrew-dsl.rb');
/** What Glide 0.1.0 prints for --version (glide.md): the formula's test must accept exactly this form. */
const versionOutput = (version: string) =>
  `github.com/EinStack/glide version ${version} (commit: 0123456, runtime: go1.22.5, buildDate: 2024-07-09T10:00:00Z)\n`;

const temps: string[] = [];
async function temp(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'brew-test-'));
  temps.push(dir);
  return dir;
}
afterEach(async () => {
  await Promise.all(temps.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

beforeAll(() => requireTools('ruby'));

interface PlatformFacts {
  readonly downloads: { url: string; sha256: string }[];
  readonly desc: string;
  readonly homepage: string;
  readonly version: string;
  readonly license: string;
  readonly installed: string[];
  readonly ran: string[];
  readonly test: true | string;
}

/** The formula evaluated by Ruby under the DSL stubs, once per platform. */
async function evaluate(formula: string, output: string): Promise<Record<string, PlatformFacts>> {
  const file = join(await temp(), 'glide.rb');
  await writeFile(file, formula);
  await run('ruby', ['-c', file]);
  const { stdout } = await run('ruby', [HARNESS, file, output]);
  return JSON.parse(stdout) as Record<string, PlatformFacts>;
}

describe('the formula in Ruby', () => {
  it('parses (ruby -c) and gives each platform its own url and the ledger sha256, installs glide, and its test accepts Glide --version', async () => {
    const ledger = brewLedgerOf('0.1.0');
    const facts = await evaluate(renderFormula(ledger, brewConfig()), versionOutput('0.1.0'));
    const expected = Object.fromEntries(formulaArchives(ledger).map((bottle) => [bottle.target, [{ url: bottle.url, sha256: bottle.sha256 }]]));
    expect(Object.keys(expected)).toEqual([...HOMEBREW_TARGETS]);
    for (const target of HOMEBREW_TARGETS) {
      expect(facts[target]).toMatchObject({
        downloads: expected[target],
        version: '0.1.0',
        license: 'Apache-2.0',
        installed: ['glide'],
        ran: ['/prefix/bin/glide --version'],
        test: true,
      });
    }
  });

  it("the formula's test fails for a binary that says another version (Glide's released binaries say devel)", async () => {
    const facts = await evaluate(renderFormula(brewLedgerOf('0.1.0'), brewConfig()), versionOutput('devel'));
    expect(facts['linux/amd64']!.test).toMatch(/does not contain "version 0\.1\.0 \("/);
  });

  it('config text with quotes, #{…}, backslashes and newlines stays text: Ruby reads back exactly it, and runs none of it', async () => {
    const canary = join(await temp(), 'pwned');
    const desc = `LLM "gateway" #{File.write(${JSON.stringify(canary)}, "x")} \\" + File.write("${canary}", "y") + "\nline two`;
    const homepage = `https://example.com/"; File.write("${canary}", "z"); "#{1}`;
    const facts = await evaluate(renderFormula(brewLedgerOf('0.1.0'), brewConfig({ desc, homepage })), versionOutput('0.1.0'));
    expect(facts['darwin/arm64']).toMatchObject({ desc, homepage });
    expect(existsSync(canary)).toBe(false);
  });
});

/** A bare repository standing in for the tap, and a plain clone's view of it. */
async function bareTap(): Promise<string> {
  const bare = join(await temp(), 'homebrew-tap.git');
  await run('git', ['init', '--quiet', '--bare', '--initial-branch=main', bare]);
  return bare;
}

async function gitIn(dir: string, ...args: string[]): Promise<string> {
  const { stdout } = await run('git', args, { cwd: dir });
  return stdout.trim();
}

/** Another writer of the tap (a concurrent release, a maintainer): commits `file` on main and pushes it. */
async function commitFromElsewhere(bare: string, file: string, content: string, message: string): Promise<void> {
  const clone = join(await temp(), 'clone');
  await run('git', ['clone', '--quiet', bare, clone]);
  await gitIn(clone, 'checkout', '--quiet', '-B', 'main');
  const path = join(clone, file);
  await run('mkdir', ['-p', join(path, '..')]);
  await writeFile(path, content);
  await gitIn(clone, 'add', file);
  await gitIn(clone, '-c', 'user.name=someone', '-c', 'user.email=someone@example.com', 'commit', '--quiet', '-m', message);
  await gitIn(clone, 'push', '--quiet', 'origin', 'HEAD:main');
}

const commitsOf = async (bare: string) => (await gitIn(bare, 'log', '--format=%s', 'main')).split('\n');
const formulaIn = async (bare: string) => gitIn(bare, 'show', `main:${FORMULA_PATH}`);

/** Read the tap, plan, apply: what `publish` will do. */
async function publish(ledger: ReleaseLedger, config: HomebrewConfig, options: TapOptions = { env: {} }) {
  const plan = planHomebrew(ledger, config, await readTapState(config, options));
  return { plan, outcome: await applyHomebrew(ledger, config, plan, options) };
}

describe('the tap (a local bare repository)', () => {
  it('pushes the formula as "glide {version}"; a second run finds the same formula and commits nothing', async () => {
    const config = brewConfig({ tap: await bareTap() });
    const ledger = brewLedgerOf('0.1.0');
    const first = await publish(ledger, config);
    expect(first.plan.mutations).toHaveLength(1);
    expect(first.outcome.pushed).toBe(await gitIn(config.tap, 'rev-parse', 'main'));
    expect(await commitsOf(config.tap)).toEqual(['glide 0.1.0']);
    expect(`${await formulaIn(config.tap)}\n`).toBe(renderFormula(ledger, config));
    expect(await gitIn(config.tap, 'log', '-1', '--format=%an <%ae>', 'main')).toBe('glide-release <glide-release@users.noreply.github.com>');

    const again = await publish(ledger, config);
    expect(again.plan.mutations).toEqual([]);
    expect(again.outcome.pushed).toBeUndefined();
    expect(await commitsOf(config.tap)).toEqual(['glide 0.1.0']);
  });

  it('a newer stable replaces the formula on top of what the tap holds; a maintenance stable and an RC leave it alone', async () => {
    const bare = await bareTap();
    await commitFromElsewhere(bare, 'README.md', '# EinStack tap\n', 'readme');
    const config = brewConfig({ tap: bare });
    await publish(brewLedgerOf('0.1.0'), config);
    await publish(brewLedgerOf('0.2.0'), config);
    expect(await commitsOf(bare)).toEqual(['glide 0.2.0', 'glide 0.1.0', 'readme']);
    expect(await gitIn(bare, 'show', 'main:README.md')).toBe('# EinStack tap');

    const maintenance = await publish(brewLedgerOf('0.1.1'), config);
    expect(maintenance.plan.left).toMatch(/0\.1\.1 is older than the tap's 0\.2\.0/);
    const rc = await publish(brewLedgerOf('0.3.0-rc.1'), config);
    expect(rc.plan.left).toMatch(/release candidate/);
    expect(await commitsOf(bare)).toEqual(['glide 0.2.0', 'glide 0.1.0', 'readme']);
    expect(`${await formulaIn(bare)}\n`).toBe(renderFormula(brewLedgerOf('0.2.0'), config));
  });

  it('the tap moved between the plan and the push: it is read again and planned again (a higher release there → nothing)', async () => {
    const config = brewConfig({ tap: await bareTap() });
    const ledger = brewLedgerOf('0.1.0');
    const stale = planHomebrew(ledger, config, await readTapState(config, { env: {} }));
    await commitFromElsewhere(config.tap, FORMULA_PATH, renderFormula(brewLedgerOf('0.2.0'), config), 'glide 0.2.0');
    const lines: string[] = [];
    const outcome = await applyHomebrew(ledger, config, stale, { env: {}, log: (line) => lines.push(line) });
    expect(outcome.pushed).toBeUndefined();
    expect(outcome.left).toMatch(/older than the tap's 0\.2\.0/);
    expect(lines.join('\n')).toMatch(/moved since the plan/);
    expect(await commitsOf(config.tap)).toEqual(['glide 0.2.0']);
  });

  it('the tap moved during the push: git refuses, the tap is read again and the push retried once on top', async () => {
    const config = brewConfig({ tap: await bareTap() });
    await commitFromElsewhere(config.tap, 'README.md', 'tap\n', 'readme');
    let moves = 0;
    const lines: string[] = [];
    const options: TapOptions = {
      env: {},
      log: (line) => lines.push(line),
      beforePush: async () => {
        if (moves++ === 0) await commitFromElsewhere(config.tap, 'Formula/other.rb', 'class Other < Formula\nend\n', 'other 1.0');
      },
    };
    const { outcome } = await publish(brewLedgerOf('0.1.0'), config, options);
    expect(outcome.pushed).toBeDefined();
    expect(lines.join('\n')).toMatch(/moved during the push/);
    expect(await commitsOf(config.tap)).toEqual(['glide 0.1.0', 'other 1.0', 'readme']);
  });

  it('the tap moving again during the retry is refused (EHOMEBREWPUSH), nothing forced', async () => {
    const config = brewConfig({ tap: await bareTap() });
    let moves = 0;
    const options: TapOptions = {
      env: {},
      beforePush: () => commitFromElsewhere(config.tap, `notes/${moves}.txt`, 'x\n', `move ${++moves}`),
    };
    await expect(publish(brewLedgerOf('0.1.0'), config, options)).rejects.toMatchObject({ code: 'EHOMEBREWPUSH' });
    expect(await commitsOf(config.tap)).toEqual(['move 2', 'move 1']);
  });

  it('a formula that is a symlink in the tap is refused (EHOMEBREWTAP), not written through', async () => {
    const bare = await bareTap();
    const clone = join(await temp(), 'clone');
    await run('git', ['clone', '--quiet', bare, clone]);
    await run('mkdir', ['-p', join(clone, 'Formula')]);
    await run('ln', ['-s', '/etc/passwd', join(clone, FORMULA_PATH)]);
    await gitIn(clone, 'add', FORMULA_PATH);
    await gitIn(clone, '-c', 'user.name=x', '-c', 'user.email=x@example.com', 'commit', '--quiet', '-m', 'link');
    await gitIn(clone, 'push', '--quiet', 'origin', 'HEAD:main');
    await expect(readTapState(brewConfig({ tap: bare }), { env: {} })).rejects.toMatchObject({ code: 'EHOMEBREWTAP' });
  });
});

describe('the token of an https tap', () => {
  it('reaches the server through the credential helper and never appears in an error, a log line or git arguments', async () => {
    const token = 'ghp_TopSecretToken0123456789';
    const seen: IncomingHttpHeaders[] = [];
    const server = createServer((request, response) => {
      seen.push(request.headers);
      if (!request.headers.authorization) response.writeHead(401, { 'WWW-Authenticate': 'Basic realm="tap"' }).end();
      else response.writeHead(403, { 'Content-Type': 'text/plain' }).end(`denied for ${request.headers.authorization}\n`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as { port: number }).port;
      const config = brewConfig({ tap: `http://127.0.0.1:${port}/EinStack/homebrew-tap.git`, tokenEnv: 'TAP_TOKEN' });
      const lines: string[] = [];
      const error = await readTapState(config, { env: { PATH: process.env.PATH, TAP_TOKEN: token }, log: (line) => lines.push(line) }).catch(
        (caught: unknown) => caught,
      );
      expect(error).toMatchObject({ code: 'EHOMEBREWTAP' });
      const basic = `Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`;
      expect(seen.map((headers) => headers.authorization)).toContain(basic);
      const shown = `${(error as Error).message}\n${(error as { details: string[] }).details.join('\n')}\n${lines.join('\n')}`;
      expect(shown).toMatch(/TAP_TOKEN/);
      expect(shown).not.toContain(token);
      expect(shown).not.toContain(Buffer.from(`x-access-token:${token}`).toString('base64'));
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('without a token, git fails at once instead of prompting, and the error names the variable to set', async () => {
    const server = createServer((_request, response) => response.writeHead(401, { 'WWW-Authenticate': 'Basic realm="tap"' }).end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as { port: number }).port;
      const config = brewConfig({ tap: `http://127.0.0.1:${port}/tap.git` });
      const error = await readTapState(config, { env: { PATH: process.env.PATH } }).catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: 'EHOMEBREWTAP' });
      expect((error as { details: string[] }).details.join('\n')).toMatch(/HOMEBREW_TAP_TOKEN/);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
