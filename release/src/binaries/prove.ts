import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, dirname, join } from 'node:path';
import { checkBinaryHeader, formatTarget, GlideError, readBinaryHead, type Target } from '#contract';
import { runGrouped } from '../interrupt.js';

/** The qemu-user binary that runs a Linux target on another CPU. */
const QEMU_ARCH: Record<string, string> = {
  amd64: 'x86_64',
  '386': 'i386',
  arm64: 'aarch64',
  arm: 'arm',
  ppc64le: 'ppc64le',
  s390x: 's390x',
  riscv64: 'riscv64',
};

export interface Host {
  readonly os: string;
  readonly arch: string;
}

/** How a binary can be run here: natively, under qemu-user, or not at all (and why). */
export type Runner = { kind: 'native' } | { kind: 'qemu'; command: string } | { kind: 'none'; reason: string };

/** Pure: which runner a target needs on this host, given the qemu binaries found on PATH. */
export function chooseRunner(target: Target, host: Host, qemuOnPath: ReadonlySet<string>): Runner {
  if (target.os === host.os && target.arch === host.arch) return { kind: 'native' };
  if (target.os !== 'linux' || host.os !== 'linux') return { kind: 'none', reason: `${target.os} binaries cannot run on ${host.os}` };
  const qemuArch = QEMU_ARCH[target.arch];
  const command = qemuArch ? `qemu-${qemuArch}-static` : undefined;
  if (command && qemuOnPath.has(command)) return { kind: 'qemu', command };
  return { kind: 'none', reason: `${command ?? 'qemu-user'} is not installed (apt-get install qemu-user-static)` };
}

export async function findQemuOnPath(pathEnv = process.env.PATH ?? ''): Promise<Set<string>> {
  const wanted = Object.values(QEMU_ARCH).map((arch) => `qemu-${arch}-static`);
  const found = new Set<string>();
  await Promise.all(
    pathEnv
      .split(delimiter)
      .filter(Boolean)
      .flatMap((dir) =>
        wanted.map(async (name) => {
          try {
            await access(join(dir, name), constants.X_OK);
            found.add(name);
          } catch {
            // not in this folder
          }
        }),
      ),
  );
  return found;
}

const QEMU_CRASH_RETRIES = 2;

export interface BinaryProof {
  readonly header: string;
  /** `native`, the qemu command, or `not run: <why>`. */
  readonly ran: string;
  /** The first line the binary printed for --version, when it ran. */
  readonly versionOutput?: string;
}

/**
 * Proves a built binary is what the release says: its header matches the target, and, where
 * it can run here, `--version` prints the injected version. Grepping the bytes would not do:
 * the ldflags are recorded in the binary even when the linker ignored them.
 */
export async function proveBinary(path: string, target: Target, version: string, runner: Runner, signal: AbortSignal): Promise<BinaryProof> {
  const check = checkBinaryHeader(await readBinaryHead(path), target);
  if (!check.ok) {
    throw new GlideError('EBINARYMISMATCH', `The binary built for ${formatTarget(target)} is not one: ${check.reason}.`);
  }
  if (runner.kind === 'none') return { header: check.actual.description, ran: `not run: ${runner.reason}` };

  const [file, args] = runner.kind === 'native' ? [path, ['--version']] : [runner.command, [path, '--version']];
  // qemu-user mishandles the signals Go's scheduler uses for async preemption (linux/386
  // dies with "bad g in signal handler"); a --version run does not need preemption.
  const env: Record<string, string> = runner.kind === 'qemu' ? { GODEBUG: 'asyncpreemptoff=1' } : {};
  const run = () => runGrouped(file, args, { cwd: dirname(path), reject: false, timeout: 60_000, env, signal });
  let result = await run();
  // qemu-user now and then kills a Go binary with a signal of its own making (linux/386:
  // SIGSEGV "morestack on g0"). A crash proves nothing either way, so it is run again; a
  // binary that exits, with whatever it printed, is judged as it is.
  for (let retry = 0; runner.kind === 'qemu' && result.signal && retry < QEMU_CRASH_RETRIES; retry++) result = await run();
  const output = (result.all ?? '').trim();
  const firstLine = JSON.stringify(output.split('\n')[0] ?? '');
  const ran = runner.kind === 'native' ? 'native' : runner.command;
  if (result.exitCode !== 0) {
    throw new GlideError(
      'EVERSIONNOTINJECTED',
      `The ${formatTarget(target)} binary could not run --version (${ran}, exit ${result.exitCode ?? result.signal}): ${firstLine}. Its version is unproven.`,
    );
  }
  if (!new RegExp(`(^|\\s)${escapeRegExp(version)}(\\s|$)`).test(output)) {
    throw new GlideError('EVERSIONNOTINJECTED', `The ${formatTarget(target)} binary run with --version (${ran}) did not print ${version}: ${firstLine}.`, [
      'Check version.package and version.variables in glide-release.config.json: Go ignores -X for a variable that does not exist.',
    ]);
  }
  return { header: check.actual.description, ran, versionOutput: output.split('\n')[0]! };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
