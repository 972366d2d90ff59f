import { execa } from 'execa';
import { GlideError, type GoPort } from '../../src/contract/index.js';

export interface GoToolchain {
  /** e.g. go1.19.8 */
  readonly version: string;
  readonly hostOs: string;
  readonly hostArch: string;
  readonly ports: readonly GoPort[];
}

/** What every command that runs `go` says when there is none. */
export function noGoError(): GlideError {
  return new GlideError(
    'ENOGO',
    'The Go toolchain was not found. Install Go (Debian/Ubuntu: apt-get install golang-go; elsewhere https://go.dev/dl/) and make sure `go` is on PATH.',
  );
}

async function go(root: string, args: readonly string[]): Promise<string> {
  try {
    return (await execa('go', args, { cwd: root })).stdout;
  } catch (error) {
    const failure = error as { code?: string; stderr?: string; shortMessage?: string };
    if (failure.code === 'ENOENT') throw noGoError();
    throw new GlideError('EBUILD', `go ${args.join(' ')} failed: ${(failure.stderr || failure.shortMessage || String(error)).trim()}`);
  }
}

export async function readGoToolchain(root: string): Promise<GoToolchain> {
  const [env, ports] = await Promise.all([
    go(root, ['env', '-json', 'GOVERSION', 'GOHOSTOS', 'GOHOSTARCH']),
    go(root, ['tool', 'dist', 'list', '-json']),
  ]);
  const facts = JSON.parse(env) as Record<string, string>;
  return {
    version: facts.GOVERSION ?? 'go',
    hostOs: facts.GOHOSTOS ?? '',
    hostArch: facts.GOHOSTARCH ?? '',
    ports: JSON.parse(ports) as GoPort[],
  };
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
