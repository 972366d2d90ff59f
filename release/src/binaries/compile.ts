import { formatTarget, GlideError, type Target } from '#contract';
import { runGrouped } from '../interrupt.js';
import { GO_ENV, noGoError } from '../toolchain.js';

export interface VersionStamp {
  readonly version: string;
  readonly commit: string;
  /** ISO 8601; the commit's date, so rebuilding the same tag gives the same bytes. */
  readonly date: string;
}

export interface VersionVariables {
  readonly version: string;
  readonly commit: string;
  readonly date: string;
}

/** `-X` flags for the variables at the import path `go list` reported; `-s -w` strip debug info. */
export function releaseLdflags(importPath: string, variables: VersionVariables, stamp: VersionStamp): string {
  return [
    '-s',
    '-w',
    `-X ${importPath}.${variables.version}=${stamp.version}`,
    `-X ${importPath}.${variables.commit}=${stamp.commit}`,
    `-X ${importPath}.${variables.date}=${stamp.date}`,
  ].join(' ');
}

/**
 * The `go build` invocation for one target. `-buildvcs=false`: Go would otherwise stamp
 * "modified" when untracked files (such as the output folder) sit in the tree, and the same
 * tag would build different bytes; the commit is injected through `-X` instead.
 */
export function goBuildInvocation(target: Target, ldflags: string, output: string, mainPackage: string, goMaxProcs: number) {
  return {
    args: ['build', '-trimpath', '-buildvcs=false', '-ldflags', ldflags, '-o', output, mainPackage],
    env: {
      ...GO_ENV,
      CGO_ENABLED: '0',
      GOOS: target.os,
      GOARCH: target.arch,
      ...(target.arm ? { GOARM: target.arm } : {}),
      GOMAXPROCS: String(goMaxProcs),
    },
  };
}

/**
 * GOMAXPROCS for each of `workers` concurrent builds: the cores shared out. Every `go build`
 * would otherwise size itself to the whole machine, and concurrent links then fight over the
 * same cores (on 2 cores, 2 builds at GOMAXPROCS=1 finish ~15 % sooner than at 2).
 */
export function goMaxProcsPerBuild(cores: number, workers: number): number {
  return Math.max(1, Math.floor(cores / Math.max(1, workers)));
}

export interface CompileSpan {
  readonly target: string;
  readonly start: number;
  readonly end: number;
}

/** Compiles one target in `source` (the export of the tagged commit). */
export async function compileTarget(
  source: string,
  target: Target,
  ldflags: string,
  output: string,
  mainPackage: string,
  goMaxProcs: number,
  signal: AbortSignal,
): Promise<CompileSpan> {
  const { args, env } = goBuildInvocation(target, ldflags, output, mainPackage, goMaxProcs);
  const start = performance.timeOrigin + performance.now();
  try {
    await runGrouped('go', args, { cwd: source, env, signal });
  } catch (error) {
    if (signal.aborted) throw error;
    const failure = error as { code?: string; stderr?: string; shortMessage?: string };
    if (failure.code === 'ENOENT') throw noGoError();
    throw new GlideError('EBUILD', `go build for ${formatTarget(target)} failed:\n${(failure.stderr || failure.shortMessage || String(error)).trim()}`);
  }
  return { target: formatTarget(target), start, end: performance.timeOrigin + performance.now() };
}
