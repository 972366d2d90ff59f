// The classic chart repository pushed to a local bare repository with real git, its branch
// served by nginx on loopback, and read back as a Helm client reads a repository: index.yaml,
// the version it would pick, the download and its digest.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import semver from 'semver';
import * as tar from 'tar';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { GitBranchOptions } from '../../release/src/channels/git-branch.js';
import type { HelmIndexConfig } from '../../release/src/channels/helm/config.js';
import { buildHelmChart, type BuiltChart } from '../../release/src/channels/helm/index.js';
import { applyHelmIndex, readHelmIndexState } from '../../release/src/channels/helm/pages.js';
import { INDEX_PATH, planHelmIndex } from '../../release/src/channels/helm/repo-index.js';
import { ledgerOf } from '../helpers/publish-world.js';
import { startNginx, type Nginx } from '../helpers/nginx.js';

const run = promisify(execFile);
const FIXTURES = join(import.meta.dirname, '..', 'fixtures');

let nginx: Nginx;
let served: string;
beforeAll(async () => {
  served = await mkdtemp(join(tmpdir(), 'helm-pages-'));
  nginx = await startNginx(served);
});
afterAll(async () => {
  await nginx?.stop();
  if (served) await rm(served, { recursive: true, force: true });
});

const temps: string[] = [];
async function temp(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'helm-index-test-'));
  temps.push(dir);
  return dir;
}
afterEach(async () => {
  await Promise.all(temps.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

const charts = new Map<string, BuiltChart>();
async function chartOf(version: string): Promise<BuiltChart> {
  if (!charts.has(version)) {
    charts.set(
      version,
      await buildHelmChart({
        repoRoot: FIXTURES,
        config: { chart: 'glide-chart', distro: 'alpine' },
        ledger: ledgerOf(version),
        changes: ['Chart follows the release'],
      }),
    );
  }
  return charts.get(version)!;
}

async function barePages(): Promise<string> {
  const bare = join(await temp(), 'charts.git');
  await run('git', ['init', '--quiet', '--bare', '--initial-branch=main', bare]);
  return bare;
}

const configFor = (repo: string): HelmIndexConfig => ({
  repo,
  branch: 'gh-pages',
  url: `${nginx.url}/charts`,
  tokenEnv: 'HELM_REPO_TOKEN',
  committer: { name: 'glide-release', email: 'glide-release@users.noreply.github.com' },
});

/** Read the branch, plan, apply: what publish does for the index. */
async function publish(version: string, config: HelmIndexConfig, options: GitBranchOptions = { env: {} }) {
  const chart = await chartOf(version);
  const ledger = ledgerOf(version);
  const mutations = planHelmIndex(ledger, config, chart, await readHelmIndexState(config, chart, options));
  const pushed = mutations[0] ? await applyHelmIndex(ledger, config, chart, mutations[0], options) : undefined;
  return { mutations, pushed };
}

const git = async (bare: string, ...args: string[]) => (await run('git', ['--git-dir', bare, ...args])).stdout.trim();
const commitsOf = async (bare: string) => (await git(bare, 'log', '--format=%s', 'gh-pages')).split('\n');

/** Another writer of the branch (a concurrent release, a maintainer): commits `file` on gh-pages. */
async function commitFromElsewhere(bare: string, file: string, content: string, message: string): Promise<void> {
  const clone = join(await temp(), 'clone');
  await run('git', ['clone', '--quiet', '--branch', 'gh-pages', bare, clone]);
  await writeFile(join(clone, file), content);
  await run('git', ['-C', clone, 'add', file]);
  await run('git', ['-C', clone, '-c', 'user.name=someone', '-c', 'user.email=someone@example.com', 'commit', '--quiet', '-m', message]);
  await run('git', ['-C', clone, 'push', '--quiet', 'origin', 'HEAD:gh-pages']);
}

/** Puts the branch's files where nginx serves `{url}` (GitHub Pages' part). */
async function serve(bare: string): Promise<void> {
  const root = join(served, 'charts');
  await rm(root, { recursive: true, force: true });
  await mkdir(root, { recursive: true });
  const archive = join(await temp(), 'pages.tar');
  await run('git', ['--git-dir', bare, 'archive', '--output', archive, 'gh-pages']);
  await tar.x({ file: archive, cwd: root });
}

/**
 * What `helm repo update` + `helm install glide` (or `--devel`) do: fetch index.yaml, pick
 * the highest version the constraint allows, download its first url, check its digest.
 */
async function helmClientPicks(repoUrl: string, devel: boolean): Promise<{ version: string; chartYaml: string }> {
  const index = parseYaml(await (await fetch(`${repoUrl}/index.yaml`)).text()) as {
    apiVersion: string;
    entries: Record<string, Array<Record<string, unknown>>>;
  };
  expect(index.apiVersion).toBe('v1');
  const entries = index.entries.glide!;
  // Helm's default constraint skips prereleases; --devel is `>0.0.0-0`.
  const version = semver.maxSatisfying(
    entries.map((entry) => entry.version as string),
    devel ? '>0.0.0-0' : '*',
    { includePrerelease: devel },
  )!;
  const entry = entries.find((candidate) => candidate.version === version)!;
  const response = await fetch((entry.urls as string[])[0]!);
  expect(response.status).toBe(200);
  const bytes = Buffer.from(await response.arrayBuffer());
  expect(createHash('sha256').update(bytes).digest('hex')).toBe(entry.digest);
  const file = join(await temp(), 'chart.tgz');
  await writeFile(file, bytes);
  let chartYaml = '';
  await tar.t({
    file,
    onReadEntry: (tarEntry) => {
      const chunks: Buffer[] = [];
      tarEntry.on('data', (chunk: Buffer) => chunks.push(chunk));
      tarEntry.on('end', () => {
        if (tarEntry.path === 'glide/Chart.yaml') chartYaml = Buffer.concat(chunks).toString('utf8');
      });
    },
  });
  return { version, chartYaml };
}

describe('the classic chart repository (a local bare repository, served by nginx)', () => {
  it('first push, a second version, and a re-run that pushes nothing; a Helm client picks the stable and, with --devel only, the RC', async () => {
    const bare = await barePages();
    const config = configFor(bare);
    const first = await publish('0.1.0', config);
    expect(first.pushed).toBe(await git(bare, 'rev-parse', 'gh-pages'));
    expect(await git(bare, 'ls-tree', '--name-only', 'gh-pages')).toBe(['glide-0.1.0.tgz', INDEX_PATH].join('\n'));
    expect(await git(bare, 'log', '-1', '--format=%an <%ae>', 'gh-pages')).toBe('glide-release <glide-release@users.noreply.github.com>');

    await publish('0.2.0-rc.1', config);
    expect(await commitsOf(bare)).toEqual(['glide 0.2.0-rc.1', 'glide 0.1.0']);
    const again = await publish('0.2.0-rc.1', config);
    expect(again.mutations).toEqual([]);
    expect(await publish('0.1.0', config)).toMatchObject({ mutations: [] });
    expect(await commitsOf(bare)).toEqual(['glide 0.2.0-rc.1', 'glide 0.1.0']);

    await serve(bare);
    const stable = await helmClientPicks(config.url, false);
    expect(stable.version).toBe('0.1.0');
    expect(parseYaml(stable.chartYaml)).toMatchObject({ name: 'glide', version: '0.1.0', appVersion: '0.1.0' });
    const devel = await helmClientPicks(config.url, true);
    expect(devel.version).toBe('0.2.0-rc.1');
    expect(parseYaml(devel.chartYaml)).toMatchObject({ version: '0.2.0-rc.1', annotations: { 'artifacthub.io/prerelease': 'true' } });
  });

  it('the pushed tgz is byte for byte the package the OCI push uses', async () => {
    const bare = await barePages();
    await publish('0.1.0', configFor(bare));
    const { stdout } = await run('git', ['--git-dir', bare, 'cat-file', 'blob', 'gh-pages:glide-0.1.0.tgz'], { encoding: 'buffer' });
    expect(Buffer.from(stdout)).toEqual((await chartOf('0.1.0')).artifact.layer.bytes);
  });

  it('the branch moved during the push (another release): read again, planned again on top, both versions listed', async () => {
    const bare = await barePages();
    const config = configFor(bare);
    await publish('0.1.0', config);
    let moves = 0;
    const lines: string[] = [];
    const options: GitBranchOptions = {
      env: {},
      log: (line) => lines.push(line),
      beforePush: async () => {
        if (moves++ === 0) await commitFromElsewhere(bare, 'README.md', '# charts\n', 'readme');
      },
    };
    const outcome = await publish('0.2.0', config, options);
    expect(outcome.pushed).toBeDefined();
    expect(lines.join('\n')).toMatch(/moved during the push/);
    expect(await commitsOf(bare)).toEqual(['glide 0.2.0', 'readme', 'glide 0.1.0']);
    const index = parseYaml(await git(bare, 'show', `gh-pages:${INDEX_PATH}`)) as { entries: { glide: Array<{ version: string }> } };
    expect(index.entries.glide.map((entry) => entry.version)).toEqual(['0.2.0', '0.1.0']);
  });

  it('a release that pushed the same version meanwhile: re-planned to nothing, nothing forced', async () => {
    const bare = await barePages();
    const config = configFor(bare);
    const chart = await chartOf('0.1.0');
    const stale = planHelmIndex(ledgerOf('0.1.0'), config, chart, await readHelmIndexState(config, chart, { env: {} }));
    await publish('0.1.0', config);
    expect(await applyHelmIndex(ledgerOf('0.1.0'), config, chart, stale[0]!, { env: {} })).toBeUndefined();
    expect(await commitsOf(bare)).toEqual(['glide 0.1.0']);
  });

  it.each([INDEX_PATH, 'glide-0.1.0.tgz'])('a %s that is a symlink in the branch is refused (EHELMINDEX), not written through', async (path) => {
    const bare = await barePages();
    const clone = join(await temp(), 'clone');
    await run('git', ['clone', '--quiet', bare, clone]);
    await run('git', ['-C', clone, 'checkout', '--quiet', '-b', 'gh-pages']);
    await run('ln', ['-s', '/etc/passwd', join(clone, path)]);
    await run('git', ['-C', clone, 'add', path]);
    await run('git', ['-C', clone, '-c', 'user.name=x', '-c', 'user.email=x@example.com', 'commit', '--quiet', '-m', 'link']);
    await run('git', ['-C', clone, 'push', '--quiet', 'origin', 'HEAD:gh-pages']);
    await expect(publish('0.1.0', configFor(bare))).rejects.toMatchObject({ code: 'EHELMINDEX', message: expect.stringContaining('not a plain file') });
    expect(await commitsOf(bare)).toEqual(['link']);
  });
});

describe('the token of an https chart repository', () => {
  it('reaches git through the credential helper only: a refused read is EHELMINDEX naming the variable, never the token', async () => {
    const token = 'ghp_HelmIndexSecret0123456789';
    const seen: (string | undefined)[] = [];
    const server = createServer((request, response) => {
      seen.push(request.headers.authorization);
      if (!request.headers.authorization) response.writeHead(401, { 'WWW-Authenticate': 'Basic realm="charts"' }).end();
      else response.writeHead(403, { 'Content-Type': 'text/plain' }).end(`denied for ${request.headers.authorization}\n`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as { port: number }).port;
      const config = configFor(`http://127.0.0.1:${port}/EinStack/charts.git`);
      const lines: string[] = [];
      const error = await publish('0.1.0', config, { env: { PATH: process.env.PATH, HELM_REPO_TOKEN: token }, log: (line) => lines.push(line) }).catch(
        (caught: unknown) => caught,
      );
      expect(error).toMatchObject({ code: 'EHELMINDEX' });
      expect(seen).toContain(`Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`);
      const shown = `${(error as Error).message}\n${(error as { details: string[] }).details.join('\n')}\n${lines.join('\n')}`;
      expect(shown).toMatch(/HELM_REPO_TOKEN/);
      expect(shown).not.toContain(token);
      expect(shown).not.toContain(Buffer.from(`x-access-token:${token}`).toString('base64'));
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
