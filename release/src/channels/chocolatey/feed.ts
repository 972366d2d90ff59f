/**
 * What the community feed holds of the package now, for `planChocolatey` to converge on: the
 * NuGet v2 OData `FindPackagesById()` that Chocolatey CLI v1 asks, anonymously. The answer is an
 * Atom feed, one `<entry>` per version with `m:properties` (`d:Version`, `d:PackageHash`,
 * `d:PackageHashAlgorithm`), in pages joined by `<link rel="next">`. Decision 0050.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import * as z from 'zod/mini';
import { GlideError } from '#contract';
import { redactUrl, type HttpClient } from '../../../../src/net/http.js';
import type { ChocolateyFeed } from './plan.js';

export const CHOCOLATEY_FEED_URL = 'https://community.chocolatey.org/api/v2';

/** The feed serves at most 10,000 results (Chocolatey's API notes, March 2024), 100 a page as NuGet's gallery pages them. */
const MAX_PAGES = 100;

export interface ReadChocolateyFeedOptions {
  /** Built by the caller with the installers' proxy settings (`proxyFromEnv`); the feed is read anonymously. */
  readonly client: HttpClient;
  /** The OData service root; a loopback stand-in in tests. */
  readonly feedUrl?: string;
}

/** One page of the answer: its versions and the next page's URL, if any. */
export interface ChocolateyFeedPage {
  readonly versions: readonly { readonly version: string; readonly packageHash: string | undefined }[];
  readonly next: string | undefined;
}

/**
 * Every version of `packageId` the feed lists (lower case and NuGet-normalized, as the plan keys
 * them) → its sha512 `PackageHash` in base64; empty when the feed has no such package (404 or no
 * entry). Anything that is not such a feed is ECHOCOFEED.
 */
export async function readChocolateyFeed(packageId: string, options: ReadChocolateyFeedOptions): Promise<ChocolateyFeed> {
  const root = (options.feedUrl ?? CHOCOLATEY_FEED_URL).replace(/\/+$/, '');
  // As URL writes it (the quotes as %27), so a next link back to this page is recognised.
  const firstUrl = new URL(`${root}/FindPackagesById()?id=${encodeURIComponent(`'${packageId}'`)}`);
  const first = firstUrl.toString();
  const origin = firstUrl.origin;
  const feed = new Map<string, string | undefined>();
  const seen = new Set<string>();
  for (let url: string | undefined = first; url !== undefined;) {
    if (seen.has(url)) throw feedError(url, ['a next link pointed back at this page, already read']);
    if (seen.size === MAX_PAGES) throw feedError(url, [`the feed went on past ${MAX_PAGES} pages, more than it ever serves`]);
    seen.add(url);
    const response = await options.client.getText(url, { headers: { accept: 'application/atom+xml' } });
    if (response.status === 404 && url === first) return feed;
    if (response.status !== 200) throw feedError(url, [`HTTP ${response.status}`], 'Run again later; the community feed may be down.');
    const page = parseChocolateyFeedPage(response.text, url);
    for (const { version, packageHash } of page.versions) {
      if (feed.has(version) && feed.get(version) !== packageHash) throw feedError(url, [`${version} is listed twice, with different hashes`]);
      feed.set(version, packageHash);
    }
    // The next page stays on the feed's own origin: nothing on the page may send the reader elsewhere.
    if (page.next !== undefined && new URL(page.next).origin !== origin) throw feedError(url, [`its next link leaves ${origin}`]);
    url = page.next;
  }
  return feed;
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  // Namespaces by their usual prefixes (Atom's default, `m:` and `d:`), as NuGet's own V2FeedParser reads them.
  removeNSPrefix: true,
  // Versions and hashes are text: "1.10" must not become the number 1.1.
  parseTagValue: false,
  parseAttributeValue: false,
  alwaysCreateTextNode: true,
  isArray: (name) => name === 'entry' || name === 'link',
});

