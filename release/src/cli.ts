import { relative } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { formatTarget, GlideError, isGlideError } from '#contract';
import { isFileSystemError, isFullDisk } from '../../src/platform/folders.js';
import { unpinnedBases } from './images/bases.js';
import type { ReleasePlan } from './plan.js';
import type { CheckedSetup } from './prepare.js';

declare const RELEASE_VERSION: string | undefined;

const USAGE = `glide-release: Glide's release pipeline. The version comes from the git tag.

Usage:
  glide-release check                 validate the config and the target matrix against \`go tool dist list\`
  glide-release plan  [--tag T | --snapshot] [--json]
                                      print the stage, every gate and every artifact build would make
  glide-release build [--tag T | --snapshot] [--out DIR] [--only binaries,images]
                                      cross-compile, prove and archive every target into a release mirror;
                                      images: an OCI layout of the same binaries on each pinned base
  glide-release publish --only images [--tag T] [--out DIR] [--dry-run]
                                      push the images build made: immutable {version}-{distro} tags, and
                                      latest tags only for the highest stable in the registry

Options:
  --tag T             the release tag (default: the release tag at HEAD)
  --snapshot          an unpublishable build of HEAD, versioned X.Y.Z-snapshot.<sha>; skips the gates
  --out DIR           the output folder, a release mirror (default: dist/ at the repository root)
  --only STAGES       comma list of stages to build: binaries (the default), images (needs the binaries
                      of the same tag in --out, or both at once)
  --skip-soak         release a stable before its RC has soaked soakDays (needs --reason)
  --reason TEXT       why the soak is cut short (recorded in the plan)
  --dry-run           publish: print every push the real run would make, and make none
  --json              machine-readable output (plan, check)
  --trace FILE        write the timing of each go build to FILE (used by bench/)
  --help, --version

Exit codes: 0 done, 1 failed, 2 usage error, 130 cancelled.`;

const OPTIONS = {
  tag: { type: 'string' },
  snapshot: { type: 'boolean' },
  out: { type: 'string' },
  only: { type: 'string' },
  'dry-run': { type: 'boolean' },
  'skip-soak': { type: 'boolean' },
  reason: { type: 'string' },
  json: { type: 'boolean' },
  trace: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} satisfies ParseArgsConfig['options'];

const BUILD_STAGES = ['binaries', 'images'] as const;

export interface CliIo {
  /** Registry credentials are read from here (GITHUB_TOKEN, DOCKER_CONFIG, …); defaults to process.env. */
  readonly env?: NodeJS.ProcessEnv;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly cwd: string;
  readonly signal: AbortSignal;
}

