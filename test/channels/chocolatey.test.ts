import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { GlideError } from '#contract';
import { parseConfig } from '../../release/src/config.js';
import { nupkgEntries, nupkgName, packNupkg } from '../../release/src/channels/chocolatey/pack.js';
import { formatChocolateyMutations, planChocolatey } from '../../release/src/channels/chocolatey/plan.js';
import { psString, renderChocolatey, xmlEscape } from '../../release/src/channels/chocolatey/render.js';
import { chocolateyVersion } from '../../release/src/channels/chocolatey/version.js';
import { chocolateyConfig, chocolateyLedger, zipSha } from './chocolatey-fixtures.js';

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return (error as GlideError).code;
  }
  return undefined;
}

/**
 * NuGet's order of versions (NuGet.Versioning's VersionComparer): the numbers numerically, a
 * release above its pre-releases, labels split on "." and compared one by one — both numeric
 * numerically, otherwise as text, ordinally and ignoring case.
 */
function nugetCompare(a: string, b: string): number {
  const [coreA = '', labelA] = a.split(/-(.*)/s);
  const [coreB = '', labelB] = b.split(/-(.*)/s);
  const numbersA = coreA.split('.').map(Number);
  const numbersB = coreB.split('.').map(Number);
  for (let i = 0; i < 3; i++) if (numbersA[i] !== numbersB[i]) return numbersA[i]! - numbersB[i]!;
  if (labelA === undefined || labelB === undefined) return labelA === labelB ? 0 : labelA === undefined ? 1 : -1;
  const partsA = labelA.split('.');
  const partsB = labelB.split('.');
  for (let i = 0; i < Math.min(partsA.length, partsB.length); i++) {
    const [x, y] = [partsA[i]!, partsB[i]!];
    const numeric = /^\d+$/.test(x) && /^\d+$/.test(y);
    const order = numeric ? Number(x) - Number(y) : x.toUpperCase() < y.toUpperCase() ? -1 : x.toUpperCase() > y.toUpperCase() ? 1 : 0;
    if (order !== 0) return order;
  }
  return partsA.length - partsB.length;
}

// NuGet 2's SemVer 1 pre-release, which the community feed takes: a letter first, no dots, at most 20 characters.
const SEMVER1_LABEL = /^[A-Za-z][0-9A-Za-z-]{0,19}$/;

describe('chocolateyVersion', () => {
  it.each([
    ['0.1.0', '0.1.0'],
    ['10.20.30', '10.20.30'],
    ['0.1.0-rc.1', '0.1.0-rc01'],
    ['0.1.0-rc.2', '0.1.0-rc02'],
    ['0.1.0-rc.10', '0.1.0-rc10'],
    ['0.1.0-rc.99', '0.1.0-rc99'],
  ])('%s → %s', (version, expected) => {
    const mapped = chocolateyVersion(version);
    expect(mapped).toBe(expected);
    const label = mapped.split('-')[1];
    if (label !== undefined) expect(label).toMatch(SEMVER1_LABEL);
  });

  it.each([
    ['0.1.0-rc.100', 'an RC past the padding would sort before rc99'],
    ['0.1.0-beta.1', 'only RCs are releases'],
    ['0.1.0-snapshot.0123456789ab', 'a snapshot is never published'],
    ['0.1.0-rc.0', 'RCs count from 1'],
    ['v0.1.0', 'tags carry no v'],
    ['0.1.0+build.5', 'build metadata'],
    ['01.1.0', 'a leading zero'],
    ['0.1', 'two numbers'],
  ])('%s is ECHOCOVERSION (%s)', (version) => {
    expect(codeOf(() => chocolateyVersion(version))).toBe('ECHOCOVERSION');
  });

  it('keeps the releases in order under NuGet’s comparison, where unpadded labels would not', () => {
    const tags = ['0.0.3', '0.1.0-rc.1', '0.1.0-rc.2', '0.1.0-rc.9', '0.1.0-rc.10', '0.1.0-rc.11', '0.1.0-rc.99', '0.1.0', '0.1.1-rc.1', '0.1.1', '0.2.0-rc.3'];
    const mapped = tags.map(chocolateyVersion);
    expect([...mapped].sort(nugetCompare)).toEqual(mapped);
    // The comparison itself is the one that misorders plain numbers: the property above is not free.
    expect(nugetCompare('0.1.0-rc10', '0.1.0-rc2')).toBeLessThan(0);
    expect(nugetCompare(chocolateyVersion('0.1.0-rc.10'), chocolateyVersion('0.1.0-rc.2'))).toBeGreaterThan(0);
  });
});

