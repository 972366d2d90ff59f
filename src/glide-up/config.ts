/**
 * Which config Glide runs with (decision 0027): `--config FILE`, else `./config.yaml`, else
 * one glide-up writes into its own config folder for the first provider whose variables are
 * all set. The generated file names the variables (`${env:OPENAI_API_KEY}`), never their
 * values: Glide reads them from the environment glide-up hands on. `--port` on a config of
 * the user's is a copy with `api.http.port` set, in the same folder, since Glide has no port flag.
 */
import { randomBytes } from 'node:crypto';
import { access, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { GLIDE_PORT, GlideError } from '#contract';
import { glideConfig } from '../scaffold/project.js';
import { PROVIDER_SPECS, PROVIDERS, type Provider } from '../scaffold/providers.js';

export interface ConfigFacts {
  readonly flag?: string;
  readonly cwd: string;
  /** Whether `./config.yaml` exists in cwd. */
  readonly localConfig: boolean;
  /** The variables Glide will see: the environment and its dotenv file. */
  readonly env: NodeJS.ProcessEnv;
}

export type ConfigChoice =
  | { readonly kind: 'given'; readonly path: string }
  | { readonly kind: 'local'; readonly path: string }
  | { readonly kind: 'generated'; readonly provider: Provider; readonly variables: readonly string[] };

/** Decides from facts alone. Throws ENOPROVIDERKEY, naming the variables looked for, when there is nothing to run with. Pure. */
export function chooseConfig(facts: ConfigFacts): ConfigChoice {
  if (facts.flag !== undefined) return { kind: 'given', path: resolve(facts.cwd, facts.flag) };
  if (facts.localConfig) return { kind: 'local', path: join(facts.cwd, 'config.yaml') };
  const provider = PROVIDERS.find((name) => PROVIDER_SPECS[name].fields.every((field) => facts.env[field.env]?.trim()));
  if (provider) return { kind: 'generated', provider, variables: PROVIDER_SPECS[provider].fields.map((field) => field.env) };
  throw new GlideError(
    'ENOPROVIDERKEY',
    'No config.yaml here, no --config, and no LLM provider key in the environment (or the dotenv file Glide loads) to write a config from.',
    [
      `Looked for: ${PROVIDERS.map((name) => PROVIDER_SPECS[name].fields.map((field) => field.env).join(' + ')).join(', ')}.`,
      'Set one (export OPENAI_API_KEY=…), pass --config FILE, or run `npx create-glide` to set up a project. Nothing was written.',
    ],
  );
}

/**
 * `api.http.host` when it means every interface of the machine (`0.0.0.0`, `::`, or empty: Glide
 * then listens on `:port`), as a container's config has it; else undefined. Pure.
 */
export function everyInterfaceHost(configText: string): string | undefined {
  const document = parseDocument(configText);
  // A config Glide cannot read is Glide's to report.
  if (document.errors.length > 0) return undefined;
  const host = document.getIn(['api', 'http', 'host']);
  if (host === undefined || host === null || typeof host === 'object') return undefined;
  const text = String(host).trim();
  return ['', '0.0.0.0', '::', '[::]'].includes(text) ? text : undefined;
}

/** The user's config text with `api.http.port` set, comments and the rest kept. Pure. */
export function withPort(configText: string, port: number): string {
  const document = parseDocument(configText);
  if (document.errors.length > 0) {
    throw new GlideError('EUSAGE', `--port ${port}: the config is not valid YAML (${document.errors[0]!.message.split('\n')[0]}).`, [
      'Fix the config, or set api.http.port in it and leave out --port.',
    ]);
  }
  document.setIn(['api', 'http', 'port'], port);
  return document.toString();
}

export function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/**
 * The config file Glide is given, written when it must be: the generated one (`config.yaml`),
 * or a port-changed copy of the user's (`config.port-N.yaml`, mode 0600: it may hold literal keys).
 */
export async function materializeConfig(choice: ConfigChoice, configDir: string, port: number | undefined): Promise<{ path: string; wrote?: string }> {
  if (choice.kind === 'generated') {
    const path = join(configDir, 'config.yaml');
    await writeAtomically(path, glideConfig({ provider: choice.provider, values: {}, port: port ?? GLIDE_PORT }), 0o644);
    return { path, wrote: path };
  }
  if (port === undefined) return { path: choice.path };
  let text: string;
  try {
    text = await readFile(choice.path, 'utf8');
  } catch (error) {
    throw new GlideError('EUSAGE', `${choice.path} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}).`, [
      'Check the path given to --config.',
    ]);
  }
  const path = join(configDir, `config.port-${port}.yaml`);
  await writeAtomically(path, withPort(text, port), 0o600);
  return { path, wrote: path };
}

async function writeAtomically(path: string, content: string, mode: number): Promise<void> {
  const dir = resolve(path, '..');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const temporary = join(dir, `.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(temporary, content, { mode });
    await rename(temporary, path);
  } finally {
    await rm(temporary, { force: true });
  }
}
