/**
 * create-glide's steps. Everything is asked and resolved first (ask → plan); only then
 * does anything download or write (apply), so Ctrl-C or a refusal before that leaves no
 * trace and `--dry-run` is the plan printed.
 */
import { relative, resolve } from 'node:path';
import { archiveName, checksumsName, DEFAULT_DISTRO, formatTarget, GLIDE_PORT, GlideError, imageTag, type Target } from '#contract';
import { checkCacheWritable, inspectInstall, installGlide, readChecksum, type InstallEvent, type InstallResult } from '../install/index.js';
import { installPaths } from '../install/cache.js';
import { findForeignGlide } from '../install/path-check.js';
import type { HttpClient } from '../net/http.js';
import { sameTarget, targetFromWords } from '../platform/detect.js';
import { releaseLookup } from '../releases/lookup.js';
import { resolveVersion } from '../releases/resolve.js';
import { assetLocation, describeLocation, describeSource, releaseSource, type AssetLocation, type ReleaseSource } from '../releases/source.js';
import type { FileAction } from '../scaffold/project.js';
import { DEFAULT_PROVIDER, PROVIDER_SPECS, PROVIDERS, type Provider } from '../scaffold/providers.js';
import { checkProjectFolder, folderState } from '../scaffold/write.js';
import type { InstallerSettings } from '../settings.js';
import { DEFAULT_IMAGE, type CreateOptions, type Method } from './options.js';
import type { Terminal } from './terminal.js';

export interface CreateContext {
  readonly options: CreateOptions;
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly settings: InstallerSettings;
  readonly host: Target;
  readonly terminal: Terminal;
  readonly client: HttpClient;
  /** Ctrl-C or SIGTERM (bin.ts): ends a wait; the same signal the client's requests carry. */
  readonly signal?: AbortSignal;
}

const DEFAULT_DIR = 'glide-demo';

export interface ProjectAnswer {
  readonly dir: string;
  readonly overwrite: boolean;
}

export async function askProjectDir(ctx: Pick<CreateContext, 'options' | 'cwd' | 'terminal'>): Promise<ProjectAnswer> {
  const { options, terminal } = ctx;
  let name = options.dir;
  if (name === undefined) {
    if (terminal.interactive) {
      name = await terminal.text('Where should the project go?', DEFAULT_DIR, (value) => (value.trim() === '' ? 'Give a folder name.' : undefined));
    } else if (options.yes) {
      name = DEFAULT_DIR;
    } else {
      throw new GlideError('EUSAGE', 'No target folder given, and there is no terminal to ask.', [
        `Pass one (create-glide my-glide) or --yes for ./${DEFAULT_DIR}.`,
      ]);
    }
  }
  const dir = resolve(ctx.cwd, name.trim());
  await checkProjectFolder(dir);
  const state = await folderState(dir);
  if (state.state !== 'occupied' || options.overwrite) return { dir, overwrite: state.state === 'occupied' };
  const listed = state.entries.slice(0, 5).join(', ') + (state.entries.length > 5 ? ', …' : '');
  if (terminal.interactive && !options.yes) {
    const proceed = await terminal.confirm(`${name} is not empty (${listed}). Write Glide's files into it anyway?`, false);
    if (!proceed) throw new GlideError('ECANCELLED', 'Cancelled: nothing was written.');
    return { dir, overwrite: true };
  }
  throw new GlideError('EDIRNOTEMPTY', `${name} is not empty (${listed}).`, [
    'Pick another folder, or pass --overwrite to write config.yaml, .env and .gitignore into it: other files are kept,',
    'an existing .env keeps its keys, and an edited config.yaml is backed up first.',
  ]);
}

export async function askProvider(ctx: Pick<CreateContext, 'options' | 'terminal'>): Promise<Provider> {
  const { options, terminal } = ctx;
  if (options.provider) return options.provider;
  if (!terminal.interactive || options.yes) return DEFAULT_PROVIDER;
  return terminal.select(
    'Which LLM provider should Glide route to?',
    PROVIDERS.map((provider) => ({ value: provider, label: PROVIDER_SPECS[provider].title })),
    DEFAULT_PROVIDER,
  );
}

