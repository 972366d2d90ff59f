/** Ledgers, configs and community-feed pages for the Chocolatey channel's tests: no build, no network. */
import { createHash } from 'node:crypto';
import { archiveName, parseTarget } from '#contract';
import { parseConfig } from '../../release/src/config.js';
import type { ChocolateyConfig } from '../../release/src/channels/chocolatey/config.js';
import { parseLedger, type LedgerArchive, type ReleaseLedger } from '../../release/src/ledger.js';
import { ledgerOf } from '../helpers/publish-world.js';

/** The sha256 the ledger holds for a Windows zip: distinct per target (publish-world's `sha` cuts both names to one prefix). */
export function zipSha(version: string, target: string): string {
  return createHash('sha256')
    .update(archiveName(version, parseTarget(target)))
    .digest('hex');
}

/**
 * publish's ledger of `version` (linux/amd64 and windows/amd64), with a windows/386 zip added
 * and only the `windows` targets kept, checked again by the ledger's own reader.
 */
export function chocolateyLedger(version: string, options: { repo?: string; windows?: readonly string[] } = {}): ReleaseLedger {
  const base = ledgerOf(version);
  const amd64 = base.artifacts.find((artifact): artifact is LedgerArchive => artifact.kind === 'archive' && artifact.target === 'windows/amd64')!;
  const x64: LedgerArchive = { ...amd64, sha256: zipSha(version, 'windows/amd64') };
  const x86: LedgerArchive = {
    ...amd64,
    target: 'windows/386',
    path: `${version}/${archiveName(version, parseTarget('windows/386'))}`,
    sha256: zipSha(version, 'windows/386'),
  };
  const windows = options.windows ?? ['windows/386', 'windows/amd64'];
  const artifacts = [...base.artifacts.filter((artifact) => artifact !== amd64), x64, x86].filter(
    (artifact) => artifact.kind !== 'archive' || !artifact.target.startsWith('windows/') || windows.includes(artifact.target),
  );
  return parseLedger(JSON.stringify({ ...base, repo: options.repo ?? base.repo, artifacts }), `${version}/release.json`);
}

/** The channel's config as a user writes it, through the real config parser (defaults filled in). */
export function chocolateyConfig(fields: Record<string, unknown> = {}): ChocolateyConfig {
  return parseConfig(JSON.stringify({ channels: { chocolatey: fields } }), 'glide-release.config.json').channels.chocolatey!;
}

export const HASH_RC = createHash('sha512').update('rc').digest('base64');
export const HASH_STABLE = createHash('sha512').update('stable').digest('base64');

export interface Listed {
  readonly version: string;
  readonly hash?: string | null;
  readonly algorithm?: string;
  readonly normalized?: string;
}

/** One `<entry>` as the feed writes it (trimmed to the properties around the ones read). */
function entry(base: string, { version, hash, algorithm = 'SHA512', normalized }: Listed): string {
  const hashXml = hash === null ? '<d:PackageHash m:null="true" />' : `<d:PackageHash>${hash ?? HASH_RC}</d:PackageHash>`;
  return `<entry><id>${base}/Packages(Id='glide',Version='${version}')</id>
<category term="NuGetGallery.V2FeedPackage" scheme="http://schemas.microsoft.com/ado/2007/08/dataservices/scheme" />
<link rel="edit" title="V2FeedPackage" href="Packages(Id='glide',Version='${version}')" />
<title type="text">glide</title><updated>2026-11-30T10:00:00Z</updated><author><name>EinStack</name></author>
<content type="application/zip" src="${base}/package/glide/${version}" />
<m:properties><d:Id>glide</d:Id><d:Version>${version}</d:Version>${normalized ? `<d:NormalizedVersion>${normalized}</d:NormalizedVersion>` : ''}
<d:Title>Glide</d:Title><d:IsPrerelease m:type="Edm.Boolean">${version.includes('-')}</d:IsPrerelease>
${hashXml}<d:PackageHashAlgorithm>${algorithm}</d:PackageHashAlgorithm>
<d:PackageSize m:type="Edm.Int64">2048</d:PackageSize><d:Tags xml:space="preserve"> glide llm gateway </d:Tags></m:properties></entry>`;
}

/** A page of `FindPackagesById()`: the feed's namespaces, its entries, and the next page's link after them. */
export function feedPage(base: string, entries: readonly Listed[], next?: string): string {
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xml:base="${base}" xmlns="http://www.w3.org/2005/Atom" xmlns:d="http://schemas.microsoft.com/ado/2007/08/dataservices" xmlns:m="http://schemas.microsoft.com/ado/2007/08/dataservices/metadata">
<id>${base}/FindPackagesById</id><title type="text">FindPackagesById</title><updated>2026-12-01T00:00:00Z</updated>
<link rel="self" title="FindPackagesById" href="FindPackagesById" />
${entries.map((listed) => entry(base, listed)).join('\n')}
${next ? `<link rel="next" href="${next.replaceAll('&', '&amp;')}" />` : ''}
</feed>`;
}
