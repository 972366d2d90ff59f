/**
 * Where the demo's template comes from (`--template`): the bundled one (the default, which
 * needs no network), a local folder, or a GitHub repository's tarball fetched with the shared
 * HTTP client (decision 0025). A template is a stranger's files: only regular UTF-8 text files
 * inside it are taken, within size limits; links, devices, FIFOs and paths that leave it are
 * refused, and nothing is written here: the files go through the usual plan and write.
 */
import { constants } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Parser, type ReadEntry } from 'tar';
import { GlideError, isGlideError } from '#contract';
import { classifyEntryPath, normalizeEntryPath, tarEntryKind } from '../install/extract.js';
import { bodyChunks, deadlineError, discardBody, type HttpClient } from '../net/http.js';
import { BUNDLED_TEMPLATE } from './bundled-template.js';
import { checkTemplatePath, type DemoTemplate, type TemplateFile } from './demo.js';

export type TemplateSpec =
  { readonly kind: 'bundled' } | { readonly kind: 'folder'; readonly path: string } | { readonly kind: 'github'; readonly repo: string; readonly ref?: string };

/** The name `--template` gives the bundled demo. */
export const BUNDLED_TEMPLATE_NAME = 'demo';

/** Bounds on what a template may hold: a demo is a handful of small text files. */
export const TEMPLATE_LIMITS = { files: 200, fileBytes: 1024 * 1024, totalBytes: 5 * 1024 * 1024, tarballBytes: 10 * 1024 * 1024 } as const;

const OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
const REPO = /^[A-Za-z0-9._-]{1,100}$/;
// git check-ref-format's rules, as far as a URL path segment needs them.
const REF = /^(?!\/|.*\/$|.*\/\/|.*\.\.|.*@\{|.*\.lock$|.*\.$)[^\s~^:?*[\\\x00-\x1f\x7f]{1,255}$/;
const GITHUB_DEADLINE_MS = 120_000;

const usage = (text: string, why: string): GlideError =>
  new GlideError('EUSAGE', `--template ${JSON.stringify(text)}: ${why}.`, [
    `Use ${BUNDLED_TEMPLATE_NAME} (the bundled demo, the default), a folder (./my-template), or github:owner/repo[#ref].`,
  ]);

export function parseTemplateSpec(text: string): TemplateSpec {
  const spec = text.trim();
  if (spec === '') throw usage(text, 'the template is empty');
  if (spec === BUNDLED_TEMPLATE_NAME) return { kind: 'bundled' };
  const scheme = /^([a-z][a-z0-9+.-]*):(?!\\)/i.exec(spec)?.[1];
  if (scheme !== undefined && scheme.length > 1) {
    if (scheme.toLowerCase() !== 'github') throw usage(text, `${scheme}: templates are not supported`);
    const [name = '', ref, ...more] = spec.slice(scheme.length + 1).split('#');
    const [owner = '', repo = '', ...rest] = name.split('/');
    if (!OWNER.test(owner) || !REPO.test(repo) || repo === '.' || repo === '..' || rest.length > 0)
      throw usage(text, 'write the repository as github:owner/repo');
    if (more.length > 0 || (ref !== undefined && !REF.test(ref))) throw usage(text, `${JSON.stringify(ref)} is not a branch, tag or commit name`);
    return { kind: 'github', repo: `${owner}/${repo.replace(/\.git$/, '')}`, ...(ref !== undefined ? { ref } : {}) };
  }
  return { kind: 'folder', path: spec };
}

export interface LoadTemplateOptions {
  readonly signal?: AbortSignal;
  /** For a GitHub template; its token goes to the API origin only. */
  readonly client?: HttpClient;
  /** The API a GitHub template is fetched from (settings.githubApiUrl). */
  readonly githubApiUrl?: string;
  /** A relative folder is read from here. */
  readonly cwd?: string;
}

/**
 * The template's files. A GitHub template that cannot be reached (offline, a proxy in the way)
 * gives the bundled demo instead, with `fallback` saying why; one that does not exist is an error.
 */
export async function loadTemplate(spec: TemplateSpec, options: LoadTemplateOptions = {}): Promise<DemoTemplate> {
  switch (spec.kind) {
    case 'bundled':
      return BUNDLED_TEMPLATE;
    case 'folder':
      return readFolderTemplate(resolve(options.cwd ?? process.cwd(), spec.path), spec.path);
    case 'github': {
      const source = `github:${spec.repo}${spec.ref !== undefined ? `#${spec.ref}` : ''}`;
      if (!options.client) throw new Error('loadTemplate: a GitHub template needs options.client');
      try {
        return await fetchGitHubTemplate(spec, source, options.client, options.githubApiUrl ?? 'https://api.github.com', options.signal);
      } catch (error) {
        // Ctrl-C aborts the request too: that is a cancel, not a reason to stand in for the template.
        if (options.signal?.aborted) throw new GlideError('ECANCELLED', 'Cancelled.');
        if (!isGlideError(error) || error.code !== 'ENETWORK') throw error;
        return { ...BUNDLED_TEMPLATE, fallback: `${source} could not be fetched (${error.message}); the bundled demo is used instead` };
      }
    }
  }
}

async function readFolderTemplate(root: string, asGiven: string): Promise<DemoTemplate> {
  const source = `the folder ${asGiven}`;
  const rootStat = await stat(root).catch(() => undefined);
  if (!rootStat?.isDirectory()) {
    const hint = asGiven.includes('/') && !/^[./~]/.test(asGiven) ? ` For a GitHub repository write github:${asGiven}.` : '';
    throw new GlideError('ETEMPLATE', `The template folder ${root} ${rootStat ? 'is not a folder' : 'does not exist'}.`, [
      `Check the path.${hint} Nothing was written.`,
    ]);
  }
  const collected = new TemplateCollector(source);
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      const inside = relative(root, path).split(sep).join('/');
      if (inside === '.git') continue;
      if (entry.isDirectory()) await walk(path);
      else if (entry.isSymbolicLink()) throw collected.refuse(`${inside} is a symbolic link`);
      else if (!entry.isFile()) throw collected.refuse(`${inside} is not a regular file`);
      else await collected.add(inside, () => readRegularFile(path, inside, collected));
    }
  };
  await walk(root);
  return { source, files: collected.files };
}

