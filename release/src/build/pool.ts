/**
 * Runs `work` over `items` with at most `limit` at a time, in order of `items`. The first
 * failure aborts `signal` for the rest and is rethrown once every started task has settled,
 * so no task is left writing when the caller cleans up.
 */
export async function runPool<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, signal: AbortSignal) => Promise<R>,
  parent: AbortSignal,
): Promise<R[]> {
  const controller = new AbortController();
  const onParentAbort = () => controller.abort(parent.reason);
  parent.addEventListener('abort', onParentAbort, { once: true });
  const results: R[] = new Array(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (next < items.length && !controller.signal.aborted) {
      const index = next++;
      try {
        results[index] = await work(items[index]!, controller.signal);
      } catch (error) {
        failure ??= { error };
        controller.abort(error);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  } finally {
    parent.removeEventListener('abort', onParentAbort);
  }
  // A cancelled parent explains every failure after it (killed builds): report its reason.
  if (parent.aborted) throw parent.reason;
  if (failure) throw failure.error;
  return results;
}
