// Bundles each CLI into one ESM file, so `npx` installs a single small tarball with no
// dependency tree to resolve (../shared/reference/interface.md).
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';

// Both CLIs bundle undici with the upstream fix for its crash on a FIN while a body is paused
// (patches/, applied by `npm ci`'s postinstall; decision 0012). Refuse to bundle without it.
const undiciH1 = join(dirname(createRequire(import.meta.url).resolve('undici')), 'lib/dispatcher/client-h1.js');
if (!(await readFile(undiciH1, 'utf8')).includes('} while (this.paused && data.length > 0)')) {
  throw new Error(`${undiciH1} lacks the paused-parser fix of patches/undici+*.patch: run \`npm ci\` (or \`npx patch-package\`), then build again.`);
}

const manifest = async (dir) => JSON.parse(await readFile(new URL(`../${dir}/package.json`, import.meta.url), 'utf8'));
const release = await manifest('release');
const createGlide = await manifest('create-glide');

const common = {
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  banner: {
    // Bundled CommonJS dependencies may call require(); give them one.
    js: "#!/usr/bin/env node\nimport { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);",
  },
  logLevel: 'warning',
};

await Promise.all([
  build({
    ...common,
    entryPoints: { 'glide-release': 'release/src/bin.ts' },
    outdir: 'release/dist',
    define: { RELEASE_VERSION: JSON.stringify(release.version) },
  }),
  build({
    ...common,
    entryPoints: { 'create-glide': 'src/create-glide/bin.ts' },
    outdir: 'create-glide/dist',
    // unzipper's S3 opener (never used: we open local files) requires the AWS SDK lazily.
    external: ['@aws-sdk/client-s3'],
    define: { CREATE_GLIDE_VERSION: JSON.stringify(createGlide.version) },
  }),
]);
