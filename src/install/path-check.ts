/**
 * Masterminds/glide, Go's retired package manager, also installs a `glide`. A user who has
 * it on PATH would run the wrong program after we say "installed", so we warn.
 */
import { access, constants } from 'node:fs/promises';
import { delimiter, resolve } from 'node:path';
import { runVersion } from './check-binary.js';

/** Glide the gateway prints `glide version 0.0.3 (commit: …, runtime: go1.22.1, buildDate: …)`; Masterminds' prints `glide version v0.13.3`. */
export function looksLikeGlideGateway(versionOutput: string): boolean {
  return /version \S+ \(commit: [^,]*, runtime: [^,]*, buildDate: /.test(versionOutput);
}

/** The first `glide` on PATH other than `exclude`, and whether it is Glide the gateway. */
export async function findForeignGlide(
  pathVariable: string | undefined,
  exclude: string,
  platform: string = process.platform,
): Promise<{ readonly path: string; readonly versionOutput: string } | undefined> {
  const names = platform === 'win32' ? ['glide.exe'] : ['glide'];
  for (const dir of (pathVariable ?? '').split(delimiter).filter(Boolean)) {
    for (const name of names) {
      const candidate = resolve(dir, name);
      if (candidate === resolve(exclude)) return undefined;
      if (!(await isExecutable(candidate))) continue;
      const versionOutput = (await runVersion(candidate, 5_000)).output.split('\n')[0] ?? '';
      return looksLikeGlideGateway(versionOutput) ? undefined : { path: candidate, versionOutput };
    }
  }
  return undefined;
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
