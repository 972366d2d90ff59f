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
import { existsSync } from 'node:fs';
import { bundleRunner } from './bundle-runner.mjs';

if (!existsSync('release/dist/glide-release.mjs')) {
  console.error('bench/images runs the bundled CLI: run `npm run build` first (or `npm run bench:images`).');
  process.exit(2);
}
const runner = await bundleRunner('bench/images-runner.ts');
const { status } = spawnSync(process.execPath, [runner, ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(status ?? 1);
