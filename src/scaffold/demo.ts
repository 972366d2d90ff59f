/**
 * The demo project: a template's files rendered for the chosen method, plus the two files
 * create-glide always writes itself from the answers (`config.yaml` and the 0600 `.env`).
 * Pure: takes the answers and the template, returns the files.
 *
 * A template is plain text files. create-glide fills in a fixed set of `{{name}}` fields
 * (TEMPLATE_FIELDS) and keeps or drops `{{#docker}}…{{/docker}}` and `{{#binary}}…{{/binary}}`
 * sections by method; any other braces (a Grafana legend, a Go template) stay as they are.
 * A file that renders empty is not written: the binary method gets no compose.yaml.
 * `.glide-version` pins the Glide installed (binary) or in compose.yaml (docker): `npx glide-up`
 * in the project runs that one (decision 0031).
 */
import { GlideError } from '#contract';
import { parseImageReference } from '../registry/reference.js';
import { PIN_FILE, pinFileText } from '../releases/pin.js';
import { DEMO_ROUTER, dotenv, glideConfig, providerVariables, type ProjectAnswers } from './glide-config.js';
import type { ProjectFile } from './project-file.js';
import { PROVIDER_SPECS } from './providers.js';

export type DemoMethod = 'binary' | 'docker';

export interface DemoAnswers extends ProjectAnswers {
  readonly method: DemoMethod;
  /** The exact Glide the project runs: installed, or the image's; written to `.glide-version`. */
  readonly glideVersion: string;
  /** The full image reference compose runs, `repo:{version}-{distro}`: docker only. */
  readonly image?: string;
}

export interface TemplateFile {
  /** Relative, `/`-separated, inside the project (checkTemplatePath). */
  readonly path: string;
  readonly content: string;
  /** 0o644, or 0o755 for a file the template marks executable. */
  readonly mode: number;
}

export interface DemoTemplate {
  /** For messages: `the bundled demo`, `github:owner/repo#ref`, a folder. */
  readonly source: string;
  readonly files: readonly TemplateFile[];
  /** Set when the bundled demo stands in for the template asked for, and why (say it to the user). */
  readonly fallback?: string;
}

/** The `{{name}}` fields a template may use. */
export const TEMPLATE_FIELDS = ['image', 'glide_version', 'port', 'router', 'provider', 'provider_title', 'env_names', 'env_list'] as const;
export type TemplateField = (typeof TEMPLATE_FIELDS)[number];

/** Written from the answers, whatever the template holds under these names: a template never supplies Glide's config, the secrets or the pin. */
export const GENERATED_PATHS: ReadonlySet<string> = new Set(['config.yaml', '.env', PIN_FILE]);

/** What `.gitignore` must hold whatever the template's says: the keys stay out of git. */
const IGNORED = ['.env', 'secrets/'];

