/**
 * How the installers' CLIs end on a failure: a cancel is one line and 130; a GlideError its
 * code, message and next steps, and 2 for a usage error, else 1; anything else a bug to report.
 */
import { isGlideError } from '#contract';

export function reportFailure(error: unknown, io: { readonly stderr: NodeJS.WritableStream; readonly signal?: AbortSignal }): number {
  if ((isGlideError(error) && error.code === 'ECANCELLED') || io.signal?.aborted) {
    if (!isGlideError(error) || error.code !== 'ECANCELLED') error = io.signal?.reason;
    io.stderr.write(`${error instanceof Error ? error.message : 'Cancelled.'}\n`);
    return 130;
  }
  const glideError = isGlideError(error) ? error : undefined;
  const lines = glideError
    ? [`${glideError.code}: ${glideError.message}`, ...glideError.details.map((line) => `  ${line}`)]
    : [
        `Unexpected failure: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
        '  Please report it at https://github.com/EinStack/create-glide/issues',
      ];
  io.stderr.write(`${lines.join('\n')}\n`);
  return glideError?.code === 'EUSAGE' ? 2 : 1;
}
