// Template sources: the spec a user writes, a local folder (a stranger's files), and a GitHub
// repository's tarball from the loopback stand-in (never github.com).
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, symlink, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { create as createTar } from 'tar';
import { HttpClient } from '../../src/net/http.js';
import { BUNDLED_TEMPLATE } from '../../src/scaffold/bundled-template.js';
import { demoProjectFiles } from '../../src/scaffold/demo.js';
import { loadTemplate, parseTemplateSpec, TEMPLATE_LIMITS } from '../../src/scaffold/template.js';
import { startGitHubStandin, type GitHubStandin } from '../helpers/github-standin.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'template-'));
});

async function folder(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(work, 'folder-'));
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  return dir;
}

describe('parseTemplateSpec', () => {
  it.each([
    ['demo', { kind: 'bundled' }],
    ['./mine', { kind: 'folder', path: './mine' }],
    ['/abs/path', { kind: 'folder', path: '/abs/path' }],
    ['templates/mine', { kind: 'folder', path: 'templates/mine' }],
    ['C:\\templates\\mine', { kind: 'folder', path: 'C:\\templates\\mine' }],
    ['github:EinStack/glide-demo', { kind: 'github', repo: 'EinStack/glide-demo' }],
    ['github:EinStack/glide-demo.git#main', { kind: 'github', repo: 'EinStack/glide-demo', ref: 'main' }],
    ['github:a-b/c.d_e#feature/x-1', { kind: 'github', repo: 'a-b/c.d_e', ref: 'feature/x-1' }],
    ['github:o/r#0.1.0-rc.1', { kind: 'github', repo: 'o/r', ref: '0.1.0-rc.1' }],
  ])('%s', (text, expected) => {
    expect(parseTemplateSpec(text)).toEqual(expected);
  });

  it.each([
    '',
    '  ',
    'gitlab:o/r',
    'https://github.com/o/r',
    'github:o',
    'github:o/r/x',
    'github:-o/r',
    'github:o/..',
    'github:o/r#a..b',
    'github:o/r#a b',
    'github:o/r#',
    'github:o/r#x#y',
    'github:o/r#../../etc',
  ])('refuses %j with EUSAGE', (text) => {
    expect(() => parseTemplateSpec(text)).toThrow(expect.objectContaining({ code: 'EUSAGE' }));
  });
});

