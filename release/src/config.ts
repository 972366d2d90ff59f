import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ARCHIVE_EXTRA_FILES, DEFAULT_DISTRO, DISTROS, GEP_MATRIX, GlideError } from '../../src/contract/index.js';

export const CONFIG_FILES = ['glide-release.config.json', 'glide-release.config.yaml', 'glide-release.config.yml'] as const;

/** Go 1.19 has no port for these pairs of GEP 0004's matrix; listed so the gap is said, not hidden. */
const GLIDE_SKIPS = [
  { target: 'freebsd/ppc64le', reason: 'Go has no freebsd/ppc64le port' },
  { target: 'freebsd/s390x', reason: 'Go has no freebsd/s390x port' },
  { target: 'freebsd/riscv64', reason: 'Go 1.19 has no freebsd/riscv64 port (added in Go 1.20)' },
  { target: 'openbsd/ppc64le', reason: 'Go 1.19 has no openbsd/ppc64le port (added in Go 1.22)' },
  { target: 'openbsd/s390x', reason: 'Go has no openbsd/s390x port' },
  { target: 'openbsd/riscv64', reason: 'Go 1.19 has no openbsd/riscv64 port (added in Go 1.23)' },
];

const skipEntry = z.strictObject({
  target: z.string().min(1),
  reason: z.string().min(1, 'say why the target is skipped'),
});

const distroEntry = z.strictObject({ base: z.string().min(1) });

const configSchema = z.strictObject({
  repo: z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'write it as owner/name').default('EinStack/glide'),
  branch: z.string().min(1).default('main'),
  soakDays: z.number().min(0).default(3),
  requireRc: z.boolean().default(true),
  /** The Go package that builds the binary, relative to the repository root. */
  main: z.string().min(1).default('.'),
  version: z
    .strictObject({
      /** The package holding the version variables; its import path is asked of `go list`. */
      package: z.string().min(1).default('./pkg/version'),
      variables: z
        .strictObject({
          version: z.string().min(1).default('Version'),
          commit: z.string().min(1).default('commitSha'),
          date: z.string().min(1).default('buildDate'),
        })
        .prefault({}),
    })
    .prefault({}),
  targets: z
    .strictObject({
      matrix: z.array(z.string().min(1)).min(1).default([...GEP_MATRIX]),
      skip: z.array(skipEntry).default(GLIDE_SKIPS),
    })
    .prefault({}),
  archives: z
    .strictObject({
      files: z.array(z.string().min(1)).default([...ARCHIVE_EXTRA_FILES]),
    })
    .prefault({}),
  images: z
    .strictObject({
      repository: z.string().min(1).default('ghcr.io/einstack/glide'),
      defaultDistro: z.enum(DISTROS).default(DEFAULT_DISTRO),
      distros: z.partialRecord(z.enum(DISTROS), distroEntry).default({}),
    })
    .prefault({}),
});

export type ReleaseConfig = z.infer<typeof configSchema>;

export interface LoadedConfig {
  readonly config: ReleaseConfig;
  /** The file it came from, or undefined when every key took its default. */
  readonly file: string | undefined;
}

export async function loadConfig(root: string): Promise<LoadedConfig> {
  for (const name of CONFIG_FILES) {
    let text: string;
    try {
      text = await readFile(join(root, name), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw error;
    }
    return { config: parseConfig(text, name), file: name };
  }
  return { config: parseConfig('{}', CONFIG_FILES[0]), file: undefined };
}

/** Parses and validates a config file's text; errors name the key, the file and the allowed values. */
export function parseConfig(text: string, fileName: string): ReleaseConfig {
  let raw: unknown;
  try {
    raw = fileName.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new GlideError('ECONFIG', `${fileName} is not valid ${fileName.endsWith('.json') ? 'JSON' : 'YAML'}: ${(error as Error).message}`);
  }
  const result = configSchema.safeParse(raw ?? {}, { reportInput: true });
  if (result.success) return result.data;
  const problems = result.error.issues.map(describeIssue);
  throw new GlideError('ECONFIG', `${fileName} has ${problems.length === 1 ? 'an error' : `${problems.length} errors`}:`, problems);
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const where = issue.path.length > 0 ? issue.path.map(String).join('.') : '(top level)';
  switch (issue.code) {
    case 'unrecognized_keys': {
      const allowed = allowedKeysAt(issue.path);
      return issue.keys
        .map((key) => {
          const full = [...issue.path.map(String), key].join('.');
          const guess = closest(key, allowed);
          return `unknown key "${full}"${guess ? ` (did you mean "${guess}"?)` : ''}; allowed here: ${allowed.join(', ')}`;
        })
        .join('\n');
    }
    case 'invalid_value':
      return `${where}: ${JSON.stringify(issue.input)} is not allowed; use one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return `${where}: ${issue.message}`;
  }
}

/** The keys the schema allows at an object path, for "did you mean" messages. */
function allowedKeysAt(path: readonly PropertyKey[]): string[] {
  let schema: z.core.$ZodType = configSchema;
  for (const segment of ['', ...path.map(String)]) {
    if (segment !== '') schema = childSchema(schema, segment) ?? schema;
    schema = unwrap(schema);
  }
  if (schema instanceof z.ZodObject) return Object.keys(schema.shape);
  if (schema instanceof z.ZodRecord && schema.keyType instanceof z.ZodEnum) return schema.keyType.options.map(String);
  return [];
}

function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
  let current = schema;
  while (current instanceof z.ZodDefault || current instanceof z.ZodPrefault || current instanceof z.ZodOptional) {
    current = current.unwrap() as z.core.$ZodType;
  }
  return current;
}

function childSchema(schema: z.core.$ZodType, segment: string): z.core.$ZodType | undefined {
  const inner = unwrap(schema);
  if (inner instanceof z.ZodObject) return (inner.shape as Record<string, z.core.$ZodType>)[segment];
  if (inner instanceof z.ZodArray) return inner.element as z.core.$ZodType;
  if (inner instanceof z.ZodRecord) return inner.valueType as z.core.$ZodType;
  return undefined;
}

/** The allowed key nearest to a typo, by edit distance, if it is close enough to be a likely slip. */
function closest(typo: string, allowed: readonly string[]): string | undefined {
  let best: { key: string; distance: number } | undefined;
  for (const key of allowed) {
    const distance = editDistance(typo.toLowerCase(), key.toLowerCase());
    if (!best || distance < best.distance) best = { key, distance };
  }
  return best && best.distance <= Math.max(2, Math.floor(best.key.length / 3)) ? best.key : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
