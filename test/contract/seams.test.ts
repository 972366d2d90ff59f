// The seams README's layout promises, checked on the import lines themselves (madge, in `npm run lint`, checks for cycles).
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

async function sourceFiles(folder: string): Promise<string[]> {
  const entries = await readdir(join(ROOT, folder), { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile() && /\.(ts|mjs)$/.test(entry.name)).map((entry) => relative(ROOT, join(entry.parentPath, entry.name)));
}

/** Every module specifier a file imports or re-exports, static or dynamic. */
async function importsOf(file: string): Promise<string[]> {
  const text = await readFile(join(ROOT, file), 'utf8');
  return [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^import\s+)'([^']+)'/gm)].map((match) => match[1]!);
}

async function importsUnder(...folders: string[]): Promise<Array<[file: string, specifier: string]>> {
  const files = (await Promise.all(folders.map(sourceFiles))).flat();
  return (await Promise.all(files.map(async (file) => (await importsOf(file)).map((specifier) => [file, specifier] as [string, string])))).flat();
}

describe('seams', () => {
  it('finds the imports it checks (a reader that found none would pass everything)', async () => {
    expect(await importsOf('src/contract/index.ts')).toContain('./targets.js');
    expect(await importsOf('release/src/cli.ts')).toContain('#contract');
    expect(await importsOf('release/src/cli.ts')).toContain('./commands/check.js');
  });

  it('the contract imports nothing of either side: only its own files, Node and semver', async () => {
    const outside = (await importsUnder('src/contract')).filter(([, specifier]) => !/^(\.\/|node:|semver$)/.test(specifier));
    expect(outside).toEqual([]);
  });

  it('the contract is imported as #contract, never by a path into its folder', async () => {
    const byPath = (await importsUnder('src', 'release/src', 'test', 'scripts', 'bench'))
      .filter(([file]) => !file.startsWith('src/contract/'))
      .filter(([, specifier]) => /(^|\/)contract\//.test(specifier));
    expect(byPath).toEqual([]);
  });

  it('the installers import nothing of the release pipeline', async () => {
    const intoRelease = (await importsUnder('src')).filter(([, specifier]) => /(^|\/)release\//.test(specifier));
    expect(intoRelease).toEqual([]);
  });
});
