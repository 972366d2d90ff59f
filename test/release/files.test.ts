import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashFile, replaceDir, writeFileAtomic, writeHashed } from '../../release/src/files.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'glide-files-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function folder(name: string, files: Record<string, string>): Promise<string> {
  const path = join(dir, name);
  await mkdir(path);
  for (const [file, text] of Object.entries(files)) await writeFile(join(path, file), text);
  return path;
}

describe('replaceDir', () => {
  it('puts the new folder in place of the old one, and leaves nothing aside', async () => {
    const next = await folder('next', { 'b.txt': 'new' });
    const target = await folder('release', { 'a.txt': 'old' });
    await replaceDir(next, target);
    expect(await readdir(target)).toEqual(['b.txt']);
    expect(await readdir(dir)).toEqual(['release']);
  });

  it('with no old folder, the new one is renamed into place', async () => {
    const next = await folder('next', { 'b.txt': 'new' });
    await replaceDir(next, join(dir, 'release'));
    expect(await readdir(dir)).toEqual(['release']);
  });

  it('when the new folder cannot be put in place, the old one is back, whole', async () => {
    const target = await folder('release', { 'a.txt': 'old' });
    // The rename of the new folder fails: it is not there.
    await expect(replaceDir(join(dir, 'gone'), target)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await readFile(join(target, 'a.txt'), 'utf8')).toBe('old');
    expect(await readdir(dir)).toEqual(['release']);
  });

  it('a folder left aside by a killed run of the same process id is cleared first', async () => {
    await folder(`.replaced-release-${process.pid}`, { 'stale.txt': 'x' });
    const next = await folder('next', { 'b.txt': 'new' });
    const target = await folder('release', { 'a.txt': 'old' });
    await replaceDir(next, target);
    expect(await readdir(dir)).toEqual(['release']);
  });
});

describe('hashed and atomic writes', () => {
  it('writeHashed returns the size and sha256 hashFile reads back', async () => {
    const path = join(dir, 'file');
    const written = await writeHashed(['hello ', 'world'], path);
    expect(written).toEqual({ size: 11, sha256: 'b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9' });
    expect(await hashFile(path)).toEqual(written);
  });

  it('writeFileAtomic replaces a file whole and leaves no temp file', async () => {
    const path = join(dir, 'index.json');
    await writeFile(path, 'old');
    await writeFileAtomic(path, 'new\n');
    expect(await readFile(path, 'utf8')).toBe('new\n');
    expect(await readdir(dir)).toEqual(['index.json']);
  });

  it('writeFileAtomic into a folder that is gone fails and leaves nothing', async () => {
    await expect(writeFileAtomic(join(dir, 'missing', 'index.json'), 'x')).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await readdir(dir)).toEqual([]);
  });
});
