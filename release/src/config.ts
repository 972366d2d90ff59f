import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
// The ESM build: bundlers pick the UMD one from "main", whose lazy require()s of its own parts fail once bundled.
import { parse as parseJsonc, printParseErrorCode, type ParseError } from 'jsonc-parser/lib/esm/main.js';
import { parse as parseYaml } from 'yaml';
import { en } from 'zod/locales';
import * as z from 'zod/mini';

z.config(en());
import { DEFAULT_DISTRO, DISTROS, GLIDE_REPO, GlideError } from '#contract';
import { chocolateyConfigSchema } from './channels/chocolatey/config.js';
import { helmChannelSchema } from './channels/helm/config.js';
import { homebrewConfigSchema } from './channels/homebrew/config.js';
import { snapConfigSchema } from './channels/snap/config.js';

/** Files copied from the repository root into every archive when present (the release's own choice: installers unpack only the binary). */
const ARCHIVE_EXTRA_FILES = ['LICENSE', 'CHANGELOG.md', 'ROADMAP.md'] as const;

/** Where Glide's images are pushed, and what `verify` reads unless told `--image`. */
export const DEFAULT_IMAGE_REPOSITORY = 'ghcr.io/einstack/glide';

export const CONFIG_FILES = ['glide-release.config.json', 'glide-release.config.yaml', 'glide-release.config.yml'] as const;

const text = () => z.string().check(z.minLength(1));
const withDefault = <T extends z.core.SomeType>(schema: T, value: z.core.util.NoUndefined<z.core.output<T>>) => z._default(schema, value);

/**
 * A file at the repository root, by name: no `/`, `\\`, `.` or `..`. Anything else could reach
 * the build machine's own files (`/etc/passwd`, `../../secrets`) or name an archive entry
 * outside the folder it is unpacked in. Glide's archives hold their extra files at the root.
 */
const rootFileName = () =>
  z.string().check(
    z.refine(isRootFileName, 'must be the name of a file at the repository root, such as "LICENSE" (no "/", "\\", "." or "..")'),
    z.refine((name) => name !== 'glide' && name !== 'glide.exe', 'is the name of the binary itself; every archive already holds it'),
  );

export function isRootFileName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !/[/\\\0]/.test(name) && name.trim() === name;
}

const skipEntry = z.strictObject({
  target: text(),
  reason: z.string().check(z.minLength(1, 'say why the target is skipped')),
});

const distroEntry = z.strictObject({ base: text() });

/**
 * The bases Glide's images are built on, pinned by digest so a rebuild never picks up a
 * moved tag. Found pinned in public Dockerfiles (decision 0010); renew them on purpose.
 */
export const GLIDE_BASES = {
  alpine: { base: 'docker.io/library/alpine:3.20@sha256:d9e853e87e55526f6b2917df91a2115c36dd7c696a35be12163d44e6e2a4b6bc' },
  ubuntu: { base: 'docker.io/library/ubuntu:24.04@sha256:2e863c44b718727c860746568e1d54afd13b2fa71b160f5cd9058fc436217b30' },
  distroless: { base: 'gcr.io/distroless/static-debian12:nonroot@sha256:d093aa3e30dbadd3efe1310db061a14da60299baff8450a17fe0ccc514a16639' },
  redhat: { base: 'registry.access.redhat.com/ubi9/ubi-micro:9.4-6.1716471860@sha256:1c8483e0fda0e990175eb9855a5f15e0910d2038dd397d9e2b357630f0321e6d' },
};

