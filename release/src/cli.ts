import { readFile } from 'node:fs/promises';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { GlideError, isGlideError } from '#contract';
import { isFileSystemError, isFullDisk } from '../../src/platform/folders.js';
import type { CliIo } from './commands/io.js';
import { usage } from './commands/usage.js';
import type { PrepareOptions } from './prepare.js';

declare const RELEASE_VERSION: string | undefined;

const USAGE = `glide-release: Glide's release pipeline. The version comes from the git tag.

Usage:
  glide-release check                 validate the config and the target matrix against \`go tool dist list\`
  glide-release plan  [--tag T | --snapshot] [--json]
                                      print the stage, every gate and every artifact build would make
  glide-release build [--tag T | --snapshot] [--out DIR] [--only binaries,images]
                                      cross-compile, prove and archive every target into a release mirror;
                                      images: an OCI layout of the same binaries on each pinned base
  glide-release build [--tag T | --snapshot] --shard I/N | --targets OS/ARCH,... [--out DIR]
                                      one share of the binaries (the Linux targets dealt first, then the rest,
                                      round-robin over N shares; or the targets named): its archives and a
                                      ledger marked as a share; no checksums and no index.json. Not a release:
                                      publish and promote refuse it until it is merged
  glide-release merge [--out DIR] SHARE_DIR...
                                      the --out folders of every share of one build, checked (one tag, commit,
                                      Go and config; each target once, none missing; every file listed by its
                                      ledger, of its bytes, no link) and merged into {DIR}/{tag}: the release
                                      folder and index.json a single build writes, byte for byte
  glide-release publish [--tag T] [--out DIR] [--dry-run]
                                      the whole publish, in order: the images by {version}-{distro}, the
                                      GitHub release, the moving image tags (latest only for the highest
                                      stable), then the channels the config names (Helm, Homebrew; Snap
                                      and Chocolatey planned only). Re-run after any failure: it does what is missing
  glide-release publish --only images [--tag T] [--out DIR] [--dry-run]
                                      push the images build made: immutable {version}-{distro} tags, and
                                      latest tags only for the highest stable in the registry
  glide-release publish --only github [--tag T] [--out DIR] [--dry-run]
                                      the GitHub release: a draft with every asset of the ledger, checked
                                      complete, then published (prerelease for an RC; "latest" only for the
                                      highest stable). Token: GLIDE_GITHUB_TOKEN, GH_TOKEN or GITHUB_TOKEN
  glide-release publish --only channels [--tag T] [--out DIR] [--dry-run]
                                      the channels the config names, once the GitHub release is public
  glide-release promote X.Y.Z-rc.N [--out DIR] [--dry-run] [--skip-soak --reason TEXT]
                                      the stable X.Y.Z from its last RC: refused unless the RC is the last,
                                      published on GitHub and soaked since; tags X.Y.Z on the RC's commit,
                                      builds each binary proven to be the RC's but for the version (the RC's
                                      build must be in --out), then publishes. Re-run after any failure
  glide-release verify VERSION [--repo OWNER/NAME] [--image REPO] [--only github|images] [--json]
                                      check the published GitHub release from the outside: every asset
                                      downloaded against the checksums and GitHub's digests, the names,
                                      prerelease and "latest"; and each {VERSION}-{distro} image: its
                                      platforms, labels, /bin/glide against the archive's, and that
                                      latest* name the highest stable; exit 1 if any check fails
  glide-release init-ci [--shards N] [--force] [--dry-run]
                                      write .github/workflows/release.yml (plan, N build shares, publish on
                                      every semver tag) and promote.yml (a manual promote of an RC) into the
                                      repository; an edited workflow: print the diff and refuse without --force

Options:
  --tag T             the release tag (default: the release tag at HEAD)
  --snapshot          an unpublishable build of HEAD, versioned X.Y.Z-snapshot.<sha>; skips the gates
  --out DIR           the output folder, a release mirror (default: dist/ at the repository root)
  --only STAGES       comma list of stages to build: binaries (the default), images (needs the binaries
                      of the same tag in --out, or both at once); publish, verify: images or github
  --skip-soak         release a stable before its RC has soaked soakDays (needs --reason)
  --reason TEXT       why the soak is cut short (recorded in the plan)
  --dry-run           publish: print every push or GitHub request the real run would make, and make none;
                      promote: print the gates and each step, and do none; init-ci: write nothing
  --repo OWNER/NAME   verify: the GitHub repository (default EinStack/glide)
  --image REPO        verify: the image repository (default ghcr.io/einstack/glide)
  --shards N          init-ci: how many runners share the build (default 4)
  --force             init-ci: replace workflows that differ from what init-ci writes
  --json              machine-readable output (plan, check, verify)
  --shard I/N         build: share I of N (1-based) of the binaries' matrix
  --targets LIST      build: a share of exactly these targets of the matrix (os/arch, comma-separated)
  --trace FILE        write the timing of each go build to FILE (used by bench/)
  --help, --version

Exit codes: 0 done, 1 failed, 2 usage error, 130 cancelled.`;

const OPTIONS = {
  tag: { type: 'string' },
  snapshot: { type: 'boolean' },
  out: { type: 'string' },
  only: { type: 'string' },
  'dry-run': { type: 'boolean' },
  'skip-soak': { type: 'boolean' },
  reason: { type: 'string' },
  repo: { type: 'string' },
  image: { type: 'string' },
  json: { type: 'boolean' },
  trace: { type: 'string' },
  shards: { type: 'string' },
  force: { type: 'boolean' },
  shard: { type: 'string' },
  targets: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} satisfies ParseArgsConfig['options'];