describe('renderChocolatey', () => {
  const rc = chocolateyLedger('0.1.0-rc.2');
  const stable = chocolateyLedger('0.1.0');

  it('writes the RC’s nuspec from the ledger and the config', () => {
    expect(renderChocolatey(rc, chocolateyConfig()).nuspec).toBe(
      [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<package xmlns="http://schemas.microsoft.com/packaging/2015/06/nuspec.xsd">',
        '  <metadata>',
        '    <id>glide</id>',
        '    <version>0.1.0-rc02</version>',
        '    <title>Glide</title>',
        '    <authors>EinStack</authors>',
        '    <projectUrl>https://github.com/EinStack/glide</projectUrl>',
        '    <licenseUrl>https://github.com/EinStack/glide/blob/0.1.0-rc.2/LICENSE</licenseUrl>',
        '    <requireLicenseAcceptance>false</requireLicenseAcceptance>',
        '    <packageSourceUrl>https://github.com/EinStack/create-glide</packageSourceUrl>',
        '    <description>Glide is a cloud-native LLM gateway: one fast, lightweight API in front of OpenAI, Anthropic, Azure OpenAI, Bedrock, Cohere and more, with fallbacks, retries and routing.</description>',
        '    <releaseNotes>https://github.com/EinStack/glide/releases/tag/0.1.0-rc.2</releaseNotes>',
        '    <tags>glide llm gateway ai cli</tags>',
        '  </metadata>',
        '</package>',
        '',
      ].join('\n'),
    );
  });

  it('installs both Windows zips with the ledger’s sha256', () => {
    const pkg = renderChocolatey(stable, chocolateyConfig());
    expect(pkg).toMatchObject({ id: 'glide', version: '0.1.0', prerelease: false });
    expect(pkg.installScript).toBe(
      [
        '# Written by glide-release from the ledger of 0.1.0: the sha256 below are the ones its build proved.',
        "$ErrorActionPreference = 'Stop'",
        '$toolsDir = Split-Path -Parent $MyInvocation.MyCommand.Definition',
        '',
        '$packageArgs = @{',
        '  packageName    = $env:ChocolateyPackageName',
        '  unzipLocation  = $toolsDir',
        "  url            = 'https://github.com/EinStack/glide/releases/download/0.1.0/glide_v0.1.0_windows_386.zip'",
        `  checksum       = '${zipSha('0.1.0', 'windows/386')}'`,
        "  checksumType   = 'sha256'",
        "  url64bit       = 'https://github.com/EinStack/glide/releases/download/0.1.0/glide_v0.1.0_windows_amd64.zip'",
        `  checksum64     = '${zipSha('0.1.0', 'windows/amd64')}'`,
        "  checksumType64 = 'sha256'",
        '}',
        'Install-ChocolateyZipPackage @packageArgs',
        '',
      ].join('\n'),
    );
  });

  it('marks an RC a pre-release, and names its own tag’s assets', () => {
    const pkg = renderChocolatey(rc, chocolateyConfig());
    expect(pkg.prerelease).toBe(true);
    expect(pkg.installScript).toContain(`'https://github.com/EinStack/glide/releases/download/0.1.0-rc.2/glide_v0.1.0-rc.2_windows_amd64.zip'`);
    expect(pkg.installScript).toContain(`checksum64     = '${zipSha('0.1.0-rc.2', 'windows/amd64')}'`);
  });

  it('installs the 64-bit zip alone when the release has no windows/386, and refuses a release without Windows', () => {
    const script = renderChocolatey(chocolateyLedger('0.1.0', { windows: ['windows/amd64'] }), chocolateyConfig()).installScript;
    expect(script).toContain('url64bit');
    expect(script).not.toMatch(/^\s+url\s/m);
    expect(codeOf(() => renderChocolatey(chocolateyLedger('0.1.0', { windows: [] }), chocolateyConfig()))).toBe('ECHOCONOWINDOWS');
  });

  it('escapes the config’s text in the nuspec, so it cannot add elements', () => {
    const description = `Fast </description><id>evil</id> & "quoted" 'single'`;
    const { nuspec } = renderChocolatey(rc, chocolateyConfig({ description, title: 'A<B' }));
    expect(nuspec).toContain('<description>Fast &lt;/description&gt;&lt;id&gt;evil&lt;/id&gt; &amp; &quot;quoted&quot; &apos;single&apos;</description>');
    expect(nuspec).toContain('<title>A&lt;B</title>');
    expect(nuspec.match(/<id>/g)).toHaveLength(1);
  });

  it('refuses text that XML cannot carry', () => {
    expect(codeOf(() => renderChocolatey(rc, chocolateyConfig({ description: 'bell \u0007' })))).toBe('ECHOCONUSPEC');
    expect(codeOf(() => xmlEscape('half a pair \uD800', 'description'))).toBe('ECHOCONUSPEC');
    expect(xmlEscape('a pair 😀', 'description')).toBe('a pair 😀');
  });

  it.each([
    ["it's", "'it''s'"],
    ["'; Remove-Item -Recurse C:\\ ; '", "'''; Remove-Item -Recurse C:\\ ; '''"],
    ['$(Invoke-Evil) $env:PATH `n', "'$(Invoke-Evil) $env:PATH `n'"],
    ['typographic ’ quote ‘ closes too', "'typographic ’’ quote ‘‘ closes too'"],
  ])('PowerShell string of %j', (value, expected) => {
    expect(psString(value)).toBe(expected);
  });

  it('quotes a URL built from a hostile ledger in the install script', () => {
    const script = renderChocolatey(chocolateyLedger('0.1.0', { repo: "Ein'Stack/glide" }), chocolateyConfig()).installScript;
    expect(script).toContain("url64bit       = 'https://github.com/Ein''Stack/glide/releases/download/0.1.0/glide_v0.1.0_windows_amd64.zip'");
  });
});

