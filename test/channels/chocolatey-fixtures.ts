/** Ledgers, configs and community-feed pages for the Chocolatey channel's tests: no build, no network. */
import { createHash } from 'node:crypto';
import { archiveName, parseTarget } from '#contract';
import { parseConfig } from '../../release/src/config.js';
import type { ChocolateyConfig } from '../../release/src/channels/chocolatey/config.js';
import { parseLedger, type LedgerArchive, type ReleaseLedger } from '../../release/src/ledger.js';
import { feedPage as standinFeedPage, type Listed as StandinListed } from '../helpers/chocolatey-feed-standin.js';
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

/** A listed version as the tests write it: without a hash, the RC's. */
export type Listed = Omit<StandinListed, 'hash'> & { readonly hash?: string | null };

/** The stand-in's page of `FindPackagesById()`, each entry without a hash given the RC's. */
export function feedPage(base: string, entries: readonly Listed[], next?: string): string {
  return standinFeedPage(
    base,
    entries.map((listed) => ({ ...listed, hash: listed.hash === undefined ? HASH_RC : listed.hash })),
    next,
  );
}