type Values = ReturnType<typeof parse>['values'];

/** Runs one command line; returns the exit code. Never calls process.exit, so tests can drive it. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let values: Values;
  let positionals: string[];
  try {
    ({ values, positionals } = parse(argv));
  } catch (error) {
    io.stderr(`error EUSAGE: ${(error as Error).message.replace(/\. To specify.*$/s, '')}\nRun glide-release --help for usage.\n`);
    return 2;
  }
  if (values.help) {
    io.stdout(`${USAGE}\n`);
    return 0;
  }
  if (values.version) {
    io.stdout(`${typeof RELEASE_VERSION === 'string' ? RELEASE_VERSION : 'dev'}\n`);
    return 0;
  }

  try {
    // verify names its VERSION, promote its RC, merge its shares; every other command takes no argument.
    const extra = positionals[0] === 'merge' ? undefined : positionals[positionals[0] === 'verify' || positionals[0] === 'promote' ? 2 : 1];
    if (extra !== undefined) throw usage(`unexpected argument "${extra}"`);
    return await dispatch(positionals, values, io);
  } catch (error) {
    if (io.signal.aborted) {
      const pushing = (positionals[0] === 'publish' || positionals[0] === 'promote') && !values['dry-run'];
      io.stderr(`cancelled; ${pushing ? 'what was pushed stays pushed, and a re-run goes on from there' : 'nothing was left behind'}\n`);
      return 130;
    }
    error = fileSystemFailure(error);
    if (!isGlideError(error)) throw error;
    io.stderr(`error ${error.code}: ${error.message}\n${error.details.map((d) => `  ${d}\n`).join('')}`);
    if (values.json) io.stdout(`${JSON.stringify({ error: { code: error.code, message: error.message, details: error.details } })}\n`);
    return error.code === 'EUSAGE' ? 2 : 1;
  }
}

/** Checks the options every command shares, then hands the command its own; each module is loaded only when run. */
async function dispatch(positionals: readonly string[], values: Values, io: CliIo): Promise<number> {
  const [command, argument] = positionals;
  if (values.snapshot && values.tag) throw usage('--tag and --snapshot exclude each other: a snapshot is built from HEAD');
  if (values['skip-soak'] && !values.reason?.trim()) throw usage('--skip-soak needs --reason "why the soak is cut short"');
  if (values.reason && !values['skip-soak']) throw usage('--reason goes with --skip-soak');
  const prepare: PrepareOptions = {
    cwd: io.cwd,
    ...(values.tag ? { tag: values.tag } : {}),
    ...(values.snapshot ? { snapshot: true } : {}),
    ...(values.out ? { out: values.out } : {}),
    ...(values['skip-soak'] ? { soakOverrideReason: values.reason!.trim() } : {}),
  };
  const json = values.json === true;
  switch (command) {
    case 'check':
      return (await import('./commands/check.js')).checkCommand(io, { json });
    case 'plan':
      return (await import('./commands/plan.js')).planCommand(io, { json, prepare });
    case 'build':
      return (await import('./commands/build.js')).buildCommand(io, {
        only: values.only ?? 'binaries',
        prepare,
        ...(values.trace ? { trace: values.trace } : {}),
        ...(values.shard !== undefined ? { shard: values.shard } : {}),
        ...(values.targets !== undefined ? { targets: values.targets } : {}),
      });
    case 'merge':
      if (values.tag || values.snapshot) throw usage('merge takes the tag from its shares: it takes no --tag or --snapshot');
      return (await import('./commands/merge.js')).mergeCommand(io, { out: values.out, shares: positionals.slice(1) });
    case 'publish':
      return (await import('./commands/publish.js')).publishCommand(io, {
        only: values.only,
        snapshot: values.snapshot === true,
        dryRun: values['dry-run'] === true,
        prepare,
      });
    case 'promote':
      if (values.tag || values.snapshot) throw usage('promote names its RC (promote X.Y.Z-rc.N): it takes no --tag or --snapshot');
      return (await import('./commands/promote.js')).promoteCommand(io, { rc: argument, dryRun: values['dry-run'] === true, prepare });
    case 'verify':
      return (await import('./commands/verify.js')).verifyCommand(io, { version: argument, repo: values.repo, image: values.image, only: values.only, json });
    case 'init-ci':
      return (await import('./commands/init-ci.js')).initCiCommand(io, {
        shards: values.shards,
        force: values.force === true,
        dryRun: values['dry-run'] === true,
        glideReleaseVersion: typeof RELEASE_VERSION === 'string' ? RELEASE_VERSION : await workspaceVersion(),
      });
    case undefined:
      throw usage('name a command: check, plan, build, merge, publish, promote, verify or init-ci');
    default:
      throw usage(`unknown command "${command}"; use check, plan, build, merge, publish, promote, verify or init-ci`);
  }
}

/** A file the run could not write (a full disk, a read-only place) is said as such, not as a crash. */
function fileSystemFailure(error: unknown): unknown {
  if (!isFileSystemError(error)) return error;
  return new GlideError('EDISK', `Could not ${error.syscall ?? 'write'} ${error.path ?? 'a file'}: ${error.code}.`, [
    isFullDisk(error)
      ? 'Free some disk space and run again.'
      : 'Check the path, and that this user may write there (and that it is not read-only), then run again.',
  ]);
}

/** Run from source (tests, tsx), there is no bundled version: the workspace's package.json has it. */
async function workspaceVersion(): Promise<string> {
  const manifest = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}

function parse(argv: readonly string[]) {
  return parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
}
