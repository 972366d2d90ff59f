/**
 * A branch of a git repository that a channel writes files to (the Homebrew tap, the Helm
 * chart repository's Pages branch): read, committed on top of, pushed. Plumbing only
 * (read-tree, hash-object, update-index, commit-tree): nothing from the branch is checked out,
 * so a symlink in it can never redirect a write. The token of an https remote reaches git
 * through a credential helper that reads it from the environment: never in a URL, an argument
 * or a log.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { GlideError, type ErrorCode } from '#contract';

/** The variable the credential helper reads; the config's tokenEnv is copied into it for git alone. */
const TOKEN_VARIABLE = 'GLIDE_RELEASE_TAP_TOKEN';
// `get` is the only question git asks a helper that should be answered; `store`/`erase` are ignored.
const TOKEN_USER = 'x-access-token';
const CREDENTIAL_HELPER = `!f() { test "$1" = get && echo username=${TOKEN_USER} && echo "password=$${TOKEN_VARIABLE}"; }; f`;

/** Where the branch is and who commits: the part of a channel's config git needs. */
export interface GitBranchTarget {
  /** A git URL (https://, ssh) or a local path; never credentials in it (the configs refuse them). */
  readonly remote: string;
  readonly branch: string;
  readonly tokenEnv: string;
  readonly committer: { readonly name: string; readonly email: string };
}

/** How the channel names its failures: a code and a next step for reading, and for pushing. */
export interface GitBranchErrors {
  /** `the Homebrew tap`, `the Helm repository`: said in messages. */
  readonly what: string;
  /** `homebrew`, `helm`: the prefix of log lines. */
  readonly label: string;
  readonly read: { readonly code: ErrorCode; readonly hint: string };
  readonly push: { readonly code: ErrorCode; readonly hint: string };
}

export interface GitBranchOptions {
  readonly env: NodeJS.ProcessEnv;
  readonly log?: (line: string) => void;
  /** Runs between the commit and the push: the seam where a test moves the branch as a concurrent release would. */
  readonly beforePush?: () => Promise<void>;
}

/** The branch as read: its head (undefined: no such branch yet) and the text of each file asked for (undefined: absent). */
export interface BranchState {
  readonly head: string | undefined;
  readonly files: ReadonlyMap<string, string | undefined>;
}

/** One commit to make: these files replaced or added on top of `base`, everything else kept. */
export interface BranchCommit {
  /** The commit the branch was at when planned; git refuses the push if it moved. */
  readonly base: string | undefined;
  readonly files: readonly { readonly path: string; readonly content: string | Uint8Array }[];
  readonly message: string;
}

interface Open {
  readonly dir: string;
  readonly state: BranchState;
}

/** Reads the branch's head and the files at `paths` (a throwaway fetch into a temporary folder). */
export async function readBranch(target: GitBranchTarget, paths: readonly string[], options: GitBranchOptions, errors: GitBranchErrors): Promise<BranchState> {
  const open = await openBranch(target, paths, options, errors);
  await rm(open.dir, { recursive: true, force: true });
  return open.state;
}

/**
 * Commits and pushes. The branch moved since the plan (another release pushed) → `replan` on
 * what it holds now, once; moved again during that push → the push error, nothing forced.
 * Returns the commit pushed, or undefined when the new plan had nothing to push.
 */
export async function pushToBranch<C extends BranchCommit>(
  target: GitBranchTarget,
  paths: readonly string[],
  planned: C,
  replan: (state: BranchState) => C | undefined,
  options: GitBranchOptions,
  errors: GitBranchErrors,
): Promise<{ readonly pushed: string | undefined; readonly commit: C | undefined }> {
  let push: C | undefined = planned;
  for (let attempt = 1; push; attempt++) {
    const open = await openBranch(target, paths, options, errors);
    try {
      if (open.state.head !== push.base) {
        options.log?.(
          `${errors.label}: ${target.remote} ${target.branch} moved since the plan (now ${open.state.head?.slice(0, 12) ?? 'empty'}); planning again`,
        );
        push = replan(open.state);
        if (!push) return { pushed: undefined, commit: undefined };
      }
      const commit = await commitFiles(open.dir, push, target, options, errors);
      await options.beforePush?.();
      if (await pushCommit(open.dir, push, commit, target, options, errors)) {
        options.log?.(
          `${errors.label}: pushed ${push.files.map((file) => file.path).join(', ')} "${push.message}" to ${target.remote} ${target.branch} (${commit.slice(0, 12)})`,
        );
        return { pushed: commit, commit: push };
      }
      if (attempt === 2) {
        throw new GlideError(errors.push.code, `${target.remote} ${target.branch} moved twice while "${push.message}" was being pushed: nothing was forced.`, [
          `Another release is writing to ${errors.what}. Wait for it to finish, then publish again: the plan reads it anew.`,
        ]);
      }
      options.log?.(`${errors.label}: ${target.remote} ${target.branch} moved during the push; reading it again`);
    } finally {
      await rm(open.dir, { recursive: true, force: true });
    }
  }
  return { pushed: undefined, commit: undefined };
}

