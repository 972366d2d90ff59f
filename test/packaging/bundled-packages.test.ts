import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  checkNodeFloor,
  declaredNodeFloor,
  licenseSection,
  openEndedFloor,
  packageFolders,
  readBundledPackage,
  renderNotices,
  type BundledPackage,
} from '../../scripts/bundled-packages.js';

const pkg = (name: string, nodeRange?: string, licenseText = 'MIT License'): BundledPackage => ({
  name,
  version: '1.0.0',
  license: 'MIT',
  licenseText,
  ...(nodeRange ? { nodeRange } : {}),
});

describe('packageFolders', () => {
  it.each([
    [['node_modules/undici/lib/a.js', 'node_modules/undici/index.js'], ['node_modules/undici']],
    [['node_modules/@clack/core/dist/index.mjs'], ['node_modules/@clack/core']],
    // A package nested in another's node_modules is its own package.
    [
      ['node_modules/npm-run-path/node_modules/path-key/index.js', 'node_modules/path-key/index.js'],
      ['node_modules/npm-run-path/node_modules/path-key', 'node_modules/path-key'],
    ],
    // Through a linked node_modules, the path leaves the checkout.
    [['../../work/node_modules/@scope/x/y.js'], ['../../work/node_modules/@scope/x']],
    [['src/create-glide/cli.ts', 'release/src/bin.ts'], []],
  ])('%j → %j', (inputs, folders) => {
    expect(packageFolders(inputs)).toEqual(folders);
  });
});

describe('openEndedFloor', () => {
  it.each([
    ['>=20.18.1', '20.18.1'],
    ['^18.19.0 || >=20.5.0', '20.5.0'],
    ['>= 14.6', '14.6.0'],
    ['>=10', '10.0.0'],
    ['*', '0.0.0'],
    ['^18 || ^20', undefined],
    ['18.x', undefined],
  ])('%s → %s', (range, floor) => {
    expect(openEndedFloor(range)).toBe(floor);
  });
});

describe('the declared Node floor', () => {
  it.each([
    ['>=20.18.1', '20.18.1'],
    ['>=22.0.0', '22.0.0'],
  ])('engines.node %s promises %s', (engines, floor) => {
    expect(declaredNodeFloor('create-glide', engines)).toBe(floor);
  });

  it.each([['>=20'], ['^20.18.1'], ['>=20.18.1 <23'], [undefined]])('engines.node %s is refused: the launcher checks one version', (engines) => {
    expect(() => declaredNodeFloor('create-glide', engines)).toThrow(/declare one lowest version, ">=X\.Y\.Z"/);
  });

  it('must be at least what every bundled package declares, naming the one that needs more', () => {
    const bundled = [pkg('yaml', '>= 14.6'), pkg('undici', '>=20.18.1'), pkg('execa', '^18.19.0 || >=20.5.0'), pkg('isarray')];
    expect(() => checkNodeFloor('create-glide', '20.18.1', bundled)).not.toThrow();
    expect(() => checkNodeFloor('create-glide', '22.0.0', bundled)).not.toThrow();
    expect(() => checkNodeFloor('create-glide', '20.0.0', bundled)).toThrow(
      'create-glide: engines.node is ">=20.0.0", but it bundles undici 1.0.0, which declares engines.node ">=20.18.1". Declare ">=20.18.1".',
    );
  });

  it('a package that caps the Node versions it runs on is refused', () => {
    expect(() => checkNodeFloor('create-glide', '20.18.1', [pkg('old', '^18 || ^20')])).toThrow(
      /old 1\.0\.0 declares engines\.node "\^18 \|\| \^20", which caps/,
    );
  });
});