/** O_NOFOLLOW: a file swapped for a link after the listing is not followed; O_NONBLOCK: a FIFO does not hang the read. */
async function readRegularFile(path: string, inside: string, collected: TemplateCollector): Promise<{ bytes: Buffer; mode: number }> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch((error: NodeJS.ErrnoException) => {
    throw error.code === 'ELOOP' ? collected.refuse(`${inside} is a symbolic link`) : error;
  });
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw collected.refuse(`${inside} is not a regular file`);
    collected.checkSize(inside, info.size);
    return { bytes: await handle.readFile(), mode: info.mode };
  } finally {
    await handle.close();
  }
}

async function fetchGitHubTemplate(
  spec: { repo: string; ref?: string },
  source: string,
  client: HttpClient,
  apiUrl: string,
  signal?: AbortSignal,
): Promise<DemoTemplate> {
  const url = `${apiUrl.replace(/\/+$/, '')}/repos/${spec.repo}/tarball${spec.ref !== undefined ? `/${encodeURIComponent(spec.ref)}` : ''}`;
  const tooSlow = () => deadlineError(url, GITHUB_DEADLINE_MS, 'a small file', undefined);
  const tarball = await client.withDeadline(GITHUB_DEADLINE_MS, tooSlow, async (deadline) => {
    const response = await client.get(url, { signal: signal ? AbortSignal.any([signal, deadline]) : deadline });
    if (response.status === 404) {
      discardBody(response.body);
      throw new GlideError('ETEMPLATE', `${source} was not found (404).`, [
        'Check the owner, repository and ref; a private repository needs a token in GLIDE_GITHUB_TOKEN (or GH_TOKEN / GITHUB_TOKEN). Nothing was written.',
      ]);
    }
    await client.expectOk(response, source);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of bodyChunks(response, source)) {
      size += chunk.length;
      if (size > TEMPLATE_LIMITS.tarballBytes) {
        discardBody(response.body);
        throw new GlideError('ETEMPLATE', `${source} is larger than ${TEMPLATE_LIMITS.tarballBytes / 1024 / 1024} MB: not a demo template.`, [
          'Use a repository that holds only the template. Nothing was written.',
        ]);
      }
      chunks.push(Buffer.from(chunk));
    }
    return Buffer.concat(chunks);
  });
  return { source, files: await readTarballTemplate(tarball, new TemplateCollector(source)) };
}