/** Runs one command line; returns the exit code. Never calls process.exit, so tests can drive it. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let values: ReturnType<typeof parse>['values'];
  let positionals: string[];
  try {
    ({ values, positionals } = parse(argv));
  } catch (error) {
    io.stderr(`error EUSAGE: ${(error as Error).message.replace(/\. To specify.*$/s, '')}\nRun glide-release --help for usage.\n`);
    return 2;
  }
  if (values.help) {
    io.stdout(`${USAGE}\n`);
    return 0;
  }
  if (values.version) {
    io.stdout(`${typeof RELEASE_VERSION === 'string' ? RELEASE_VERSION : 'dev'}\n`);
    return 0;
  }

  try {
    const command = positionals[0];
    if (positionals.length > 1) throw usage(`unexpected argument "${positionals[1]}"`);
    if (values.snapshot && values.tag) throw usage('--tag and --snapshot exclude each other: a snapshot is built from HEAD');
    if (values['skip-soak'] && !values.reason?.trim()) throw usage('--skip-soak needs --reason "why the soak is cut short"');
    if (values.reason && !values['skip-soak']) throw usage('--reason goes with --skip-soak');
    const prepareOptions = {
      cwd: io.cwd,
      ...(values.tag ? { tag: values.tag } : {}),
      ...(values.snapshot ? { snapshot: true } : {}),
      ...(values.out ? { out: values.out } : {}),
      ...(values['skip-soak'] ? { soakOverrideReason: values.reason!.trim() } : {}),
    };
    // Loaded only for a command: --help and --version need none of git, Go, YAML or the archives.
    const { assertGatesPass, checkSetup, prepareRelease } = await import('./prepare.js');
    switch (command) {
      case 'check': {
        const setup = await checkSetup(io.cwd);
        const summary = {
          config: setup.configFile ?? '(defaults)',
          goVersion: setup.toolchain.version,
          versionPackage: setup.versionImportPath,
          targets: setup.matrix.build.map(formatTarget),
          skipped: setup.matrix.skipped,
          warnings: [...skippedButBuildable(setup), ...unpinnedBases(setup.config.images.distros)],
        };
        if (values.json) io.stdout(`${JSON.stringify(summary, null, 2)}\n`);
        else {
          io.stdout(
            [
              `config: ${summary.config}`,
              `toolchain: ${summary.goVersion}`,
              `version variables in: ${summary.versionPackage}`,
              `targets (${summary.targets.length}): ${summary.targets.join(' ')}`,
              ...summary.skipped.map((s) => `skipped ${s.target}: ${s.reason}`),
              ...summary.warnings.map((w) => `warning: ${w}`),
              'ok',
              '',
            ].join('\n'),
          );
        }
        return 0;
      }
      case 'plan': {
        const { plan, outDir } = await prepareRelease(prepareOptions);
        io.stdout(values.json ? `${JSON.stringify(plan, null, 2)}\n` : formatPlan(plan, relative(io.cwd, outDir) || '.'));
        return plan.gates.every((g) => g.ok) ? 0 : 1;
      }
      case 'build': {
        const stages = (values.only ?? 'binaries').split(',').map((s) => s.trim());
        const unknown = stages.filter((s) => !(BUILD_STAGES as readonly string[]).includes(s));
        if (unknown.length > 0) throw usage(`--only: unknown stage "${unknown[0]}"; this version builds: ${BUILD_STAGES.join(', ')}`);
        const prepared = await prepareRelease(prepareOptions);
        // Every stage refuses a release a gate fails (a bad tag, a dirty tree, an unsoaked RC…), before saying what it builds.
        assertGatesPass(prepared.plan, 'built');
        if (stages.includes('binaries')) {
          io.stderr(`building ${prepared.plan.tag} (${prepared.plan.stage}) for ${prepared.plan.targets.length} targets with ${prepared.toolchain.version}\n`);
          const { runBuild } = await import('./build/index.js');
          const { ledger, releaseDir } = await runBuild(prepared, {
            log: (line) => io.stderr(`${line}\n`),
            signal: io.signal,
            ...(values.trace ? { trace: values.trace } : {}),
          });
          const archives = ledger.artifacts.filter((a) => a.kind === 'archive').length;
          io.stdout(`built ${ledger.tag}: ${archives} archives, checksums and release.json in ${relative(io.cwd, releaseDir) || '.'}\n`);
        }
        if (stages.includes('images')) {
          // Loaded only for image builds: the registry client and layer code are not needed otherwise.
          const { runImagesStage } = await import('./images/stage.js');
          const report = await runImagesStage(prepared, { log: (line) => io.stderr(`${line}\n`), signal: io.signal });
          io.stdout(`built ${report.images.length} images of ${prepared.plan.tag} in ${relative(io.cwd, report.layout) || '.'}: ${report.images.map((i) => i.tag).join(', ')}\n`);
        }
        return 0;
      }
      case 'publish': {
        // This version publishes images only; the full publish (GitHub release, chart, …) comes later.
        if (values.only?.trim() !== 'images') throw usage('publish needs --only images (the only stage this version publishes)');
        if (values.snapshot) throw usage('snapshots are never published');
        const prepared = await prepareRelease(prepareOptions);
        assertGatesPass(prepared.plan, 'published');
        const { runPublishImages } = await import('./images/publish-stage.js');
        const dryRun = values['dry-run'] === true;
        const report = await runPublishImages(prepared, { dryRun, env: io.env ?? process.env, log: (line) => io.stderr(`${line}\n`), signal: io.signal });
        const verb = dryRun ? 'would push' : 'pushed';
        for (const step of report.steps) {
          const what =
            step.kind === 'tag'
              ? `tag ${step.tag} → ${step.digest}${step.previous ? ` (was ${step.previous})` : ''}`
              : `${step.kind} ${step.digest}${step.kind === 'blob' && step.mountFrom ? ` (mount from ${step.mountFrom})` : ''}`;
          io.stdout(`${step.action === 'push' ? verb : 'identical'}  ${what}\n`);
        }
        const pushed = report.steps.filter((step) => step.action === 'push').length;
        io.stdout(`${dryRun ? 'dry run: ' : ''}${report.images.length} images of ${prepared.plan.tag} in ${report.repository}: ${pushed} ${dryRun ? 'pushes planned' : 'pushes'}, ${report.steps.length - pushed} already there\n`);
        return 0;
      }
      case undefined:
        throw usage('name a command: check, plan, build or publish');
      default:
        throw usage(`unknown command "${command}"; use check, plan, build or publish`);
    }
  } catch (error) {
    if (io.signal.aborted) {
      const pushing = positionals[0] === 'publish' && !values['dry-run'];
      io.stderr(`cancelled; ${pushing ? 'what was pushed stays pushed, and a re-run goes on from there' : 'nothing was left behind'}\n`);
      return 130;
    }
    error = fileSystemFailure(error);
    if (!isGlideError(error)) throw error;
    io.stderr(`error ${error.code}: ${error.message}\n${error.details.map((d) => `  ${d}\n`).join('')}`);
    if (values.json) io.stdout(`${JSON.stringify({ error: { code: error.code, message: error.message, details: error.details } })}\n`);
    return error.code === 'EUSAGE' ? 2 : 1;
  }
}

/** A file the run could not write (a full disk, a read-only place) is said as such, not as a crash. */
function fileSystemFailure(error: unknown): unknown {
  if (!isFileSystemError(error)) return error;
  return new GlideError('EDISK', `Could not ${error.syscall ?? 'write'} ${error.path ?? 'a file'}: ${error.code}.`, [
    isFullDisk(error) ? 'Free some disk space and run again.' : 'Check the path, and that this user may write there (and that it is not read-only), then run again.',
  ]);
}

