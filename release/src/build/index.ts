import { mkdir, readdir, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename, dirname, join } from 'node:path';
import {
  archiveFormat,
  archiveName,
  binaryName,
  checksumsName,
  formatChecksums,
  formatMirrorIndex,
  formatTarget,
  GlideError,
  isGlideError,
  MIRROR_INDEX,
  mirrorAssetPath,
  parseMirrorIndex,
  RELEASE_LEDGER,
  upsertMirrorIndex,
  assetArch,
  type MirrorIndexEntry,
  type Target,
} from '#contract';
import { folderProblem, isFileSystemError, isFullDisk } from '../../../src/platform/folders.js';
import { exportCommit, regularFileAt } from '../git.js';
import { trackScratch } from '../interrupt.js';
import { assertGatesPass, type PreparedRelease } from '../prepare.js';
import { hashFile, writeArchive, writeHashed, type ArchiveMember } from './archive.js';
import { compileTarget, goMaxProcsPerBuild, releaseLdflags, type CompileSpan } from './compile.js';
import { makeLedger, type LedgerArchive, type ReleaseLedger } from './ledger.js';
import { runPool } from './pool.js';
import { chooseRunner, findQemuOnPath, proveBinary, type Runner } from './prove.js';

export interface BuildOptions {
  readonly log: (line: string) => void;
  readonly signal: AbortSignal;
  /** Where to write the timing of each `go build` (for bench/), if anywhere. */
  readonly trace?: string;
}

export interface BuildResult {
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
export async function runBuild(prepared: PreparedRelease, options: BuildOptions): Promise<BuildResult> {
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
    const ldflags = releaseLdflags(prepared.versionImportPath, config.version.variables, {
      version: plan.version,
      commit: plan.commit,
      date: plan.date,
    });
    // The host's own binary first: if the version did not get in, say so before building the
    // rest. Then those run under qemu, so the last builds are the ones with the least to do after.
    const runners = new Map(prepared.matrix.build.map((target) => [target, chooseRunner(target, host, qemu)]));
    const order = (target: Target) => ['native', 'qemu', 'none'].indexOf(runners.get(target)!.kind);
    const targets = [...prepared.matrix.build].sort((a, b) => order(a) - order(b));
    const workers = Math.min(availableParallelism(), targets.length);
    const goMaxProcs = goMaxProcsPerBuild(availableParallelism(), workers);
    const spans: CompileSpan[] = [];
    const controller = new AbortController();
    const unproven: string[] = [];
    const finish: FinishContext = { plan, staging, root, extras, mtime: new Date(plan.date), log: options.log, signal: controller.signal };

    // Compiles run back to back, `workers` at a time; each binary's proof and archive run beside
    // the next compile, and the first failure of either cancels the rest.
    const cancel = () => controller.abort(options.signal.reason);
    options.signal.addEventListener('abort', cancel, { once: true });
    const finishing: Promise<LedgerArchive>[] = [];
    // Settles when a target's compile and proof are over, however they ended. A failed proof
    // waits for the targets before it (the pool starts them in order) before cancelling, so the
    // host's own failure is the one reported, not whichever lost the race.
    const over = targets.map(() => {
      let resolve!: () => void;
      const promise = new Promise<void>((done) => (resolve = done));
      return { promise, resolve };
    });
    let archives: LedgerArchive[];
    try {
      await runPool(
        targets,
        workers,
        async (target, signal) => {
          const index = targets.indexOf(target);
          try {
            const dir = join(work, `${target.os}_${assetArch(target)}`);
            await mkdir(dir);
            const binary = join(dir, binaryName(target.os));
            spans.push(await compileTarget(root, target, ldflags, binary, config.main, goMaxProcs, signal));
            const runner = runners.get(target)!;
            if (runner.kind === 'none') unproven.push(`${formatTarget(target)} (${runner.reason})`);
            const finished = finishTarget(finish, target, binary, runner);
            finished.then(
              () => over[index]!.resolve(),
              async (error: unknown) => {
                over[index]!.resolve();
                await Promise.all(over.slice(0, index).map((earlier) => earlier.promise));
                controller.abort(error);
              },
            );
            finishing[index] = finished;
          } catch (error) {
            over[index]!.resolve();
            throw error;
          }
        },
        controller.signal,
      );
      archives = await Promise.all(finishing);
    } catch (error) {
      // Proofs of concurrent builds can fail together: report the earliest target's (the host's
      // first), not whichever lost the race.
      const settled = await Promise.allSettled(finishing);
      const earliest = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected' && isGlideError(result.reason));
      throw earliest ? earliest.reason : error;
    } finally {
      options.signal.removeEventListener('abort', cancel);
    }
    if (unproven.length === archives.length) {
      throw new GlideError('EVERSIONNOTINJECTED', 'No binary of this release could be run here, so the injected version is unproven.', [
        'Build on a host whose platform is in the matrix, or install qemu-user-static to run the Linux binaries.',
      ]);
    }
    if (unproven.length > 0) options.log(`header checked but not run: ${unproven.join(', ')}`);

    await rm(work, { recursive: true, force: true });
    const checksums = checksumsName(plan.version);
    const checksumsText = formatChecksums(archives.map((a) => ({ name: a.path.slice(plan.tag.length + 1), sha256: a.sha256 })));
    const checksumsFile = await writeHashed([checksumsText], join(staging, checksums));
    const ledger = makeLedger(plan, config.repo, [
      ...archives,
      { kind: 'checksums', path: mirrorAssetPath(plan.tag, checksums), ...checksumsFile },
    ]);
    await writeFile(join(staging, RELEASE_LEDGER), `${JSON.stringify(ledger, null, 2)}\n`, { mode: 0o644 });

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

/** Creates the output folder (true when it did); a place that cannot hold one is EOUTDIR, said plainly. */
async function makeOutDir(outDir: string): Promise<boolean> {
  try {
    return (await mkdir(outDir, { recursive: true })) !== undefined;
  } catch (error) {
    if (!isFileSystemError(error)) throw error;
    // Asked of the path rather than read from the code: a recursive mkdir on a read-only filesystem says ENOENT.
    const problem = await folderProblem(outDir);
    const why =
      problem?.kind === 'not-a-folder' ? (problem.at === outDir ? 'it is a file, not a folder' : 'a part of its path is a file, not a folder')
      : problem?.kind === 'read-only' ? 'it is on a read-only filesystem'
      : problem?.kind === 'no-permission' ? 'this user may not write there'
      : problem?.kind === 'dangling-link' ? `${problem.at} is a symbolic link to ${problem.target}, which does not exist`
      : isFullDisk(error) ? 'the disk is full'
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
      .filter((name) => name.startsWith(`.staging-${tag}-`) || name.startsWith(`.replaced-${tag}-`))
      .map((name) => rm(join(outDir, name), { recursive: true, force: true })),
  );
}

/** Puts the new release folder in place by renames only: a reader sees the old one or the new one. */
async function replaceDir(from: string, to: string): Promise<void> {
  const old = join(dirname(to), `.replaced-${basename(to)}-${process.pid}`);
  const hadOld = await stat(to).then(() => true, () => false);
  if (hadOld) await rename(to, old);
  await rename(from, to);
  if (hadOld) await rm(old, { recursive: true, force: true });
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
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, formatMirrorIndex(upsertMirrorIndex(index, entry)), { mode: 0o644 });
  await rename(temp, path);
}