// zod/mini: the same validator as zod with a fraction of its size, so the bundled CLI starts fast.
const configSchema = z.strictObject({
  repo: withDefault(z.string().check(z.regex(/^[\w.-]+\/[\w.-]+$/, 'write it as owner/name')), GLIDE_REPO),
  branch: withDefault(text(), 'main'),
  soakDays: withDefault(z.number().check(z.minimum(0)), 3),
  requireRc: withDefault(z.boolean(), true),
  /** The Go package that builds the binary, relative to the repository root. */
  main: withDefault(text(), '.'),
  version: z.prefault(
    z.strictObject({
      /** The package holding the version variables; its import path is asked of `go list`. */
      package: withDefault(text(), './pkg/version'),
      variables: z.prefault(
        z.strictObject({
          version: withDefault(text(), 'Version'),
          commit: withDefault(text(), 'commitSha'),
          date: withDefault(text(), 'buildDate'),
        }),
        {},
      ),
    }),
    {},
  ),
  targets: z.prefault(
    z.strictObject({
      /** Left out: GEP 0004's pairs, less those the Go in use cannot build (each named). */
      matrix: z.optional(z.array(text()).check(z.minLength(1))),
      skip: withDefault(z.array(skipEntry), []),
    }),
    {},
  ),
  archives: z.prefault(z.strictObject({ files: withDefault(z.array(rootFileName()), [...ARCHIVE_EXTRA_FILES]) }), {}),
  images: z.prefault(
    z.strictObject({
      repository: withDefault(text(), DEFAULT_IMAGE_REPOSITORY),
      defaultDistro: withDefault(z.enum(DISTROS), DEFAULT_DISTRO),
      distros: withDefault(z.partialRecord(z.enum(DISTROS), distroEntry), GLIDE_BASES),
      /** Added as a layer to bases that ship no CA bundle (Glide calls HTTPS APIs). */
      caBundle: withDefault(text(), '/etc/ssl/certs/ca-certificates.crt'),
    }),
    {},
  ),
  /** Package-manager channels: each off unless named here, so a fork's release never pushes to Glide's. */
  channels: z.prefault(
    z.strictObject({
      helm: z.optional(helmChannelSchema),
      homebrew: z.optional(homebrewConfigSchema),
      snap: z.optional(snapConfigSchema),
      chocolatey: z.optional(chocolateyConfigSchema),
    }),
    {},
  ),
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
  const json = fileName.endsWith('.json');
  try {
    raw = json ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    const where = json ? jsonErrorAt(text) : (error as Error).message;
    throw new GlideError('ECONFIG', `${fileName} is not valid ${json ? 'JSON' : 'YAML'}: ${where}`);
  }
  const result = configSchema.safeParse(raw ?? {}, { reportInput: true });
  if (result.success) return result.data;
  const problems = result.error.issues.map(describeIssue);
  throw new GlideError('ECONFIG', `${fileName} has ${problems.length === 1 ? 'an error' : `${problems.length} errors`}:`, problems);
}

const JSON_PROBLEMS: Readonly<Record<string, string>> = {
  ValueExpected: 'a value was expected',
  PropertyNameExpected: 'a key in double quotes was expected (a comma too many?)',
  ColonExpected: '":" was expected after the key',
  CommaExpected: 'a "," was expected',
  CloseBraceExpected: 'a "}" was expected',
  CloseBracketExpected: 'a "]" was expected',
  EndOfFileExpected: 'the file should end here',
  InvalidCommentToken: 'JSON has no comments (glide-release.config.yaml may have them)',
  InvalidSymbol: 'this character does not belong here',
  UnexpectedEndOfString: 'a string is not closed',
};

/** Where strict JSON first goes wrong, as line and column (JSON.parse's messages give at most an offset, and not always). */
function jsonErrorAt(text: string): string {
  const errors: ParseError[] = [];
  parseJsonc(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const first = errors[0];
  if (!first) return 'it cannot be parsed';
  const before = text.slice(0, first.offset).split('\n');
  const code = printParseErrorCode(first.error);
  return `line ${before.length}, column ${before.at(-1)!.length + 1}: ${JSON_PROBLEMS[code] ?? code}`;
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
  let def: SchemaDef | undefined = unwrap(configSchema._zod.def as SchemaDef);
  for (const segment of path.map(String)) {
    if (!def) return [];
    const child: SchemaDef | undefined =
      def.type === 'object'
        ? def.shape?.[segment]?._zod.def
        : def.type === 'array'
          ? def.element?._zod.def
          : def.type === 'record'
            ? def.valueType?._zod.def
            : undefined;
    def = child && unwrap(child);
  }
  if (def?.type === 'object') return Object.keys(def.shape ?? {});
  if (def?.type === 'record' && def.keyType?._zod.def.type === 'enum') return Object.keys(def.keyType._zod.def.entries ?? {});
  return [];
}

/** The parts of zod's schema definitions walked above (zod's core `def` shape). */
interface SchemaDef {
  type: string;
  shape?: Record<string, { _zod: { def: SchemaDef } }>;
  element?: { _zod: { def: SchemaDef } };
  keyType?: { _zod: { def: SchemaDef } };
  valueType?: { _zod: { def: SchemaDef } };
  innerType?: { _zod: { def: SchemaDef } };
  entries?: Record<string, unknown>;
}

/** Past defaults and optionals to the schema they wrap. */
function unwrap(def: SchemaDef): SchemaDef {
  let current = def;
  while ((current.type === 'default' || current.type === 'prefault' || current.type === 'optional') && current.innerType) {
    current = current.innerType._zod.def;
  }
  return current;
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