function parse(argv: readonly string[]) {
  return parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
}

function usage(message: string): GlideError {
  return new GlideError('EUSAGE', `${message}. Run glide-release --help for usage.`);
}

function skippedButBuildable(setup: CheckedSetup): string[] {
  const ports = new Set(setup.toolchain.ports.map((p) => `${p.GOOS}/${p.GOARCH}`));
  return setup.matrix.skipped
    .filter((s) => ports.has(s.target.split('/').slice(0, 2).join('/')))
    .map((s) => `${s.target} is skipped, but ${setup.toolchain.version} can build it; remove it from targets.skip to ship it`);
}

export function formatPlan(plan: ReleasePlan, outDir: string): string {
  const lines = [
    `${plan.tag}: ${plan.stage === 'invalid' ? 'not a release version' : plan.stage}${plan.publishable ? '' : ' (not publishable)'}, commit ${plan.commit.slice(0, 12)} of ${plan.date}, ${plan.goVersion}`,
    '',
    'gates:',
    ...(plan.gates.length === 0 ? ['  (none for a snapshot)'] : plan.gates.map((g) => `  ${g.ok ? 'pass' : 'FAIL'} ${g.gate.padEnd(18)} ${g.ok ? '' : `${g.code}: `}${g.message}`)),
    '',
    `artifacts in ${outDir}/:`,
    ...(plan.stage === 'invalid'
      ? [`  none: ${plan.tag} is not a release version (see the version gate)`]
      : plan.artifacts.map((a) => `  ${a.path}${a.target ? `  (${a.target})` : ''}`)),
  ];
  if (plan.skipped.length > 0) {
    lines.push('', 'knowingly skipped:', ...plan.skipped.map((s) => `  ${s.target}: ${s.reason}`));
  }
  return `${lines.join('\n')}\n`;
}
