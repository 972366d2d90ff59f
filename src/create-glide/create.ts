/**
 * A create-glide run once the options are parsed: the terminal, the settings and the client,
 * then ask → plan → apply. Everything a binary run needs is imported statically (one module
 * graph, loaded at once); clack (a TTY only) and the Docker code (--method docker) stay lazy.
 */
import { formatTarget, GLIDE_PORT, GlideError } from '#contract';
import { installerClient } from '../installer-client.js';
import { hostTarget, type HostFacts } from '../platform/detect.js';
import { demoProjectFiles } from '../scaffold/demo.js';
import { DEMO_ROUTER, providerVariables } from '../scaffold/glide-config.js';
import { unsetVariables } from '../scaffold/project.js';
import { loadTemplate, parseTemplateSpec } from '../scaffold/template.js';
import { planProjectWrite, writeProject } from '../scaffold/write.js';
import { readSettings } from '../settings.js';
import type { DockerPlan } from './docker.js';
import type { CreateOptions } from './options.js';
import * as start from './start.js';
import * as steps from './steps.js';
import type { CreateContext, InstallPlan } from './steps.js';
import { plainTerminal, type Terminal, type TerminalStreams } from './terminal.js';

export interface CreateIo extends TerminalStreams {
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  readonly host: () => Promise<HostFacts>;
  readonly signal?: AbortSignal;
  /** Tests inject a scripted terminal; otherwise one is chosen from the streams. */
  readonly terminal?: Terminal;
}

export async function create(options: CreateOptions, io: CreateIo): Promise<number> {
  // One decision: prompts and animation only with a terminal on both ends; --yes never asks.
  const tty = Boolean(io.stdin.isTTY && io.stdout.isTTY);
  const terminal = io.terminal ?? (tty ? (await import('./clack-terminal.js')).clackTerminal(io, !options.yes) : plainTerminal(io));
  const settings = readSettings(io.env);
  const client = installerClient(settings, 'create-glide', io.signal);
  try {
    const ctx: CreateContext = {
      options,
      cwd: io.cwd,
      env: io.env,
      settings,
      host: hostTarget(await io.host()),
      terminal,
      client,
      ...(io.signal ? { signal: io.signal } : {}),
    };
    return await createProject(ctx);
  } finally {
    await client.close();
  }
}

