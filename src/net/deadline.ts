/** An overall deadline over work that may retry, resume and wait: decision 0013. */

/**
 * Runs `work` with a signal that aborts, with `tooSlow()`'s error as the reason, once `ms`
 * have passed, or with `cancel`'s reason when it aborts (Ctrl-C). Whatever the aborted
 * request threw, the deadline's error is what the caller sees.
 */
export async function withDeadline<T>(
  ms: number,
  tooSlow: () => Error,
  cancel: AbortSignal | undefined,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(tooSlow()), ms);
  const onCancel = (): void => deadline.abort(cancel?.reason);
  if (cancel?.aborted) onCancel();
  cancel?.addEventListener('abort', onCancel, { once: true });
  try {
    return await work(deadline.signal);
  } catch (error) {
    throw deadline.signal.aborted && !cancel?.aborted ? deadline.signal.reason : error;
  } finally {
    clearTimeout(timer);
    cancel?.removeEventListener('abort', onCancel);
  }
}
