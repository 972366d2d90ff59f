import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * A current Go beside Debian 12's Go 1.19: Debian 13's Go 1.24, unpacked into the project by
 * `scripts/fetch-debian13.sh` (which .ci/run and scripts/setup.sh run). Real Glide needs Go ≥ 1.22.
 */
export const GO_CURRENT_ROOT = resolve('.cache/debian13/root/usr/lib/go-1.24');
export const FETCH_GO_CURRENT = 'scripts/fetch-debian13.sh golang-1.24-go golang-1.24-src';

const present = existsSync(join(GO_CURRENT_ROOT, 'bin', 'go'));

/** Throws, saying how to fetch it, when Go 1.24 is not there: its tests fail rather than skip (decision 0023). */
export function requireGoCurrent(): void {
  if (!present) throw new Error(`Go 1.24 is not in ${GO_CURRENT_ROOT}: run ${FETCH_GO_CURRENT}`);
}

/**
 * The environment that makes Go 1.24 the `go` on PATH. GOROOT is set too, so a GOROOT left in
 * the caller's environment cannot pair this go with another Go's standard library.
 */
export function goCurrentEnv(): Record<string, string> {
  const goCache = process.env.GO_CURRENT_GOCACHE;
  if (!goCache) throw new Error('GO_CURRENT_GOCACHE is unset: run the tests through vitest (test/setup/isolate-home.ts sets it).');
  return { PATH: `${join(GO_CURRENT_ROOT, 'bin')}:${process.env.PATH ?? ''}`, GOROOT: GO_CURRENT_ROOT, GOCACHE: goCache };
}