/** Values from the provider's usual variables, else asked for (secrets masked). Without a terminal a missing one stays empty. */
export async function askProviderValues(ctx: Pick<CreateContext, 'options' | 'terminal' | 'env'>, provider: Provider): Promise<Record<string, string>> {
  const values: Record<string, string> = {};
  for (const field of PROVIDER_SPECS[provider].fields) {
    const fromEnv = ctx.env[field.env]?.trim();
    if (fromEnv) {
      values[field.env] = fromEnv;
    } else if (ctx.terminal.interactive && !ctx.options.yes) {
      const value = field.secret
        ? await ctx.terminal.password(`${field.label} (stored only in .env; Enter to fill it in later)`)
        : await ctx.terminal.text(`${field.label} (Enter to fill it in later)`, '');
      if (value.trim()) values[field.env] = value.trim();
    }
  }
  return values;
}

/** --method, else asked; --yes or no terminal means the binary (no Docker needed). */
export async function askMethod(ctx: Pick<CreateContext, 'options' | 'terminal'>): Promise<Method> {
  const { options, terminal } = ctx;
  if (options.method) return options.method;
  if (!terminal.interactive || options.yes) return 'binary';
  return terminal.select(
    'How should Glide run?',
    [
      { value: 'binary', label: 'Native binary', hint: 'downloaded and verified; nothing else needed' },
      { value: 'docker', label: 'Docker Compose', hint: 'needs Docker and Compose' },
    ],
    'binary',
  );
}

/**
 * --start/--no-start, else asked; --yes or no terminal means do not start (a script gets its
 * prompt back). Not asked while a provider value was left to fill in later: Glide would not start.
 */
export async function askStart(ctx: Pick<CreateContext, 'options' | 'terminal'>, unanswered: readonly string[]): Promise<boolean> {
  const { options, terminal } = ctx;
  if (options.start !== undefined) return options.start;
  if (!terminal.interactive || options.yes || unanswered.length > 0) return false;
  return terminal.confirm('Start Glide now and wait until it is healthy?', true);
}

/** The Docker settings of a docker run: the flags' when given, the defaults when Docker was chosen at the prompt. */
export function dockerSettings(options: Pick<CreateOptions, 'docker'>): NonNullable<CreateOptions['docker']> {
  return options.docker ?? { distro: DEFAULT_DISTRO, image: DEFAULT_IMAGE };
}

/** The exact image compose pins: `{repo}:{version}-{distro}`, an immutable tag. */
export function imageReference(repository: string, version: string, distro: string): string {
  return `${repository}:${imageTag(version, distro)}`;
}

/** Where a started Glide answers, from this machine. `router` is the demo's one router. */
export function glideUrls(port: number, router: string): { readonly health: URL; readonly chat: URL } {
  const base = `http://127.0.0.1:${port}/v1/`;
  return { health: new URL('health/', base), chat: new URL(`language/${router}/chat/`, base) };
}

/** Where to try Glide once it answers. */
export function runningLines(port: number, router: string): string[] {
  const { health, chat } = glideUrls(port, router);
  return [`health  ${health.href}`, `chat    ${chat.href}`];
}

/** README's chat request on one line, to copy (the key stays in .env; Glide adds it). */
export function chatCommand(port: number, router: string): string {
  const { chat } = glideUrls(port, router);
  return `curl -X POST ${chat.href} -H 'Content-Type: application/json' -d '{"message": {"role": "user", "content": "Say hello in five words."}}'`;
}

export interface Release {
  readonly version: string;
  readonly source: ReleaseSource;
}

/** The source (mirror or GitHub) and the version asked for, resolved: an exact version costs no request. */
export async function resolveRelease(ctx: Pick<CreateContext, 'options' | 'settings' | 'client' | 'cwd'>): Promise<Release> {
  const downloadBaseUrl = ctx.options.downloadBaseUrl ?? ctx.settings.downloadBaseUrl;
  const source = releaseSource({
    repo: ctx.settings.repo,
    ...(downloadBaseUrl ? { downloadBaseUrl } : {}),
    githubUrl: ctx.settings.githubUrl,
    githubApiUrl: ctx.settings.githubApiUrl,
    cwd: ctx.cwd,
  });
  return { version: await resolveVersion(ctx.options.version, releaseLookup(source, ctx.client)), source };
}

export interface InstallPlan {
  readonly version: string;
  readonly target: Target;
  readonly runnable: boolean;
  readonly source: ReleaseSource;
  readonly asset: string;
  readonly location: AssetLocation;
  readonly installDir: string;
  /** An install in the cache that passed inspectInstall: nothing to download. */
  readonly cached?: InstallResult;
  /** Why the install in the cache is replaced, when there is one that did not pass. */
  readonly replacing?: string;
  /** The archive's sha256 from the checksums file (unless --insecure-skip-verify or cached). */
  readonly expectedSha256?: string;
}

