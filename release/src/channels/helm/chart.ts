/**
 * Glide's chart, as the release packages it: the folder read once (readChartFolder, the only
 * part that touches the disk), then rendered from the ledger (renderChart, pure): `version`
 * and `appVersion` are the release's version, the image tag defaults to `{appVersion}-{distro}`,
 * and ArtifactHub's annotations say whether it is a prerelease, what changed and which image it
 * runs. The chart folder in the repository is never written: its versions stay placeholders.
 */
import { lstat, readdir, readFile, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Ignore } from 'ignore';
import { isMap, parseDocument, Scalar, stringify, type Document } from 'yaml';
import { GlideError, imageTag, parseTarget, type Distro } from '#contract';
import type { ReleaseLedger } from '../../ledger.js';

/** A chart's files by path inside the chart folder, `/`-separated. */
export interface ChartSource {
  readonly dir: string;
  readonly files: ReadonlyMap<string, Buffer>;
}

export interface RenderedChart {
  readonly name: string;
  readonly version: string;
  /** Chart.yaml as written into the package, parsed: the OCI config blob is made of it. */
  readonly metadata: Readonly<Record<string, unknown>>;
  /** Every file of the package, by path inside `{name}/`. */
  readonly files: ReadonlyMap<string, Buffer>;
}

export interface RenderChartInput {
  readonly ledger: Pick<ReleaseLedger, 'version' | 'stage' | 'images'>;
  readonly distro: Distro;
  /** ArtifactHub's changelog of this version, one line each (the release notes' subjects). */
  readonly changes: readonly string[];
}

const FIX = 'Fix the chart folder (or channels.helm.chart in the config) and run again.';

/**
 * Reads every file under the chart folder. The folder must lie inside the repository; a
 * symlink is read only when it names a file inside the chart folder, so a chart cannot pack
 * the build machine's own files (`templates/x -> /etc/passwd`).
 */
export async function readChartFolder(repoRoot: string, chartPath: string): Promise<ChartSource> {
  const root = await realpath(repoRoot);
  const wanted = resolve(root, chartPath);
  if (!isInside(root, wanted)) {
    throw new GlideError('EHELMCHART', `channels.helm.chart "${chartPath}" is outside the repository.`, [
      'Give the chart folder relative to the repository root, e.g. charts/glide.',
    ]);
  }
  let dir: string;
  try {
    dir = await realpath(wanted);
  } catch {
    throw new GlideError('EHELMCHART', `The chart folder ${chartPath} does not exist in ${repoRoot}.`, [FIX]);
  }
  if (!isInside(root, dir)) {
    throw new GlideError('EHELMCHART', `The chart folder ${chartPath} is a link to ${dir}, outside the repository.`, [FIX]);
  }
  const ignored = await helmIgnore(dir);
  const files = new Map<string, Buffer>();
  const walk = async (folder: string): Promise<void> => {
    for (const entry of (await readdir(folder)).sort()) {
      const path = join(folder, entry);
      const name = relative(dir, path).split(sep).join('/');
      const info = await lstat(path);
      if (ignored.ignores(info.isDirectory() ? `${name}/` : name)) continue;
      if (info.isDirectory()) await walk(path);
      else if (info.isFile()) files.set(name, await readFile(path));
      else if (info.isSymbolicLink()) files.set(name, await readLinkInside(dir, path, name));
      else throw new GlideError('EHELMCHART', `${chartPath}/${name} is neither a file nor a folder.`, [FIX]);
    }
  };
  await walk(dir);
  return { dir, files };
}

/** The chart's `.helmignore`, as `helm package` reads it (gitignore's patterns); none: nothing is left out. */
async function helmIgnore(dir: string): Promise<Ignore> {
  // CommonJS: the module is the factory, and its `default` the same function, which is what the types describe.
  const ignore = (await import('ignore')).default.default;
  const rules = await readFile(join(dir, '.helmignore'), 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return '';
    throw error;
  });
  return ignore().add(rules);
}

async function readLinkInside(chartDir: string, path: string, name: string): Promise<Buffer> {
  const target = await realpath(path).catch(() => undefined);
  if (target === undefined || !isInside(chartDir, target) || !(await stat(target)).isFile()) {
    throw new GlideError('EHELMCHART', `${name} in the chart is a link to ${target ?? 'nothing'}, not to a file inside the chart folder.`, [
      'Replace the link by the file itself: a chart only packs its own files.',
    ]);
  }
  return readFile(target);
}

