// A bench runner written in TypeScript, bundled into .cache/bench/ so it can use src/ and the
// tests' helpers; npm packages stay external (resolved from the repository's node_modules).
import { mkdirSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { build } from 'esbuild';

/** Bundles `entry` (bench/x.ts) to .cache/bench/x.mjs and returns that path. */
export async function bundleRunner(entry) {
  const outfile = resolve('.cache/bench', basename(entry).replace(/\.ts$/, '.mjs'));
  mkdirSync(resolve('.cache/bench'), { recursive: true });
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    // The contract is a workspace package of .ts files: bundle it, as scripts/bundle.ts does.
    plugins: [{ name: 'contract', setup: (b) => b.onResolve({ filter: /^#contract$/ }, () => ({ path: resolve('src/contract/index.ts') })) }],
    logLevel: 'warning',
  });
  return outfile;
}
