import { defineConfig } from 'vitest/config';

// Three tiers, named by what a test needs (docs/decisions/0023-test-tiers.md):
//   unit         test/**/*.test.ts              pure code, temp folders, Node servers on 127.0.0.1, git
//   integration  test/**/*.integration.test.ts  real tools: Go, qemu, a registry, skopeo, Docker, tinyproxy, nginx…
//   e2e          test/**/*.e2e.test.ts          the built CLIs (`npm run build` first), as a user runs them
// `vitest run --project unit` picks one; `npm test` runs all three, one tier after another.
const INTEGRATION = 'test/**/*.integration.test.ts';
const E2E = 'test/**/*.e2e.test.ts';

/** The tiers that build Go for every target and start registries and engines. */
const toolTierOptions = {
  // The first (cold) Go build of a run takes minutes.
  testTimeout: 30_000,
  hookTimeout: 900_000,
  // Files each build sixteen targets or start a registry: one file at a time on 2 cores.
  fileParallelism: false,
};

export default defineConfig({
  test: {
    // Every tier gets the same isolated HOME, XDG dirs, caches and Go build cache.
    globalSetup: ['test/setup/isolate-home.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: [INTEGRATION, E2E],
          // Each file works in its own temp folders and listens on port 0: files can run side by side.
          testTimeout: 30_000,
          hookTimeout: 60_000,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: [INTEGRATION],
          ...toolTierOptions,
          sequence: { groupOrder: 1 },
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: [E2E],
          ...toolTierOptions,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
