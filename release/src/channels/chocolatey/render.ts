/**
 * The Chocolatey package of a release, as text: `{id}.nuspec` and `tools/chocolateyinstall.ps1`.
 * Pure: everything it names comes from the ledger (the Windows zips and the sha256 the build
 * proved) and the channel's config. The package downloads the zips from the GitHub release,
 * so it embeds no binary and needs no VERIFICATION.txt (decision 0050).
 */
import { GlideError, releaseDownloadUrl } from '#contract';
import type { LedgerArchive, ReleaseLedger } from '../../ledger.js';
import type { ChocolateyConfig } from './config.js';
import { chocolateyVersion } from './version.js';

/** The namespace Chocolatey's own templates write; the vendored nuspec.xsd is NuGet's schema under it. */
export const NUSPEC_NAMESPACE = 'http://schemas.microsoft.com/packaging/2015/06/nuspec.xsd';
export const INSTALL_SCRIPT = 'tools/chocolateyinstall.ps1';

export interface ChocolateyPackage {
  readonly id: string;
  /** The mapped version (version.ts): `0.1.0-rc02`. */
  readonly version: string;
  readonly prerelease: boolean;
  readonly nuspec: string;
  readonly installScript: string;
}

/** A Windows zip of the release: where it is downloaded from and the sha256 the ledger holds. */
interface WindowsZip {
  readonly url: string;
  readonly sha256: string;
}

export function renderChocolatey(ledger: ReleaseLedger, config: ChocolateyConfig): ChocolateyPackage {
  const version = chocolateyVersion(ledger.version);
  const { x86, x64 } = windowsZips(ledger);
  const repoUrl = `https://github.com/${ledger.repo}`;
  const tagPath = encodeURIComponent(ledger.tag);
  const metadata: [string, string][] = [
    ['id', config.id],
    ['version', version],
    ['title', config.title],
    ['authors', config.authors],
    ['projectUrl', config.projectUrl ?? repoUrl],
    ['licenseUrl', config.licenseUrl ?? `${repoUrl}/blob/${tagPath}/LICENSE`],
    ['requireLicenseAcceptance', 'false'],
    ['packageSourceUrl', config.packageSourceUrl],
    ['description', config.description],
    ['releaseNotes', `${repoUrl}/releases/tag/${tagPath}`],
    ['tags', config.tags.join(' ')],
  ];
  const nuspec = [
    '<?xml version="1.0" encoding="utf-8"?>',
    `<package xmlns="${NUSPEC_NAMESPACE}">`,
    '  <metadata>',
    ...metadata.map(([name, value]) => `    <${name}>${xmlEscape(value, name)}</${name}>`),
    '  </metadata>',
    '</package>',
    '',
  ].join('\n');
  return { id: config.id, version, prerelease: ledger.stage !== 'stable', nuspec, installScript: installScript(ledger.tag, x86, x64) };
}

/**
 * Install-ChocolateyZipPackage knows two downloads: `url` (32-bit) and `url64bit`. Glide's
 * Windows targets are exactly those, 386 and amd64; Windows on ARM runs the amd64 one.
 */
function windowsZips(ledger: ReleaseLedger): { x86?: WindowsZip; x64?: WindowsZip } {
  const zipOf = (target: string): WindowsZip | undefined => {
    const archive = ledger.artifacts.find((artifact): artifact is LedgerArchive => artifact.kind === 'archive' && artifact.target === target);
    if (!archive) return undefined;
    const name = archive.path.slice(archive.path.lastIndexOf('/') + 1);
    return {
      url: releaseDownloadUrl(ledger.repo, ledger.tag, name),
      sha256: archive.sha256,
    };
  };
  const x86 = zipOf('windows/386');
  const x64 = zipOf('windows/amd64');
  if (!x86 && !x64) {
    throw new GlideError('ECHOCONOWINDOWS', `${ledger.tag} has no Windows zip (windows/amd64 or windows/386): there is nothing for Chocolatey to install.`, [
      'Build the release with windows/amd64 in targets.matrix, or leave channels.chocolatey out of the config.',
    ]);
  }
  return { x86, x64 };
}

function installScript(tag: string, x86: WindowsZip | undefined, x64: WindowsZip | undefined): string {
  const args: [string, string][] = [
    ['packageName', '$env:ChocolateyPackageName'],
    ['unzipLocation', '$toolsDir'],
    ...(x86 ? zipArgs('', x86) : []),
    ...(x64 ? zipArgs('64', x64) : []),
  ];
  const width = Math.max(...args.map(([name]) => name.length));
  return [
    `# Written by glide-release from the ledger of ${tag}: the sha256 below are the ones its build proved.`,
    "$ErrorActionPreference = 'Stop'",
    '$toolsDir = Split-Path -Parent $MyInvocation.MyCommand.Definition',
    '',
    '$packageArgs = @{',
    ...args.map(([name, value]) => `  ${name.padEnd(width)} = ${value}`),
    '}',
    // Unzipped into the package's own folder: Chocolatey shims glide.exe and removes it all on uninstall.
    'Install-ChocolateyZipPackage @packageArgs',
    '',
  ].join('\n');
}

function zipArgs(bits: '' | '64', zip: WindowsZip): [string, string][] {
  return [
    [bits ? 'url64bit' : 'url', psString(zip.url)],
    [`checksum${bits}`, psString(zip.sha256)],
    [`checksumType${bits}`, psString('sha256')],
  ];
}

/**
 * A PowerShell single-quoted string: nothing in it is expanded, and a quote is doubled. PowerShell
 * also closes such a string on the typographic single quotes, so those are doubled too.
 */
export function psString(value: string): string {
  return `'${value.replace(/['\u2018\u2019\u201A\u201B]/g, '$&$&')}'`;
}

// XML 1.0 cannot hold these at all, escaped or not.
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const XML_ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Text for an element of the nuspec; `field` names it when the text cannot be XML at all. */
export function xmlEscape(value: string, field: string): string {
  if (NOT_XML.test(value)) {
    throw new GlideError('ECHOCONUSPEC', `The nuspec's ${field} holds a control character that XML cannot carry.`, [
      `Remove it from channels.chocolatey.${field} in the config.`,
    ]);
  }
  return value.replace(/[&<>"']/g, (char) => XML_ENTITIES[char]!);
}