async function openBranch(target: GitBranchTarget, paths: readonly string[], options: GitBranchOptions, errors: GitBranchErrors): Promise<Open> {
  const dir = await mkdtemp(join(tmpdir(), 'glide-branch-'));
  const read = (args: readonly string[], strip = true) => git(dir, args, target, options, errors, 'read', strip);
  try {
    await read(['init', '--quiet', '--bare']);
    const heads = await read(['ls-remote', '--heads', '--', target.remote, `refs/heads/${target.branch}`]);
    const head = heads
      .split('\n')
      .find((line) => line.endsWith(`\trefs/heads/${target.branch}`))
      ?.split('\t')[0];
    const files = new Map<string, string | undefined>(paths.map((path) => [path, undefined]));
    if (head === undefined) return { dir, state: { head: undefined, files } };
    await read(['fetch', '--quiet', '--no-tags', '--depth=1', '--', target.remote, head]);
    for (const path of paths) {
      const entry = await read(['ls-tree', head, '--', path]);
      if (entry === '') continue;
      if (!entry.startsWith('100644 blob ') && !entry.startsWith('100755 blob ')) {
        throw new GlideError(
          errors.read.code,
          `${path} in ${target.remote} is not a plain file (${entry.split(/\s/)[0]}): glide-release does not write through it.`,
          [`Replace it in ${errors.what} with a regular file (or remove it), then publish again.`],
        );
      }
      files.set(path, await read(['cat-file', 'blob', `${head}:${path}`], false));
    }
    return { dir, state: { head, files } };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** The branch's tree with the files replaced, committed on top of the planned base. */
async function commitFiles(dir: string, push: BranchCommit, target: GitBranchTarget, options: GitBranchOptions, errors: GitBranchErrors): Promise<string> {
  const run = (args: readonly string[], input?: string | Uint8Array) => git(dir, args, target, options, errors, 'push', true, input);
  await run(push.base ? ['read-tree', push.base] : ['read-tree', '--empty']);
  for (const file of push.files) {
    const blob = await run(['hash-object', '-w', '--stdin'], file.content);
    await run(['update-index', '--add', '--cacheinfo', `100644,${blob},${file.path}`]);
  }
  const tree = await run(['write-tree']);
  return run(['commit-tree', tree, ...(push.base ? ['-p', push.base] : []), '-m', push.message]);
}

/** True when pushed; false when the branch is no longer at the planned base (git refused the update). */
async function pushCommit(
  dir: string,
  push: BranchCommit,
  commit: string,
  target: GitBranchTarget,
  options: GitBranchOptions,
  errors: GitBranchErrors,
): Promise<boolean> {
  // The lease names the planned base: git refuses the update if the branch is anywhere else, a race included.
  const lease = `--force-with-lease=refs/heads/${target.branch}:${push.base ?? ''}`;
  try {
    await git(dir, ['push', '--porcelain', '--quiet', lease, '--', target.remote, `${commit}:refs/heads/${target.branch}`], target, options, errors, 'push');
    return true;
  } catch (error) {
    if (error instanceof GlideError && /\[(remote )?rejected\]|stale info|failed to update ref|cannot lock ref/.test(error.message)) return false;
    throw error;
  }
}

async function git(
  dir: string,
  args: readonly string[],
  target: GitBranchTarget,
  options: GitBranchOptions,
  errors: GitBranchErrors,
  stage: 'read' | 'push',
  strip = true,
  input?: string | Uint8Array,
): Promise<string> {
  const token = options.env[target.tokenEnv];
  const env: NodeJS.ProcessEnv = {
    ...options.env,
    GIT_DIR: dir,
    // Never wait for a password nobody will type; fail and say which variable to set.
    GIT_TERMINAL_PROMPT: '0',
    GIT_AUTHOR_NAME: target.committer.name,
    GIT_AUTHOR_EMAIL: target.committer.email,
    GIT_COMMITTER_NAME: target.committer.name,
    GIT_COMMITTER_EMAIL: target.committer.email,
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
  const { code, hint } = errors[stage];
  if (result.failed) {
    if ((result as { code?: string }).code === 'ENOENT') throw new GlideError(code, 'git is not installed. Install it (apt-get install git) and run again.');
    const said = redact(`${result.stderr}\n${result.stdout}`.trim() || (result.shortMessage ?? `exit ${result.exitCode}`), token);
    throw new GlideError(code, `git ${args[0]} failed for ${errors.what}: ${said}`, [hint]);
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
