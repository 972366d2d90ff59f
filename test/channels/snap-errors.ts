/** The GlideError a snap test expects, or a failure saying none came. */
import { GlideError } from '#contract';

export function caught(run: () => unknown): GlideError {
  try {
    run();
  } catch (error) {
    if (error instanceof GlideError) return error;
    throw error;
  }
  throw new Error('expected a GlideError');
}

export async function rejection(promise: Promise<unknown>): Promise<GlideError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (error instanceof GlideError) return error;
  throw new Error(`expected a GlideError, got ${String(error)}`);
}
