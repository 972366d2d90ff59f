// Builds each published package's dist/: the CLI bundled by esbuild, so `npx` installs one
// small tarball with no dependency tree to resolve (decision 0001), split
// so that a command loads only the code it needs (decision 0016); the third-party notices of
// everything bundled; and the project's LICENSE copied beside the package.json. Each
// package's `prepack` runs it, so `npm pack` and `npm publish` always ship a fresh build.
//
//   node --import tsx scripts/bundle.ts [create-glide|glide-up|release …]    (default: all)
import { copyFile, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions, type Metafile, type Plugin } from 'esbuild';
import { checkNodeFloor, declaredNodeFloor, packageFolders, readBundledPackage, renderNotices } from './bundled-packages.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The published packages, by their folder in this repository. */
export const PACKAGES = {
  'create-glide': {
    bin: 'create-glide',
    launcher: 'src/create-glide/launcher.ts',
    versionDefine: 'CREATE_GLIDE_VERSION',
    // unzipper's S3 opener (never used: we open local files) requires the AWS SDK lazily.
    external: ['@aws-sdk/client-s3'],
  },
  // Installs as create-glide does, so it bundles unzipper too.
  'glide-up': { bin: 'glide-up', launcher: 'src/glide-up/launcher.ts', versionDefine: 'GLIDE_UP_VERSION', external: ['@aws-sdk/client-s3'] },
  // promote unpacks an RC's Windows zip with the installers' extractor, so it bundles unzipper too.
  release: { bin: 'glide-release', launcher: 'release/src/launcher.ts', versionDefine: 'RELEASE_VERSION', external: ['@aws-sdk/client-s3'] },
} as const;
export type PackageDir = keyof typeof PACKAGES;

/**
 * `import text from './file?raw'` inlines the file's text, as Vite does in the tests: the
 * bundled demo template (templates/demo) ships inside the bundle and needs no file beside it.
 */
const rawText: Plugin = {
  name: 'raw-text',
  setup(build) {
    build.onResolve({ filter: /\?raw$/ }, (args) => ({ path: resolve(args.resolveDir, args.path.slice(0, -'?raw'.length)), namespace: 'raw-text' }));
    build.onLoad({ filter: /.*/, namespace: 'raw-text' }, async (args) => ({ contents: await readFile(args.path, 'utf8'), loader: 'text' }));
  },
};

const common: BuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  // Each dynamic import() becomes a chunk of its own, loaded when the command reaches it.
  splitting: true,
  entryNames: '[name]',
  chunkNames: 'chunks/[name]-[hash]',
  outExtension: { '.js': '.mjs' },
  target: 'node20',
  minifyWhitespace: true,
  minifySyntax: true,
  // Short local names take each package under 1 MB unpacked (decision 0030); keepNames keeps
  // functions' and classes' names, so stack traces still say which function threw.
  minifyIdentifiers: true,
  keepNames: true,
  // The licenses travel whole in THIRD_PARTY_NOTICES.md, not as scattered comments.
  legalComments: 'none',
  banner: {
    // Bundled CommonJS dependencies may call require(); give every chunk one.
    js: "import { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);",
  },
  logLevel: 'warning',
  metafile: true,
  plugins: [rawText],
};

/**
 * Both CLIs bundle undici with the upstream fix for its crash on a FIN while a body is paused
 * (patches/, applied by `npm ci`'s postinstall; decision 0012): no bundle is built without it.
 */
async function assertUndiciPatched(root: string): Promise<void> {
  const clientH1 = join(dirname(createRequire(join(root, 'package.json')).resolve('undici')), 'lib/dispatcher/client-h1.js');
  if (!(await readFile(clientH1, 'utf8')).includes('} while (this.paused && data.length > 0)')) {
    throw new Error(`${clientH1} lacks the paused-parser fix of patches/undici+*.patch: run \`npm ci\` (or \`npx patch-package\`), then build again.`);
  }
}

/**
 * Builds one package into `outdir` (default: its dist/, emptied first: every file there is
 * published) from the sources under `root`. Returns esbuild's metafile.
 */
export async function bundle(dir: PackageDir, { root = ROOT, outdir = join(root, dir, 'dist') } = {}): Promise<Metafile> {
  const spec = PACKAGES[dir];
  const manifest = JSON.parse(await readFile(join(root, dir, 'package.json'), 'utf8')) as { name: string; version: string; engines?: { node?: string } };
  const nodeFloor = declaredNodeFloor(manifest.name, manifest.engines?.node);
  await assertUndiciPatched(root);
  await rm(outdir, { recursive: true, force: true });
  const { metafile } = await build({
    ...common,
    absWorkingDir: root,
    entryPoints: { [spec.bin]: spec.launcher },
    outdir,
    external: [...spec.external],
    define: {
      [spec.versionDefine]: JSON.stringify(manifest.version),
      NODE_FLOOR: JSON.stringify(nodeFloor),
    },
  });
  try {
    const packages = await Promise.all(packageFolders(Object.keys(metafile!.inputs)).map((folder) => readBundledPackage(resolve(root, folder))));
    checkNodeFloor(manifest.name, nodeFloor, packages);
    await writeFile(join(outdir, 'THIRD_PARTY_NOTICES.md'), renderNotices(manifest, packages));
  } catch (error) {
    // A bundle whose promises or notices are wrong is not left behind to be packed.
    await rm(outdir, { recursive: true, force: true });
    throw error;
  }
  await copyFile(join(root, 'LICENSE'), join(root, dir, 'LICENSE'));
  return metafile!;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dirs = process.argv.length > 2 ? process.argv.slice(2) : Object.keys(PACKAGES);
  const unknown = dirs.filter((dir) => !(dir in PACKAGES));
  try {
    if (unknown.length > 0) throw new Error(`unknown package folder ${unknown.join(', ')}; use ${Object.keys(PACKAGES).join(', ')}`);
    await Promise.all(dirs.map((dir) => bundle(dir as PackageDir)));
  } catch (error) {
    process.stderr.write(`bundle: ${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}