/**
 * Resolves platform, source and version (an exact version costs no request), checks the
 * cache as a reuse would, and otherwise reads the release's checksums file: one small
 * request that says whether the release has this platform, so a dry run fails where the
 * real run would, with nothing downloaded.
 */
export async function planInstall(ctx: Pick<CreateContext, 'options' | 'settings' | 'host' | 'client' | 'cwd'>): Promise<InstallPlan> {
  const { options, settings } = ctx;
  const target = options.os && options.arch ? targetFromWords(options.os, options.arch) : ctx.host;
  const { version, source } = await resolveRelease(ctx);
  const asset = archiveName(version, target);
  const paths = installPaths(settings.cacheDir, version, target, asset);
  const plan = {
    version,
    target,
    runnable: sameTarget(target, ctx.host),
    source,
    asset,
    location: assetLocation(source, version, asset),
    installDir: paths.dir,
  };
  const cached = await inspectInstall(paths, version, options.insecureSkipVerify);
  if (cached.state === 'ready') return { ...plan, cached: cached.result };
  await checkCacheWritable(settings.cacheDir);
  const expectedSha256 = options.insecureSkipVerify ? undefined : await readChecksum({ version, target, source }, ctx.client);
  return { ...plan, ...(cached.state === 'replace' ? { replacing: cached.reason } : {}), ...(expectedSha256 ? { expectedSha256 } : {}) };
}

export function planLines(project: ProjectAnswer, actions: readonly FileAction[], plan: InstallPlan, ctx: Pick<CreateContext, 'cwd' | 'options'>): string[] {
  return [
    `Glide ${plan.version} for ${formatTarget(plan.target)} from ${describeSource(plan.source)}`,
    ...installLines(plan, ctx.options.insecureSkipVerify),
    ...projectLines(project, actions, ctx),
  ];
}

/** The project's part of the plan: each file and what becomes of it. */
export function projectLines(project: ProjectAnswer, actions: readonly FileAction[], ctx: Pick<CreateContext, 'cwd'>): string[] {
  const shown = relative(ctx.cwd, project.dir) || '.';
  return [
    `Project ${shown}${project.overwrite ? ' (existing folder: other files are kept)' : ''}`,
    ...actions.map((action) => `  ${action.kind.padEnd(9)} ${action.file.path}${fileNote(action)}`),
  ];
}

