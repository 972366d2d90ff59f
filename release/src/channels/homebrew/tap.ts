/**
 * The tap as git sees it: a reader of its state and the applier of a plan. Plumbing only
 * (read-tree, hash-object, update-index, commit-tree): nothing from the tap is checked out, so
 * a symlink in it can never redirect a write. The token of an https tap reaches git through a
 * credential helper that reads it from the environment: never in a URL, an argument or a log.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { GlideError } from '#contract';
import type { ReleaseLedger } from '../../ledger.js';
import type { HomebrewConfig } from './config.js';
import { planHomebrew, type HomebrewPlan, type PushFormula, type TapState } from './plan.js';
import { FORMULA_PATH } from './render.js';

/** The variable the credential helper reads; the config's tokenEnv is copied into it for git alone. */
const TOKEN_VARIABLE = 'GLIDE_RELEASE_TAP_TOKEN';
// `get` is the only question git asks a helper that should be answered; `store`/`erase` are ignored.
const TOKEN_USER = 'x-access-token';
const CREDENTIAL_HELPER = `!f() { test "$1" = get && echo username=${TOKEN_USER} && echo "password=$${TOKEN_VARIABLE}"; }; f`;

export interface TapOptions {
  readonly env: NodeJS.ProcessEnv;
  readonly log?: (line: string) => void;
  /** Runs between the commit and the push: the seam where a test moves the tap as a concurrent release would. */
  readonly beforePush?: () => Promise<void>;
}

interface OpenTap {
  readonly dir: string;
  readonly state: TapState;
}

export interface HomebrewOutcome {
  /** The commit pushed to the tap, or undefined when nothing needed pushing. */
  readonly pushed: string | undefined;
  readonly left?: string;
}

/** Reads the tap's branch head and formula (a throwaway fetch into a temporary folder). */
export async function readTapState(config: HomebrewConfig, options: TapOptions): Promise<TapState> {
  const tap = await openTap(config, options);
  await rm(tap.dir, { recursive: true, force: true });
  return tap.state;
}

/**
 * Performs the plan. The tap's branch moved since the plan (another release pushed) → read
 * again and plan again, once; moved again during that push → EHOMEBREWPUSH, nothing forced.
 */
export async function applyHomebrew(ledger: ReleaseLedger, config: HomebrewConfig, plan: HomebrewPlan, options: TapOptions): Promise<HomebrewOutcome> {
  let push = plan.mutations[0];
  for (let attempt = 1; push; attempt++) {
    const tap = await openTap(config, options);
    try {
      if (tap.state.head !== push.base) {
        options.log?.(`homebrew: ${config.tap} ${config.branch} moved since the plan (now ${tap.state.head?.slice(0, 12) ?? 'empty'}); planning again`);
        const again = planHomebrew(ledger, config, tap.state);
        push = again.mutations[0];
        if (!push) return { pushed: undefined, ...(again.left ? { left: again.left } : {}) };
      }
      const commit = await commitFormula(tap.dir, push, config, options);
      await options.beforePush?.();
      if (await pushCommit(tap.dir, push, commit, config, options)) {
        options.log?.(`homebrew: pushed ${push.path} "${push.message}" to ${config.tap} ${config.branch} (${commit.slice(0, 12)})`);
        return { pushed: commit };
      }
      if (attempt === 2) {
        throw new GlideError('EHOMEBREWPUSH', `${config.tap} ${config.branch} moved twice while glide ${push.version} was being pushed: nothing was forced.`, [
          'Another release is writing to the tap. Wait for it to finish, then publish again: the plan reads the tap anew.',
        ]);
      }
      options.log?.(`homebrew: ${config.tap} ${config.branch} moved during the push; reading it again`);
    } finally {
      await rm(tap.dir, { recursive: true, force: true });
    }
  }
  return { pushed: undefined, ...(plan.left ? { left: plan.left } : {}) };
}

