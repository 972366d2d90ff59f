import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { archiveFormat, archiveName, binaryName, formatTarget, GlideError, MIRROR_INDEX, mirrorAssetPath, assetArch, type Target } from '#contract';
import { exportCommit, regularFileAt } from '../git.js';
import { assertGatesPass, type PreparedRelease } from '../prepare.js';
import { hashFile } from '../files.js';
import { makeLedger, writeLedger, type LedgerArchive, type LedgerFacts, type ReleaseLedger, type ShareLedger } from '../ledger.js';
import type { ReleasePlan } from '../plan.js';
import { unpackRcBinary, type RcBuild } from '../promote/rc-build.js';
import type { ShareSpec } from '../shares/partition.js';
import { writeArchive, type ArchiveMember } from './archive.js';
import { compileTarget, goMaxProcsPerBuild, releaseLdflags, type CompileSpan, type VersionStamp } from './compile.js';
import { inStagingFolder, writeChecksumsAndLedger } from './mirror.js';
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
  /**
   * Build one share of the matrix (`build --shard`, `--targets`): its archives and a ledger marked
   * as a share; no checksums file and no `index.json`, which are merge's to write.
   */
  readonly share?: ShareSpec;
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
  if (options.share) await assertNotAMirror(outDir);

  return inStagingFolder(outDir, plan.tag, async (staging) => {
    const work = join(staging, '.work');
    const root = join(work, 'src');
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
    const runners = new Map((options.share?.targets ?? prepared.matrix.build).map((target) => [target, chooseRunner(target, host, qemu)]));
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
    // A share may hold no target this host can run: merge asks it of the union of the shares.
    if (!options.share && unproven.length === archives.length) {
      throw new GlideError('EVERSIONNOTINJECTED', 'No binary of this release could be run here, so the injected version is unproven.', [
        'Build on a host whose platform is in the matrix, or install qemu-user-static to run the Linux binaries.',
      ]);
    }
    if (unproven.length > 0) options.log(`header checked but not run: ${unproven.join(', ')}`);

    await rm(work, { recursive: true, force: true });
    const ledger = options.share
      ? await writeShareLedger(staging, plan, config.repo, archives, options.share)
      : await writeChecksumsAndLedger(staging, plan, config.repo, archives);

    if (options.trace) await writeFile(options.trace, `${JSON.stringify({ spans }, null, 2)}\n`);
    // A share updates no index.json: it is no release until merged.
    const index = plan.stage !== 'snapshot' && !options.share;
    return { ledger, ...(index ? { index: { tag: plan.tag, prerelease: plan.prerelease, published_at: plan.releasedAt } } : {}) };
  });
}

/** A share goes to a folder of its own: in a mirror, it would replace a release that `index.json` lists with a part of one. */
async function assertNotAMirror(outDir: string): Promise<void> {
  const index = await stat(join(outDir, MIRROR_INDEX)).catch(() => undefined);
  if (index) {
    throw new GlideError('EOUTDIR', `The output folder ${outDir} is a release mirror (it has ${MIRROR_INDEX}); a share is not written into one.`, [
      'Pass each share an --out folder of its own, then merge them into the mirror: glide-release merge --out DIR SHARE_DIR...',
    ]);
  }
}

/** A share's ledger: its archives, what it is a share of, and what merge checks the shares agree on. */
async function writeShareLedger(
  staging: string,
  plan: LedgerFacts & Pick<ReleasePlan, 'targets' | 'releasedAt'>,
  repo: string,
  archives: readonly LedgerArchive[],
  spec: ShareSpec,
) {
  const share = {
    ...(spec.index !== undefined ? { index: spec.index, count: spec.count! } : {}),
    targets: spec.targets.map(formatTarget),
    matrix: plan.targets,
    config: spec.config,
    releasedAt: plan.releasedAt,
  };
  const ledger: ShareLedger = { ...makeLedger(plan, repo, archives), share };
  await writeLedger(staging, ledger);
  return ledger;
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
