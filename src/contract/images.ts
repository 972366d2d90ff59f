import { tryParseReleaseVersion } from './channels.js';

/** The distros of GEP 0004, under the tag words Glide's images already use. */
export const DISTROS = ['alpine', 'ubuntu', 'distroless', 'redhat'] as const;
export type Distro = (typeof DISTROS)[number];

export const DEFAULT_DISTRO: Distro = 'alpine';

/** `{version}-{distro}`, e.g. `0.0.2-rc.1-alpine`. Immutable once pushed. */
export function imageTag(version: string, distro: string): string {
  return `${version}-${distro}`;
}

/** The reader of imageTag: the release and distro a tag names, or undefined (a `latest*`, a hand-pushed `dev`, `0.1.0-foo`). */
export function parseImageTag(tag: string): { readonly version: string; readonly distro: Distro } | undefined {
  const distro = DISTROS.find((name) => tag.endsWith(`-${name}`));
  const version = distro && tryParseReleaseVersion(tag.slice(0, -distro.length - 1));
  return distro && version ? { version: version.version, distro } : undefined;
}
