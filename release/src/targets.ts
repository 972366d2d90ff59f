/**
 * Which targets a release builds: GEP 0004's matrix, met with what the Go toolchain in use can
 * build. Release-only; the installers know targets only through the contract (INSTALLABLE_*).
 */
import { formatTarget, GlideError, INSTALLABLE_ARCHES, INSTALLABLE_OSES, parseTarget, type Target } from '#contract';

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
  ...['linux', 'freebsd', 'openbsd'].flatMap((os) => ['amd64', 'arm64', '386', 'ppc64le', 's390x', 'riscv64'].map((arch) => `${os}/${arch}`)),
  ...['amd64', '386'].map((arch) => `windows/${arch}`),
];

export interface ResolvedMatrix {
  readonly build: readonly Target[];
  readonly skipped: readonly SkippedTarget[];
}

export interface MatrixRequest {
  /** The user's matrix; undefined means GEP 0004's, less what the Go in use cannot build. */
  readonly matrix?: readonly string[];
  readonly skip: readonly SkippedTarget[];
}

/**
 * Intersects the requested matrix with what the Go toolchain can build. The default matrix
 * ships every GEP pair this Go can build and names each one it cannot; a pair the user asked
 * for explicitly that the toolchain lacks is an error unless listed as knowingly skipped, with
 * a reason (Glide's old pipeline dropped such pairs silently). Every pair must be one the
 * installers can install.
 */
export function resolveMatrix(request: MatrixRequest, ports: readonly GoPort[], goVersion = 'this Go toolchain'): ResolvedMatrix {
  const available = new Set(ports.map((port) => `${port.GOOS}/${port.GOARCH}`));
  const explicit = request.matrix !== undefined;
  const targets = (request.matrix ?? GEP_MATRIX).map(parseTarget);
  const uninstallable = targets.filter(
    (t) => !(INSTALLABLE_OSES as readonly string[]).includes(t.os) || !(INSTALLABLE_ARCHES as readonly string[]).includes(t.arch),
  );
  if (uninstallable.length > 0) {
    throw new GlideError('EUNKNOWNTARGET', `targets.matrix has ${uninstallable.map(formatTarget).join(', ')}, which no Glide installer can install.`, [
      `A target's OS is one of ${INSTALLABLE_OSES.join(', ')}; its arch one of ${INSTALLABLE_ARCHES.join(', ')} (arm as linux/arm/6 or linux/arm/7).`,
    ]);
  }
  const requestedKeys = new Set(targets.map(formatTarget));
  const skipByKey = new Map<string, SkippedTarget>();
  for (const entry of request.skip) {
    const key = formatTarget(parseTarget(entry.target));
    if (!requestedKeys.has(key)) {
      throw new GlideError('EUNKNOWNTARGET', `targets.skip lists ${entry.target}, which is not in the target matrix.`, [
        `Remove it from targets.skip, or add it to targets.matrix. The matrix is: ${[...requestedKeys].join(', ')}`,
      ]);
    }
    skipByKey.set(key, entry);
  }

  const build: Target[] = [];
  const skipped: SkippedTarget[] = [];
  const impossible: string[] = [];
  const seen = new Set<string>();
  for (const target of targets) {
    const key = formatTarget(target);
    if (seen.has(key)) continue;
    seen.add(key);
    const skip = skipByKey.get(key);
    if (skip) skipped.push(skip);
    else if (available.has(`${target.os}/${target.arch}`)) build.push(target);
    else if (!explicit) skipped.push({ target: key, reason: `${goVersion} has no ${target.os}/${target.arch} port` });
    else impossible.push(key);
  }
  if (impossible.length > 0) {
    throw new GlideError('EIMPOSSIBLETARGET', `${goVersion} cannot build ${impossible.join(', ')} (not in \`go tool dist list\`).`, [
      'List each one under targets.skip with a reason, e.g.',
      `  "targets": { "skip": [${impossible.map((t) => `{ "target": "${t}", "reason": "Go has no such port" }`).join(', ')}] }`,
      'or use a Go toolchain that has the port.',
    ]);
  }
  if (build.length === 0) {
    throw new GlideError('EIMPOSSIBLETARGET', `No target of the matrix can be built with ${goVersion}.`, ['Check targets.matrix and targets.skip.']);
  }
  return { build, skipped };
}
