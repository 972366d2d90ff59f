/**
 * What becomes of each project file when the folder already has a copy (decision 0014), and
 * the binary method's files: the bundled demo. Pure: returns the files and the actions, writes nothing.
 */
import { parseEnv } from 'node:util';
import { BUNDLED_TEMPLATE } from './bundled-template.js';
import { demoProjectFiles, type DemoAnswers } from './demo.js';
import type { ProjectFile } from './project-file.js';

export { dotenv, glideConfig, providerVariables, type ProjectAnswers } from './glide-config.js';
export type { ExistingCopy, ProjectFile } from './project-file.js';

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

/** The binary method's project: the bundled demo for a Glide run by the binary (or `npx glide-up`). */
export function binaryProjectFiles(answers: Omit<DemoAnswers, 'method' | 'image'>): ProjectFile[] {
  return demoProjectFiles({ ...answers, method: 'binary' }, BUNDLED_TEMPLATE);
}
