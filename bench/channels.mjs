#!/usr/bin/env node
// bench/channels: what the four package-manager channels add to `publish`, cold and on a re-run,
// against publishing the GitHub release alone, in the same run. Prints a table and whether the
// targets are met (a re-run writes nothing and plans nothing on any channel); like the other
// benches it reports and does not fail on a missed target. See bench/channels-runner.ts.
//
//   npm run bench:channels
//
// Needs what the tests need (scripts/setup.sh): Go, docker-registry, snapd's `snap`, git.
// Run `npm run build` first (npm run bench:channels does).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { bundleRunner } from './bundle-runner.mjs';

if (!existsSync('release/dist/glide-release.mjs')) {
  console.error('bench/channels runs the bundled CLI: run `npm run build` first (or `npm run bench:channels`).');
  process.exit(2);
}
const runner = await bundleRunner('bench/channels-runner.ts');
const { status } = spawnSync(process.execPath, [runner, ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(status ?? 1);
