/** `glide-release build`: the binaries stage, the images stage, or both, of a release every gate passes. */
import { relative } from 'node:path';
import { formatTarget } from '#contract';
import { assertGatesPass, prepareRelease, type PreparedRelease, type PrepareOptions } from '../prepare.js';
import { configDigest, parseShareRequest, shareTargets, type ShareRequest, type ShareSpec } from '../shares/partition.js';
import type { CliIo } from './io.js';
import { usage } from './usage.js';

const BUILD_STAGES = ['binaries', 'images'] as const;

export interface BuildCommandOptions {
  /** `--only`, as typed: a comma list of BUILD_STAGES. */
  readonly only: string;
  readonly prepare: PrepareOptions;
  readonly trace?: string;
  /** `--shard I/N` and `--targets os/arch,...`, as typed: build one share of the matrix. */
  readonly shard?: string;
  readonly targets?: string;
}

export async function buildCommand(io: CliIo, options: BuildCommandOptions): Promise<number> {
  const stages = options.only.split(',').map((s) => s.trim());
  const unknown = stages.filter((s) => !(BUILD_STAGES as readonly string[]).includes(s));
  if (unknown.length > 0) throw usage(`--only: unknown stage "${unknown[0]}"; this version builds: ${BUILD_STAGES.join(', ')}`);
  const shareRequest = parseShareRequest(options.shard, options.targets);
  if (shareRequest && stages.join() !== 'binaries') {
    throw usage('--shard and --targets build a share of the binaries only; build the images from the merged release (build --only images --out MERGED)');
  }
  const prepared = await prepareRelease(options.prepare);
  // Every stage refuses a release a gate fails (a bad tag, a dirty tree, an unsoaked RC…), before saying what it builds.
  assertGatesPass(prepared.plan, 'built');
  const log = (line: string) => io.stderr(`${line}\n`);
  const shown = (dir: string) => relative(io.cwd, dir) || '.';
  if (stages.includes('binaries')) {
    const share = shareRequest && shareOf(prepared, shareRequest);
    const what = share ? `${shareName(share)} of ${prepared.plan.tag}` : prepared.plan.tag;
    const targets = share ? share.targets.map(formatTarget).join(', ') : `${prepared.plan.targets.length} targets`;
    io.stderr(`building ${what} (${prepared.plan.stage}) for ${targets} with ${prepared.toolchain.version}\n`);
    const { runBinariesStage } = await import('../binaries/index.js');
    const { ledger, releaseDir } = await runBinariesStage(prepared, {
      log,
      signal: io.signal,
      ...(options.trace ? { trace: options.trace } : {}),
      ...(share ? { share } : {}),
    });
    const archives = ledger.artifacts.filter((a) => a.kind === 'archive').length;
    io.stdout(
      share
        ? `built ${what}: ${archives} archives and its release.json in ${shown(releaseDir)}; merge every share with glide-release merge --out DIR SHARE_DIR...\n`
        : `built ${ledger.tag}: ${archives} archives, checksums and release.json in ${shown(releaseDir)}\n`,
    );
  }
  if (stages.includes('images')) {
    // Loaded only for image builds: the registry client and layer code are not needed otherwise.
    const { runImagesStage } = await import('../images/stage.js');
    const report = await runImagesStage(prepared, { log, signal: io.signal });
    io.stdout(`built ${report.images.length} images of ${prepared.plan.tag} in ${shown(report.layout)}: ${report.images.map((i) => i.tag).join(', ')}\n`);
  }
  return 0;
}

function shareOf(prepared: PreparedRelease, request: ShareRequest): ShareSpec {
  const targets = shareTargets(prepared.matrix.build, request);
  const config = configDigest(prepared.config);
  return request.kind === 'shard' ? { index: request.index, count: request.count, targets, config } : { targets, config };
}

function shareName(share: ShareSpec): string {
  return share.index === undefined ? 'a share' : `share ${share.index}/${share.count}`;
}
