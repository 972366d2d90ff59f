/**
 * The files of a binary-method project: Glide's config, the `.env` it loads (mode 0600),
 * and a `.gitignore` that keeps secrets out of git; and what becomes of a copy the user
 * already has (decision 0014). Pure: returns the files and the actions, writes nothing.
 */
import { parseEnv } from 'node:util';
import { stringify } from 'yaml';
import { PROVIDER_SPECS, type Provider } from './providers.js';

/**
 * What `--overwrite` does to a copy already in the folder: `dotenv` keeps every key and value
 * and adds the missing keys, `lines` appends the missing lines, `backup` replaces a copy that
 * differs after saving it under a free `.bak` name.
 */
export type ExistingCopy = 'dotenv' | 'lines' | 'backup';

export interface ProjectFile {
  readonly path: string;
  readonly content: string;
  readonly mode: number;
  readonly existing: ExistingCopy;
  /** Holds secrets: its content is never printed, not even in a dry run. */
  readonly secret?: boolean;
}

/** What writing the project does to one file; `file.content` is what the file holds afterwards. */
export type FileAction =
  | { readonly kind: 'create'; readonly file: ProjectFile }
  | { readonly kind: 'keep'; readonly file: ProjectFile; readonly why: string }
  | { readonly kind: 'merge'; readonly file: ProjectFile; readonly what: string }
  | { readonly kind: 'replace'; readonly file: ProjectFile; readonly backup: string };

/**
 * Decides each file's action from what the folder holds: `existing` maps a path to its
 * current text, and `taken` is every name in the folder (a backup never overwrites one).
 */
export function projectFileActions(files: readonly ProjectFile[], existing: ReadonlyMap<string, string>, taken: ReadonlySet<string>): FileAction[] {
  return files.map((file): FileAction => {
    const current = existing.get(file.path);
    if (current === undefined) return { kind: 'create', file };
    switch (file.existing) {
      case 'dotenv':
        return mergeDotenvAction(file, current);
      case 'lines':
        return mergeLinesAction(file, current);
      case 'backup':
        if (current === file.content) return { kind: 'keep', file, why: 'unchanged' };
        return { kind: 'replace', file, backup: freeBackupName(file.path, taken) };
    }
  });
}

/** `config.yaml.bak`, else `config.yaml.bak.1`, `.bak.2`…: the first name not in the folder. */
export function freeBackupName(path: string, taken: ReadonlySet<string>): string {
  for (let n = 0; ; n++) {
    const name = n === 0 ? `${path}.bak` : `${path}.bak.${n}`;
    if (!taken.has(name)) return name;
  }
}

/**
 * The user's `.env` stays as it is, line for line; a key we need that it lacks is appended,
 * and one it has with an empty value is filled in when we have a value. No value is ever
 * blanked or replaced.
 */
function mergeDotenvAction(file: ProjectFile, current: string): FileAction {
  const have = parseEnv(current);
  const wanted = parseEnv(file.content);
  const lineOf = new Map(
    file.content
      .split('\n')
      .filter(Boolean)
      .map((line) => [line.slice(0, line.indexOf('=')), line]),
  );
  let merged = current;
  const added: string[] = [];
  const filled: string[] = [];
  for (const [name, value] of Object.entries(wanted)) {
    const line = lineOf.get(name) ?? `${name}=`;
    if (!(name in have)) {
      merged = `${merged}${merged === '' || merged.endsWith('\n') ? '' : '\n'}${line}\n`;
      added.push(name);
    } else if (have[name] === '' && value !== '') {
      const empty = new RegExp(`^[ \\t]*(?:export[ \\t]+)?${name}[ \\t]*=[ \\t]*(?:""|'')?[ \\t]*(?:#.*)?$`, 'gm');
      // A function, so a `$&` in a secret is not read as a replacement pattern.
      merged = merged.replace(empty, () => line);
      filled.push(name);
    }
  }
  const content = { ...file, content: merged };
  if (added.length === 0 && filled.length === 0) return { kind: 'keep', file: content, why: `has ${Object.keys(wanted).join(', ')}` };
  const kept = Object.keys(have).length - filled.length;
  const what = [
    `keeps ${kept} existing ${kept === 1 ? 'key' : 'keys'}`,
    ...(filled.length > 0 ? [`fills in ${filled.join(', ')}`] : []),
    ...(added.length > 0 ? [`adds ${added.join(', ')}`] : []),
  ];
  return { kind: 'merge', file: content, what: what.join(', ') };
}

/** Appends the lines the user's copy lacks (a `.gitignore`), keeping everything it has. */
function mergeLinesAction(file: ProjectFile, current: string): FileAction {
  const have = new Set(current.split(/\r?\n/).map((line) => line.trim()));
  const missing = file.content.split('\n').filter((line) => line !== '' && !have.has(line));
  if (missing.length === 0) return { kind: 'keep', file: { ...file, content: current }, why: `already has ${file.content.trim().split('\n').join(', ')}` };
  const content = `${current}${current === '' || current.endsWith('\n') ? '' : '\n'}${missing.join('\n')}\n`;
  return { kind: 'merge', file: { ...file, content }, what: `adds ${missing.join(', ')}` };
}

/** Variables among `names` that `.env` text leaves empty (or lacks): the next steps say to fill them in. */
export function unsetVariables(envText: string, names: readonly string[]): string[] {
  const values = parseEnv(envText);
  return names.filter((name) => !values[name]);
}

export interface ProjectAnswers {
  readonly provider: Provider;
  /** Values by environment variable name; a missing one is written empty and named in the next steps. */
  readonly values: Readonly<Record<string, string>>;
  readonly port: number;
}

export function glideConfig(answers: ProjectAnswers): string {
  const spec = PROVIDER_SPECS[answers.provider];
  const provider = Object.fromEntries(spec.fields.map((field) => [field.key, `\${env:${field.env}}`]));
  const config = {
    telemetry: { logging: { level: 'info', encoding: 'console' } },
    api: { http: { host: '127.0.0.1', port: answers.port } },
    routers: {
      language: [{ id: 'default', strategy: 'priority', models: [{ id: answers.provider, [answers.provider]: provider }] }],
    },
  };
  return `# Glide's configuration: https://glide.einstack.ai\n# Secrets are read from .env (never commit it).\n${stringify(config)}`;
}

/** dotenv lines; values that need it are double-quoted the way godotenv (Glide's loader) reads them. */
export function dotenv(values: Readonly<Record<string, string>>, names: readonly string[]): string {
  return names
    .map((name) => {
      const value = values[name] ?? '';
      const plain = /^[A-Za-z0-9_\-./+=:@,]*$/.test(value);
      return `${name}=${plain ? value : JSON.stringify(value)}\n`;
    })
    .join('');
}

export function binaryProjectFiles(answers: ProjectAnswers): ProjectFile[] {
  const names = providerVariables(answers.provider);
  return [
    { path: 'config.yaml', content: glideConfig(answers), mode: 0o644, existing: 'backup' },
    { path: '.env', content: dotenv(answers.values, names), mode: 0o600, existing: 'dotenv', secret: true },
    { path: '.gitignore', content: '.env\nsecrets/\n', mode: 0o644, existing: 'lines' },
  ];
}

/** The environment variables the provider's config reads. */
export function providerVariables(provider: Provider): string[] {
  return PROVIDER_SPECS[provider].fields.map((field) => field.env);
}
