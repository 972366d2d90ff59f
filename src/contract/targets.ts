import { GlideError } from './errors.js';

/** A Go build target in Go's own words. `arm` is GOARM (6 or 7) and only set for arch `arm`. */
export interface Target {
  readonly os: string;
  readonly arch: string;
  readonly arm?: '6' | '7';
}

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

/** The OS words of the assets Glide's installers install (`--os`); a release ships nothing else. */
export const INSTALLABLE_OSES = ['linux', 'darwin', 'windows', 'freebsd', 'openbsd'] as const;
/** The GOARCH words the installers know (`arm` with GOARM 6 or 7, as `armv6`/`armv7` in asset names). */
export const INSTALLABLE_ARCHES = ['amd64', 'arm64', '386', 'ppc64le', 's390x', 'riscv64', 'arm'] as const;
/** The same arches as asset names spell them (and `--arch` takes them): `arm` once per GOARM. */
export const INSTALLABLE_ASSET_ARCHES: readonly string[] = INSTALLABLE_ARCHES.flatMap((arch) => (arch === 'arm' ? ['armv6', 'armv7'] : [arch]));
