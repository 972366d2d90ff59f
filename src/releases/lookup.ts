/**
 * The adapters behind `latest` and `rc`: GitHub (the `releases/latest` redirect, and the
 * releases API only to list RCs) or a mirror's `index.json`.
 */
import { readFile } from 'node:fs/promises';
import { GlideError, MIRROR_INDEX, parseMirrorIndex } from '#contract';
import { header, type HttpClient } from '../net/http.js';
import { highestStable, type ListedRelease, type ReleaseLookup } from './resolve.js';
import { mirrorIndexLocation, sourceCredentials, type ReleaseSource } from './source.js';

/** The API pages we are willing to walk for `rc` (100 releases each). */
const MAX_PAGES = 5;

export function releaseLookup(source: ReleaseSource, client: HttpClient): ReleaseLookup {
  if (source.kind === 'github') return githubLookup(source, client);
  let index: Promise<readonly ListedRelease[]> | undefined;
  const list = (): Promise<readonly ListedRelease[]> => (index ??= readMirrorIndex(source, client));
  return { list, latestStable: async () => highestStable(await list()) };
}

function githubLookup(source: Extract<ReleaseSource, { kind: 'github' }>, client: HttpClient): ReleaseLookup {
  return {
    async latestStable() {
      // The web redirect costs no API quota: https://github.com/{repo}/releases/latest → …/releases/tag/{tag}.
      const url = `${source.webUrl}/${source.repo}/releases/latest`;
      const response = await client.getText(url, { stopAtRedirect: true });
      const match = /\/releases\/tag\/([^/?#]+)$/.exec(new URL(response.url).pathname);
      if (response.status >= 300 && response.status < 400 && match?.[1]) return decodeURIComponent(match[1]);
      if (response.status === 404 || (response.status >= 300 && response.status < 400)) {
        throw new GlideError('ENORELEASE', `${source.repo} has no stable release on GitHub yet.`, [
          'Use --glide-version rc for the newest release candidate, or an exact version.',
        ]);
      }
      await client.expectOk(response, 'the latest release');
      throw new GlideError('ENORELEASE', `GitHub did not redirect ${url} to a release tag.`, ['Pass an exact version instead.']);
    },
    async list() {
      const releases: ListedRelease[] = [];
      let url: string | undefined = `${source.apiUrl}/repos/${source.repo}/releases?per_page=100`;
      for (let page = 0; url && page < MAX_PAGES; page++) {
        const response = await client.getText(url, {
          headers: { accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28' },
        });
        await client.expectOk(response, `the release list of ${source.repo}`);
        for (const release of parseJsonArray(response.text, 'GitHub releases')) {
          const { tag_name: tag, prerelease, draft } = release as { tag_name?: unknown; prerelease?: unknown; draft?: unknown };
          if (typeof tag === 'string' && draft !== true) releases.push({ tag, prerelease: prerelease === true });
        }
        url = nextPage(header(response.headers, 'link'));
      }
      return releases;
    },
  };
}

async function readMirrorIndex(source: Exclude<ReleaseSource, { kind: 'github' }>, client: HttpClient): Promise<readonly ListedRelease[]> {
  const location = mirrorIndexLocation(source);
  let text: string;
  if (location.kind === 'file') {
    try {
      text = await readFile(location.path, 'utf8');
    } catch {
      throw new GlideError('ENORELEASE', `The mirror folder has no index.json (${location.path}).`, [
        'Pass an exact version (it needs no index), or point --download-base-url at the output folder of `glide-release build`.',
      ]);
    }
  } else {
    const response = await client.getText(location.url.href, sourceCredentials(source));
    await client.expectOk(response, 'the mirror index (index.json)');
    text = response.text;
  }
  try {
    return parseMirrorIndex(text);
  } catch {
    throw notReleaseList(MIRROR_INDEX);
  }
}

function parseJsonArray(text: string, what: string): unknown[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed)) throw notReleaseList(what);
  return parsed;
}

function notReleaseList(what: string): GlideError {
  return new GlideError('ENORELEASE', `${what} is not a JSON array of releases.`, [
    'Check --download-base-url (or the proxy in between); pass an exact version to skip it.',
  ]);
}

/** `<…?page=2>; rel="next", <…>; rel="last"` → the next page's URL. */
export function nextPage(link: string | undefined): string | undefined {
  for (const part of (link ?? '').split(',')) {
    const match = /<([^>]+)>\s*;\s*rel="next"/.exec(part);
    if (match?.[1]) return match[1];
  }
  return undefined;
}
