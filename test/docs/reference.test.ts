import { describe, expect, it } from 'vitest';
import { REFERENCED_CLIS, renderReference, subcommandsOf } from '../../scripts/docs-reference.js';

describe('subcommandsOf', () => {
  it.each([
    ['no subcommand', 'create-glide', 'Usage: create-glide [dir] [options]\n  --yes', []],
    ['a title line is not a usage line', 'glide-release', "glide-release: Glide's release pipeline.\n", []],
    [
      'first usage line and the indented ones',
      'glide-up',
      'Usage: glide-up [options]\n       glide-up doctor\n       glide-up cache list|prune|clear [--yes]',
      ['doctor', 'cache'],
    ],
    [
      'each once, in order',
      'glide-release',
      '  glide-release publish [--dry-run]\n  glide-release publish --only images\n  glide-release init-ci [--force]',
      ['publish', 'init-ci'],
    ],
    ['the bin inside prose is not a usage line', 'glide-release', '  --trace FILE   what glide-release build spent (used by bench/)', []],
  ])('%s', (_name, bin, help, expected) => {
    expect(subcommandsOf(bin, help)).toEqual(expected);
  });
});

describe('renderReference', () => {
  const cli = REFERENCED_CLIS.find((each) => each.bin === 'glide-release')!;
  const top = 'Usage:\n  glide-release build\n  glide-release merge\n';

  it('gives a subcommand its own section only when its help says something else', () => {
    const page = renderReference(cli, top, [
      { command: 'build', text: top },
      { command: 'merge', text: 'Usage: glide-release merge --out DIR SHARD_DIR...\n' },
    ]);
    expect(page).toContain('## `glide-release merge --help`\n\n```text\nUsage: glide-release merge --out DIR SHARD_DIR...\n```');
    expect(page).not.toContain('## `glide-release build --help`');
    expect(page).toContain('`glide-release build --help` print the same text as `glide-release --help`.');
  });

  it('says how to regenerate it, and ends with one newline', () => {
    const page = renderReference(cli, top, []);
    expect(page).toContain('`npm run docs:reference`');
    expect(page).toMatch(/[^\n]\n$/);
    expect(page).not.toContain('print the same text');
  });
});
