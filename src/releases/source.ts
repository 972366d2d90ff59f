/**
 * Where releases come from: GitHub (the default), or a mirror laid out like GitHub's
 * download URLs, over http(s) or as a local folder (docs/install.md, "Mirrors and air gaps").
 * Pure: builds locations, fetches nothing.
 */
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GLIDE_REPO, GlideError, MIRROR_INDEX, mirrorAssetPath, releaseDownloadUrl } from '#contract';
import { redactUrl, type BasicCredentials } from '../net/http.js';

export type ReleaseSource =
  | { readonly kind: 'github'; readonly repo: string; readonly webUrl: string; readonly apiUrl: string }
  /** `base` never holds credentials: `user:password@` in the URL given is kept apart, for that origin only. */
  | { readonly kind: 'mirror'; readonly base: string; readonly credentials?: BasicCredentials }
  | { readonly kind: 'folder'; readonly dir: string };

/** Where a release file is: fetched over http(s), or read from a mirror folder. Decided once, by the source's kind. */
export type AssetLocation = { readonly kind: 'url'; readonly url: URL } | { readonly kind: 'file'; readonly path: string };

export interface SourceSettings {
  readonly repo: string;
  readonly downloadBaseUrl?: string;
  readonly githubUrl: string;
  readonly githubApiUrl: string;
  readonly cwd: string;
}

const REPO_PATTERN = /^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/;

export function releaseSource(settings: SourceSettings): ReleaseSource {
  const base = settings.downloadBaseUrl;
  if (base) {
    if (/^https?:\/\//i.test(base)) return mirrorSource(base);
    if (/^file:/i.test(base)) return { kind: 'folder', dir: fileURLToPath(base) };
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(base)) {
      throw new GlideError('EUSAGE', `--download-base-url ${redactUrl(base)}: only http(s) URLs and folders are supported.`);
    }
    return { kind: 'folder', dir: isAbsolute(base) ? base : resolve(settings.cwd, base) };
  }
  if (!REPO_PATTERN.test(settings.repo)) {
    throw new GlideError('EUSAGE', `GLIDE_REPO=${settings.repo} is not owner/name.`, [`Unset it to use ${GLIDE_REPO}.`]);
  }
  return {
    kind: 'github',
    repo: settings.repo,
    webUrl: githubOrigin('GLIDE_GITHUB_URL', settings.githubUrl),
    apiUrl: githubOrigin('GLIDE_GITHUB_API_URL', settings.githubApiUrl),
  };
}

/** GitHub's web or API origin (GitHub Enterprise's, or a test server's), which must be an http(s) URL. */
function githubOrigin(variable: string, value: string): string {
  let protocol: string | undefined;
  try {
    protocol = new URL(value).protocol;
  } catch {
    protocol = undefined;
  }
  if (protocol !== 'https:' && protocol !== 'http:') {
    throw new GlideError('EUSAGE', `${variable}=${redactUrl(value)} is not an http(s) URL.`, [
      'Unset it to use GitHub, or set it to your GitHub Enterprise server, e.g. https://github.example.com.',
    ]);
  }
  return value.replace(/\/+$/, '');
}

function mirrorSource(base: string): ReleaseSource {
  let url: URL;
  let credentials: BasicCredentials;
  try {
    url = new URL(base);
    credentials = { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
  } catch {
    // Not even the host is shown: what cannot be parsed cannot be stripped of its password.
    throw new GlideError('EUSAGE', '--download-base-url is not a valid URL.', [
      'Give it as https://host/path, or https://user:password@host/path with characters such as @ : / % in them written %-encoded.',
    ]);
  }
  if (!url.username && !url.password) return { kind: 'mirror', base: base.replace(/\/+$/, '') };
  url.username = '';
  url.password = '';
  return { kind: 'mirror', base: url.toString().replace(/\/+$/, ''), credentials };
}

/** Where `asset` of `tag` lives: a URL, or a path in a mirror folder. */
export function assetLocation(source: ReleaseSource, tag: string, asset: string): AssetLocation {
  switch (source.kind) {
    case 'github':
      return { kind: 'url', url: new URL(releaseDownloadUrl(source.repo, tag, asset, source.webUrl)) };
    case 'mirror':
      return { kind: 'url', url: new URL(`${source.base}/${mirrorAssetPath(encodeURIComponent(tag), encodeURIComponent(asset))}`) };
    case 'folder':
      return { kind: 'file', path: join(source.dir, tag, asset) };
  }
}

export function mirrorIndexLocation(source: Exclude<ReleaseSource, { kind: 'github' }>): AssetLocation {
  return source.kind === 'mirror' ? { kind: 'url', url: new URL(`${source.base}/${MIRROR_INDEX}`) } : { kind: 'file', path: join(source.dir, MIRROR_INDEX) };
}

/** A location for the plan, progress and the receipt: a URL without credentials or signatures, or the path. */
export function describeLocation(location: AssetLocation): string {
  return location.kind === 'url' ? redactUrl(location.url.href) : location.path;
}

/** The mirror's credentials as request options (for `HttpClient.getText`, `downloadAsset`): none for GitHub or a folder. */
export function sourceCredentials(source: ReleaseSource): { readonly credentials?: BasicCredentials } {
  return source.kind === 'mirror' && source.credentials ? { credentials: source.credentials } : {};
}

/** How the plan and the receipt name the source, without credentials. */
export function describeSource(source: ReleaseSource): string {
  switch (source.kind) {
    case 'github':
      return `GitHub ${source.repo}`;
    case 'mirror':
      return `mirror ${source.base}`;
    case 'folder':
      return `mirror folder ${source.dir}`;
  }
}