function isInside(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/** Pure: the chart of this release, its versions and annotations set, every other file as it was. */
export function renderChart(source: ChartSource, input: RenderChartInput): RenderedChart {
  const { version, stage } = input.ledger;
  const chartYaml = parseYamlFile(source, 'Chart.yaml');
  const valuesYaml = parseYamlFile(source, 'values.yaml');

  const tag = imageTag(version, input.distro);
  const repository = valuesYaml.getIn(['image', 'repository']);
  if (!isMap(valuesYaml.get('image')) || typeof repository !== 'string' || repository === '') {
    throw new GlideError('EHELMCHART', 'values.yaml has no image.repository: the release sets image.tag beside it.', [
      'Add `image: {repository: ghcr.io/einstack/glide, tag: ""}` to values.yaml.',
    ]);
  }
  valuesYaml.setIn(['image', 'tag'], quoted(tag));

  chartYaml.set('version', quoted(version));
  chartYaml.set('appVersion', quoted(version));
  const annotations = {
    ...(chartYaml.toJS() as { annotations?: Record<string, string> }).annotations,
    ...artifactHubAnnotations({ version, stage, changes: input.changes, image: `${repository}:${tag}`, platforms: platformsOf(input.ledger, input.distro) }),
  };
  chartYaml.set('annotations', chartYaml.createNode(annotations));

  const metadata = chartYaml.toJSON() as Record<string, unknown>;
  if (typeof metadata.name !== 'string' || metadata.name === '') {
    throw new GlideError('EHELMCHART', 'Chart.yaml has no name.', [FIX]);
  }
  const files = new Map(source.files);
  files.set('Chart.yaml', Buffer.from(chartYaml.toString()));
  files.set('values.yaml', Buffer.from(valuesYaml.toString()));
  return { name: metadata.name, version, metadata, files };
}

/**
 * ArtifactHub reads these from Chart.yaml; each value is a string, the lists YAML inside it, as
 * its docs require. An RC is listed as a prerelease (ArtifactHub marks it so; Helm itself skips
 * prerelease versions unless `--devel`).
 */
export function artifactHubAnnotations(input: {
  readonly version: string;
  readonly stage: ReleaseLedger['stage'];
  readonly changes: readonly string[];
  readonly image: string;
  readonly platforms: readonly string[];
}): Record<string, string> {
  const image = { name: 'glide', image: input.image, ...(input.platforms.length > 0 ? { platforms: input.platforms } : {}) };
  return {
    'artifacthub.io/prerelease': String(input.stage !== 'stable'),
    'artifacthub.io/changes': stringify(input.changes.length > 0 ? input.changes : [`Glide ${input.version}`]),
    'artifacthub.io/images': stringify([image]),
  };
}

/** The platforms the ledger's image of that distro was built for, as ArtifactHub names them (`linux/amd64`). */
function platformsOf(ledger: RenderChartInput['ledger'], distro: Distro): string[] {
  const built = ledger.images?.distros.find((entry) => entry.distro === distro);
  return (built?.manifests ?? []).map(({ target }) => {
    const { os, arch, arm } = parseTarget(target);
    return arm ? `${os}/${arch}/v${arm}` : `${os}/${arch}`;
  });
}

function parseYamlFile(source: ChartSource, name: string): Document {
  const bytes = source.files.get(name);
  if (bytes === undefined) throw new GlideError('EHELMCHART', `The chart in ${source.dir} has no ${name}.`, [FIX]);
  const document = parseDocument(bytes.toString('utf8'));
  if (document.errors.length > 0 || !isMap(document.contents)) {
    const why = document.errors[0]?.message ?? 'it is not a mapping';
    throw new GlideError('EHELMCHART', `${name} of the chart in ${source.dir} is not valid: ${why}`, [FIX]);
  }
  return document;
}

/** Quoted, so `1.0` or `1e10` stays a string for every YAML reader (Helm's lint asks for strings). */
function quoted(text: string): Scalar {
  const scalar = new Scalar(text);
  scalar.type = Scalar.QUOTE_DOUBLE;
  return scalar;
}
