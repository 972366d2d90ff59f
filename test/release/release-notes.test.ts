import { describe, expect, it } from 'vitest';
import { GITHUB_BODY_LIMIT, previousOfKind, releaseNotes, supersededRcs, type NotesCommit } from '../../release/src/publish/notes.js';
import { expectedAssets } from '../../release/src/publish/world.js';
import { COMMIT, ledgerOf, REPOSITORY, sha } from '../helpers/publish-world.js';

/** The tags on main (with some that name no release), and those merged into 0.0.4 on its maintenance branch off 0.0.3. */
const HISTORY = [
  '0.0.2',
  '0.0.3-rc.1',
  '0.0.3-rc.2',
  '0.0.3',
  '0.1.0-rc.1',
  '0.1.0-rc.2',
  '0.1.0-rc.10',
  '0.1.0',
  '0.1.1-rc.1',
  'v0.1.0',
  'latest',
  'nightly-2024',
];
const MAINTENANCE = ['0.0.2', '0.0.3-rc.1', '0.0.3-rc.2', '0.0.3', '0.0.4-rc.1', '0.0.4'];

describe('previousOfKind: where the notes start', () => {
  it.each([
    ['a stable starts at the last stable below it, skipping its RCs', '0.1.0', HISTORY, '0.0.3'],
    ['a maintenance stable starts at its own line’s stable', '0.0.4', MAINTENANCE, '0.0.3'],
    ['a maintenance RC starts at the RC before it on its branch', '0.0.4-rc.1', MAINTENANCE, '0.0.3-rc.2'],
    ['an RC starts at the RC before it, numbers compared as numbers', '0.1.0-rc.10', HISTORY, '0.1.0-rc.2'],
    ['a first RC starts at the highest RC below it', '0.1.0-rc.1', HISTORY, '0.0.3-rc.2'],
    ['an RC of a new patch starts at the highest RC below it', '0.1.1-rc.1', HISTORY, '0.1.0-rc.10'],
    ['the first stable of all has none', '0.0.2', HISTORY, undefined],
    ['the first RC of all has none', '0.0.3-rc.1', HISTORY, undefined],
  ])('%s', (_name, version, mergedTags, expected) => {
    expect(previousOfKind(version, mergedTags)).toBe(expected);
  });
});

describe('supersededRcs', () => {
  it.each([
    ['a stable supersedes every RC of its version, in order', '0.1.0', ['0.1.0-rc.1', '0.1.0-rc.2', '0.1.0-rc.10']],
    ['a stable with no RC supersedes none', '0.0.2', []],
    ['an RC supersedes nothing', '0.1.0-rc.2', []],
  ])('%s', (_name, version, expected) => {
    expect(supersededRcs(version, HISTORY)).toEqual(expected);
  });
});

const commit = (n: number, subject = `change number ${n}`): NotesCommit => ({ id: n.toString(16).padStart(40, 'c'), subject });

describe('releaseNotes', () => {
  const ledger = ledgerOf('0.1.0');
  const notes = releaseNotes({ ledger, mergedTags: HISTORY, commits: [commit(3), commit(2), commit(1)] });

  it('says what it is, what it supersedes and what changed since the last stable, newest first', () => {
    expect(notes).toContain(`Stable release 0.1.0, built from ${COMMIT} with go1.22.5.`);
    expect(notes).toContain('Supersedes 0.1.0-rc.1, 0.1.0-rc.2, 0.1.0-rc.10.');
    expect(notes).toContain(
      ['## Changes since 0.0.3', '', '- change number 3 (cccccccccccc)', '- change number 2 (cccccccccccc)', '- change number 1 (cccccccccccc)'].join('\n'),
    );
  });

  it('lists every asset with its size and sha256, and every image with its index digest', () => {
    for (const asset of expectedAssets(ledger)) expect(notes).toContain(`| ${asset.name} | ${asset.size} | \`${asset.sha256}\` |`);
    for (const distro of ['alpine', 'distroless']) expect(notes).toContain(`| ${REPOSITORY}:0.1.0-${distro} | \`sha256:${sha('0.1.0', `${distro} index`)}\` |`);
  });

  it('gives the commands that check them', () => {
    expect(notes).toContain('gh release download 0.1.0 --repo EinStack/glide');
    expect(notes).toContain('sha256sum --check --ignore-missing glide_v0.1.0_checksums.txt');
    expect(notes).toContain(`docker buildx imagetools inspect ${REPOSITORY}:0.1.0-alpine`);
    expect(notes).toContain(`skopeo inspect --raw docker://${REPOSITORY}:0.1.0-alpine | sha256sum`);
  });

  it('an RC says so, supersedes nothing, and starts at the RC before it', () => {
    const rc = releaseNotes({ ledger: ledgerOf('0.1.0-rc.2'), mergedTags: HISTORY, commits: [commit(1)] });
    expect(rc).toMatch(/^Release candidate 0\.1\.0-rc\.2, /);
    expect(rc).not.toContain('Supersedes');
    expect(rc).toContain('## Changes since 0.1.0-rc.1\n');
  });

  it('says when there was nothing to list', () => {
    expect(releaseNotes({ ledger, mergedTags: HISTORY, commits: [] })).toContain('No commits since 0.0.3.');
    expect(releaseNotes({ ledger: ledgerOf('0.0.2'), mergedTags: HISTORY, commits: [] })).toContain('## Changes\n\nNo commits.');
  });

  it('within GitHub’s limit, cuts the oldest commits with a line saying so, never the table', () => {
    const many = Array.from({ length: 3000 }, (_, i) => commit(3000 - i, `${'x'.repeat(60)} ${3000 - i}`));
    const whole = releaseNotes({ ledger, mergedTags: HISTORY, commits: many.slice(0, 10) });
    const cut = releaseNotes({ ledger, mergedTags: HISTORY, commits: many });
    expect(cut.length).toBeLessThanOrEqual(GITHUB_BODY_LIMIT);
    // Filled to the limit, not far below it.
    expect(cut.length).toBeGreaterThan(GITHUB_BODY_LIMIT - 100);
    const table = whole.slice(whole.indexOf('## Artifacts'));
    expect(cut.endsWith(table)).toBe(true);
    const kept = cut.split('\n').filter((line) => line.startsWith(`- ${'x'.repeat(60)}`));
    expect(kept[0]).toContain(' 3000 (');
    const omitted = Number(/- … and (\d+) earlier commits, left out for GitHub's 125000-character limit: git log 0\.0\.3\.\.0\.1\.0/.exec(cut)?.[1]);
    expect(kept.length + omitted).toBe(3000);
  });

  it('leaves a list that fits whole', () => {
    const commits = Array.from({ length: 100 }, (_, i) => commit(i));
    const notesOf100 = releaseNotes({ ledger, mergedTags: HISTORY, commits });
    expect(notesOf100).not.toContain('left out');
    expect(notesOf100.split('\n').filter((line) => line.startsWith('- change number'))).toHaveLength(100);
  });
});