export function demoProjectFiles(answers: DemoAnswers, template: DemoTemplate): ProjectFile[] {
  const names = providerVariables(answers.provider);
  const fields: Record<TemplateField, string> = {
    image: answers.method === 'docker' ? pinnedImage(answers.image) : '',
    glide_version: answers.glideVersion,
    port: String(answers.port),
    router: DEMO_ROUTER,
    provider: answers.provider,
    provider_title: PROVIDER_SPECS[answers.provider].title,
    env_names: dotenv({}, names).trimEnd(),
    env_list: names.map((name) => `\`${name}\``).join(', '),
  };
  const rendered: ProjectFile[] = [];
  let gitignore = '';
  // Compared without case: on macOS and Windows `.ENV` is `.env`, and would land on the keys.
  const taken = new Set([...GENERATED_PATHS]);
  const folders = new Set<string>();
  for (const file of template.files) {
    checkTemplatePath(file.path, template.source);
    const key = file.path.toLowerCase();
    if (GENERATED_PATHS.has(key)) continue;
    const parents = key
      .split('/')
      .slice(0, -1)
      .map((_, depth, parts) => parts.slice(0, depth + 1).join('/'));
    const fileAsFolder = parents.find((parent) => taken.has(parent) || parent === '.gitignore');
    if (fileAsFolder !== undefined) throw templatePathError(template.source, file.path, `${fileAsFolder} is a file of the project`);
    if (folders.has(key) || taken.has(key)) throw templatePathError(template.source, file.path, 'another file or folder has the same name');
    taken.add(key);
    for (const parent of parents) folders.add(parent);
    const content = renderTemplateText(file.content, answers.method, fields);
    if (key === '.gitignore') gitignore = content;
    else if (content.trim() !== '') rendered.push({ path: file.path, content, mode: file.mode, existing: 'backup' });
  }
  return [
    { path: 'config.yaml', content: glideConfig(answers, answers.method === 'docker' ? '0.0.0.0' : '127.0.0.1'), mode: 0o644, existing: 'backup' },
    { path: '.env', content: dotenv(answers.values, names, answers.method === 'docker' ? 'compose' : 'glide'), mode: 0o600, existing: 'dotenv', secret: true },
    { path: '.gitignore', content: withLines(gitignore, IGNORED), mode: 0o644, existing: 'lines' },
    // `backup`: an older pin is replaced by the version just installed (a kept one would run another Glide than the next steps say), and saved.
    { path: PIN_FILE, content: pinFileText(answers.glideVersion), mode: 0o644, existing: 'backup' },
    ...rendered,
  ];
}

/** Keeps the method's sections, drops the other's, fills in the fields. */
export function renderTemplateText(text: string, method: DemoMethod, fields: Readonly<Record<TemplateField, string>>): string {
  const keep = (name: string, inner: string): string => (name === method ? inner : '');
  return (
    text
      // A section whose tags sit on lines of their own takes those lines with it.
      .replace(/^\{\{#(docker|binary)\}\}\r?\n([\s\S]*?)^\{\{\/\1\}\}(?:\r?\n|$)/gm, (_, name: string, inner: string) => keep(name, inner))
      .replace(/\{\{#(docker|binary)\}\}([\s\S]*?)\{\{\/\1\}\}/g, (_, name: string, inner: string) => keep(name, inner))
      // A function, so a `$&` in a value is not read as a replacement pattern.
      .replace(new RegExp(`\\{\\{(${TEMPLATE_FIELDS.join('|')})\\}\\}`, 'g'), (_, name: TemplateField) => fields[name])
  );
}

/**
 * Refuses a template path that could land outside the project or in its git metadata: a
 * template is a stranger's files. Returns the path.
 */
export function checkTemplatePath(path: string, source: string): string {
  const parts = path.split('/');
  const bad =
    path === '' ||
    path.includes('\\') ||
    path.includes('\0') ||
    /^[A-Za-z]:/.test(path) ||
    parts.some((part) => part === '' || part === '.' || part === '..') ||
    parts[0]?.toLowerCase() === '.git';
  if (bad) throw templatePathError(source, path, 'it would be written outside the project folder');
  return path;
}

function templatePathError(source: string, path: string, why: string): GlideError {
  return new GlideError('ETEMPLATE', `The template ${source} has a file named ${JSON.stringify(path)}: ${why}.`, [
    'Use a template whose files are all inside it (no absolute paths, no "..", nothing under .git/), each name once. Nothing was written.',
  ]);
}

/** The compose file pins one release: a reference without a tag or digest would follow `latest`. */
function pinnedImage(image: string | undefined): string {
  if (image === undefined) throw new Error('demoProjectFiles: the docker method needs answers.image');
  const reference = parseImageReference(image);
  if (reference.tag === undefined && reference.digest === undefined) {
    throw new GlideError('ECONFIG', `The image ${image} names no tag: the demo pins one release.`, [
      'Give the full reference, e.g. ghcr.io/einstack/glide:0.1.0-alpine.',
    ]);
  }
  return image;
}

function withLines(text: string, lines: readonly string[]): string {
  const have = new Set(text.split(/\r?\n/).map((line) => line.trim()));
  const missing = lines.filter((line) => !have.has(line));
  if (missing.length === 0) return text;
  return `${text}${text === '' || text.endsWith('\n') ? '' : '\n'}${missing.join('\n')}\n`;
}
