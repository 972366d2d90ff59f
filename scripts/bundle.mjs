// Bundles each CLI into one ESM file, so `npx` installs a single small tarball with no
// dependency tree to resolve (../shared/reference/interface.md).
import { readFile } from 'node:fs/promises';
import { build } from 'esbuild';

const release = JSON.parse(await readFile(new URL('../release/package.json', import.meta.url), 'utf8'));

await build({
  entryPoints: { 'glide-release': 'release/src/bin.ts' },
  outdir: 'release/dist',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  define: { RELEASE_VERSION: JSON.stringify(release.version) },
  banner: {
    // Bundled CommonJS dependencies may call require(); give them one.
    js: "#!/usr/bin/env node\nimport { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
