// The references in docs/reference/ are the built CLIs' --help as they print it now (npm run build first).
import { readFile } from 'node:fs/promises';
import { expect, it } from 'vitest';
import { generateReferences, REGENERATE_COMMAND } from '../../scripts/docs-reference.js';

it('docs/reference/ is what the built CLIs print for --help', async () => {
  const pages = generateReferences();
  expect([...pages.keys()].sort()).toEqual(['docs/reference/create-glide.md', 'docs/reference/glide-release.md', 'docs/reference/glide-up.md']);
  for (const [path, generated] of pages) {
    const committed = await readFile(path, 'utf8').catch(() => '(missing)');
    expect(committed, `${path} differs from the CLI's --help: run \`${REGENERATE_COMMAND}\` and commit the result`).toBe(generated);
  }
});
