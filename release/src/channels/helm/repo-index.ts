/**
 * The classic chart repository (decision 0054): a git branch served over HTTP holding
 * `index.yaml` and the packaged charts, as chart-releaser keeps EinStack/charts. The plan is
 * pure over the ledger, the config, the chart and what the branch holds: this version's entry
 * is merged into the index (Helm's format, pkg/repo), other entries are kept as they are.
 */
import semver from 'semver';
import { isMap, isSeq, parseDocument, stringify } from 'yaml';
import { GlideError } from '#contract';
import type { BranchCommit, BranchState } from '../git-branch.js';
import type { ReleaseLedger } from '../../ledger.js';
import type { HelmIndexConfig } from './config.js';
import { helmMetadataJson, rfc3339 } from './oci.js';
import type { BuiltChart } from './index.js';
import { clobberHints, helmPolicy } from './plan.js';

export const INDEX_PATH = 'index.yaml';

export interface HelmIndexMutation extends BranchCommit {
  readonly kind: 'push-helm-index';
  readonly repo: string;
  readonly branch: string;
  /** `glide-0.1.0.tgz` */
  readonly chartFile: string;
  /** `sha256:<hex>` of the tgz, as in the OCI layer; index.yaml holds the hex alone. */
  readonly digest: string;
  readonly prerelease: boolean;
}

/** What the branch holds of the index and of this version's tgz (readBranch's files). */
export function indexPaths(chartFile: string): readonly string[] {
  return [INDEX_PATH, chartFile];
}

type Entry = Record<string, unknown>;

export function planHelmIndex(
  ledger: Pick<ReleaseLedger, 'stage' | 'version' | 'date'>,
  config: Pick<HelmIndexConfig, 'repo' | 'branch' | 'url'>,
  chart: Pick<BuiltChart, 'name' | 'rendered' | 'packaged'>,
  state: BranchState,
): HelmIndexMutation[] {
  const policy = helmPolicy(ledger.stage);
  if (!policy.push) return [];
  if (chart.rendered.version !== ledger.version) {
    throw new GlideError('EHELMCHART', `The chart given is version ${chart.rendered.version}, but the ledger's release is ${ledger.version}.`, [
      "Package the chart from this release's ledger (buildHelmChart) and plan again.",
    ]);
  }
  const { fileName, digest } = chart.packaged;
  const index = readIndex(state.files.get(INDEX_PATH), config);
  const versions = index.entries[chart.name] ?? [];
  const hex = digest.replace(/^sha256:/, '');
  const same = versions.find((entry) => entry.version === ledger.version);
  if (same) {
    if (same.digest === hex) return [];
    throw new GlideError(
      'EHELMCLOBBER',
      `${config.branch} of ${config.repo} already lists ${chart.name} ${ledger.version} with digest ${typeof same.digest === 'string' ? same.digest : 'none'}; this release's chart is ${hex}. Nothing was pushed.`,
      clobberHints(ledger.version),
    );
  }
  if (state.files.get(fileName) !== undefined) {
    throw new GlideError(
      'EHELMINDEX',
      `${fileName} is already in ${config.repo} ${config.branch}, but ${INDEX_PATH} does not list it: glide-release does not replace it.`,
      [`Remove ${fileName} from the branch (or add its entry to ${INDEX_PATH} by hand), then publish again.`],
    );
  }
  const created = rfc3339(ledger.date);
  const entry = sortedKeys({
    ...helmMetadataJson(chart.rendered.metadata),
    urls: [`${config.url.replace(/\/+$/, '')}/${fileName}`],
    digest: hex,
    created,
  });
  // Newest first, as Helm sorts: the entry goes before the first lower version; the others keep their order.
  const at = versions.findIndex(
    (other) => typeof other.version === 'string' && semver.valid(other.version) !== null && semver.gt(ledger.version, other.version),
  );
  const merged = at === -1 ? [...versions, entry] : [...versions.slice(0, at), entry, ...versions.slice(at)];
  const text = stringify({ ...index, entries: { ...index.entries, [chart.name]: merged }, generated: created }, { version: '1.1', lineWidth: 0 });
  return [
    {
      kind: 'push-helm-index',
      repo: config.repo,
      branch: config.branch,
      base: state.head,
      message: `${chart.name} ${ledger.version}`,
      files: [
        { path: INDEX_PATH, content: text },
        { path: fileName, content: chart.packaged.bytes },
      ],
      chartFile: fileName,
      digest,
      prerelease: policy.prerelease,
    },
  ];
}