async function createProject(ctx: CreateContext): Promise<number> {
  const { terminal, options } = ctx;
  // A bad --template is a usage error before the first question.
  const templateSpec = options.template !== undefined ? parseTemplateSpec(options.template) : ({ kind: 'bundled' } as const);
  terminal.intro('create-glide');
  const project = await steps.askProjectDir(ctx);
  const method = await steps.askMethod(ctx);
  const provider = await steps.askProvider(ctx);
  const values = await steps.askProviderValues(ctx, provider);
  const startGlide = await steps.askStart(
    ctx,
    providerVariables(provider).filter((name) => !values[name]),
  );

  // Plan: every refusal comes before the first download or write.
  const template = await loadTemplate(templateSpec, {
    client: ctx.client,
    githubApiUrl: ctx.settings.githubApiUrl,
    cwd: ctx.cwd,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
  if (template.fallback) terminal.warn(template.fallback);
  const run = method === 'docker' ? await planDockerOrBinary(ctx, startGlide) : await planBinary(ctx, startGlide);
  const image = run.kind === 'docker' ? { image: run.docker.image } : {};
  const glideVersion = run.kind === 'docker' ? run.docker.version : run.install.version;
  const actions = await planProjectWrite(
    project.dir,
    demoProjectFiles({ provider, values, port: GLIDE_PORT, method: run.kind, glideVersion, ...image }, template),
  );
  // What .env holds afterwards, kept keys included, decides what is left to fill in; Glide
  // refuses to start while any of it is empty, so --start is refused before anything is done.
  const envFile = actions.find((action) => action.file.path === '.env')?.file.content ?? '';
  const missing = unsetVariables(envFile, providerVariables(provider));
  if (startGlide && missing.length > 0) throw cannotStartWithout(missing);
  const health = steps.glideUrls(GLIDE_PORT, DEMO_ROUTER).health.href;
  // The Docker code (compose, preflight, the registry client) is loaded only for a Docker run.
  const planned =
    run.kind === 'docker'
      ? [...(await import('./docker.js')).dockerPlanLines(run.docker, startGlide, DEMO_ROUTER), ...steps.projectLines(project, actions, ctx)]
      : [
          ...steps.planLines(project, actions, run.install, ctx),
          ...(startGlide ? [`  start     glide --config config.yaml --env .env; wait for ${health}`] : []),
        ];
  terminal.note(options.dryRun ? 'Plan (dry run: nothing is downloaded or written)' : 'Plan', planned);
  if (options.dryRun) {
    terminal.outro('Dry run: nothing was downloaded or written.');
    return 0;
  }

  if (run.kind === 'docker') {
    const docker = await import('./docker.js');
    await writeProject(project.dir, actions);
    if (startGlide) {
      await docker.startCompose(ctx, project.dir, run.docker, DEMO_ROUTER);
      terminal.note('Glide is running', [...steps.cdLine(project, ctx), ...docker.dockerRunningLines(run.docker, DEMO_ROUTER)]);
      terminal.command(steps.chatCommand(GLIDE_PORT, DEMO_ROUTER));
    } else {
      terminal.note('Next steps', steps.dockerNextSteps(project, docker.composeCommand(run.docker.compose), missing, ctx));
    }
    terminal.outro(`Glide ${run.docker.version} is ${startGlide ? 'running' : 'ready'}.`);
    return 0;
  }
  const installed = await steps.applyInstall(ctx, run.install);
  await writeProject(project.dir, actions);
  terminal.step(`${installed.reused ? 'Already installed' : 'Installed'}: ${installed.binary}`);
  if (run.install.runnable) await steps.warnAboutForeignGlide(ctx, installed);
  if (startGlide) return start.runInForeground(ctx, { binary: installed.binary, dir: project.dir, port: GLIDE_PORT, router: DEMO_ROUTER });
  terminal.note('Next steps', steps.nextSteps(project, installed, run.install, missing, ctx));
  terminal.outro(`Glide ${run.install.version} is ready.`);
  return 0;
}

type RunPlan = { readonly kind: 'docker'; readonly docker: DockerPlan } | { readonly kind: 'binary'; readonly install: InstallPlan };

async function planBinary(ctx: CreateContext, startGlide: boolean): Promise<RunPlan> {
  if (startGlide) await start.checkPortFree(GLIDE_PORT);
  const install = await steps.planInstall(ctx);
  if (startGlide && !install.runnable) {
    throw new GlideError('EUSAGE', `--start runs Glide here, and this install is for ${formatTarget(install.target)}.`, ['Drop --start, or drop --os/--arch.']);
  }
  return { kind: 'binary', install };
}

/**
 * The Docker preflight; when it fails in a way the binary avoids (no Docker, no Compose, no
 * image for this machine), a person at a terminal is asked whether to switch. Without one the
 * error stands: its message already names --method binary.
 */
async function planDockerOrBinary(ctx: CreateContext, startGlide: boolean): Promise<RunPlan> {
  const docker = await import('./docker.js');
  try {
    return { kind: 'docker', docker: await docker.planDocker(ctx, startGlide) };
  } catch (error) {
    if (!docker.binaryWouldHelp(error) || !ctx.terminal.interactive || ctx.options.yes) throw error;
    const why = [`${error.code}: ${error.message}`, ...error.details.filter((line) => !line.includes('--method binary'))];
    if (!(await ctx.terminal.confirm(`${why.join('\n')}\nInstall and run the Glide binary instead (no Docker needed)?`, true))) throw error;
    return planBinary(ctx, startGlide);
  }
}

/** Glide 0.1 validates every provider value create-glide writes as required: it exits at start without one. */
function cannotStartWithout(missing: readonly string[]): GlideError {
  const names = missing.join(', ');
  const them = missing.length > 1 ? 'them' : 'it';
  return new GlideError(
    'ENOPROVIDERKEY',
    `--start: Glide does not start while ${names} ${missing.length > 1 ? 'are' : 'is'} empty (its config requires ${them}).`,
    [
      `Set ${them} in the environment (export ${missing[0]}=…) and run again, or drop --start: the project is written with ${them} empty in .env, to fill in before \`npx glide-up\`.`,
      'Nothing was downloaded or written.',
    ],
  );
}
