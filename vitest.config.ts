import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests build Go for every target; the first (cold) build takes minutes.
    testTimeout: 30_000,
    // Integration files each build sixteen targets: run files one at a time on 2 cores.
    fileParallelism: false,
    hookTimeout: 900_000,
    globalSetup: ['test/setup/isolate-home.ts'],
  },
});