async function openTap(config: HomebrewConfig, options: TapOptions): Promise<OpenTap> {
  const dir = await mkdtemp(join(tmpdir(), 'glide-tap-'));
  try {
    await git(dir, ['init', '--quiet', '--bare'], config, options, 'EHOMEBREWTAP');
    const heads = await git(dir, ['ls-remote', '--heads', '--', config.tap, `refs/heads/${config.branch}`], config, options, 'EHOMEBREWTAP');
    const head = heads
      .split('\n')
      .find((line) => line.endsWith(`\trefs/heads/${config.branch}`))
      ?.split('\t')[0];
    if (head === undefined) return { dir, state: { head: undefined, formula: undefined } };
    await git(dir, ['fetch', '--quiet', '--no-tags', '--depth=1', '--', config.tap, head], config, options, 'EHOMEBREWTAP');
    const entry = await git(dir, ['ls-tree', head, '--', FORMULA_PATH], config, options, 'EHOMEBREWTAP');
    if (entry === '') return { dir, state: { head, formula: undefined } };
    if (!entry.startsWith('100644 blob ') && !entry.startsWith('100755 blob ')) {
      throw new GlideError(
        'EHOMEBREWTAP',
        `${FORMULA_PATH} in ${config.tap} is not a plain file (${entry.split(/\s/)[0]}): glide-release does not write through it.`,
        ['Replace it in the tap with a regular file (or remove it), then publish again.'],
      );
    }
    const formula = await git(dir, ['cat-file', 'blob', `${head}:${FORMULA_PATH}`], config, options, 'EHOMEBREWTAP', false);
    return { dir, state: { head, formula } };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** The tap's tree with the formula replaced, committed on top of the planned head. */
async function commitFormula(dir: string, push: PushFormula, config: HomebrewConfig, options: TapOptions): Promise<string> {
  const run = (args: readonly string[], input?: string) => git(dir, args, config, options, 'EHOMEBREWPUSH', true, input);
  await run(push.base ? ['read-tree', push.base] : ['read-tree', '--empty']);
  const blob = await run(['hash-object', '-w', '--stdin'], push.formula);
  await run(['update-index', '--add', '--cacheinfo', `100644,${blob},${push.path}`]);
  const tree = await run(['write-tree']);
  return run(['commit-tree', tree, ...(push.base ? ['-p', push.base] : []), '-m', push.message]);
}

/** True when pushed; false when the tap's branch is no longer at the planned base (git refused the update). */
async function pushCommit(dir: string, push: PushFormula, commit: string, config: HomebrewConfig, options: TapOptions): Promise<boolean> {
  // The lease names the planned base: git refuses the update if the branch is anywhere else, a race included.
  const lease = `--force-with-lease=refs/heads/${push.branch}:${push.base ?? ''}`;
  try {
    await git(dir, ['push', '--porcelain', '--quiet', lease, '--', config.tap, `${commit}:refs/heads/${push.branch}`], config, options, 'EHOMEBREWPUSH');
    return true;
  } catch (error) {
    if (error instanceof GlideError && /\[(remote )?rejected\]|stale info|failed to update ref|cannot lock ref/.test(error.message)) return false;
    throw error;
  }
}

async function git(
  dir: string,
  args: readonly string[],
  config: HomebrewConfig,
  options: TapOptions,
  code: 'EHOMEBREWTAP' | 'EHOMEBREWPUSH',
  strip = true,
  input?: string,
): Promise<string> {
  const token = options.env[config.tokenEnv];
  const env: NodeJS.ProcessEnv = {
    ...options.env,
    GIT_DIR: dir,
    // Never wait for a password nobody will type; fail and say which variable to set.
    GIT_TERMINAL_PROMPT: '0',
    GIT_AUTHOR_NAME: config.committer.name,
    GIT_AUTHOR_EMAIL: config.committer.email,
    GIT_COMMITTER_NAME: config.committer.name,
    GIT_COMMITTER_EMAIL: config.committer.email,
    [TOKEN_VARIABLE]: token ?? '',
  };
  // An empty helper first drops any the user configured, so no other credential is sent or stored.
  const helper = token ? ['-c', 'credential.helper=', '-c', `credential.helper=${CREDENTIAL_HELPER}`] : [];
  const result = await execa('git', [...helper, ...args], {
    cwd: dir,
    env,
    extendEnv: false,
    reject: false,
    stripFinalNewline: strip,
    ...(input === undefined ? {} : { input }),
  });
  if (result.failed) {
    if ((result as { code?: string }).code === 'ENOENT') throw new GlideError(code, 'git is not installed. Install it (apt-get install git) and run again.');
    const said = redact(`${result.stderr}\n${result.stdout}`.trim() || (result.shortMessage ?? `exit ${result.exitCode}`), token);
    const hint =
      code === 'EHOMEBREWTAP'
        ? `Check channels.homebrew.tap (${config.tap}) and branch (${config.branch}); for an https tap, set ${config.tokenEnv} to a token that may read and write it.`
        : `Check that ${config.tokenEnv} holds a token allowed to push to ${config.tap}; nothing else was changed in the tap.`;
    throw new GlideError(code, `git ${args[0]} failed for the Homebrew tap: ${said}`, [hint]);
  }
  return result.stdout;
}

/**
 * git does not print credentials, but it quotes what servers say (`remote: …`), and a server
 * may echo the Authorization header back: the token is cut out raw and in its Basic form.
 */
function redact(text: string, token: string | undefined): string {
  if (!token) return text;
  const forms = [token, Buffer.from(`${TOKEN_USER}:${token}`).toString('base64'), encodeURIComponent(token)];
  return forms.reduce((shown, form) => shown.split(form).join('***'), text);
}
