import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { buildHelmChart, type BuiltChart } from '../../release/src/channels/helm/index.js';
import { describeHelmIndexMutation, INDEX_PATH, planHelmIndex } from '../../release/src/channels/helm/repo-index.js';
import { parseConfig } from '../../release/src/config.js';
import type { BranchState } from '../../release/src/channels/git-branch.js';
import { ledgerOf } from '../helpers/publish-world.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');
const CONFIG = { chart: 'glide-chart', distro: 'alpine' } as const;
const INDEX = { repo: '/srv/charts.git', branch: 'gh-pages', url: 'https://einstack.github.io/charts/' };
const HEAD = 'a'.repeat(40);

const build = (version: string) => buildHelmChart({ repoRoot: FIXTURES, config: CONFIG, ledger: ledgerOf(version), changes: ['Chart follows the release'] });
const state = (index?: string, files: Record<string, string> = {}): BranchState => ({
  head: index === undefined && Object.keys(files).length === 0 ? undefined : HEAD,
  files: new Map<string, string | undefined>([[INDEX_PATH, index], ...Object.entries(files)]),
});
const plan = (chart: BuiltChart, branch: BranchState) => planHelmIndex(ledgerOf(chart.rendered.version), INDEX, chart, branch);
const indexOf = (chart: BuiltChart, branch: BranchState) => {
  const [mutation] = plan(chart, branch);
  return parseYaml(mutation!.files.find((file) => file.path === INDEX_PATH)!.content as string) as {
    apiVersion: string;
    generated: string;
    entries: Record<string, Array<Record<string, unknown>>>;
  };
};
const hex = (chart: BuiltChart) => chart.packaged.digest.slice('sha256:'.length);
const versionsIn = (index: ReturnType<typeof indexOf>, name = 'glide') => index.entries[name]!.map((entry) => entry.version);

/** An index as another writer (chart-releaser, a maintainer) left it. */
const existing = (versions: readonly string[], extra = '') =>
  `apiVersion: v1\nentries:\n  glide:\n${versions.map((version) => `  - name: glide\n    version: ${version}\n    digest: "${version.replace(/\D/g, '').padEnd(64, '0')}"\n    urls:\n    - https://github.com/EinStack/charts/releases/download/glide-${version}/glide-${version}.tgz\n`).join('')}${extra}generated: "2024-01-01T00:00:00Z"\n`;

