import { cp, mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import * as tar from 'tar';
import { afterEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { GlideError } from '#contract';
import { readChartFolder, renderChart } from '../../release/src/channels/helm/chart.js';
import { buildHelmChart } from '../../release/src/channels/helm/index.js';
import { chartAnnotations, chartArtifact, chartTag, HELM_CHART_LAYER_MEDIA_TYPE, HELM_CONFIG_MEDIA_TYPE } from '../../release/src/channels/helm/oci.js';
import { packageEntries } from '../../release/src/channels/helm/package.js';
import { describeHelmMutation, helmPolicy, helmPushTarget, planHelm } from '../../release/src/channels/helm/plan.js';
import { chartProblems } from '../../release/src/channels/helm/validate.js';
import { parseConfig } from '../../release/src/config.js';
import { ledgerOf } from '../helpers/publish-world.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');
const CHART = 'glide-chart';
const CONFIG = { chart: CHART, distro: 'alpine', registry: '127.0.0.1:5000/einstack/charts' } as const;

const temps: string[] = [];
afterEach(async () => {
  await Promise.all(temps.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function tempCopyOfChart(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'helm-chart-test-'));
  temps.push(root);
  await cp(join(FIXTURES, CHART), join(root, CHART), { recursive: true });
  return root;
}

const build = (version: string, changes: readonly string[] = ['Chart follows the release']) =>
  buildHelmChart({ repoRoot: FIXTURES, config: CONFIG, ledger: ledgerOf(version), changes });

/** The entries of a .tgz: name, mode, mtime and text. */
async function entriesOf(tgz: Buffer): Promise<Array<{ path: string; mode: number; mtime: string; text: string }>> {
  const dir = await mkdtemp(join(tmpdir(), 'helm-tgz-'));
  temps.push(dir);
  const file = join(dir, 'chart.tgz');
  await writeFile(file, tgz);
  const entries: Array<{ path: string; mode: number; mtime: string; text: string }> = [];
  await tar.t({
    file,
    onReadEntry: (entry) => {
      const chunks: Buffer[] = [];
      entry.on('data', (chunk: Buffer) => chunks.push(chunk));
      entry.on('end', () =>
        entries.push({ path: entry.path, mode: entry.mode ?? 0, mtime: entry.mtime?.toISOString() ?? '', text: Buffer.concat(chunks).toString('utf8') }),
      );
    },
  });
  return entries;
}

describe('the chart rendered from the ledger', () => {
  it.each([
    { version: '0.1.0-rc.1', prerelease: 'true' },
    { version: '0.1.0', prerelease: 'false' },
  ])('$version: version and appVersion are the release, quoted; ArtifactHub annotations as YAML strings', async ({ version, prerelease }) => {
    const { rendered } = await build(version);
    const chartYaml = rendered.files.get('Chart.yaml')!.toString('utf8');
    expect(chartYaml).toContain(`version: "${version}"`);
    expect(chartYaml).toContain(`appVersion: "${version}"`);
    // The maintainer's comment survives: the file is edited, not rewritten from scratch.
    expect(chartYaml).toContain("# Glide's chart.");
    const annotations = (parseYaml(chartYaml) as { annotations: Record<string, string> }).annotations;
    expect(annotations['artifacthub.io/prerelease']).toBe(prerelease);
    expect(parseYaml(annotations['artifacthub.io/changes']!)).toEqual(['Chart follows the release']);
    expect(parseYaml(annotations['artifacthub.io/images']!)).toEqual([
      { name: 'glide', image: `ghcr.io/einstack/glide:${version}-alpine`, platforms: ['linux/amd64'] },
    ]);
    const values = parseYaml(rendered.files.get('values.yaml')!.toString('utf8')) as { image: { tag: string } };
    expect(values.image.tag).toBe(`${version}-alpine`);
  });

  it('names the configured distro in the image tag, and lists a default change when none is given', async () => {
    const source = await readChartFolder(FIXTURES, CHART);
    const rendered = renderChart(source, { ledger: ledgerOf('0.1.0'), distro: 'distroless', changes: [] });
    const annotations = (rendered.metadata as { annotations: Record<string, string> }).annotations;
    expect(parseYaml(annotations['artifacthub.io/changes']!)).toEqual(['Glide 0.1.0']);
    expect(parseYaml(rendered.files.get('values.yaml')!.toString('utf8'))).toMatchObject({ image: { tag: '0.1.0-distroless' } });
  });

  it('never writes the chart folder: its versions stay placeholders', async () => {
    const root = await tempCopyOfChart();
    const before = (await readChartFolder(root, CHART)).files;
    await buildHelmChart({ repoRoot: root, config: CONFIG, ledger: ledgerOf('0.1.0'), changes: [] });
    expect((await readChartFolder(root, CHART)).files).toEqual(before);
  });

  it('refuses a values.yaml without image.repository', async () => {
    const source = await readChartFolder(FIXTURES, CHART);
    const files = new Map(source.files).set('values.yaml', Buffer.from('replicaCount: 1\n'));
    expect(() => renderChart({ ...source, files }, { ledger: ledgerOf('0.1.0'), distro: 'alpine', changes: [] })).toThrow(/image\.repository/);
  });
});

describe('the RC policy', () => {
  it.each([
    { stage: 'rc', policy: { push: true, prerelease: true } },
    { stage: 'stable', policy: { push: true, prerelease: false } },
    { stage: 'snapshot', policy: { push: false, reason: 'snapshots are never published' } },
  ] as const)('$stage', ({ stage, policy }) => {
    expect(helmPolicy(stage)).toEqual(policy);
  });
});

describe('packaging', () => {
  it('packs {name}/… with Chart.yaml first, no folder entries, modes 0644 and the commit time', async () => {
    const { packaged } = await build('0.1.0');
    expect(packaged.fileName).toBe('glide-0.1.0.tgz');
    const entries = await entriesOf(packaged.bytes);
    expect(entries.map((e) => e.path)).toEqual([
      'glide/Chart.yaml',
      'glide/values.yaml',
      'glide/values.schema.json',
      'glide/templates/_helpers.tpl',
      'glide/templates/configmap.yaml',
      'glide/templates/deployment.yaml',
      'glide/templates/service.yaml',
    ]);
    expect(new Set(entries.map((e) => e.mode))).toEqual(new Set([0o644]));
    expect(new Set(entries.map((e) => e.mtime))).toEqual(new Set([ledgerOf('0.1.0').date]));
    // gzip's own timestamp (bytes 4–7) is zero: nothing of the packaging moment is in the bytes.
    expect(packaged.bytes.readUInt32LE(4)).toBe(0);
    expect(gunzipSync(packaged.bytes).length).toBeGreaterThan(0);
  });

  it('gives the same bytes when packaged again, and other bytes for another version', async () => {
    const [first, again, other] = await Promise.all([build('0.1.0'), build('0.1.0'), build('0.1.1')]);
    expect(again.packaged.digest).toBe(first.packaged.digest);
    expect(again.artifact.manifest.digest).toBe(first.artifact.manifest.digest);
    expect(other.packaged.digest).not.toBe(first.packaged.digest);
  });

  it.each(['../escape', 'templates/../../x', '/etc/passwd', 'templates//x'])('refuses the entry path %s', (path) => {
    expect(() => packageEntries({ name: 'glide', files: new Map([[path, Buffer.from('x')]]) })).toThrow(GlideError);
  });
});

describe('reading the chart folder', () => {
  it('refuses a link to a file outside the chart folder, by name', async () => {
    const root = await tempCopyOfChart();
    await writeFile(join(root, 'secret.txt'), 'not for the chart');
    await symlink(join(root, 'secret.txt'), join(root, CHART, 'templates', 'stolen.yaml'));
    await expect(readChartFolder(root, CHART)).rejects.toMatchObject({ code: 'EHELMCHART', message: expect.stringContaining('templates/stolen.yaml') });
  });

  it('reads a link to a file inside the chart folder as that file', async () => {
    const root = await tempCopyOfChart();
    await symlink('service.yaml', join(root, CHART, 'templates', 'service-copy.yaml'));
    const source = await readChartFolder(root, CHART);
    expect(source.files.get('templates/service-copy.yaml')).toEqual(source.files.get('templates/service.yaml'));
  });

  it('reads a link to a file whose name begins with two dots, inside the chart folder', async () => {
    const root = await tempCopyOfChart();
    await writeFile(join(root, CHART, '..notes'), 'kept');
    await symlink('..notes', join(root, CHART, 'notes-link'));
    expect((await readChartFolder(root, CHART)).files.get('notes-link')?.toString()).toBe('kept');
  });

  it.each(['../outside', '/etc'])('refuses the chart path %s outside the repository', async (path) => {
    const root = await tempCopyOfChart();
    await mkdir(join(root, '..', 'outside'), { recursive: true }).catch(() => undefined);
    await expect(readChartFolder(join(root, CHART), path)).rejects.toMatchObject({
      code: 'EHELMCHART',
      message: expect.stringContaining('outside the repository'),
    });
  });

  it('leaves out what .helmignore names, as helm package does', async () => {
    const root = await tempCopyOfChart();
    await writeFile(join(root, CHART, '.helmignore'), '# editors\n*.swp\n.git/\n');
    await writeFile(join(root, CHART, 'templates', 'deployment.yaml.swp'), 'junk');
    await mkdir(join(root, CHART, '.git'));
    await writeFile(join(root, CHART, '.git', 'HEAD'), 'ref: refs/heads/main');
    const names = [...(await readChartFolder(root, CHART)).files.keys()];
    expect(names).toContain('.helmignore');
    expect(names).toContain('templates/deployment.yaml');
    expect(names.filter((name) => name.endsWith('.swp') || name.startsWith('.git/'))).toEqual([]);
  });

  it('refuses a chart folder that is missing', async () => {
    await expect(readChartFolder(FIXTURES, 'no-such-chart')).rejects.toMatchObject({ code: 'EHELMCHART' });
  });
});

describe('validation', () => {
  async function problemsWith(edit: (files: Map<string, Buffer>) => void): Promise<string[]> {
    const { rendered } = await build('0.1.0');
    const files = new Map(rendered.files);
    edit(files);
    return chartProblems({ ...rendered, files });
  }
  const chartYamlWith = (files: Map<string, Buffer>, from: string, to: string) =>
    files.set('Chart.yaml', Buffer.from(files.get('Chart.yaml')!.toString('utf8').replace(from, to)));

  it('passes the fixture chart', async () => {
    expect(await problemsWith(() => {})).toEqual([]);
  });

  it.each([
    { name: 'a numeric version', from: 'version: "0.1.0"', to: 'version: 1.0', problem: /version must be a string/ },
    { name: 'a numeric appVersion', from: 'appVersion: "0.1.0"', to: 'appVersion: 1.10', problem: /appVersion must be a string/ },
    { name: 'a version with a v', from: 'version: "0.1.0"', to: 'version: "v0.1.0"', problem: /not a SemVer 2 version/ },
    {
      name: 'a key Chart.yaml has not',
      from: 'type: application',
      to: 'type: application\ncolour: blue',
      problem: /must NOT have additional properties \(colour\)/,
    },
    {
      name: 'an apiVersion Helm has not',
      from: 'apiVersion: v2',
      to: 'apiVersion: v3',
      problem: /apiVersion: must be equal to one of the allowed values \(v1, v2\)/,
    },
    { name: 'a name with a slash', from: 'name: glide', to: 'name: glide/x', problem: /name "glide\/x" may hold only/ },
  ])('finds $name in Chart.yaml', async ({ from, to, problem }) => {
    const problems = await problemsWith((files) => chartYamlWith(files, from, to));
    expect(problems.join('\n')).toMatch(problem);
  });

  it('checks values.yaml against values.schema.json', async () => {
    const problems = await problemsWith((files) =>
      files.set('values.yaml', Buffer.from(files.get('values.yaml')!.toString('utf8').replace('port: 9099\n\npod', 'port: "http"\n\npod'))),
    );
    expect(problems).toEqual(['values.yaml /service/port: must be integer.']);
  });
});

describe('the OCI artifact', () => {
  it.each([
    ['0.1.0', '0.1.0'],
    ['0.1.0-rc.1', '0.1.0-rc.1'],
    ['0.1.0+build.7', '0.1.0_build.7'],
  ])('tags %s as %s', (version, tag) => {
    expect(chartTag(version)).toBe(tag);
  });

  it('is a manifest with the chart metadata as config, the .tgz as its one layer and the annotations Helm writes', async () => {
    const { artifact, packaged } = await build('0.1.0-rc.1');
    const manifest = JSON.parse(artifact.manifest.bytes.toString('utf8')) as {
      config: { mediaType: string; digest: string; size: number };
      layers: Array<{ mediaType: string; digest: string; size: number }>;
      annotations: Record<string, string>;
    };
    expect(manifest.config).toEqual({ mediaType: HELM_CONFIG_MEDIA_TYPE, digest: artifact.config.digest, size: artifact.config.bytes.length });
    expect(manifest.layers).toEqual([{ mediaType: HELM_CHART_LAYER_MEDIA_TYPE, digest: packaged.digest, size: packaged.bytes.length }]);
    expect(manifest.annotations).toMatchObject({
      'org.opencontainers.image.title': 'glide',
      'org.opencontainers.image.version': '0.1.0-rc.1',
      'org.opencontainers.image.created': '2024-07-09T10:00:00Z',
      'org.opencontainers.image.authors': 'EinStack (contact@einstack.ai)',
      'org.opencontainers.image.source': 'https://github.com/EinStack/glide',
      'org.opencontainers.image.url': 'https://glide.einstack.ai',
      'artifacthub.io/prerelease': 'true',
    });
    const config = JSON.parse(artifact.config.bytes.toString('utf8')) as Record<string, unknown>;
    // Go's encoding/json order of Helm's chart.Metadata.
    expect(Object.keys(config).join(' ')).toBe('name home sources version description keywords maintainers icon apiVersion appVersion annotations type');
    expect(config).toMatchObject({ name: 'glide', version: '0.1.0-rc.1', appVersion: '0.1.0-rc.1', apiVersion: 'v2' });
  });

  it('lets the chart’s own annotations win, except over title and version, as Helm does', () => {
    const metadata = {
      name: 'glide',
      version: '0.1.0',
      description: 'generated',
      annotations: { 'org.opencontainers.image.description': 'own', 'org.opencontainers.image.version': '9.9.9', 'org.opencontainers.image.title': 'x' },
    };
    expect(chartAnnotations(metadata, '2024-07-09T10:00:00.000Z')).toEqual({
      'org.opencontainers.image.created': '2024-07-09T10:00:00Z',
      'org.opencontainers.image.description': 'own',
      'org.opencontainers.image.title': 'glide',
      'org.opencontainers.image.version': '0.1.0',
    });
  });

  it('keeps the chart metadata and its manifest digest apart from other charts', async () => {
    const { rendered, packaged } = await build('0.1.0');
    const renamed = { ...rendered, name: 'other', metadata: { ...rendered.metadata, name: 'other' } };
    expect(chartArtifact(renamed, packaged, '2024-07-09T10:00:00.000Z').manifest.digest).not.toBe(
      chartArtifact(rendered, packaged, '2024-07-09T10:00:00.000Z').manifest.digest,
    );
  });
});

describe('planHelm', () => {
  it.each([
    {
      name: 'an RC not yet pushed',
      version: '0.1.0-rc.1',
      registry: 'absent',
      lines: [
        /^helm: PUT oci:\/\/127\.0\.0\.1:5000\/einstack\/charts\/glide:0\.1\.0-rc\.1 manifest sha256:[0-9a-f]{64} \(chart sha256:[0-9a-f]{64}, prerelease\)$/,
      ],
    },
    {
      name: 'a stable not yet pushed',
      version: '0.1.0',
      registry: 'absent',
      lines: [/^helm: PUT oci:\/\/127\.0\.0\.1:5000\/einstack\/charts\/glide:0\.1\.0 manifest sha256:[0-9a-f]{64} \(chart sha256:[0-9a-f]{64}\)$/],
    },
    { name: 'the same chart already pushed', version: '0.1.0', registry: 'same', lines: [] },
  ] as const)('$name', async ({ version, registry, lines }) => {
    const { name, artifact } = await build(version);
    const tagDigest = registry === 'same' ? artifact.manifest.digest : undefined;
    const mutations = planHelm(ledgerOf(version), CONFIG, { name, artifact }, { tagDigest });
    expect(mutations.map(describeHelmMutation)).toEqual(lines.map((line) => expect.stringMatching(line)));
  });

  it('refuses, by name, a tag that names another chart', async () => {
    const { name, artifact } = await build('0.1.0');
    const other = `sha256:${'e'.repeat(64)}`;
    expect(() => planHelm(ledgerOf('0.1.0'), CONFIG, { name, artifact }, { tagDigest: other })).toThrow(
      expect.objectContaining({ code: 'EHELMCLOBBER', message: expect.stringContaining(other) }),
    );
  });

  it('refuses a chart packaged for another release than the ledger’s', async () => {
    const { name, artifact } = await build('0.1.0-rc.1');
    expect(() => planHelm(ledgerOf('0.1.0'), CONFIG, { name, artifact }, { tagDigest: undefined })).toThrow(
      expect.objectContaining({ code: 'EHELMCHART', message: expect.stringContaining('0.1.0-rc.1') }),
    );
  });

  it('plans nothing for a snapshot', async () => {
    const { name, artifact } = await build('0.1.0');
    expect(planHelm({ stage: 'snapshot', version: '0.1.0' }, CONFIG, { name, artifact }, { tagDigest: undefined })).toEqual([]);
  });

  it.each([
    ['ghcr.io/einstack/charts', 'ghcr.io', 'einstack/charts/glide'],
    ['oci://ghcr.io/einstack/charts/', 'ghcr.io', 'einstack/charts/glide'],
    ['127.0.0.1:5000', '127.0.0.1:5000', 'glide'],
  ])('pushes to %s as registry %s, repository %s', (registry, host, repository) => {
    expect(helmPushTarget({ registry }, 'glide')).toEqual({ registry: host, repository });
  });

  it.each(['einstack/charts', 'ghcr.io/einstack/charts:1.0', 'ghcr.io/Einstack'])('refuses the registry %s', async (registry) => {
    const { name, artifact } = await build('0.1.0');
    expect(() => planHelm(ledgerOf('0.1.0'), { registry }, { name, artifact }, { tagDigest: undefined })).toThrow(expect.objectContaining({ code: 'ECONFIG' }));
  });
});

describe('config', () => {
  it('is off unless named, and takes defaults when named', () => {
    expect(parseConfig('{}', 'glide-release.config.json').channels.helm).toBeUndefined();
    expect(parseConfig('{"channels": {"helm": {}}}', 'glide-release.config.json').channels.helm).toEqual({
      chart: 'charts/glide',
      registry: 'ghcr.io/einstack/charts',
      distro: 'alpine',
    });
  });
});