describe('a folder template', () => {
  it('takes its text files, nested ones included, and leaves .git out', async () => {
    const dir = await folder({ 'README.md': 'hi {{port}}\n', 'conf/extra.yaml': 'a: 1\n', '.git/config': '[core]\n' });
    await writeFile(join(dir, 'run.sh'), '#!/bin/sh\n');
    await chmod(join(dir, 'run.sh'), 0o755);
    const template = await loadTemplate(parseTemplateSpec(dir));
    expect(template.files.map((file) => [file.path, file.mode]).sort()).toEqual([
      ['README.md', 0o644],
      ['conf/extra.yaml', 0o644],
      ['run.sh', 0o755],
    ]);
  });

  it('a relative path is read from cwd', async () => {
    const dir = await folder({ 'README.md': 'x\n' });
    const template = await loadTemplate({ kind: 'folder', path: dir.slice(work.length + 1) }, { cwd: work });
    expect(template.files.map((file) => file.path)).toEqual(['README.md']);
  });

  it('refuses a symbolic link, even one to a file beside it, and a link out of it', async () => {
    const secret = join(work, 'secret.txt');
    await writeFile(secret, 'PRIVATE\n');
    for (const target of [secret, 'README.md']) {
      const dir = await folder({ 'README.md': 'x\n' });
      await symlink(target, join(dir, 'linked.txt'));
      const error = await loadTemplate(parseTemplateSpec(dir)).catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: 'ETEMPLATE', message: expect.stringContaining('linked.txt is a symbolic link') });
    }
  });

  it('refuses a linked folder inside it', async () => {
    const dir = await folder({ 'README.md': 'x\n' });
    await symlink(work, join(dir, 'up'));
    await expect(loadTemplate(parseTemplateSpec(dir))).rejects.toMatchObject({ code: 'ETEMPLATE', message: expect.stringContaining('up is a symbolic link') });
  });

  it('refuses a FIFO without hanging on it', async () => {
    const dir = await folder({ 'README.md': 'x\n' });
    execFileSync('mkfifo', [join(dir, 'pipe')]);
    await expect(loadTemplate(parseTemplateSpec(dir))).rejects.toMatchObject({
      code: 'ETEMPLATE',
      message: expect.stringContaining('pipe is not a regular file'),
    });
  });

  it('refuses a file that is not UTF-8 text, and one too large', async () => {
    const binary = await folder({});
    await writeFile(join(binary, 'logo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0xff, 0xfe]));
    await expect(loadTemplate(parseTemplateSpec(binary))).rejects.toMatchObject({
      code: 'ETEMPLATE',
      message: expect.stringContaining('logo.png is not UTF-8 text'),
    });
    const large = await folder({ 'big.txt': 'x'.repeat(TEMPLATE_LIMITS.fileBytes + 1) });
    await expect(loadTemplate(parseTemplateSpec(large))).rejects.toMatchObject({ code: 'ETEMPLATE', message: expect.stringContaining('big.txt is larger') });
  });

  it('a missing folder says so, and hints at github: for owner/repo', async () => {
    await expect(loadTemplate(parseTemplateSpec('acme/templates'), { cwd: work })).rejects.toMatchObject({
      code: 'ETEMPLATE',
      details: [expect.stringContaining('github:acme/templates')],
    });
  });
});

