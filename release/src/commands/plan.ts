/** `glide-release plan`: the stage, every gate and every artifact, before anything is built. */
import { relative } from 'node:path';
import type { PlannedImages, ReleasePlan } from '../plan.js';
import { prepareRelease, type PrepareOptions } from '../prepare.js';
import type { CliIo } from './io.js';

export async function planCommand(io: CliIo, options: { readonly json: boolean; readonly prepare: PrepareOptions }): Promise<number> {
  const { plan, outDir } = await prepareRelease(options.prepare);
  io.stdout(options.json ? `${JSON.stringify(plan, null, 2)}\n` : formatPlan(plan, relative(io.cwd, outDir) || '.'));
  return plan.gates.every((g) => g.ok) ? 0 : 1;
}

/** Pure: the plan as `plan` prints it; `outDir` as the user would write it. */
export function formatPlan(plan: ReleasePlan, outDir: string): string {
  const lines = [
    `${plan.tag}: ${plan.stage === 'invalid' ? 'not a release version' : plan.stage}${plan.publishable ? '' : ' (not publishable)'}, commit ${plan.commit.slice(0, 12)} of ${plan.date}, ${plan.goVersion}`,
    '',
    'gates:',
    ...(plan.gates.length === 0
      ? ['  (none for a snapshot)']
      : plan.gates.map((g) => `  ${g.ok ? 'pass' : 'FAIL'} ${g.gate.padEnd(18)} ${g.ok ? '' : `${g.code}: `}${g.message}`)),
    '',
    `artifacts in ${outDir}/:`,
    ...(plan.stage === 'invalid'
      ? [`  none: ${plan.tag} is not a release version (see the version gate)`]
      : plan.artifacts.map((a) => `  ${a.path}${a.target ? `  (${a.target})` : ''}`)),
  ];
  if (plan.images) lines.push('', ...formatImages(plan, plan.images, outDir));
  if (plan.skipped.length > 0) {
    lines.push('', 'knowingly skipped:', ...plan.skipped.map((s) => `  ${s.target}: ${s.reason}`));
  }
  return `${lines.join('\n')}\n`;
}

function formatImages(plan: ReleasePlan, images: PlannedImages, outDir: string): string[] {
  const width = Math.max(...images.distros.map((image) => image.tag.length));
  const moving = images.distros.flatMap((image) => image.movesIfHighestStable);
  return [
    `images in ${outDir}/${images.layout} (build --only images):`,
    ...images.distros.map((image) => `  ${image.tag.padEnd(width)}  ${image.platforms.join(' ')}  on ${image.base}`),
    '  (a platform a base has no image for is left out, and named, when build reads the base; release.json gains every digest)',
    '',
    `publish --only images pushes to ${images.repository}:`,
    ...(plan.stage === 'snapshot'
      ? ['  nothing: a snapshot is never published']
      : [
          ...images.distros.flatMap((image) => image.pushes.map((reference) => `  ${reference}`)),
          moving.length > 0
            ? `  and moves, only if ${plan.version} is then the highest stable in the registry: ${moving.map((reference) => reference.slice(images.repository.length + 1)).join(', ')}`
            : '  no latest tag: an RC never moves one',
        ]),
  ];
}
