import type { Distro } from '#contract';

/**
 * The compressed weight of each real base's Linux image (as their registries served them in
 * 2024), so the seeded stand-ins (test/helpers/base-images.ts `fillerBytes`) weigh what the
 * engine and the registry would really move.
 */
export const REAL_BASE_BYTES: Readonly<Record<Distro, number>> = {
  alpine: 3.4e6,
  ubuntu: 29e6,
  distroless: 0.7e6,
  redhat: 7e6,
};