/** The dry run's line of the mutation. */
export function describeHelmIndexMutation(mutation: HelmIndexMutation): string {
  return `helm: git push ${mutation.repo} ${mutation.branch} ${INDEX_PATH}, ${mutation.chartFile} "${mutation.message}" (digest ${mutation.digest}${mutation.prerelease ? ', prerelease' : ''})`;
}

interface IndexFile {
  readonly apiVersion: 'v1';
  readonly entries: Readonly<Record<string, readonly Entry[]>>;
  readonly [key: string]: unknown;
}

/**
 * The branch's index.yaml as Helm's LoadIndex would accept it: a mapping with `apiVersion: v1`
 * and `entries` of chart name → list of versions. Anything else is refused before a byte is
 * pushed: rewriting a file we cannot read would lose what it holds.
 */
function readIndex(text: string | undefined, config: Pick<HelmIndexConfig, 'repo' | 'branch'>): IndexFile {
  if (text === undefined) return { apiVersion: 'v1', entries: {} };
  const refuse = (why: string) =>
    new GlideError('EHELMINDEX', `${INDEX_PATH} in ${config.repo} ${config.branch} is not a Helm repository index: ${why}. Nothing was pushed.`, [
      `Fix or remove ${INDEX_PATH} in the branch (helm repo index writes a valid one), or point channels.helm.index at the repository's Pages branch.`,
    ]);
  // The yaml package refuses alias bombs (maxAliasCount) and keeps `__proto__` as a plain key.
  const document = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
  if (document.errors.length > 0) throw refuse(`it is not YAML (${document.errors[0]!.message.split('\n')[0]})`);
  if (!isMap(document.contents)) throw refuse('it is not a mapping');
  let value: Record<string, unknown>;
  try {
    value = document.toJS({ maxAliasCount: 100 }) as Record<string, unknown>;
  } catch (error) {
    throw refuse((error as Error).message);
  }
  if (value.apiVersion !== 'v1') throw refuse(`its apiVersion is ${JSON.stringify(value.apiVersion ?? null)}, not "v1"`);
  const entries = document.get('entries');
  if (entries !== undefined && entries !== null && !isMap(entries)) throw refuse('its entries are not a mapping of chart names');
  const byName = (value.entries ?? {}) as Record<string, unknown>;
  for (const [name, versions] of Object.entries(byName)) {
    if (!isSeq((entries as { get(key: string): unknown }).get(name))) throw refuse(`entries.${name} is not a list of versions`);
    for (const version of versions as unknown[]) {
      if (typeof version !== 'object' || version === null || Array.isArray(version) || typeof (version as Entry).version !== 'string') {
        throw refuse(`an entry of entries.${name} has no version`);
      }
    }
  }
  return { ...value, apiVersion: 'v1', entries: byName as Record<string, Entry[]> };
}

/** Helm writes its index through JSON, so every mapping's keys come out sorted. */
function sortedKeys(value: Entry): Entry {
  const sort = (item: unknown): unknown =>
    Array.isArray(item)
      ? item.map(sort)
      : typeof item === 'object' && item !== null
        ? Object.fromEntries(
            Object.entries(item)
              .sort(([a], [b]) => (a < b ? -1 : 1))
              .map(([key, inner]) => [key, sort(inner)]),
          )
        : item;
  return sort(value) as Entry;
}