const textNode = z.object({ '#text': z.optional(z.string()) });

const atomPage = z.object({
  feed: z.object({
    entry: z.optional(
      z.array(
        z.object({
          properties: z.object({
            Version: textNode,
            NormalizedVersion: z.optional(textNode),
            PackageHash: z.optional(textNode),
            PackageHashAlgorithm: z.optional(textNode),
          }),
        }),
      ),
    ),
    link: z.optional(z.array(z.object({ '@rel': z.optional(z.string()), '@href': z.optional(z.string()) }))),
  }),
});

const SHA512_BASE64 = /^[A-Za-z0-9+/]{86}==$/;

/** Pure: one page of a `FindPackagesById()` answer; ECHOCOFEED when it is not a NuGet v2 Atom feed. */
export function parseChocolateyFeedPage(body: string, url: string): ChocolateyFeedPage {
  const wellFormed = XMLValidator.validate(body);
  if (wellFormed !== true) throw feedError(url, [`not XML: ${wellFormed.err.msg} (line ${wellFormed.err.line})`]);
  const result = atomPage.safeParse(parser.parse(body));
  if (!result.success) {
    throw feedError(
      url,
      result.error.issues.slice(0, 3).map((issue) => `${issue.path.join('.') || '(top level)'}: ${issue.message}`),
    );
  }
  const versions = (result.data.feed.entry ?? []).map(({ properties }) => {
    const listed = text(properties.NormalizedVersion) ?? text(properties.Version);
    const version = listed === undefined ? undefined : normalizeNuGetVersion(listed);
    if (version === undefined) throw feedError(url, [`an entry's version ${JSON.stringify(listed ?? '')} is not a NuGet version`]);
    const hash = text(properties.PackageHash);
    // NuGet's gallery writes SHA512 and treats a missing algorithm as SHA512; another one cannot be compared with the plan's.
    const algorithm = text(properties.PackageHashAlgorithm) ?? 'SHA512';
    if (hash === undefined || algorithm.toUpperCase() !== 'SHA512') return { version, packageHash: undefined };
    if (!SHA512_BASE64.test(hash)) throw feedError(url, [`the PackageHash of ${version} is not a base64 sha512`]);
    return { version, packageHash: hash };
  });
  const href = result.data.feed.link?.find((link) => link['@rel'] === 'next')?.['@href'];
  let next: string | undefined;
  try {
    next = href === undefined ? undefined : new URL(href, url).toString();
  } catch {
    throw feedError(url, [`its next link ${JSON.stringify(href)} is not a URL`]);
  }
  return { versions, next };
}

/** An element's text, or undefined for an absent or empty one (`m:null="true"` elements are empty). */
function text(node: z.infer<typeof textNode> | undefined): string | undefined {
  const value = node?.['#text']?.trim();
  return value ? value : undefined;
}

/**
 * NuGet's normalized form, lower case: three numbers without leading zeros, a fourth only when
 * it is not 0, the pre-release label kept, build metadata dropped ("1.0.0.0" → "1.0.0").
 */
export function normalizeNuGetVersion(version: string): string | undefined {
  const match = /^(\d+)\.(\d+)(?:\.(\d+))?(?:\.(\d+))?(-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/.exec(version);
  if (!match) return undefined;
  const [, major = '0', minor = '0', patch = '0', revision = '0', label = ''] = match;
  const numbers = [major, minor, patch].map((part) => BigInt(part).toString());
  if (BigInt(revision) !== 0n) numbers.push(BigInt(revision).toString());
  return `${numbers.join('.')}${label}`.toLowerCase();
}

function feedError(url: string, details: readonly string[], advice = "Run again later; if it persists, the feed's API changed: report it."): GlideError {
  return new GlideError('ECHOCOFEED', `${redactUrl(url)} did not answer with the package's versions on the community feed.`, [...details, advice]);
}
