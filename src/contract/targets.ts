import { GlideError } from './errors.js';

/** A Go build target in Go's own words. `arm` is GOARM (6 or 7) and only set for arch `arm`. */
export interface Target {
  readonly os: string;
  readonly arch: string;
  readonly arm?: '6' | '7';
}

export interface SkippedTarget {
  readonly target: string;
  readonly reason: string;
}

/** One entry of `go tool dist list -json`. */
export interface GoPort {
  readonly GOOS: string;
  readonly GOARCH: string;
  readonly CgoSupported?: boolean;
  readonly FirstClass?: boolean;
}

/** GEP 0004's build matrix: macOS amd64/arm64; Linux, FreeBSD, OpenBSD × six arches; Windows amd64/386. */
export const GEP_MATRIX: readonly string[] = [
  ...['amd64', 'arm64'].map((arch) => `darwin/${arch}`),
  ...['linux', 'freebsd', 'openbsd'].flatMap((os) =>
    ['amd64', 'arm64', '386', 'ppc64le', 's390x', 'riscv64'].map((arch) => `${os}/${arch}`),
  ),
  ...['amd64', '386'].map((arch) => `windows/${arch}`),
];

/** `linux/arm64`, or `linux/arm/7` for GOARM. */
export function formatTarget(target: Target): string {
  return target.arm ? `${target.os}/${target.arch}/${target.arm}` : `${target.os}/${target.arch}`;
}

/** Parses `os/arch` or `linux/arm/6`; anything else is `EUNKNOWNTARGET`. */
export function parseTarget(text: string): Target {
  const parts = text.trim().split('/');
  const [os, arch, arm] = parts;
  const usage = `Write targets as os/arch in Go's words (linux/arm64, windows/386) or linux/arm/6 and linux/arm/7 for 32-bit ARM.`;
  if (parts.length < 2 || parts.length > 3 || !os || !arch) {
    throw new GlideError('EUNKNOWNTARGET', `"${text}" is not a target. ${usage}`);
  }
  if (arch === 'arm') {
    if (arm !== '6' && arm !== '7') {
      throw new GlideError('EUNKNOWNTARGET', `"${text}" needs a GOARM version. ${usage}`);
    }
    return { os, arch, arm };
  }
  if (arm !== undefined) throw new GlideError('EUNKNOWNTARGET', `"${text}": only arch arm takes a third part. ${usage}`);
  return { os, arch };
}

/** The arch word of Glide's asset names: `arm64`, or `armv6`/`armv7` for GOARM builds. */
export function assetArch(target: Target): string {
  return target.arm ? `${target.arch}v${target.arm}` : target.arch;
}

export interface ResolvedMatrix {
  readonly build: readonly Target[];
  readonly skipped: readonly SkippedTarget[];
}

/**
 * Intersects the requested matrix with what the Go toolchain can build. A requested pair the
 * toolchain lacks is an error unless the config lists it as knowingly skipped, with a reason:
 * Glide's old pipeline dropped such pairs silently.
 */
export function resolveMatrix(
  requested: readonly string[],
  ports: readonly GoPort[],
  skip: readonly SkippedTarget[],
  goVersion = 'this Go toolchain',
): ResolvedMatrix {
  const available = new Set(ports.map((port) => `${port.GOOS}/${port.GOARCH}`));
  const targets = requested.map(parseTarget);
  const requestedKeys = new Set(targets.map(formatTarget));
  const skipByKey = new Map<string, SkippedTarget>();
  for (const entry of skip) {
    const key = formatTarget(parseTarget(entry.target));
    if (!requestedKeys.has(key)) {
      throw new GlideError(
        'EUNKNOWNTARGET',
        `targets.skip lists ${entry.target}, which is not in the target matrix.`,
        [`Remove it from targets.skip, or add it to targets.matrix. The matrix is: ${[...requestedKeys].join(', ')}`],
      );
    }
    skipByKey.set(key, entry);
  }

  const build: Target[] = [];
  const impossible: string[] = [];
  const seen = new Set<string>();
  for (const target of targets) {
    const key = formatTarget(target);
    if (seen.has(key)) continue;
    seen.add(key);
    if (skipByKey.has(key)) continue;
    if (available.has(`${target.os}/${target.arch}`)) build.push(target);
    else impossible.push(key);
  }
  if (impossible.length > 0) {
    throw new GlideError(
      'EIMPOSSIBLETARGET',
      `${goVersion} cannot build ${impossible.join(', ')} (not in \`go tool dist list\`).`,
      [
        'List each one under targets.skip with a reason, e.g.',
        `  "targets": { "skip": [${impossible.map((t) => `{ "target": "${t}", "reason": "Go has no such port" }`).join(', ')}] }`,
        'or use a Go toolchain that has the port.',
      ],
    );
  }
  return { build, skipped: [...skipByKey.values()] };
}