function installLines(plan: InstallPlan, insecureSkipVerify: boolean): string[] {
  if (plan.cached) {
    const { receipt } = plan.cached;
    return [
      receipt.verified
        ? `  already installed at ${plan.cached.dir} (verified sha256 ${receipt.binarySha256})`
        : `  already installed at ${plan.cached.dir} (sha256 ${receipt.binarySha256} as its receipt says; installed with --insecure-skip-verify)`,
    ];
  }
  return [
    ...(plan.replacing ? [`  reinstall ${plan.replacing}`] : []),
    `  download  ${describeLocation(plan.location)}`,
    insecureSkipVerify
      ? '  verify    SKIPPED (--insecure-skip-verify): the archive is not checked against the release checksums'
      : `  verify    sha256 ${plan.expectedSha256} (${checksumsName(plan.version)})`,
    `  check     ${plan.runnable ? 'run `glide --version` (exit 0)' : `header must be a ${formatTarget(plan.target)} binary (not this machine's platform, so it is not run)`}`,
    `  install   ${plan.installDir}`,
  ];
}

/** What the plan says about a file; a secret file's values are never shown, only its key names. */
function fileNote(action: FileAction): string {
  const notes = [
    ...(action.kind === 'keep' ? [action.why] : []),
    ...(action.kind === 'merge' ? [action.what] : []),
    ...(action.kind === 'replace' ? [`yours is backed up to ${action.backup}`] : []),
  ];
  const mode = action.file.secret && action.kind !== 'keep' ? 'mode 0600, secrets' : '';
  const text = [notes.join(', '), mode].filter(Boolean).join('; ');
  return text ? ` (${text})` : '';
}

/** Downloads, verifies and installs, with a progress bar (or one line per step without a TTY). */
export async function applyInstall(ctx: Pick<CreateContext, 'terminal' | 'client' | 'options' | 'settings'>, plan: InstallPlan): Promise<InstallResult> {
  const { terminal } = ctx;
  const label = `Downloading ${plan.asset}`;
  let progress: ReturnType<Terminal['progress']> | undefined;
  const report = (event: InstallEvent): void => {
    switch (event.type) {
      case 'download':
        progress ??= terminal.progress(label);
        progress.update(event.received, event.total);
        break;
      case 'resume':
        terminal.step(`Resuming ${event.asset} from ${event.from} bytes kept by an interrupted run`);
        break;
      case 'retry-fresh':
        progress?.fail('the resumed download did not match; starting over');
        progress = undefined;
        break;
      case 'unverified':
        terminal.warn(
          `NOT verifying ${event.asset}: --insecure-skip-verify skips the release's checksums, the only proof these bytes are the ones Glide published.`,
        );
        break;
      case 'verified':
        progress?.done(`Downloaded ${event.asset}`);
        progress = undefined;
        terminal.step(`Verified sha256 ${event.sha256}`);
        break;
      case 'checked':
        progress?.done(`Downloaded ${plan.asset}`);
        progress = undefined;
        terminal.step(event.check.how === 'ran' ? `Ran it: ${event.check.evidence}` : `Checked its header: ${event.check.evidence}`);
        break;
      case 'waiting-for-lock':
        terminal.step(`Another create-glide or glide-up is installing this version; waiting for it (${event.lock})`);
        break;
      case 'reinstall':
        terminal.step(`Reinstalling: ${event.reason}`);
        break;
      case 'checksums':
        break;
    }
  };
  try {
    return await installGlide(
      {
        version: plan.version,
        target: plan.target,
        runnable: plan.runnable,
        source: plan.source,
        cacheDir: ctx.settings.cacheDir,
        insecureSkipVerify: ctx.options.insecureSkipVerify,
        ...(plan.expectedSha256 ? { expectedSha256: plan.expectedSha256 } : {}),
      },
      { client: ctx.client, report },
    );
  } catch (error) {
    progress?.fail('failed');
    throw error;
  }
}

export function nextSteps(
  project: ProjectAnswer,
  installed: InstallResult,
  plan: InstallPlan,
  missing: readonly string[],
  ctx: Pick<CreateContext, 'cwd' | 'host'>,
): string[] {
  const binary = quoteForShell(installed.binary, ctx.host.os);
  const lines = [...cdLine(project, ctx), ...fillIn(missing)];
  if (plan.runnable) {
    lines.push(
      `${binary} --config config.yaml`,
      `# or: npx glide-up (Glide ${plan.version}, pinned in .glide-version, with this folder's config.yaml and .env)`,
    );
    lines.push(`# then: curl http://127.0.0.1:${GLIDE_PORT}/v1/health/`);
  } else {
    lines.push(`# the binary is for ${formatTarget(plan.target)}: copy ${binary} to that machine with the project`);
  }
  return lines;
}

export function dockerNextSteps(
  project: ProjectAnswer,
  composeCommand: string,
  missing: readonly string[],
  ctx: Pick<CreateContext, 'cwd' | 'host'>,
): string[] {
  return [
    ...cdLine(project, ctx),
    ...fillIn(missing),
    `${composeCommand} up -d`,
    `# then: curl http://127.0.0.1:${GLIDE_PORT}/v1/health/ (README.md has a chat request)`,
  ];
}

/** `cd` into the project, unless it is the current folder. */
export function cdLine(project: ProjectAnswer, ctx: Pick<CreateContext, 'cwd' | 'host'>): string[] {
  const dir = relative(ctx.cwd, project.dir) || '.';
  // `cd -x` would be an option: a leading dash gets ./ first.
  return dir === '.' ? [] : [`cd ${quoteForShell(dir.startsWith('-') ? `./${dir}` : dir, ctx.host.os)}`];
}

function fillIn(missing: readonly string[]): string[] {
  return missing.length > 0 ? [`# fill in ${missing.join(', ')} in .env`] : [];
}

/**
 * A word the user pastes into their shell, taken literally: POSIX single quotes (a `'`
 * becomes `'\''`), PowerShell's on Windows (a `'` doubled). Double quotes would still run
 * `$(…)` and backticks in a folder name.
 */
export function quoteForShell(word: string, hostOs: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return hostOs === 'windows' ? `'${word.replace(/'/g, "''")}'` : `'${word.replace(/'/g, "'\\''")}'`;
}

/** Warns when the `glide` a user would type is Masterminds' package manager, not Glide. */
export async function warnAboutForeignGlide(ctx: Pick<CreateContext, 'terminal' | 'env'>, installed: InstallResult): Promise<void> {
  const foreign = await findForeignGlide(ctx.env.PATH, installed.binary);
  if (foreign) {
    ctx.terminal.warn(
      `The \`glide\` on your PATH (${foreign.path}, "${foreign.versionOutput}") is not Glide the LLM gateway — it looks like Masterminds/glide, Go's retired package manager. Run Glide by its full path, or remove the other one.`,
    );
  }
}
