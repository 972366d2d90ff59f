/**
 * A snap of one Linux target, as files: `meta/snap.yaml` from the ledger and the channel's
 * config (the binary is put beside it by stage.ts). Pure: the store's rules on what a snap may
 * say are checked here, by name, before `snap pack` would refuse it less clearly.
 */
import { stringify } from 'yaml';
import { GlideError, parseTarget, type Target } from '#contract';
import type { LedgerArchive, ReleaseLedger } from '../../ledger.js';
import type { SnapConfig } from './config.js';

/** The snap architectures the store takes with base core22, by the Go target that runs there. */
export type SnapArchitecture = 'amd64' | 'arm64' | 'armhf' | 'ppc64el' | 's390x' | 'riscv64';

/**
 * Go's words → Debian's, which snaps use. armhf is ARMv7 with hardware float: GOARM=7's build.
 * No snap of linux/386 (the store's i386 ended with core18) or of GOARM=6 (no snap arch is ARMv6).
 */
export function snapArchitecture(target: Target): SnapArchitecture | undefined {
  if (target.os !== 'linux') return undefined;
  switch (target.arch) {
    case 'amd64':
    case 'arm64':
    case 's390x':
    case 'riscv64':
      return target.arch;
    case 'ppc64le':
      return 'ppc64el';
    case 'arm':
      return target.arm === '7' ? 'armhf' : undefined;
    default:
      return undefined;
  }
}

export interface SnapTarget {
  readonly architecture: SnapArchitecture;
  readonly archive: LedgerArchive;
}

/** The ledger's archives a snap is made of, one per snap architecture, in the ledger's order. */
export function snapTargets(ledger: ReleaseLedger): SnapTarget[] {
  return ledger.artifacts.flatMap((artifact): SnapTarget[] => {
    if (artifact.kind !== 'archive') return [];
    const architecture = snapArchitecture(parseTarget(artifact.target));
    return architecture ? [{ architecture, archive: artifact }] : [];
  });
}

/**
 * snapd's version rule (snap/validate.go): 1 to 32 characters of letters, digits and `:.+~-`,
 * starting with a letter or digit and ending with a letter, digit, `+` or `~`.
 */
const SNAP_VERSION = /^[a-zA-Z0-9](?:[a-zA-Z0-9:.+~-]{0,30}[a-zA-Z0-9+~])?$/;

/** Refuses a version the store (and `snap pack`) would refuse, saying which part of the rule it breaks. */
export function assertSnapVersion(version: string): void {
  if (SNAP_VERSION.test(version)) return;
  const why =
    version.length === 0 || version.length > 32
      ? `it is ${version.length} characters long; snaps allow 1 to 32`
      : /[^a-zA-Z0-9:.+~-]/.test(version)
        ? `it contains ${JSON.stringify(version.match(/[^a-zA-Z0-9:.+~-]/g)!.join(''))}; snaps allow letters, digits and : . + ~ -`
        : 'it must start with a letter or digit and end with a letter, digit, + or ~';
  throw new GlideError('ESNAPVERSION', `The version "${version}" cannot be a snap's version: ${why}.`, [
    "Release a version the Snap Store accepts (Glide's X.Y.Z and X.Y.Z-rc.N always are), or leave channels.snap out of the config.",
  ]);
}

/** The store refuses grade devel on candidate and stable: an RC is devel for life, so it never reaches them (decision 0049). */
export function snapGrade(stage: ReleaseLedger['stage']): 'devel' | 'stable' {
  return stage === 'stable' ? 'stable' : 'devel';
}

/** `meta/snap.yaml` of one architecture: the command Glide's archive holds, serving HTTP under strict confinement. */
export function renderSnapYaml(ledger: Pick<ReleaseLedger, 'version' | 'stage'>, config: SnapConfig, architecture: SnapArchitecture): string {
  assertSnapVersion(ledger.version);
  return stringify({
    name: config.name,
    version: ledger.version,
    summary: config.summary,
    description: config.description,
    license: config.license,
    // core22, not bare: the static binary needs no libraries, but Glide calls providers over HTTPS and
    // core22 brings the CA bundle and /etc layout Go reads (decision 0049).
    base: 'core22',
    grade: snapGrade(ledger.stage),
    confinement: 'strict',
    architectures: [architecture],
    // network-bind: Glide serves HTTP; home: its config file (glide --config …) is usually the user's.
    apps: { [config.name]: { command: 'bin/glide', plugs: ['network', 'network-bind', 'home'] } },
  });
}

/** `glide_0.1.0-rc.1_arm64.snap`: the name `snap pack` gives it. */
export function snapFileName(name: string, version: string, architecture: SnapArchitecture): string {
  return `${name}_${version}_${architecture}.snap`;
}
