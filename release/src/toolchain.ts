import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { GlideError } from '#contract';
import type { GoPort } from './targets.js';

export interface GoToolchain {
  /** e.g. go1.19.8 */
  readonly version: string;
  readonly hostOs: string;
  readonly hostArch: string;
  readonly ports: readonly GoPort[];
}

/**
 * Every `go` glide-release runs uses the Go on PATH and nothing else: Go ≥ 1.21 would
 * otherwise download the toolchain go.mod asks for, mid-release, from the internet.
 */
export const GO_ENV = { GOTOOLCHAIN: 'local' } as const;

/** What every command that runs `go` says when there is none. */
export function noGoError(): GlideError {
  return new GlideError(
    'ENOGO',
    'The Go toolchain was not found. Install Go (Debian/Ubuntu: apt-get install golang-go; elsewhere https://go.dev/dl/) and make sure `go` is on PATH.',
  );
}

async function go(cwd: string, args: readonly string[]): Promise<string> {
  try {
    return (await execa('go', args, { cwd, env: GO_ENV })).stdout;
  } catch (error) {
    const failure = error as { code?: string; stderr?: string; shortMessage?: string };
    if (failure.code === 'ENOENT') throw noGoError();
    throw new GlideError('EBUILD', `go ${args.join(' ')} failed: ${(failure.stderr || failure.shortMessage || String(error)).trim()}`);
  }
}

/** `go version -m`: the Go version and build settings a binary records (its build info survives `-s -w`). */
export async function readBuildInfoText(binary: string): Promise<string> {
  return go(tmpdir(), ['version', '-m', binary]);
}

/**
 * The Go on PATH: version, host and ports. Asked outside the repository, so a go.mod that
 * needs a newer Go cannot make these questions fail before `checkGoRequirement` explains it.
 */
export async function readGoToolchain(): Promise<GoToolchain> {
  const neutral = tmpdir();
  const [env, ports] = await Promise.all([
    go(neutral, ['env', '-json', 'GOVERSION', 'GOHOSTOS', 'GOHOSTARCH']),
    go(neutral, ['tool', 'dist', 'list', '-json']),
  ]);
  const facts = JSON.parse(env) as Record<string, string>;
  return {
    version: facts.GOVERSION ?? 'go',
    hostOs: facts.GOHOSTOS ?? '',
    hostArch: facts.GOHOSTARCH ?? '',
    ports: JSON.parse(ports) as GoPort[],
  };
}

/** What go.mod asks of the toolchain: the `go` line (the minimum) and the `toolchain` line (the one preferred). */
export interface GoRequirement {
  readonly go?: string;
  readonly toolchain?: string;
}

/** Reads the `go` and `toolchain` directives of a go.mod; a file without them asks nothing. */
export function parseGoMod(text: string): GoRequirement {
  const directive = (name: string) => new RegExp(`^\\s*${name}\\s+(\\S+)\\s*(?://.*)?$`, 'm').exec(text)?.[1];
  const goLine = directive('go');
  const toolchain = directive('toolchain');
  return { ...(goLine ? { go: goLine } : {}), ...(toolchain ? { toolchain } : {}) };
}

/** A Go version (`go1.22.4`, `1.22`, `1.21rc2`) as numbers; a pre-release sorts before its release. Undefined when unreadable (`devel …`). */
export function parseGoVersion(text: string): readonly number[] | undefined {
  const match = /^(?:go)?(\d+)\.(\d+)(?:\.(\d+)|(rc|beta)(\d+))?$/.exec(text.trim());
  if (!match) return undefined;
  const [, major, minor, patch, pre, preNumber] = match;
  // 1.21rc2 < 1.21.0: a pre-release gets patch -1 and its number after.
  return pre ? [Number(major), Number(minor), -1, (pre === 'rc' ? 100 : 0) + Number(preNumber)] : [Number(major), Number(minor), Number(patch ?? 0), 0];
}

export function compareGoVersions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const difference = (a[i] ?? 0) - (b[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

/**
 * Refuses a Go older than go.mod's `go` line, naming both, before any other `go` command
 * runs: Go 1.19 cannot even parse `go 1.22.4` and would blame the package it was asked about.
 */
export function checkGoRequirement(requirement: GoRequirement, toolchain: GoToolchain): void {
  if (!requirement.go) return;
  const needed = parseGoVersion(requirement.go);
  const have = parseGoVersion(toolchain.version);
  if (!needed || !have || compareGoVersions(have, needed) >= 0) return;
  const preferred = requirement.toolchain ? ` (and prefers ${requirement.toolchain})` : '';
  throw new GlideError('EGOVERSION', `go.mod needs Go ${requirement.go} or newer${preferred}, but the go on PATH is ${toolchain.version}.`, [
    `Install Go ${requirement.go} or newer (https://go.dev/dl/; Debian 13: golang-1.24-go) and put it first on PATH.`,
    'glide-release runs Go with GOTOOLCHAIN=local: it never downloads a toolchain in the middle of a release.',
  ]);
}

/** The requirement of the module at `root`; none when it has no go.mod. */
export async function readGoRequirement(root: string): Promise<GoRequirement> {
  try {
    return parseGoMod(await readFile(join(root, 'go.mod'), 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
}

/**
 * The import path of the package that holds the version variables, as `go list` reports it.
 * Glide's old pipeline guessed it (`glide/pkg.version`), and Go's linker silently ignores a
 * `-X` for a symbol that does not exist.
 */
export async function resolveImportPath(root: string, pkg: string): Promise<string> {
  try {
    return (await go(root, ['list', '-f', '{{.ImportPath}}', pkg])).trim();
  } catch (error) {
    if (error instanceof GlideError && error.code === 'EBUILD') {
      throw new GlideError('ECONFIG', `version.package "${pkg}" is not a Go package in this repository: ${error.message}`, [
        'Set "version": { "package": "./path/to/version" } in glide-release.config.json to the package that declares the version variables.',
      ]);
    }
    throw error;
  }
}
