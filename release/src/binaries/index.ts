import { mkdir, readdir, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import {
  archiveFormat,
  archiveName,
  binaryName,
  checksumsName,
  formatChecksums,
  formatMirrorIndex,
  formatTarget,
  GlideError,
  MIRROR_INDEX,
  mirrorAssetPath,
  parseMirrorIndex,
  upsertMirrorIndex,
  assetArch,
  type MirrorIndexEntry,
  type Target,
} from '#contract';
import { folderProblem, isFileSystemError, isFullDisk } from '../../../src/platform/folders.js';
import { exportCommit, regularFileAt } from '../git.js';
import { trackScratch } from '../interrupt.js';
import { assertGatesPass, type PreparedRelease } from '../prepare.js';
import { hashFile, replaceDir, replacedPrefix, writeFileAtomic, writeHashed } from '../files.js';
import { makeLedger, writeLedger, type LedgerArchive, type LedgerFacts, type ReleaseLedger } from '../ledger.js';
import { unpackRcBinary, type RcBuild } from '../promote/rc-build.js';
import { writeArchive, type ArchiveMember } from './archive.js';
import { compileTarget, goMaxProcsPerBuild, releaseLdflags, type CompileSpan, type VersionStamp } from './compile.js';
import { runPool } from './pool.js';
import { buildPromotedBinary, rcArchivesFor, rcStampFor, type PromotedFrom } from './promote-proof.js';
import { chooseRunner, findQemuOnPath, proveBinary, type Runner } from './prove.js';

export interface BinariesOptions {
  readonly log: (line: string) => void;
  readonly signal: AbortSignal;
  /** Where to write the timing of each `go build` (for bench/), if anywhere. */
  readonly trace?: string;
  /**
   * The RC a stable is promoted from: each binary is built by the promote proof (the RC's bytes
   * reproduced, then re-stamped) and its archive records `promotedFrom` (decision 0038).
   */
  readonly promoteFrom?: RcBuild;
}

export interface BinariesResult {
  readonly ledger: ReleaseLedger;
  /** The folder holding this release's assets: `{out}/{tag}`. */
  readonly releaseDir: string;
}

/**
 * Builds every target of the plan from the tagged commit's own tree (exported into a staging
 * folder inside the output folder), then renames the staging folder to `{out}/{tag}` and
 * updates `index.json`. A build that fails or is cancelled removes its staging folder, so the
 * mirror never holds a partial release.
 */
export async function runBinariesStage(prepared: PreparedRelease, options: BinariesOptions): Promise<BinariesResult> {
  const { plan, outDir, config } = prepared;
  assertGatesPass(plan, 'released');

  const createdOut = await makeOutDir(outDir);
  await removeStaleStaging(outDir, plan.tag);
  const staging = join(outDir, `.staging-${plan.tag}-${process.pid}`);
  const forget = trackScratch(staging);
  const work = join(staging, '.work');
  const root = join(work, 'src');

  try {
    await mkdir(work, { recursive: true });
    await exportCommit(prepared.root, plan.commit, root);
    options.signal.throwIfAborted();
    const [extras, qemu] = await Promise.all([presentFiles(root, config.archives.files), findQemuOnPath()]);
    const host = { os: prepared.toolchain.hostOs, arch: prepared.toolchain.hostArch };
    const stamp = { version: plan.version, commit: plan.commit, date: plan.date };
    const ldflags = releaseLdflags(prepared.versionImportPath, config.version.variables, stamp);
    const spans: CompileSpan[] = [];
    const compile: CompileStep = options.promoteFrom
      ? promotedCompile(prepared, options.promoteFrom, { source: root, work, stamp })
      : async (target, binary, goMaxProcs, signal) => {
          spans.push(await compileTarget(root, target, ldflags, binary, config.main, goMaxProcs, signal));
          return undefined;
        };
    const runners = new Map(prepared.matrix.build.map((target) => [target, chooseRunner(target, host, qemu)]));
    const targets = buildOrder(runners);
    const workers = Math.min(availableParallelism(), targets.length);
    const goMaxProcs = goMaxProcsPerBuild(availableParallelism(), workers);
    const unproven: string[] = [];
    const finish = { plan, staging, root, extras, mtime: new Date(plan.date), log: options.log };

    // Compiles run back to back, `workers` at a time; each binary's proof and archive run beside
    // the next compile. Proofs of concurrent builds can fail together: the earliest target's
    // failure (the host's first) is the one reported, not whichever lost the race.
    const archives = await runPool(
      targets,
      workers,
      async (target, signal, releaseSlot) => {
        const dir = join(work, `${target.os}_${assetArch(target)}`);
        await mkdir(dir);
        const binary = join(dir, binaryName(target.os));
        const promotedFrom = await compile(target, binary, goMaxProcs, signal);
        releaseSlot();
        const runner = runners.get(target)!;
        if (runner.kind === 'none') unproven.push(`${formatTarget(target)} (${runner.reason})`);
        const archive = await finishTarget({ ...finish, signal }, target, binary, runner);
        return promotedFrom ? { ...archive, promotedFrom } : archive;
      },
      options.signal,
      { earliestFailureWins: true },
    );
    if (unproven.length === archives.length) {
      throw new GlideError('EVERSIONNOTINJECTED', 'No binary of this release could be run here, so the injected version is unproven.', [
        'Build on a host whose platform is in the matrix, or install qemu-user-static to run the Linux binaries.',
      ]);
    }
    if (unproven.length > 0) options.log(`header checked but not run: ${unproven.join(', ')}`);

    await rm(work, { recursive: true, force: true });
    const ledger = await writeChecksumsAndLedger(staging, plan, config.repo, archives);

    const releaseDir = join(outDir, plan.tag);
    await replaceDir(staging, releaseDir);
    if (plan.stage !== 'snapshot') {
      await updateIndex(outDir, { tag: plan.tag, prerelease: plan.prerelease, published_at: plan.releasedAt });
    }
    if (options.trace) await writeFile(options.trace, `${JSON.stringify({ spans }, null, 2)}\n`);
    return { ledger, releaseDir };
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    // An output folder this build created goes too; rmdir leaves one that holds anything else.
    if (createdOut) await rmdir(outDir).catch(() => undefined);
    throw error;
  } finally {
    forget();
  }
}

/** Writes one target's binary; returns the RC it was proven against, for a promoted stable. */
type CompileStep = (target: Target, binary: string, goMaxProcs: number, signal: AbortSignal) => Promise<PromotedFrom | undefined>;

/**
 * The promote proof as the stage's compile step: each target's RC binary is unpacked from the
 * RC's archive and the stable built beside its reproduction. Refused before any build when the
 * proof cannot hold (another commit or Go, a target the RC did not release).
 */
function promotedCompile(prepared: PreparedRelease, rc: RcBuild, build: { source: string; work: string; stamp: VersionStamp }): CompileStep {
  const { plan, config } = prepared;
  const stable = { tag: plan.tag, ...build.stamp };
  const rcStamp = rcStampFor(rc.facts, stable, prepared.toolchain.version);
  const rcArchives = new Map(rcArchivesFor(rc.facts, prepared.matrix.build).map((archive) => [archive.target, archive]));
  return async (target, binary, goMaxProcs, signal) => {
    const archive = rcArchives.get(formatTarget(target))!;
    const rcBinary = join(build.work, `rc-${target.os}_${assetArch(target)}`, archive.binary.name);
    await mkdir(dirname(rcBinary));
    await unpackRcBinary(rc, archive, rcBinary);
    return buildPromotedBinary({
      source: build.source,
      target,
      mainPackage: config.main,
      importPath: prepared.versionImportPath,
      variables: config.version.variables,
      rc: { tag: rc.facts.tag, stamp: rcStamp, binary: rcBinary, sha256: archive.binary.sha256 },
      stable,
      workDir: build.work,
      output: binary,
      goMaxProcs,
      signal,
    });
  };
}

/**
 * The host's own binary first: if the version did not get in, say so before building the
 * rest. Then those run under qemu, so the last builds are the ones with the least to do after.
 */
function buildOrder(runners: ReadonlyMap<Target, Runner>): Target[] {
  const order = (target: Target) => ['native', 'qemu', 'none'].indexOf(runners.get(target)!.kind);
  return [...runners.keys()].sort((a, b) => order(a) - order(b));
}

/** The last files of the release folder: the checksums of the archives, then the ledger that lists them all. */
async function writeChecksumsAndLedger(staging: string, plan: LedgerFacts, repo: string, archives: readonly LedgerArchive[]): Promise<ReleaseLedger> {
  const name = checksumsName(plan.version);
  const text = formatChecksums(archives.map((a) => ({ name: a.path.slice(plan.tag.length + 1), sha256: a.sha256 })));
  const file = await writeHashed([text], join(staging, name));
  const ledger = makeLedger(plan, repo, [...archives, { kind: 'checksums', path: mirrorAssetPath(plan.tag, name), ...file }]);
  await writeLedger(staging, ledger);
  return ledger;
}

/** Creates the output folder (true when it did); a place that cannot hold one is EOUTDIR, said plainly. */
async function makeOutDir(outDir: string): Promise<boolean> {
  try {
    return (await mkdir(outDir, { recursive: true })) !== undefined;
  } catch (error) {
    if (!isFileSystemError(error)) throw error;
    // Asked of the path rather than read from the code: a recursive mkdir on a read-only filesystem says ENOENT.
    const problem = await folderProblem(outDir);
    const why =
      problem?.kind === 'not-a-folder'
        ? problem.at === outDir
          ? 'it is a file, not a folder'
          : 'a part of its path is a file, not a folder'
        : problem?.kind === 'read-only'
          ? 'it is on a read-only filesystem'
          : problem?.kind === 'no-permission'
            ? 'this user may not write there'
            : problem?.kind === 'dangling-link'
              ? `${problem.at} is a symbolic link to ${problem.target}, which does not exist`
              : isFullDisk(error)
                ? 'the disk is full'
                : `it cannot be created (${error.code})`;
    throw new GlideError('EOUTDIR', `The output folder ${outDir} cannot be used: ${why}.`, ['Pass --out with a folder this user can write to.']);
  }
}

interface FinishContext {
  readonly plan: PreparedRelease['plan'];
  readonly staging: string;
  readonly root: string;
  readonly extras: readonly string[];
  readonly mtime: Date;
  readonly log: (line: string) => void;
  readonly signal: AbortSignal;
}

/** Proves one built binary, hashes it, and writes its archive into the staging folder. */
async function finishTarget(context: FinishContext, target: Target, binary: string, runner: Runner): Promise<LedgerArchive> {
  const { plan, staging, root, extras, mtime } = context;
  const [proof, binaryFile] = await Promise.all([proveBinary(binary, target, plan.version, runner, context.signal), hashFile(binary)]);
  const asset = archiveName(plan.version, target);
  const members: ArchiveMember[] = [
    { name: binaryName(target.os), source: binary, executable: true },
    ...extras.map((name) => ({ name, source: join(root, name), executable: false })),
  ];
  const written = await writeArchive(archiveFormat(target.os), members, mtime, dirname(binary), join(staging, asset));
  context.log(`built ${asset} (${proof.header}; ${runner.kind === 'none' ? proof.ran : `ran ${proof.ran}`})`);
  return {
    kind: 'archive',
    path: mirrorAssetPath(plan.tag, asset),
    target: formatTarget(target),
    format: archiveFormat(target.os),
    size: written.size,
    sha256: written.sha256,
    binary: { name: binaryName(target.os), ...binaryFile },
    proof,
  };
}

/** The configured extra files the tree has, as regular files (a symbolic link is refused). */
async function presentFiles(root: string, names: readonly string[]): Promise<string[]> {
  const present = await Promise.all(names.map(async (name) => ((await regularFileAt(root, name)) ? name : undefined)));
  return present.filter((name): name is string => name !== undefined);
}

/** Staging folders of this tag left by a build that was killed (kill -9 skips our cleanup). */
async function removeStaleStaging(outDir: string, tag: string): Promise<void> {
  const names = await readdir(outDir);
  await Promise.all(
    names
      .filter((name) => name.startsWith(`.staging-${tag}-`) || name.startsWith(replacedPrefix(tag)))
      .map((name) => rm(join(outDir, name), { recursive: true, force: true })),
  );
}

async function updateIndex(outDir: string, entry: MirrorIndexEntry): Promise<void> {
  const path = join(outDir, MIRROR_INDEX);
  let index: MirrorIndexEntry[] = [];
  try {
    index = parseMirrorIndex(await readFile(path, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new GlideError('EBUILD', `${path} is not a valid mirror index (${(error as Error).message}). Move it away and build again.`);
    }
  }
  await writeFileAtomic(path, formatMirrorIndex(upsertMirrorIndex(index, entry)));
}
