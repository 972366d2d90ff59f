/**
 * Proof that an installed binary is usable before we say "installed": the host's own
 * platform runs it (`--version`, exit 0); any other platform gets its header checked
 * against the target, the same check the release build makes.
 */
import { execFile } from 'node:child_process';
import { checkBinaryHeader, formatTarget, GlideError, readBinaryHead, type Target } from '#contract';

export interface BinaryCheck {
  /** `ran` for a smoke run, `header` when only the header could be checked. */
  readonly how: 'ran' | 'header';
  /** The header's description, plus the first line the binary printed when it ran. */
  readonly evidence: string;
}

export async function checkInstalledBinary(path: string, target: Target, runnable: boolean): Promise<BinaryCheck> {
  const header = checkBinaryHeader(await readBinaryHead(path), target);
  if (!header.ok) {
    throw new GlideError('EBINARYMISMATCH', `The downloaded binary is not a ${formatTarget(target)} one: ${header.reason}`, [
      'Nothing was installed. The release asset is wrongly named or built; report it at https://github.com/EinStack/glide/issues.',
    ]);
  }
  if (!runnable) return { how: 'header', evidence: header.actual.description };
  // Its version text is not trusted (Glide's own releases print `devel`): exit 0 is the proof.
  const run = await runVersion(path);
  const { code } = run;
  const output = run.output || (run.failure ?? '');
  if (code !== 0) {
    throw new GlideError('ESMOKE', `The downloaded Glide does not start here: \`glide --version\` ${code === null ? 'was killed' : `exited ${code}`}.`, [
      ...(output ? [`It said: ${output.split('\n').slice(0, 3).join(' / ')}`] : []),
      'Nothing was installed. If this machine needs another build, pick it with --os/--arch; otherwise report it with the output above.',
    ]);
  }
  return { how: 'ran', evidence: `${header.actual.description}; ${output.split('\n')[0] ?? ''}`.trim() };
}

/** Runs `{path} --version`: its exit code (null when killed or not started), what it printed, and why it could not run. */
export function runVersion(path: string, timeoutMs = 15_000): Promise<{ code: number | null; output: string; failure?: string }> {
  return new Promise((resolve) => {
    execFile(path, ['--version'], { timeout: timeoutMs, windowsHide: true }, (error, stdout, stderr) => {
      const output = `${stdout}${stderr}`.trim();
      if (!error) return resolve({ code: 0, output });
      const code = (error as { code?: unknown }).code;
      resolve({ code: typeof code === 'number' ? code : null, output, failure: error.message });
    });
  });
}
