import { GlideError, INSTALLABLE_ASSET_ARCHES, INSTALLABLE_OSES, type Target } from '#contract';

/** What Node tells us about the machine, plus whether the process runs under Rosetta 2. */
export interface HostFacts {
  readonly platform: string;
  readonly arch: string;
  /** Node's `process.config.variables.arm_version` on 32-bit ARM. */
  readonly armVersion?: string;
  /** macOS reports x64 to a Node running under Rosetta 2 on Apple silicon. */
  readonly translated: boolean;
}

const OS_BY_NODE_PLATFORM: Readonly<Record<string, string>> = {
  linux: 'linux',
  darwin: 'darwin',
  win32: 'windows',
  freebsd: 'freebsd',
  openbsd: 'openbsd',
};

const ARCH_BY_NODE_ARCH: Readonly<Record<string, string>> = {
  x64: 'amd64',
  arm64: 'arm64',
  ia32: '386',
  // Node calls little-endian POWER on Linux `ppc64`; Go and Glide's assets call it ppc64le.
  ppc64: 'ppc64le',
  s390x: 's390x',
  riscv64: 'riscv64',
};

/** The Go target of this machine. Under Rosetta 2 it is darwin/arm64: the native build runs faster and is what Apple silicon needs once Rosetta is gone. */
export function hostTarget(facts: HostFacts): Target {
  const os = OS_BY_NODE_PLATFORM[facts.platform];
  if (facts.arch === 'arm') {
    const arm = facts.armVersion === '6' ? '6' : '7';
    if (os) return { os, arch: 'arm', arm };
  }
  const arch = facts.platform === 'darwin' && facts.translated ? 'arm64' : ARCH_BY_NODE_ARCH[facts.arch];
  if (!os || !arch) {
    throw new GlideError('EUNSUPPORTEDPLATFORM', `Glide publishes no build for this machine (Node reports ${facts.platform}/${facts.arch}).`, [
      'Pick a published platform with --os and --arch (Go words), or build Glide from source:',
      'https://github.com/EinStack/glide#installation',
    ]);
  }
  return { os, arch };
}

/** Go's GOARCH words (`go tool dist list`): a user who types one means it, even where Glide has no build. */
const GO_ARCHES = ['386', 'amd64', 'arm', 'arm64', 'loong64', 'mips', 'mips64', 'mips64le', 'mipsle', 'ppc64', 'ppc64le', 'riscv64', 's390x', 'wasm'];

/** `--os`/`--arch` in Go's words (`armv6`/`armv7` as in asset names) → a target; anything else is a usage error listing the words. */
export function targetFromWords(os: string, arch: string): Target {
  if (!(INSTALLABLE_OSES as readonly string[]).includes(os)) {
    throw new GlideError('EUSAGE', `--os ${os} is not an OS Glide is built for.`, [`Use one of: ${INSTALLABLE_OSES.join(', ')}`]);
  }
  if (arch === 'armv6' || arch === 'armv7') return { os, arch: 'arm', arm: arch === 'armv6' ? '6' : '7' };
  if (arch === 'arm') {
    // Go's `arm` needs a GOARM to mean a build; Glide's assets carry it in the name.
    throw new GlideError('EUSAGE', '--arch arm: Glide does not ship a plain arm build; its 32-bit ARM builds are armv7 and armv6.', [
      'Use --arch armv7 (ARMv7 and later, e.g. a Raspberry Pi 2 or newer on a 32-bit OS) or --arch armv6 (a Raspberry Pi Zero or 1).',
    ]);
  }
  if (!INSTALLABLE_ASSET_ARCHES.includes(arch)) {
    const known = GO_ARCHES.includes(arch);
    throw new GlideError(
      'EUSAGE',
      known ? `--arch ${arch}: Glide does not ship a build for ${arch}.` : `--arch ${arch} is not an architecture in Go's words.`,
      [`Use one of: ${INSTALLABLE_ASSET_ARCHES.join(', ')}${known ? '' : ' (not x86_64 or aarch64)'}`],
    );
  }
  return { os, arch };
}

export function sameTarget(a: Target, b: Target): boolean {
  return a.os === b.os && a.arch === b.arch && a.arm === b.arm;
}
