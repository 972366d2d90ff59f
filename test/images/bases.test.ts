// The default bases: one per distro of the contract, each a valid reference pinned by digest.
import { describe, expect, it } from 'vitest';
import { DISTROS } from '#contract';
import { GLIDE_BASES, parseConfig } from '../../release/src/config.js';
import { unpinnedBases } from '../../release/src/images/bases.js';
import { parseImageReference } from '../../src/registry/reference.js';

describe('default bases', () => {
  it('cover every distro and are the defaults of the config', () => {
    expect(Object.keys(GLIDE_BASES).sort()).toEqual([...DISTROS].sort());
    expect(parseConfig('{}', 'glide-release.config.json').images.distros).toEqual(GLIDE_BASES);
  });
  it.each(Object.entries(GLIDE_BASES))('%s parses and is pinned', (_distro, { base }) => {
    const reference = parseImageReference(base);
    expect(reference.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(reference.tag).toBeTruthy();
  });
  it('only unpinned bases are reported', () => {
    expect(unpinnedBases(GLIDE_BASES)).toEqual([]);
    expect(unpinnedBases({ ubuntu: { base: 'ubuntu:24.04' }, alpine: GLIDE_BASES.alpine })).toEqual([
      expect.stringContaining('images.distros.ubuntu.base (ubuntu:24.04) is not pinned by digest'),
    ]);
  });
});