describe('license texts', () => {
  const folders: string[] = [];
  afterAll(async () => {
    for (const folder of folders) await rm(folder, { recursive: true, force: true });
  });

  async function packageFolder(files: Record<string, string>, manifest: object = { name: 'x', version: '1.2.3', license: 'MIT' }): Promise<string> {
    const folder = await mkdtemp(join(tmpdir(), 'glide-pkg-'));
    folders.push(folder);
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, 'package.json'), JSON.stringify(manifest));
    for (const [name, text] of Object.entries(files)) await writeFile(join(folder, name), text);
    return folder;
  }

  it('reads every license file and NOTICE, and the engines', async () => {
    const folder = await packageFolder(
      { 'LICENSE-MIT': 'MIT text\n', NOTICE: 'notice text\n', 'index.js': '' },
      { name: 'x', version: '1.2.3', license: 'MIT', engines: { node: '>=18' } },
    );
    expect(await readBundledPackage(folder)).toEqual({
      name: 'x',
      version: '1.2.3',
      license: 'MIT',
      licenseText: 'MIT text\n\nnotice text',
      nodeRange: '>=18',
    });
  });

  it("takes the README's License section when the package ships no license file", async () => {
    const folder = await packageFolder({
      'README.md': '# x\n\nUsage.\n\n## License\n\n(MIT)\n\nCopyright (c) 2013 Someone\n\n### Terms\n\nPermission is granted.\n\n## Contributors\n\nthem\n',
    });
    expect((await readBundledPackage(folder)).licenseText).toBe('(MIT)\n\nCopyright (c) 2013 Someone\n\n### Terms\n\nPermission is granted.');
  });

  it("a README's License section that only names the license gets that license's standard terms, and says so", async () => {
    const folder = await packageFolder(
      { 'README.md': '# x\n\n## License\n\nMIT\n' },
      { name: 'x', version: '1.2.3', license: 'MIT', author: 'Some One (https://example.com)' },
    );
    const { licenseText } = await readBundledPackage(folder);
    expect(licenseText).toMatch(
      /^MIT\n\nThe package ships no license text; these are the standard terms of MIT from SPDX's license list, whose copyright holder its package.json names as Some One\.\n\nMIT License\n/,
    );
    expect(licenseText).toContain('Permission is hereby granted, free of charge');
  });

  it('a license named without terms that SPDX has no text for stops the build', async () => {
    const folder = await packageFolder({ 'README.md': '# x\n\n## License\n\nHomegrown-1.0\n' }, { name: 'x', version: '1.2.3', license: 'Homegrown-1.0' });
    await expect(readBundledPackage(folder)).rejects.toThrow(/names its license "Homegrown-1\.0" without its terms/);
  });

  it('a package with no license text anywhere stops the build, naming it', async () => {
    const folder = await packageFolder({ 'README.md': '# x\n\nNo terms here.\n' });
    await expect(readBundledPackage(folder)).rejects.toThrow(/^x 1\.2\.3 \(.*\) ships no license file and no License section in a README/);
  });

  it('a package with no declared license stops the build', async () => {
    const folder = await packageFolder({ LICENSE: 'text' }, { name: 'x', version: '1.2.3' });
    await expect(readBundledPackage(folder)).rejects.toThrow(/declares no license in its package\.json/);
  });

  it.each([
    ['# a\n## Licence\ntext\n', 'text'],
    ['License\n=======\nsetext headings are not read\n', undefined],
    ['## License\n\n## Next\n', undefined],
  ])('licenseSection(%j) → %j', (readme, text) => {
    expect(licenseSection(readme)).toBe(text);
  });
});

describe('renderNotices', () => {
  it('lists each package once per version, and fences each text so nothing inside can end it', () => {
    const notices = renderNotices({ name: 'create-glide', version: '0.1.0' }, [
      pkg('b', undefined, 'has ```` four backticks'),
      { ...pkg('a'), version: '4.0.0' },
      pkg('a'),
    ]);
    expect(notices).toContain('create-glide 0.1.0 bundles code from these npm packages');
    expect(notices).toContain('- a 1.0.0 (MIT)\n- a 4.0.0 (MIT)\n- b 1.0.0 (MIT)\n');
    expect(notices).toContain('## b 1.0.0 — MIT\n\n`````text\nhas ```` four backticks\n`````\n');
    expect(notices).toContain('## a 1.0.0 — MIT\n\n```text\nMIT License\n```\n');
  });
});
