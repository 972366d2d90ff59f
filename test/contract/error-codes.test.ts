import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '#contract';

// Users look an error code up in the docs: every code the tools can print has a row there.
const DOCS = ['docs/release.md', 'docs/install.md', 'docs/channels.md'];

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile() && entry.name.endsWith('.ts')).map((entry) => join(entry.parentPath, entry.name));
}

describe('error codes', () => {
  it.each(ERROR_CODES)('%s has a row in the docs', async (code) => {
    const docs = (await Promise.all(DOCS.map((file) => readFile(file, 'utf8')))).join('\n');
    expect(docs).toMatch(new RegExp(`^\\| \`${code}\``, 'm'));
  });

  it('every code the sources raise is a known one (and so documented)', async () => {
    const files = [...(await sourceFiles('src')), ...(await sourceFiles('release/src'))];
    const raised = new Set<string>();
    for (const file of files) {
      for (const match of (await readFile(file, 'utf8')).matchAll(/(?:GlideError|fail)\(\s*'(E[A-Z]+)'/g)) raised.add(match[1]!);
    }
    expect(raised.size).toBeGreaterThan(20);
    expect([...raised].filter((code) => !(ERROR_CODES as readonly string[]).includes(code))).toEqual([]);
  });
});
