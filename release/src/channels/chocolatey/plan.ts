/**
 * The Chocolatey channel's plan: render and pack the package (in memory), then one push, unless
 * the feed already has this version. The community feed exists only online, so the push is only
 * ever planned: `applyChocolatey` writes the nupkg and returns the request a maintainer (or CI
 * with the key) sends; it never claims the push happened.
 *
 * Convergence: the feed's versions are immutable. This version listed with the same package hash
 * (or with none known) → nothing; listed with another hash → ECHOCOCONFLICT; missing → push.
 */
import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { GlideError } from '#contract';
import { writeFileAtomic } from '../../files.js';
import type { ReleaseLedger } from '../../ledger.js';
import type { ChocolateyConfig } from './config.js';
import { nupkgName, packNupkg } from './pack.js';
import { renderChocolatey } from './render.js';

export const CHOCOLATEY_PUSH_URL = 'https://push.chocolatey.org/api/v2/package';

/**
 * What the feed lists of the package: version (lower case, as NuGet compares them) → its
 * `PackageHash` (base64 sha512, as the feed's OData answer gives it), or undefined when not known.
 */
export type ChocolateyFeed = ReadonlyMap<string, string | undefined>;

export interface ChocolateyPush {
  readonly kind: 'push-chocolatey';
  readonly url: string;
  readonly fileName: string;
  readonly version: string;
  /** A pre-release on the feed: `choco install glide --pre` only. */
  readonly prerelease: boolean;
  readonly sha256: string;
  readonly nupkg: Buffer;
}

export interface ChocolateyPlan {
  readonly tag: string;
  readonly fileName: string;
  readonly mutations: readonly ChocolateyPush[];
}

/** No I/O: the package is rendered from the ledger and packed in memory. */
export async function planChocolatey(ledger: ReleaseLedger, config: ChocolateyConfig, feed: ChocolateyFeed): Promise<ChocolateyPlan> {
  const pkg = renderChocolatey(ledger, config);
  const nupkg = await packNupkg(pkg, new Date(ledger.date));
  const fileName = nupkgName(pkg);
  const key = pkg.version.toLowerCase();
  if (feed.has(key)) {
    const listed = feed.get(key);
    const ours = createHash('sha512').update(nupkg).digest('base64');
    if (listed === undefined || listed === ours) return { tag: ledger.tag, fileName, mutations: [] };
    throw new GlideError('ECHOCOCONFLICT', `The community feed already has ${pkg.id} ${pkg.version}, with other bytes than this build's ${fileName}.`, [
      `feed: sha512 ${listed}; this build: sha512 ${ours}`,
      'A version on the feed is never replaced. Release the change as a new version (a new RC or patch).',
    ]);
  }
  const sha256 = createHash('sha256').update(nupkg).digest('hex');
  return {
    tag: ledger.tag,
    fileName,
    mutations: [{ kind: 'push-chocolatey', url: CHOCOLATEY_PUSH_URL, fileName, version: pkg.version, prerelease: pkg.prerelease, sha256, nupkg }],
  };
}

/** The dry run: one line per request, with the key's header named and never its value. */
export function formatChocolateyMutations(plan: ChocolateyPlan): string {
  return plan.mutations
    .map(
      (push) =>
        `PUT ${push.url} ${push.fileName} sha256:${push.sha256} (multipart/form-data, X-NuGet-ApiKey: ***${push.prerelease ? ', a pre-release' : ''})\n`,
    )
    .join('');
}

/**
 * Writes each planned package into `dir` and returns the requests still to send: this tool holds
 * no API key for the community feed, so it pushes nothing. The caller prints them as not sent.
 */
export async function applyChocolatey(plan: ChocolateyPlan, dir: string): Promise<{ readonly written: readonly string[]; readonly notSent: string }> {
  const written: string[] = [];
  // The first package of a release creates its folder.
  if (plan.mutations.length > 0) await mkdir(dir, { recursive: true });
  for (const push of plan.mutations) {
    const path = join(dir, push.fileName);
    await writeFileAtomic(path, push.nupkg);
    written.push(path);
  }
  return { written, notSent: formatChocolateyMutations(plan) };
}
