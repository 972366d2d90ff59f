/** The distros of GEP 0004, under the tag words Glide's images already use. */
export const DISTROS = ['alpine', 'ubuntu', 'distroless', 'redhat'] as const;
export type Distro = (typeof DISTROS)[number];

export const DEFAULT_DISTRO: Distro = 'alpine';

/** `{version}-{distro}`, e.g. `0.0.2-rc.1-alpine`. Immutable once pushed. */
export function imageTag(version: string, distro: string): string {
  return `${version}-${distro}`;
}
