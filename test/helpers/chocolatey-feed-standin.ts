import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { XMLParser } from 'fast-xml-parser';
import unzipper from 'unzipper';
import { closeServer, listenOnLoopback } from './static-mirror.js';

/**
 * The Chocolatey community feed's read side on 127.0.0.1: the NuGet v2 OData
 * `GET {root}/FindPackagesById()?id='{id}'` that Chocolatey CLI v1 (and `readChocolateyFeed`)
 * asks, answered with Atom pages shaped like the feed's recorded answers (`feedPage`), `pageSize`
 * entries a page, joined by `<link rel="next">` with `$skip`. Nothing is pushed through HTTP:
 * `push` is what a maintainer's `choco push` leaves on the feed once the package is approved.
 */

export interface Listed {
  readonly version: string;
  /** Base64 sha512; `null`: listed with `m:null="true"`, as packages from before hashes were kept. */
  readonly hash: string | null;
  readonly algorithm?: string;
  readonly normalized?: string;
}

/** One `<entry>` as the feed writes it (trimmed to the properties around the ones read). */
function entry(base: string, { version, hash, algorithm = 'SHA512', normalized }: Listed): string {
  const hashXml = hash === null ? '<d:PackageHash m:null="true" />' : `<d:PackageHash>${hash}</d:PackageHash>`;
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

/** A version on the feed, as the stand-in holds it. */
export interface FeedPackage extends Listed {
  readonly id: string;
  /** NuGet's rule: a version with a pre-release label. */
  readonly prerelease: boolean;
}

export interface ChocolateyFeedStandin {
  /** The OData root: `GLIDE_RELEASE_CHOCOLATEY_FEED_URL`. */
  readonly url: string;
  /** Each request's path and query, as received. */
  readonly requests: readonly string[];
  /** What `choco push` of these bytes leaves: the id and version its nuspec names, its sha512 as the PackageHash. */
  push(nupkg: Buffer): Promise<FeedPackage>;
  /** A version listed as given: a feed holding what this machine did not build. */
  hold(id: string, listed: Listed): FeedPackage;
  /** Every version of `id` the feed lists, in push order. */
  list(id: string): readonly FeedPackage[];
  close(): Promise<void>;
}

const nuspecParser = new XMLParser({ removeNSPrefix: true, parseTagValue: false });

export async function startChocolateyFeedStandin(options: { readonly pageSize?: number } = {}): Promise<ChocolateyFeedStandin> {
  const pageSize = options.pageSize ?? 100;
  const packages: FeedPackage[] = [];
  const requests: string[] = [];

  const hold = (id: string, listed: Listed): FeedPackage => {
    const held: FeedPackage = { ...listed, id: id.toLowerCase(), prerelease: listed.version.includes('-') };
    if (packages.some((other) => other.id === held.id && other.version.toLowerCase() === held.version.toLowerCase())) {
      // The feed never replaces a version: a second push of one is refused (409 on the real feed).
      throw new Error(`chocolatey feed stand-in: ${id} ${listed.version} is already on the feed`);
    }
    packages.push(held);
    return held;
  };

  const server = createServer((request, response) => {
    const path = request.url ?? '';
    requests.push(path);
    const url = new URL(path, root);
    const id = /^'(.+)'$/.exec(url.searchParams.get('id') ?? '')?.[1];
    if (request.method !== 'GET' || url.pathname !== `${new URL(root).pathname}/FindPackagesById()` || id === undefined) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('Resource not found.');
      return;
    }
    const skip = Number(url.searchParams.get('$skip') ?? '0');
    const listed = packages.filter((held) => held.id === id.toLowerCase());
    const next = new URL(url);
    next.searchParams.set('$skip', String(skip + pageSize));
    const body = feedPage(root, listed.slice(skip, skip + pageSize), skip + pageSize < listed.length ? next.toString() : undefined);
    response.writeHead(200, { 'content-type': 'application/atom+xml;type=feed;charset=utf-8' }).end(body);
  });
  const root = `${await listenOnLoopback(server)}/api/v2`;

  return {
    url: root,
    requests,
    async push(nupkg) {
      const zip = await unzipper.Open.buffer(nupkg);
      const file = zip.files.find((candidate) => !candidate.path.includes('/') && candidate.path.endsWith('.nuspec'));
      if (!file) throw new Error('chocolatey feed stand-in: the package holds no nuspec at its root');
      const nuspec = nuspecParser.parse((await file.buffer()).toString('utf8')) as { package: { metadata: { id: string; version: string } } };
      const { id, version } = nuspec.package.metadata;
      return hold(id, { version, hash: createHash('sha512').update(nupkg).digest('base64') });
    },
    hold,
    list: (id) => packages.filter((held) => held.id === id.toLowerCase()),
    close: () => closeServer(server),
  };
}
