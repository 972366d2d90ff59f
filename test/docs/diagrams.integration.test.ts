// The SVGs in docs/diagrams/ are what Graphviz draws from their .dot sources now.
import { readdir, readFile } from 'node:fs/promises';
import { beforeAll, expect, it } from 'vitest';
import { DIAGRAMS_DIR, diagramSources, REGENERATE_DIAGRAMS_COMMAND, renderDiagram, svgPathOf } from '../../scripts/docs-diagrams.js';
import { requireTools } from '../helpers/tools.js';

beforeAll(() => requireTools('dot'));

it('every committed SVG is what its source renders to', async () => {
  const sources = diagramSources();
  expect(sources).toEqual(['docs/diagrams/artifact-contract.dot', 'docs/diagrams/release-flow.dot']);
  for (const source of sources) {
    const committed = await readFile(svgPathOf(source), 'utf8').catch(() => '(missing)');
    const hint = `${svgPathOf(source)} is not what ${source} renders to: run \`${REGENERATE_DIAGRAMS_COMMAND}\` (Debian 12's graphviz, dot 2.43.0, and fonts-dejavu-core, as .ci/run installs them) and commit it`;
    expect(committed, hint).toBe(renderDiagram(source));
  }
});

it('every SVG there has its source', async () => {
  const svgs = (await readdir(DIAGRAMS_DIR)).filter((name) => name.endsWith('.svg')).map((name) => `${DIAGRAMS_DIR}/${name}`);
  expect(svgs.sort()).toEqual(diagramSources().map(svgPathOf));
});
