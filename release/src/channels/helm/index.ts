/**
 * The Helm chart channel: the chart folder read, rendered from the ledger, checked, packaged
 * and made into the OCI artifact `helm push` would push. The plan (plan.ts) decides whether
 * it goes out; applyHelm pushes it.
 */
import type { ReleaseLedger } from '../../ledger.js';
import { readChartFolder, renderChart, type RenderedChart } from './chart.js';
import type { HelmChannelConfig } from './config.js';
import { chartArtifact, type ChartArtifact } from './oci.js';
import { packageChart, type PackagedChart } from './package.js';
import { validateChart } from './validate.js';

export interface BuiltChart {
  readonly name: string;
  readonly rendered: RenderedChart;
  readonly packaged: PackagedChart;
  readonly artifact: ChartArtifact;
}

export async function buildHelmChart(input: {
  readonly repoRoot: string;
  readonly config: Pick<HelmChannelConfig, 'chart' | 'distro'>;
  readonly ledger: Pick<ReleaseLedger, 'version' | 'stage' | 'images' | 'date'>;
  readonly changes: readonly string[];
}): Promise<BuiltChart> {
  const source = await readChartFolder(input.repoRoot, input.config.chart);
  const rendered = renderChart(source, { ledger: input.ledger, distro: input.config.distro, changes: input.changes });
  await validateChart(rendered);
  const packaged = await packageChart(rendered, new Date(input.ledger.date));
  return { name: rendered.name, rendered, packaged, artifact: chartArtifact(rendered, packaged, input.ledger.date) };
}
