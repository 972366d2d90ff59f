/**
 * The `.nupkg`: an OPC zip (ECMA-376 part 2) as NuGet writes one — `_rels/.rels` pointing at the
 * nuspec and the core properties, the package's files, `[Content_Types].xml` last. Deterministic:
 * fixed order, the release's commit time on every entry, ids derived from the content instead of
 * NuGet's random GUIDs, and entries stored (the files are a few hundred bytes; deflate's bytes
 * could change with the zlib of another Node). The same ledger packs the same bytes, so the
 * feed's hash of a pushed package says whether it is this one.
 */
import { createHash } from 'node:crypto';
import { buffer } from 'node:stream/consumers';
import type { Readable } from 'node:stream';
import { utcAsLocal } from '../../binaries/archive.js';
import { INSTALL_SCRIPT, xmlEscape, type ChocolateyPackage } from './render.js';

const RELATIONSHIPS = 'http://schemas.openxmlformats.org/package/2006/relationships';
const MANIFEST_RELATIONSHIP = 'http://schemas.microsoft.com/packaging/2010/07/manifest';
const CORE_PROPERTIES_RELATIONSHIP = 'http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties';

/** `glide.0.1.0-rc02.nupkg`: the name NuGet gives a package. */
export function nupkgName(pkg: Pick<ChocolateyPackage, 'id' | 'version'>): string {
  return `${pkg.id}.${pkg.version}.nupkg`;
}

/** The entries of the nupkg, in the order they are written. */
export function nupkgEntries(pkg: ChocolateyPackage): [name: string, text: string][] {
  const nuspec = `${pkg.id}.nuspec`;
  const contentId = createHash('sha256').update(pkg.nuspec).update(pkg.installScript).digest('hex');
  const coreProperties = `package/services/metadata/core-properties/${contentId.slice(0, 32)}.psmdcp`;
  const rels = [
    '<?xml version="1.0" encoding="utf-8"?>',
    `<Relationships xmlns="${RELATIONSHIPS}">`,
    `  <Relationship Type="${MANIFEST_RELATIONSHIP}" Target="/${nuspec}" Id="R${contentId.slice(0, 16)}" />`,
    `  <Relationship Type="${CORE_PROPERTIES_RELATIONSHIP}" Target="/${coreProperties}" Id="R${contentId.slice(16, 32)}" />`,
    '</Relationships>',
    '',
  ].join('\n');
  const properties = [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<coreProperties xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://schemas.openxmlformats.org/package/2006/metadata/core-properties">',
    `  <dc:identifier>${xmlEscape(pkg.id, 'id')}</dc:identifier>`,
    `  <version>${xmlEscape(pkg.version, 'version')}</version>`,
    '  <lastModifiedBy>glide-release</lastModifiedBy>',
    '</coreProperties>',
    '',
  ].join('\n');
  const contentTypes = [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">',
    '  <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml" />',
    '  <Default Extension="nuspec" ContentType="application/octet" />',
    '  <Default Extension="ps1" ContentType="application/octet" />',
    '  <Default Extension="psmdcp" ContentType="application/vnd.openxmlformats-package.core-properties+xml" />',
    '</Types>',
    '',
  ].join('\n');
  return [
    ['_rels/.rels', rels],
    [nuspec, pkg.nuspec],
    [INSTALL_SCRIPT, pkg.installScript],
    [coreProperties, properties],
    ['[Content_Types].xml', contentTypes],
  ];
}

/** The nupkg's bytes, in memory (a few kilobytes). `mtime`: the release's commit time. */
export async function packNupkg(pkg: ChocolateyPackage, mtime: Date): Promise<Buffer> {
  // yazl is CommonJS: its exports are the namespace's default in Node and in a split bundle alike.
  const { ZipFile } = (await import('yazl')).default;
  const zip = new ZipFile();
  for (const [name, text] of nupkgEntries(pkg)) {
    zip.addBuffer(Buffer.from(text, 'utf8'), name, { mtime: utcAsLocal(mtime), mode: 0o100644, compress: false, forceDosTimestamp: true });
  }
  zip.end();
  return buffer(zip.outputStream as Readable);
}