describe('the channel config', () => {
  it('is off unless named, and takes defaults when named', () => {
    expect(parseConfig('{}', 'glide-release.config.json').channels.chocolatey).toBeUndefined();
    expect(chocolateyConfig()).toMatchObject({ id: 'glide', authors: 'EinStack', packageSourceUrl: 'https://github.com/EinStack/create-glide' });
  });

  it.each([
    [{ id: 'Glide Gateway' }, 'channels.chocolatey.id'],
    [{ projectUrl: 'http://example.com' }, 'channels.chocolatey.projectUrl'],
    [{ tags: ['two words'] }, 'channels.chocolatey.tags.0'],
    [{ pushKey: 'x' }, 'pushKey'],
  ])('refuses %j naming %s', (fields, where) => {
    let error: GlideError | undefined;
    try {
      chocolateyConfig(fields);
    } catch (caught) {
      error = caught as GlideError;
    }
    expect(error?.code).toBe('ECONFIG');
    expect(error?.details.join('\n')).toContain(where);
  });
});

describe('packNupkg', () => {
  it('packs the same bytes from the same ledger, in NuGet’s entry order', async () => {
    const pkg = renderChocolatey(chocolateyLedger('0.1.0-rc.1'), chocolateyConfig());
    const mtime = new Date('2024-07-09T10:00:00.000Z');
    const first = await packNupkg(pkg, mtime);
    expect((await packNupkg(pkg, mtime)).equals(first)).toBe(true);
    expect(nupkgName(pkg)).toBe('glide.0.1.0-rc01.nupkg');
    expect(nupkgEntries(pkg).map(([name]) => name.replace(/[0-9a-f]{32}/, '{id}'))).toEqual([
      '_rels/.rels',
      'glide.nuspec',
      'tools/chocolateyinstall.ps1',
      'package/services/metadata/core-properties/{id}.psmdcp',
      '[Content_Types].xml',
    ]);
  });
});

describe('planChocolatey', () => {
  const rc = chocolateyLedger('0.1.0-rc.1');
  const config = chocolateyConfig();

  it('plans one push of an RC as a pre-release, the key never shown', async () => {
    const plan = await planChocolatey(rc, config, new Map());
    expect(plan.mutations).toHaveLength(1);
    const sha256 = createHash('sha256').update(plan.mutations[0]!.nupkg).digest('hex');
    expect(formatChocolateyMutations(plan)).toBe(
      `PUT https://push.chocolatey.org/api/v2/package glide.0.1.0-rc01.nupkg sha256:${sha256} (multipart/form-data, X-NuGet-ApiKey: ***, a pre-release)\n`,
    );
  });

  it('plans a stable as a release', async () => {
    const plan = await planChocolatey(chocolateyLedger('0.1.0'), config, new Map([['0.1.0-rc01', undefined]]));
    expect(plan.mutations.map((push) => [push.fileName, push.prerelease])).toEqual([['glide.0.1.0.nupkg', false]]);
    expect(formatChocolateyMutations(plan)).not.toContain('pre-release');
  });

  it('does nothing when the feed has this version with these bytes, or with bytes it does not say', async () => {
    const nupkg = (await planChocolatey(rc, config, new Map())).mutations[0]!.nupkg;
    const hash = createHash('sha512').update(nupkg).digest('base64');
    expect((await planChocolatey(rc, config, new Map([['0.1.0-rc01', hash]]))).mutations).toEqual([]);
    expect((await planChocolatey(rc, config, new Map([['0.1.0-rc01', undefined]]))).mutations).toEqual([]);
  });

  it('refuses when the feed has this version with other bytes', async () => {
    await expect(planChocolatey(rc, config, new Map([['0.1.0-rc01', 'b3RoZXI=']]))).rejects.toMatchObject({ code: 'ECHOCOCONFLICT' });
  });
});
