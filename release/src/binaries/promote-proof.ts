/**
 * Promote's proof that a stable's binaries are its RC's but for the version stamp (decision
 * 0038). A byte diff of the two cannot show it: the versions differ in length, so every
 * offset after the stamp moves, and Go's build ID (a hash of the inputs) changes too. Instead
 * the commit is rebuilt with the RC's own stamp and must give the RC's released bytes exactly;
 * the stable is then built from the same tree, Go and flags with only the version changed.
 */
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { assetArch, binaryName, formatTarget, GlideError, type Target } from '#contract';
import { hashFile } from '../files.js';
import type { ReleaseLedger } from '../ledger.js';
import type { RcArchive, RcFacts } from '../promote/rc-build.js';
import { readBuildInfoText } from '../toolchain.js';
import { compileTarget, releaseLdflags, type VersionStamp, type VersionVariables } from './compile.js';

/** What a stable's ledger records of an archive whose binary was proven to be the RC's re-stamped. */
export interface PromotedFrom {
  /** The RC's tag. */
  readonly tag: string;
  /** The RC's released binary, which the rebuild with the RC's stamp matched byte for byte. */
  readonly binarySha256: string;
}

const NEW_RC = 'Check that the Go on PATH and glide-release are the ones that built the RC, or release a new RC from this commit.';

/**
 * Pure: the RC's stamp, refusing before any build when the proof could not hold: a stable on
 * another commit (its sources differ) or a Go other than the RC's (its compiler differs).
 */
export function rcStampFor(
  rc: Pick<ReleaseLedger, 'tag' | 'version' | 'stage' | 'commit' | 'date' | 'goVersion'>,
  stable: VersionStamp & { readonly tag: string },
  goVersion: string,
): VersionStamp {
  if (rc.stage !== 'rc') {
    throw new GlideError('EUSAGE', `${rc.tag} is ${rc.stage === 'stable' ? 'a stable release' : 'a snapshot'}, not an RC: only an RC is promoted.`);
  }
  if (rc.commit !== stable.commit) {
    throw new GlideError(
      'EPROMOTECOMMITMISMATCH',
      `${stable.tag} is commit ${stable.commit.slice(0, 12)}, but ${rc.tag} was built from ${rc.commit.slice(0, 12)}: a stable is promoted from the commit its RC tested.`,
      [`Tag ${stable.tag} on ${rc.tag}'s commit, or release a new RC.`],
    );
  }
  if (rc.date !== stable.date) {
    throw new GlideError(
      'ENOTREPRODUCIBLE',
      `${rc.tag} was stamped with the date ${rc.date}, but commit ${rc.commit.slice(0, 12)} is dated ${stable.date}: its ledger was not written by this build path.`,
      [NEW_RC],
    );
  }
  if (rc.goVersion !== goVersion) {
    throw new GlideError(
      'ENOTREPRODUCIBLE',
      `${rc.tag} was built with ${rc.goVersion}, but the go on PATH is ${goVersion}: another compiler gives other bytes, so the stable cannot be proven to be the RC's.`,
      [`Put ${rc.goVersion} first on PATH and promote again, or release a new RC with ${goVersion}.`],
    );
  }
  return { version: rc.version, commit: rc.commit, date: rc.date };
}

/**
 * Pure: the RC's archive of each target the stable builds, in the targets' order; refused when
 * the RC released no binary for one (nothing to prove that target's stable against).
 */
export function rcArchivesFor(rc: Pick<RcFacts, 'tag' | 'artifacts'>, targets: readonly Target[]): RcArchive[] {
  const byTarget = new Map(rc.artifacts.flatMap((artifact) => (artifact.kind === 'archive' ? [[artifact.target, artifact] as const] : [])));
  const missing = targets.map(formatTarget).filter((target) => !byTarget.has(target));
  if (missing.length > 0) {
    throw new GlideError('ENOTREPRODUCIBLE', `${rc.tag} released no binary for ${missing.join(', ')}: the stable's cannot be proven to be the RC's bytes.`, [
      'Promote with the same target matrix the RC was built with, or release a new RC that builds these targets.',
    ]);
  }
  return targets.map((target) => byTarget.get(formatTarget(target))!);
}

/**
 * Pure: `go version -m` output as one entry per line (`go`, `path`, `mod`, `dep <module>`,
 * `build <setting>`); undefined when it names no Go version (not a Go binary).
 */
export function parseBuildInfo(text: string): ReadonlyMap<string, string> | undefined {
  const [first = '', ...lines] = text.split('\n');
  const goVersion = /: (go\S+)$/.exec(first.trim())?.[1];
  if (!goVersion) return undefined;
  const info = new Map([['go', goVersion]]);
  for (const line of lines) {
    const [kind, name = '', ...rest] = line.trim().split('\t');
    if (!kind) continue;
    if (kind === 'build') {
      const equals = name.indexOf('=');
      info.set(`build ${name.slice(0, equals)}`, name.slice(equals + 1));
    } else if (kind === 'path' || kind === 'mod') info.set(kind, [name, ...rest].join(' ').trim());
    else info.set(`${kind} ${name}`, rest.join(' ').trim());
  }
  return info;
}

/** Pure: the entries two build infos disagree on, as `key: a (left) vs b (right)`. */
export function buildInfoDifferences(left: ReadonlyMap<string, string>, right: ReadonlyMap<string, string>, names: readonly [string, string]): string[] {
  const keys = [...new Set([...left.keys(), ...right.keys()])].sort();
  const shown = (value: string | undefined) => (value === undefined ? 'absent' : JSON.stringify(value));
  return keys
    .filter((key) => left.get(key) !== right.get(key))
    .map((key) => `${key}: ${shown(left.get(key))} (${names[0]}) vs ${shown(right.get(key))} (${names[1]})`);
}