describe('a GitHub template', () => {
  let github: GitHubStandin;
  let client: HttpClient;
  let repo: string;
  const TOKEN = 'ghp_template_token_0123456789';

  /** A tarball exactly as GitHub makes one: `git archive` of a commit under `{owner}-{repo}-{sha}/`. */
  function gitArchive(dir: string, out: string): string {
    execFileSync('git', ['archive', '--format=tar.gz', '--prefix=acme-demo-abc1234/', '-o', out, 'HEAD'], { cwd: dir });
    return out;
  }

  /** A hostile tarball the tar package writes: entries git archive would never make. */
  async function craftedTarball(name: string, build: (dir: string) => Promise<string[]>): Promise<string> {
    const dir = await mkdtemp(join(work, 'crafted-'));
    const entries = await build(dir);
    const out = join(work, `${name}.tar.gz`);
    await createTar({ gzip: true, file: out, cwd: dir, portable: true }, entries);
    return out;
  }

  beforeAll(async () => {
    repo = await folder({ 'README.md': 'Chat on {{port}}\n', 'compose.yaml': '{{#docker}}\nservices: {}\n{{/docker}}\n', 'docs/notes.md': 'n\n' });
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: repo });
    git('init', '-q');
    git('add', '.');
    git('commit', '-qm', 'template');
    git('tag', 'v1');
    const linked = await craftedTarball('linked', async (dir) => {
      await mkdir(join(dir, 'acme-demo-abc'));
      await symlink('/etc/passwd', join(dir, 'acme-demo-abc', 'passwd'));
      return ['acme-demo-abc'];
    });
    const climbing = await craftedTarball('climbing', async (dir) => {
      await mkdir(join(dir, 'acme-demo-abc'));
      await mkdir(join(dir, 'other'));
      await writeFile(join(dir, 'other', 'x.txt'), 'x\n');
      await writeFile(join(dir, 'acme-demo-abc', 'README.md'), 'x\n');
      return ['acme-demo-abc', 'other'];
    });
    github = await startGitHubStandin({
      repo: 'acme/demo',
      releases: [],
      token: TOKEN,
      tarballs: { '': gitArchive(repo, join(work, 'head.tar.gz')), v1: gitArchive(repo, join(work, 'v1.tar.gz')), linked, climbing },
    });
    client = new HttpClient({
      proxy: {},
      apiOrigin: new URL(github.apiUrl).origin,
      token: { value: TOKEN, source: 'GLIDE_GITHUB_TOKEN' },
      userAgent: 'test',
      retries: 0,
    });
  });
  afterAll(async () => {
    await client?.close();
    await github?.close();
  });

  it('fetches the tarball through the API, sends the token to the API only, and takes the files under its folder', async () => {
    const template = await loadTemplate(parseTemplateSpec('github:acme/demo#v1'), { client, githubApiUrl: github.apiUrl });
    expect(template.source).toBe('github:acme/demo#v1');
    expect(template.fallback).toBeUndefined();
    expect(template.files.map((file) => file.path).sort()).toEqual(['README.md', 'compose.yaml', 'docs/notes.md']);
    const files = demoProjectFiles({ provider: 'openai', values: {}, port: 9099, method: 'binary', glideVersion: '0.1.0' }, template);
    expect(files.find((file) => file.path === 'README.md')?.content).toBe('Chat on 9099\n');
    // Rendered empty for the binary method: not written.
    expect(files.map((file) => file.path)).not.toContain('compose.yaml');
    const requests = github.log.slice(-2);
    expect(requests.map((request) => [request.host, request.authorization])).toEqual([
      ['api', true],
      ['web', false],
    ]);
  });

  it('without a ref, the default branch', async () => {
    const template = await loadTemplate(parseTemplateSpec('github:acme/demo'), { client, githubApiUrl: github.apiUrl });
    expect(template.files).toHaveLength(3);
    expect(github.log.at(-2)?.path).toBe('/repos/acme/demo/tarball');
  });

  it('a ref that does not exist is ETEMPLATE, not the bundled demo', async () => {
    await expect(loadTemplate(parseTemplateSpec('github:acme/demo#nope'), { client, githubApiUrl: github.apiUrl })).rejects.toMatchObject({
      code: 'ETEMPLATE',
      message: 'github:acme/demo#nope was not found (404).',
    });
  });

  it.each([
    ['linked', 'passwd is a symbolic link'],
    ['climbing', 'is outside the repository'],
  ])('refuses the %s tarball', async (ref, why) => {
    await expect(loadTemplate(parseTemplateSpec(`github:acme/demo#${ref}`), { client, githubApiUrl: github.apiUrl })).rejects.toMatchObject({
      code: 'ETEMPLATE',
      message: expect.stringContaining(why),
    });
  });

  it('offline, the bundled demo stands in and says why', async () => {
    const closed = await startGitHubStandin({ repo: 'acme/demo', releases: [] });
    const apiUrl = closed.apiUrl;
    await closed.close();
    const offline = new HttpClient({ proxy: {}, apiOrigin: new URL(apiUrl).origin, userAgent: 'test', retries: 0 });
    try {
      const template = await loadTemplate(parseTemplateSpec('github:acme/demo'), { client: offline, githubApiUrl: apiUrl });
      expect(template.files).toBe(BUNDLED_TEMPLATE.files);
      expect(template.fallback).toMatch(/^github:acme\/demo could not be fetched \(Could not reach .*ECONNREFUSED.*\); the bundled demo is used instead$/);
      expect(template.fallback).not.toContain(TOKEN);
    } finally {
      await offline.close();
    }
  });

  it('cancelled (Ctrl-C) is not offline: no bundled stand-in', async () => {
    const cancelled = loadTemplate(parseTemplateSpec('github:acme/demo'), { client, githubApiUrl: github.apiUrl, signal: AbortSignal.abort() });
    await expect(cancelled).rejects.toMatchObject({ code: 'ECANCELLED' });
  });

  it('the bundled template needs no client at all', async () => {
    expect(await loadTemplate(parseTemplateSpec('demo'))).toBe(BUNDLED_TEMPLATE);
    expect(await readFile(join(repo, 'README.md'), 'utf8')).toBe('Chat on {{port}}\n');
  });
});
