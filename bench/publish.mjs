#!/usr/bin/env node
// bench/publish: the bytes and calls the promotion of an RC with four distros makes (the stable's
// whole publish, and a re-run of it) against rebuilding the stable with `docker build` and pushing
// it with `docker push`, in the same run, against a real registry on loopback behind a counting
// proxy. Prints a table and whether the targets are met (0 base-layer bytes; a re-run uploads 0);
// like the other benches it reports and does not fail on a missed target. See bench/publish-runner.ts.
//
//   npm run bench:publish
//
// Needs what the tests need (scripts/setup.sh): Go, docker-registry, docker.io; a Docker engine
// is started for the run when none answers. Run `npm run build` first (npm run bench:publish does).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { bundleRunner } from './bundle-runner.mjs';

if (!existsSync('release/dist/glide-release.mjs')) {
  console.error('bench/publish runs the bundled CLI: run `npm run build` first (or `npm run bench:publish`).');
  process.exit(2);
}
const runner = await bundleRunner('bench/publish-runner.ts');
const { status } = spawnSync(process.execPath, [runner, ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(status ?? 1);
