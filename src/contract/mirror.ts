import { compareVersions, tryParseReleaseVersion } from './channels.js';

/**
 * A release mirror is laid out like GitHub's download URLs: `{base}/{tag}/{asset}`, plus
 * `{base}/index.json` listing the releases newest first, so "latest" and "rc" resolve
 * without GitHub. `glide-release build` writes exactly this.
 */
export interface MirrorIndexEntry {
  readonly tag: string;
  readonly prerelease: boolean;
  readonly published_at: string;
}

export const MIRROR_INDEX = 'index.json';
/** The ledger every later stage reads; it sits beside the assets of its tag. */
export const RELEASE_LEDGER = 'release.json';

export function mirrorAssetPath(tag: string, asset: string): string {
  return `${tag}/${asset}`;
}

/** Inserts or replaces `entry`, keeping the index newest first (by date, then by semver). */
export function upsertMirrorIndex(index: readonly MirrorIndexEntry[], entry: MirrorIndexEntry): MirrorIndexEntry[] {
  return [...index.filter((existing) => existing.tag !== entry.tag), entry].sort((a, b) => {
    if (a.published_at !== b.published_at) return a.published_at < b.published_at ? 1 : -1;
    return compareVersions(b.tag, a.tag);
  });
}

/** The writer of `index.json`. */
export function formatMirrorIndex(index: readonly MirrorIndexEntry[]): string {
  return `${JSON.stringify(index, null, 2)}\n`;
}

/**
 * The reader of `index.json`: its release entries, other keys kept (the layout allows them);
 * an entry whose tag is no release version is left out. Throws (a plain Error, for each side
 * to explain in its own words) when the text is not a JSON array.
 */
export function parseMirrorIndex(text: string): MirrorIndexEntry[] {
  const parsed: unknown = JSON.parse(text);
  if (!Array.isArray(parsed)) throw new Error('not a JSON array');
  return parsed.flatMap((entry: unknown) => {
    if (typeof entry !== 'object' || entry === null) return [];
    const { tag, prerelease, published_at: publishedAt } = entry as Record<string, unknown>;
    if (typeof tag !== 'string' || !tryParseReleaseVersion(tag)) return [];
    return [{ ...entry, tag, prerelease: prerelease === true, published_at: typeof publishedAt === 'string' ? publishedAt : '' }];
  });
}
