/** `glide-release check`: the config and the target matrix, valid against the Go in use. */
import { formatTarget } from '#contract';
import { unpinnedBases } from '../images/bases.js';
import { checkSetup, type CheckedSetup } from '../prepare.js';
import type { CliIo } from './io.js';

interface CheckSummary {
  readonly config: string;
  readonly goVersion: string;
  readonly versionPackage: string;
  readonly targets: readonly string[];
  readonly skipped: CheckedSetup['matrix']['skipped'];
  readonly warnings: readonly string[];
}

export async function checkCommand(io: CliIo, options: { readonly json: boolean }): Promise<number> {
  const summary = summarize(await checkSetup(io.cwd));
  io.stdout(options.json ? `${JSON.stringify(summary, null, 2)}\n` : formatCheck(summary));
  return 0;
}

function summarize(setup: CheckedSetup): CheckSummary {
  return {
    config: setup.configFile ?? '(defaults)',
    goVersion: setup.toolchain.version,
    versionPackage: setup.versionImportPath,
    targets: setup.matrix.build.map(formatTarget),
    skipped: setup.matrix.skipped,
    warnings: [...skippedButBuildable(setup), ...unpinnedBases(setup.config.images.distros)],
  };
}

function formatCheck(summary: CheckSummary): string {
  return [
    `config: ${summary.config}`,
    `toolchain: ${summary.goVersion}`,
    `version variables in: ${summary.versionPackage}`,
    `targets (${summary.targets.length}): ${summary.targets.join(' ')}`,
    ...summary.skipped.map((s) => `skipped ${s.target}: ${s.reason}`),
    ...summary.warnings.map((w) => `warning: ${w}`),
    'ok',
    '',
  ].join('\n');
}

function skippedButBuildable(setup: CheckedSetup): string[] {
  const ports = new Set(setup.toolchain.ports.map((p) => `${p.GOOS}/${p.GOARCH}`));
  return setup.matrix.skipped
    .filter((s) => ports.has(s.target.split('/').slice(0, 2).join('/')))
    .map((s) => `${s.target} is skipped, but ${setup.toolchain.version} can build it; remove it from targets.skip to ship it`);
}
