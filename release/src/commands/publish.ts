/**
 * `glide-release publish`: the images by version tag, the GitHub release, then the moving image
 * tags, then the enabled package-manager channels, as one plan (decisions 0039, 0051); `--only images`,
 * `--only github` or `--only channels` runs one stage alone.
 */
import type { PublishImagesReport, PublishStep } from '../images/publish.js';
import { assertGatesPass, prepareRelease, type PrepareOptions } from '../prepare.js';
import type { CliIo } from './io.js';
import { usage } from './usage.js';

export interface PublishCommandOptions {
  readonly only: string | undefined;
  readonly snapshot: boolean;
  readonly dryRun: boolean;
  readonly prepare: PrepareOptions;
}

export async function publishCommand(io: CliIo, options: PublishCommandOptions): Promise<number> {
  const only = options.only?.trim();
  if (only !== undefined && only !== 'images' && only !== 'github' && only !== 'channels') {
    throw usage(`publish --only takes images, github or channels, not "${only}"; without --only it publishes all three, in order`);
  }
  if (options.snapshot) throw usage('snapshots are never published');
  const prepared = await prepareRelease(options.prepare);
  assertGatesPass(prepared.plan, 'published');
  const { dryRun } = options;
  if (only !== 'images') {
    const { runPublish } = await import('../publish/stage.js');
    const env = io.env ?? process.env;
    await runPublish(prepared, { dryRun, env, log: (line) => io.stderr(`${line}\n`), out: io.stdout, signal: io.signal, ...(only ? { only } : {}) });
    return 0;
  }
  const { runPublishImages } = await import('../images/publish-stage.js');
  const report = await runPublishImages(prepared, { dryRun, env: io.env ?? process.env, log: (line) => io.stderr(`${line}\n`), signal: io.signal });
  io.stdout(formatPublish(report, prepared.plan.tag));
  return 0;
}

/** Pure: one line per step (pushed, or identical and skipped), then the totals. */
export function formatPublish(report: PublishImagesReport, tag: string): string {
  const verb = report.dryRun ? 'would push' : 'pushed';
  const lines = report.steps.map((step) => `${step.action === 'push' ? verb : 'identical'}  ${describeStep(step)}`);
  const pushed = report.steps.filter((step) => step.action === 'push').length;
  lines.push(
    `${report.dryRun ? 'dry run: ' : ''}${report.images.length} images of ${tag} in ${report.repository}: ${pushed} ${report.dryRun ? 'pushes planned' : 'pushes'}, ${report.steps.length - pushed} already there`,
  );
  return lines.map((line) => `${line}\n`).join('');
}

function describeStep(step: PublishStep): string {
  if (step.kind === 'tag') return `tag ${step.tag} → ${step.digest}${step.previous ? ` (was ${step.previous})` : ''}`;
  return `${step.kind} ${step.digest}${step.kind === 'blob' && step.mountFrom ? ` (mount from ${step.mountFrom})` : ''}`;
}
