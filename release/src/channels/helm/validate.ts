/**
 * What can be checked of a chart without the `helm` binary: Chart.yaml against SchemaStore's
 * schema (vendored, schema/README.md), the rules of Helm's own lint that the schema leaves out
 * (version and appVersion are strings; version is SemVer 2), and values.yaml against the
 * chart's values.schema.json, as `helm lint`/`install` check it. Every problem is listed at once.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import semver from 'semver';
import { parse as parseYaml } from 'yaml';
import { GlideError } from '#contract';
import chartSchema from './schema/chart.json' with { type: 'json' };
import type { RenderedChart } from './chart.js';

/** Helm's chart name rule (chartutil): letters, digits, `.`, `_`, `-`. */
const CHART_NAME = /^[a-zA-Z0-9._-]+$/;

/** Throws EHELMCHART listing every problem; returns nothing when the chart passes. */
export async function validateChart(chart: RenderedChart): Promise<void> {
  const problems = await chartProblems(chart);
  if (problems.length > 0) {
    throw new GlideError('EHELMCHART', `The chart ${chart.name} ${chart.version} would not pass helm lint:`, [
      ...problems,
      'Fix the chart folder and run again; nothing was packaged or pushed.',
    ]);
  }
}

export async function chartProblems(chart: RenderedChart): Promise<string[]> {
  const validators = await loadValidators();
  // The bytes the package holds, read again: what a YAML reader of the chart will see.
  const metadata = parseYaml(chart.files.get('Chart.yaml')?.toString('utf8') ?? '') as Record<string, unknown> | null;
  const problems: string[] = [];
  if (!validators.chart(metadata)) problems.push(...(validators.chart.errors ?? []).map((error) => describe('Chart.yaml', error)));
  for (const field of ['version', 'appVersion']) {
    if (typeof metadata?.[field] !== 'string') problems.push(`Chart.yaml: ${field} must be a string (quote it), got ${JSON.stringify(metadata?.[field])}.`);
  }
  const version = metadata?.version;
  if (typeof version === 'string' && semver.valid(version) !== version) problems.push(`Chart.yaml: version "${version}" is not a SemVer 2 version.`);
  const name = metadata?.name;
  if (typeof name === 'string' && !CHART_NAME.test(name)) problems.push(`Chart.yaml: name "${name}" may hold only letters, digits, ".", "_" and "-".`);

  const valuesSchema = chart.files.get('values.schema.json');
  if (valuesSchema !== undefined) {
    const values = parseYaml(chart.files.get('values.yaml')?.toString('utf8') ?? '') ?? {};
    let validate: ValidateFunction;
    try {
      validate = validators.compile(JSON.parse(valuesSchema.toString('utf8')) as object);
    } catch (error) {
      return [...problems, `values.schema.json is not a JSON Schema: ${(error as Error).message}`];
    }
    if (!validate(values)) problems.push(...(validate.errors ?? []).map((error) => describe('values.yaml', error)));
  }
  return problems;
}

function describe(file: string, error: ErrorObject): string {
  return `${file}${error.instancePath === '' ? '' : ` ${error.instancePath}`}: ${error.message ?? 'is not valid'}${
    error.keyword === 'additionalProperties' ? ` (${String((error.params as { additionalProperty?: string }).additionalProperty)})` : ''
  }${error.keyword === 'enum' ? ` (${(error.params as { allowedValues: unknown[] }).allowedValues.join(', ')})` : ''}.`;
}

// ajv is loaded on first use: only publish's chart step needs it, not every start of the CLI.
async function loadValidators(): Promise<{ chart: ValidateFunction; compile: (schema: object) => ValidateFunction }> {
  // CommonJS modules whose `default` is themselves: `.default.default` is the class in Node and in the bundle alike.
  const Ajv = (await import('ajv')).default.default;
  const addFormats = (await import('ajv-formats')).default;
  const strict = new Ajv({ allErrors: true });
  addFormats.default(strict);
  // A chart's own values.schema.json may use keywords ajv's strict mode refuses; Helm accepts them.
  const lenient = new Ajv({ allErrors: true, strict: false });
  addFormats.default(lenient);
  return { chart: strict.compile(chartSchema), compile: (schema) => lenient.compile(schema) };
}