describe('planHelmIndex', () => {
  it('an empty branch gets index.yaml with this version alone and the tgz, in one commit on no parent', async () => {
    const chart = await build('0.1.0');
    const [mutation, ...rest] = plan(chart, state());
    expect(rest).toEqual([]);
    expect(mutation).toMatchObject({
      kind: 'push-helm-index',
      base: undefined,
      message: 'glide 0.1.0',
      chartFile: 'glide-0.1.0.tgz',
      digest: chart.packaged.digest,
    });
    expect(mutation!.files.map((file) => file.path)).toEqual([INDEX_PATH, 'glide-0.1.0.tgz']);
    expect(mutation!.files[1]!.content).toBe(chart.packaged.bytes);
    const index = indexOf(chart, state());
    expect(index.apiVersion).toBe('v1');
    expect(index.generated).toBe('2024-07-09T10:00:00Z');
    expect(index.entries.glide).toEqual([
      {
        ...JSON.parse(chart.artifact.config.bytes.toString()),
        urls: ['https://einstack.github.io/charts/glide-0.1.0.tgz'],
        digest: hex(chart),
        created: '2024-07-09T10:00:00Z',
      },
    ]);
  });

  it("writes the entry's keys sorted and quotes timestamps, as Helm's index.yaml has them", async () => {
    const text = plan(await build('0.1.0'), state())[0]!.files[0]!.content as string;
    expect(text).toMatch(/^apiVersion: v1\nentries:\n {2}glide:\n {4}- annotations:\n/);
    expect(text).toContain('created: "2024-07-09T10:00:00Z"');
    expect(text).toMatch(/\ngenerated: "2024-07-09T10:00:00Z"\n$/);
    const keys = [...text.matchAll(/^ {6}([a-zA-Z]+):/gm)].map((match) => match[1]!);
    expect(keys).toEqual([...keys].sort());
    // Helm reads the index with UnmarshalStrict: a key outside chart.Metadata and ChartVersion fails the whole index.
    const helmFields = [
      ...['name', 'home', 'sources', 'version', 'description', 'keywords', 'maintainers', 'icon', 'apiVersion', 'condition', 'tags'],
      ...['appVersion', 'deprecated', 'annotations', 'kubeVersion', 'dependencies', 'type', 'urls', 'created', 'removed', 'digest'],
    ];
    expect(keys.filter((key) => !helmFields.includes(key))).toEqual([]);
    expect(Object.keys(parseYaml(text) as object)).toEqual(['apiVersion', 'entries', 'generated']);
  });

  it.each([
    { have: ['0.2.0', '0.0.3', '0.0.2'], add: '0.1.0', order: ['0.2.0', '0.1.0', '0.0.3', '0.0.2'] },
    { have: ['0.0.3'], add: '0.1.0', order: ['0.1.0', '0.0.3'] },
    { have: ['0.0.3'], add: '0.1.0-rc.1', order: ['0.1.0-rc.1', '0.0.3'] },
    { have: ['0.1.0-rc.1', '0.0.3'], add: '0.1.0', order: ['0.1.0', '0.1.0-rc.1', '0.0.3'] },
    { have: ['0.1.0'], add: '0.1.0-rc.2', order: ['0.1.0', '0.1.0-rc.2'] },
  ])('adds $add to $have newest first, keeping the other entries as they were', async ({ have, add, order }) => {
    const before = parseYaml(existing(have)) as { entries: { glide: unknown[] } };
    const index = indexOf(await build(add), state(existing(have)));
    expect(versionsIn(index)).toEqual(order);
    expect(index.entries.glide!.filter((entry) => entry.version !== add)).toEqual(before.entries.glide);
  });

  it("keeps other charts' entries and unknown top-level fields", async () => {
    const text =
      existing(['0.0.3']).replace('entries:\n', 'entries:\n  other:\n  - name: other\n    version: 1.0.0\n    urls: [https://x/other-1.0.0.tgz]\n') +
      'serverInfo:\n  contextPath: /charts\n';
    const index = indexOf(await build('0.1.0'), state(text)) as ReturnType<typeof indexOf> & { serverInfo: unknown };
    expect(versionsIn(index, 'other')).toEqual(['1.0.0']);
    expect(index.serverInfo).toEqual({ contextPath: '/charts' });
  });

  it('carries the prerelease annotation of an RC, and says prerelease in its line', async () => {
    const chart = await build('0.1.0-rc.1');
    const [mutation] = plan(chart, state());
    expect(indexOf(chart, state()).entries.glide![0]!.annotations).toMatchObject({ 'artifacthub.io/prerelease': 'true' });
    expect(describeHelmIndexMutation(mutation!)).toBe(
      `helm: git push /srv/charts.git gh-pages index.yaml, glide-0.1.0-rc.1.tgz "glide 0.1.0-rc.1" (digest ${chart.packaged.digest}, prerelease)`,
    );
  });

  it('the same version with the same digest already listed → nothing', async () => {
    const chart = await build('0.1.0');
    const merged = plan(chart, state())[0]!.files[0]!.content as string;
    expect(plan(chart, state(merged, { 'glide-0.1.0.tgz': 'tgz' }))).toEqual([]);
  });

  it('the same version with another digest → EHELMCLOBBER naming both digests, nothing planned', async () => {
    const chart = await build('0.1.0');
    const error = (() => {
      try {
        return plan(chart, state(existing(['0.1.0'])));
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toMatchObject({ code: 'EHELMCLOBBER', message: expect.stringContaining(hex(chart)) });
    expect((error as Error).message).toMatch(/^gh-pages of \/srv\/charts\.git already lists glide 0\.1\.0 /);
    expect((error as Error).message).toContain('0100'.padEnd(64, '0'));
  });

  it('a tgz of this version in the branch that the index does not list is refused (EHELMINDEX), not replaced', async () => {
    const chart = await build('0.1.0');
    expect(() => plan(chart, state(existing(['0.0.3']), { 'glide-0.1.0.tgz': 'other bytes' }))).toThrow(
      expect.objectContaining({ code: 'EHELMINDEX', message: expect.stringContaining('glide-0.1.0.tgz') }),
    );
  });

  it('plans nothing for a snapshot', async () => {
    const chart = await build('0.1.0');
    expect(planHelmIndex({ ...ledgerOf('0.1.0'), stage: 'snapshot' }, INDEX, chart, state())).toEqual([]);
  });

  it.each([
    ['not YAML', 'apiVersion: v1\nentries: [unclosed\n', /not YAML/],
    ['a list', '- apiVersion: v1\n', /not a mapping/],
    ['an HTML page', '<html><body>404</body></html>\n', /not a mapping|apiVersion/],
    ['no apiVersion', 'entries: {}\n', /apiVersion is null/],
    ['another apiVersion', 'apiVersion: v2\nentries: {}\n', /apiVersion is "v2"/],
    ['entries a list', 'apiVersion: v1\nentries: [glide]\n', /entries are not a mapping/],
    ['versions a mapping', 'apiVersion: v1\nentries:\n  glide: {version: 0.1.0}\n', /entries\.glide is not a list/],
    ['an entry without a version', 'apiVersion: v1\nentries:\n  glide:\n  - name: glide\n', /has no version/],
    ['duplicate keys', 'apiVersion: v1\napiVersion: v1\nentries: {}\n', /not YAML/],
    [
      'an alias bomb',
      `apiVersion: v1\na: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [${'*a, '.repeat(20)}*a]\nc: &c [${'*b, '.repeat(20)}*b]\nd: [${'*c, '.repeat(20)}*c]\nentries: {}\n`,
      /resource exhaustion|alias/i,
    ],
  ])('refuses an index.yaml that is %s (EHELMINDEX), planning nothing', async (_what, text, why) => {
    const chart = await build('0.1.0');
    expect(() => plan(chart, state(text))).toThrow(expect.objectContaining({ code: 'EHELMINDEX', message: expect.stringMatching(why) }));
  });

  it('a chart name that is __proto__ in the index stays a plain key', async () => {
    const text = 'apiVersion: v1\nentries:\n  __proto__:\n  - version: 1.0.0\n';
    const index = indexOf(await build('0.1.0'), state(text));
    expect(Object.keys(index.entries)).toEqual(['__proto__', 'glide']);
    expect(({} as Record<string, unknown>).version).toBeUndefined();
  });
});

describe('channels.helm.index in the config', () => {
  const withIndex = (index: Record<string, unknown>) =>
    parseConfig(JSON.stringify({ channels: { helm: { index } } }), 'glide-release.config.json') as unknown as {
      channels: { helm: { index: Record<string, unknown> } };
    };

  it('defaults the branch to gh-pages and the token variable to HELM_REPO_TOKEN', () => {
    expect(withIndex({ repo: 'https://github.com/EinStack/charts.git', url: 'https://einstack.github.io/charts' }).channels.helm.index).toMatchObject({
      branch: 'gh-pages',
      tokenEnv: 'HELM_REPO_TOKEN',
    });
  });

  it.each([
    { repo: 'https://ghp_secret@github.com/EinStack/charts.git', url: 'https://einstack.github.io/charts' },
    { repo: 'https://github.com/EinStack/charts.git', url: 'https://user:pw@einstack.github.io/charts' },
    { repo: 'https://github.com/EinStack/charts.git', url: 'einstack.github.io/charts' },
    { repo: 'https://github.com/EinStack/charts.git' },
  ])('refuses %o', (index) => {
    expect(() => withIndex(index)).toThrow(expect.objectContaining({ code: 'ECONFIG' }));
  });
});
