/** Bases that are not pinned by digest: a rebuild would take whatever the tag points at then. */
export function unpinnedBases(distros: Readonly<Partial<Record<string, { readonly base: string }>>>): string[] {
  return Object.entries(distros).flatMap(([distro, entry]) => {
    if (!entry || /@sha256:[0-9a-f]{64}$/.test(entry.base)) return [];
    const tag = entry.base.replace(/@.*$/, '');
    return [
      `images.distros.${distro}.base (${entry.base}) is not pinned by digest: a rebuild would take whatever the tag points at then. ` +
        `Pin it as ${tag}@sha256:<digest> (skopeo inspect --format '{{.Digest}}' docker://${tag}).`,
    ];
  });
}