/** Pure: the offset of the first byte where `a` and `b` differ (the shorter one's length when one is a prefix); undefined when equal. */
export function firstDifference(a: Uint8Array, b: Uint8Array): number | undefined {
  const length = Math.min(a.length, b.length);
  for (let offset = 0; offset < length; offset++) if (a[offset] !== b[offset]) return offset;
  return a.length === b.length ? undefined : length;
}

/** Pure: what differs between the RC's binary and the rebuild with its stamp, said so a person knows where to look. */
export function describeRebuildDifference(
  rc: { readonly bytes: Uint8Array; readonly info: ReadonlyMap<string, string> | undefined },
  rebuilt: { readonly bytes: Uint8Array; readonly info: ReadonlyMap<string, string> | undefined },
): string {
  if (!rc.info) return "the RC's binary holds no Go build info (it is not a Go binary)";
  const settings = buildInfoDifferences(rc.info, rebuilt.info ?? new Map(), ['RC', 'rebuilt']);
  if (settings.length > 0) return settings.join('; ');
  const offset = firstDifference(rc.bytes, rebuilt.bytes);
  return (
    `the same Go and build settings, but other bytes from offset ${offset ?? 0} (${rc.bytes.length} bytes in the RC, ${rebuilt.bytes.length} rebuilt): ` +
    'other sources, or other -ldflags (they are not recorded in the build info under -trimpath)'
  );
}

/**
 * Pure: what is wrong with the stable binary beside the proven rebuild: build settings of its
 * own, the RC's version still inside, or the stable's missing.
 */
export function stableStampProblems(
  rebuilt: ReadonlyMap<string, string>,
  stable: { readonly bytes: Buffer; readonly info: ReadonlyMap<string, string> | undefined },
  versions: { readonly rc: string; readonly stable: string },
): string[] {
  const problems = buildInfoDifferences(rebuilt, stable.info ?? new Map(), ['RC', 'stable']);
  if (stable.bytes.includes(versions.rc)) problems.push(`the stable binary still holds the RC's version ${versions.rc}`);
  if (!stable.bytes.includes(versions.stable)) problems.push(`the stable binary does not hold its version ${versions.stable}`);
  return problems;
}

export interface PromotedBuild {
  /** The export of the commit (the tree both builds compile). */
  readonly source: string;
  readonly target: Target;
  readonly mainPackage: string;
  readonly importPath: string;
  readonly variables: VersionVariables;
  readonly rc: {
    readonly tag: string;
    readonly stamp: VersionStamp;
    /** The RC's released binary, unpacked from its archive. */
    readonly binary: string;
    /** What the RC's ledger says that binary hashes to. */
    readonly sha256: string;
  };
  readonly stable: VersionStamp & { readonly tag: string };
  /** A scratch folder of the caller's; the rebuild with the RC's stamp goes there and is removed. */
  readonly workDir: string;
  /** Where the stable binary is written. */
  readonly output: string;
  readonly goMaxProcs: number;
  readonly signal: AbortSignal;
}

/**
 * Builds one target's stable binary and proves it is the RC's but for the version: the rebuild
 * with the RC's stamp must be the RC's released bytes (ENOTREPRODUCIBLE naming what differs),
 * and the stable, built from the same tree, Go and flags with the stable's stamp, must carry
 * the same build info and its own version, not the RC's.
 */
export async function buildPromotedBinary(build: PromotedBuild): Promise<PromotedFrom> {
  const { source, target, mainPackage, importPath, variables, rc, stable, signal } = build;
  const where = formatTarget(target);
  const rcFile = await hashFile(rc.binary);
  if (rcFile.sha256 !== rc.sha256) {
    throw new GlideError(
      'ECHECKSUM',
      `${rc.binary} hashes to ${rcFile.sha256}, but ${rc.tag}'s ledger says ${rc.sha256}: it is not the RC's released ${where} binary.`,
      [`Unpack it again from ${rc.tag}'s archive, or download the archive again.`],
    );
  }

  const dir = join(build.workDir, `rebuilt-${target.os}_${assetArch(target)}`);
  await mkdir(dir, { recursive: true });
  try {
    const rebuilt = join(dir, binaryName(target.os));
    await compileTarget(source, target, releaseLdflags(importPath, variables, rc.stamp), rebuilt, mainPackage, build.goMaxProcs, signal);
    const [rcSide, rebuiltSide] = await Promise.all([readSide(rc.binary), readSide(rebuilt)]);
    if (!rcSide.bytes.equals(rebuiltSide.bytes)) {
      throw new GlideError(
        'ENOTREPRODUCIBLE',
        `Rebuilding ${rc.stamp.commit.slice(0, 12)} for ${where} with ${rc.tag}'s stamp gave other bytes than ${rc.tag}'s binary: ${describeRebuildDifference(rcSide, rebuiltSide)}. ` +
          `${stable.tag} cannot be proven to be ${rc.tag}'s bytes.`,
        [NEW_RC],
      );
    }

    await compileTarget(source, target, releaseLdflags(importPath, variables, stable), build.output, mainPackage, build.goMaxProcs, signal);
    const problems = stableStampProblems(rebuiltSide.info!, await readSide(build.output), { rc: rc.stamp.version, stable: stable.version });
    if (problems.length > 0) {
      throw new GlideError('ENOTREPRODUCIBLE', `The ${where} binary of ${stable.tag} differs from ${rc.tag}'s in more than the version:`, [
        ...problems,
        NEW_RC,
      ]);
    }
    return { tag: rc.tag, binarySha256: rc.sha256 };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function readSide(binary: string) {
  const [bytes, text] = await Promise.all([readFile(binary), readBuildInfoText(binary)]);
  return { bytes, info: parseBuildInfo(text) };
}
