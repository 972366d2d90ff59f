/**
 * create-glide: ask → plan → apply (README.md, "create-glide"). Returns the exit
 * code: 0 done, 1 failed, 2 usage, 130 cancelled.
 */
import { GLIDE_PORT } from '#contract';
import { hostTarget, type HostFacts } from '../platform/detect.js';
import { reportFailure } from '../report-failure.js';
import { HELP, parseCreateOptions } from './options.js';
import type { CreateContext } from './steps.js';
import type { Terminal, TerminalStreams } from './terminal.js';

declare const CREATE_GLIDE_VERSION: string;

export interface CreateIo extends TerminalStreams {
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  readonly host: () => Promise<HostFacts>;
  readonly signal?: AbortSignal;
  /** Tests inject a scripted terminal; otherwise one is chosen from the streams. */
  readonly terminal?: Terminal;
}

export async function main(argv: readonly string[], io: CreateIo): Promise<number> {
  let terminal: Terminal | undefined = io.terminal;
  try {
    const options = parseCreateOptions(argv);
    if (options.help) {
      io.stdout.write(HELP);
      return 0;
    }
    if (options.showVersion) {
      io.stdout.write(`${typeof CREATE_GLIDE_VERSION === 'string' ? CREATE_GLIDE_VERSION : 'dev'}\n`);
      return 0;
    }
    // Loaded only now: --help and --version need none of the network, prompt or archive code.
    const [{ HttpClient }, { readSettings }, { clackTerminal, plainTerminal }] = await Promise.all([
      import('../net/http.js'),
      import('../settings.js'),
      import('./terminal.js'),
    ]);
    // One decision: prompts and animation only with a terminal on both ends; --yes never asks.
    const tty = Boolean(io.stdin.isTTY && io.stdout.isTTY);
    terminal ??= tty ? clackTerminal(io, !options.yes) : plainTerminal(io);
    const settings = readSettings(io.env);
    const client = new HttpClient({
      proxy: settings.proxy,
      apiOrigin: new URL(settings.githubApiUrl).origin,
      ...(settings.token ? { token: settings.token } : {}),
      userAgent: 'create-glide',
      ...(io.signal ? { signal: io.signal } : {}),
    });
    const ctx: CreateContext = {
      options,
      cwd: io.cwd,
      env: io.env,
      settings,
      host: hostTarget(await io.host()),
      terminal,
      client,
    };
    try {
      return await create(ctx);
    } finally {
      await client.close();
    }
  } catch (error) {
    return reportFailure(error, io);
  }
}

async function create(ctx: CreateContext): Promise<number> {
  const [steps, { binaryProjectFiles, providerVariables, unsetVariables }, { planProjectWrite, writeProject }] = await Promise.all([
    import('./steps.js'),
    import('../scaffold/project.js'),
    import('../scaffold/write.js'),
  ]);
  const { terminal, options } = ctx;
  terminal.intro('create-glide');
  const project = await steps.askProjectDir(ctx);
  const provider = await steps.askProvider(ctx);
  const values = await steps.askProviderValues(ctx, provider);
  const answers = { provider, values, port: GLIDE_PORT };
  const actions = await planProjectWrite(project.dir, binaryProjectFiles(answers));

  const plan = await steps.planInstall(ctx);
  terminal.note(options.dryRun ? 'Plan (dry run: nothing is downloaded or written)' : 'Plan', steps.planLines(project, actions, plan, ctx));
  if (options.dryRun) {
    terminal.outro('Dry run: nothing was downloaded or written.');
    return 0;
  }

  const installed = await steps.applyInstall(ctx, plan);
  await writeProject(project.dir, actions);
  terminal.step(`${installed.reused ? 'Already installed' : 'Installed'}: ${installed.binary}`);
  if (plan.runnable) await steps.warnAboutForeignGlide(ctx, installed);
  // What .env holds afterwards, kept keys included, decides what is left to fill in.
  const envFile = actions.find((action) => action.file.path === '.env')?.file.content ?? '';
  terminal.note('Next steps', steps.nextSteps(project, installed, plan, unsetVariables(envFile, providerVariables(provider)), ctx));
  terminal.outro(`Glide ${plan.version} is ready.`);
  return 0;
}
