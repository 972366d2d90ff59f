#!/usr/bin/env node
// bench/images: glide-release's daemonless image build + push against `docker build` +
// `docker push` of equivalent COPY-only Dockerfiles, in the same run, against a real registry
// on loopback; and the bytes a second run uploads (target: 0). See bench/images-runner.ts.
//
//   npm run bench:images [-- --runs 3]
//
// Needs what the tests need (scripts/setup.sh): Go, docker-registry, docker.io; a Docker engine
// is started for the run when none answers. Run `npm run build` first (npm run bench:images does).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { build } from 'esbuild';

const runner = resolve('.cache/bench/images-runner.mjs');
if (!existsSync('release/dist/glide-release.mjs')) {
  console.error('bench/images runs the bundled CLI: run `npm run build` first (or `npm run bench:images`).');
  process.exit(2);
}
mkdirSync(resolve('.cache/bench'), { recursive: true });
await build({
  entryPoints: ['bench/images-runner.ts'],
  outfile: runner,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  // The contract is a workspace package of .ts files: bundle it, as scripts/bundle.ts does.
  plugins: [{ name: 'contract', setup: (b) => b.onResolve({ filter: /^#contract$/ }, () => ({ path: resolve('src/contract/index.ts') })) }],
  logLevel: 'warning',
});
const { status } = spawnSync(process.execPath, [runner, ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(status ?? 1);
