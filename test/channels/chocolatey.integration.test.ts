import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import unzipper from 'unzipper';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyChocolatey, planChocolatey } from '../../release/src/channels/chocolatey/plan.js';
import { renderChocolatey } from '../../release/src/channels/chocolatey/render.js';
import { packNupkg } from '../../release/src/channels/chocolatey/pack.js';
import { validateNuspec } from '../../release/src/channels/chocolatey/validate.js';
import { chocolateyConfig, chocolateyLedger } from './chocolatey-fixtures.js';

const XSD = fileURLToPath(new URL('../../release/src/channels/chocolatey/nuspec.xsd', import.meta.url));

describe('the nuspec under NuGet’s nuspec.xsd (xmllint)', () => {
  it.each(['0.1.0-rc.1', '0.1.0'])('%s validates', async (version) => {
    await expect(validateNuspec(renderChocolatey(chocolateyLedger(version), chocolateyConfig()).nuspec, XSD)).resolves.toBeUndefined();
  });

  it('keeps a hostile description one text node, read back as written', async () => {
    const description = `Fast </description><id>evil</id> & "quoted" 'single' ]]> <!-- -->`;
    const { nuspec } = renderChocolatey(chocolateyLedger('0.1.0'), chocolateyConfig({ description }));
    await validateNuspec(nuspec, XSD);
    const read = await execa('xmllint', ['--xpath', 'string(/*[local-name()="package"]/*[local-name()="metadata"]/*[local-name()="description"])', '-'], {
      input: nuspec,
    });
    expect(read.stdout).toBe(description);
  });

  it.each([
    ['a required element missing', (nuspec: string) => nuspec.replace(/ *<authors>.*<\/authors>\n/, ''), 'authors'],
    ['an element NuGet does not know', (nuspec: string) => nuspec.replace('<tags>', '<pushKey>x</pushKey><tags>'), 'pushKey'],
    ['another namespace', (nuspec: string) => nuspec.replace('2015/06', '2099/01'), 'package'],
  ])('refuses %s', async (_what, breakIt, named) => {
    const nuspec = breakIt(renderChocolatey(chocolateyLedger('0.1.0'), chocolateyConfig()).nuspec);
    const error = await validateNuspec(nuspec, XSD).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'ECHOCONUSPEC' });
    expect((error as { details: string[] }).details.join('\n')).toContain(named);
  });
});

it('says to install xmllint when there is none', async () => {
  const path = process.env.PATH;
  const empty = await mkdtemp(join(tmpdir(), 'glide-no-xmllint-'));
  process.env.PATH = empty;
  try {
    const error = await validateNuspec('<package/>', XSD).catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      code: 'ECHOCONUSPEC',
      message: expect.stringContaining('xmllint could not be run'),
      details: ['Install it: apt-get install libxml2-utils'],
    });
  } finally {
    process.env.PATH = path;
    await rm(empty, { recursive: true, force: true });
  }
});

describe('the nupkg applyChocolatey writes', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'glide-choco-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is an OPC zip holding the nuspec and install script the renderer made, and pushes nothing', async () => {
    const ledger = chocolateyLedger('0.1.0-rc.3');
    const config = chocolateyConfig();
    const plan = await planChocolatey(ledger, config, new Map());
    const { written, notSent } = await applyChocolatey(plan, dir);
    expect(written).toEqual([join(dir, 'glide.0.1.0-rc03.nupkg')]);
    expect(await readdir(dir)).toEqual(['glide.0.1.0-rc03.nupkg']);
    expect(notSent).toMatch(/^PUT https:\/\/push\.chocolatey\.org\/api\/v2\/package glide\.0\.1\.0-rc03\.nupkg sha256:[0-9a-f]{64} /);

    const bytes = await readFile(written[0]!);
    expect(bytes.equals(plan.mutations[0]!.nupkg)).toBe(true);
    const zip = await unzipper.Open.buffer(bytes);
    const entries = new Map(await Promise.all(zip.files.map(async (file) => [file.path, (await file.buffer()).toString('utf8')] as const)));
    const rendered = renderChocolatey(ledger, config);
    expect(entries.get('glide.nuspec')).toBe(rendered.nuspec);
    expect(entries.get('tools/chocolateyinstall.ps1')).toBe(rendered.installScript);
    expect(zip.files.every((file) => file.lastModifiedDateTime.getTime() === new Date(ledger.date).getTime())).toBe(true);

    // The relationships name parts that are in the zip, and every part's extension has a content type.
    const targets = [...entries.get('_rels/.rels')!.matchAll(/Target="\/([^"]+)"/g)].map((match) => match[1]);
    expect(targets).toEqual(['glide.nuspec', expect.stringMatching(/^package\/services\/metadata\/core-properties\/[0-9a-f]{32}\.psmdcp$/)]);
    for (const target of targets) expect(entries.has(target!)).toBe(true);
    const types = [...entries.get('[Content_Types].xml')!.matchAll(/Extension="([^"]+)"/g)].map((match) => match[1]);
    for (const name of entries.keys()) if (name !== '[Content_Types].xml') expect(types).toContain(name.slice(name.lastIndexOf('.') + 1));
    for (const [name, text] of entries) if (/\.(xml|rels|psmdcp|nuspec)$/.test(name)) await execa('xmllint', ['--noout', '-'], { input: text });

    // A second reader, Python's zipfile: the archive's CRCs check out and the names match.
    const python = await execa('python3', [
      '-c',
      'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; print("\\n".join(z.namelist()))',
      written[0]!,
    ]);
    expect(python.stdout.split('\n')).toEqual([...entries.keys()]);
  });

  it('has the same bytes whatever the packing machine’s time zone', async () => {
    const ledger = chocolateyLedger('0.1.0');
    const here = createHash('sha256')
      .update(await packNupkg(renderChocolatey(ledger, chocolateyConfig()), new Date(ledger.date)))
      .digest('hex');
    const script = [
      "import { createHash } from 'node:crypto';",
      "import { packNupkg } from './release/src/channels/chocolatey/pack.ts';",
      "import { renderChocolatey } from './release/src/channels/chocolatey/render.ts';",
      "import { chocolateyConfig, chocolateyLedger } from './test/channels/chocolatey-fixtures.ts';",
      "const ledger = chocolateyLedger('0.1.0');",
      'const bytes = await packNupkg(renderChocolatey(ledger, chocolateyConfig()), new Date(ledger.date));',
      "console.log(createHash('sha256').update(bytes).digest('hex'));",
    ].join('\n');
    for (const zone of ['Pacific/Kiritimati', 'America/Anchorage']) {
      const there = await execa('node', ['--import', 'tsx', '--input-type=module', '-e', script], { env: { TZ: zone } });
      expect([zone, there.stdout]).toEqual([zone, here]);
    }
  });
});