/** GitHub's tarball has every file under one `{owner}-{repo}-{sha}/` folder; that folder is the template. */
async function readTarballTemplate(gzipped: Buffer, collected: TemplateCollector): Promise<TemplateFile[]> {
  let tar: Buffer;
  try {
    tar = gunzipSync(gzipped, { maxOutputLength: TEMPLATE_LIMITS.totalBytes + TEMPLATE_LIMITS.files * 1024 + 1024 * 1024 });
  } catch (error) {
    throw collected.refuse(`the tarball cannot be unpacked (${(error as Error).message})`);
  }
  const pending: Promise<void>[] = [];
  let top: string | undefined;
  let failure: unknown;
  const parser = new Parser({ strict: true });
  const done = new Promise<void>((resolve, reject) => {
    parser.on('end', resolve);
    parser.on('error', (error: Error) => reject(collected.refuse(`the tarball is damaged (${error.message})`)));
  });
  parser.on(
    'ignoredEntry',
    (entry: ReadEntry) => void (failure ??= collected.refuse(`${JSON.stringify(entry.path)} has a type (${entry.type}) templates cannot hold`)),
  );
  parser.on('entry', (entry: ReadEntry) => {
    try {
      if (failure) return void entry.resume();
      for (const name of [entry.path, entry.header.path ?? entry.path]) {
        if (classifyEntryPath(name) !== 'ok') throw collected.refuse(`${JSON.stringify(name)} leaves the template`);
      }
      const path = normalizeEntryPath(entry.path);
      const slash = path.indexOf('/');
      const first = slash === -1 ? path : path.slice(0, slash);
      top ??= first;
      if (first !== top) throw collected.refuse(`${JSON.stringify(path)} is outside the repository's folder ${top}/`);
      const inside = slash === -1 ? '' : path.slice(slash + 1);
      const kind = tarEntryKind(entry.type);
      if (kind === 'directory') return void entry.resume();
      if (kind !== 'file') throw collected.refuse(`${inside || path} is a ${kind === 'symlink' ? 'symbolic link' : kind === 'hardlink' ? 'hard link' : kind}`);
      if (inside === '') throw collected.refuse(`${JSON.stringify(path)} is a file where the repository's folder should be`);
      collected.checkSize(inside, entry.size);
      const chunks: Buffer[] = [];
      entry.on('data', (chunk: Buffer) => chunks.push(chunk));
      pending.push(
        new Promise<void>((resolve) => entry.on('end', resolve)).then(() =>
          collected.add(inside, () => Promise.resolve({ bytes: Buffer.concat(chunks), mode: entry.mode ?? 0o644 })),
        ),
      );
    } catch (error) {
      failure ??= error;
      entry.resume();
    }
  });
  parser.end(tar);
  await done;
  await Promise.all(pending).catch((error: unknown) => void (failure ??= error));
  if (failure) throw failure;
  return collected.files;
}

/** The files taken so far, within TEMPLATE_LIMITS, each UTF-8 text at a path inside the project. */
class TemplateCollector {
  readonly files: TemplateFile[] = [];
  #total = 0;

  constructor(readonly source: string) {}

  refuse(why: string): GlideError {
    return new GlideError('ETEMPLATE', `The template ${this.source} cannot be used: ${why}.`, [
      `create-glide takes only regular text files from a template, at most ${TEMPLATE_LIMITS.files} of them and ${TEMPLATE_LIMITS.fileBytes / 1024} KB each. Nothing was written.`,
    ]);
  }

  checkSize(path: string, size: number): void {
    if (size > TEMPLATE_LIMITS.fileBytes) throw this.refuse(`${path} is larger than ${TEMPLATE_LIMITS.fileBytes / 1024} KB`);
    this.#total += size;
    if (this.#total > TEMPLATE_LIMITS.totalBytes) throw this.refuse(`its files add up to more than ${TEMPLATE_LIMITS.totalBytes / 1024 / 1024} MB`);
  }

  async add(path: string, read: () => Promise<{ bytes: Buffer; mode: number }>): Promise<void> {
    checkTemplatePath(path, this.source);
    if (this.files.length >= TEMPLATE_LIMITS.files) throw this.refuse(`it has more than ${TEMPLATE_LIMITS.files} files`);
    const { bytes, mode } = await read();
    let content: string;
    try {
      content = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw this.refuse(`${path} is not UTF-8 text`);
    }
    this.files.push({ path, content, mode: (mode & 0o111) !== 0 ? 0o755 : 0o644 });
  }
}
