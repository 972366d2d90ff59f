export interface PoolOptions {
  /**
   * When several tasks fail, report the one earliest in `items`, not the first to fail: a
   * failure waits for the tasks before it to end before it cancels the rest. The caller orders
   * `items` so that the earliest failure explains the others best (the host's own binary first).
   */
  readonly earliestFailureWins?: boolean;
}

/**
 * Runs `work` over `items` with at most `limit` holding a slot at a time, started in order of
 * `items`. A task may give its slot up before it ends (`releaseSlot`) and go on beside the next
 * ones. The first failure starts nothing new and aborts `signal` for the rest (at once, or once
 * the tasks before it have ended: `earliestFailureWins`); a failure is rethrown once every
 * started task has settled, so no task is left writing when the caller cleans up.
 */
export async function runPool<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, signal: AbortSignal, releaseSlot: () => void) => Promise<R>,
  parent: AbortSignal,
  options: PoolOptions = {},
): Promise<R[]> {
  const controller = new AbortController();
  const onParentAbort = () => controller.abort(parent.reason);
  parent.addEventListener('abort', onParentAbort, { once: true });
  const slots = semaphore(Math.max(1, limit));
  const tasks: Promise<R>[] = [];
  let failure: { error: unknown } | undefined;
  const run = async (item: T, index: number, releaseSlot: () => void): Promise<R> => {
    try {
      return await work(item, controller.signal, releaseSlot);
    } catch (error) {
      // Set before the slot is given back, so the loop below starts nothing after a failure.
      failure ??= { error };
      if (options.earliestFailureWins) void Promise.allSettled(tasks.slice(0, index)).then(() => controller.abort(error));
      else controller.abort(error);
      throw error;
    } finally {
      releaseSlot();
    }
  };
  let settled: PromiseSettledResult<R>[];
  try {
    for (const [index, item] of items.entries()) {
      const releaseSlot = await slots.acquire();
      if (failure || controller.signal.aborted) {
        releaseSlot();
        break;
      }
      const task = run(item, index, releaseSlot);
      // Handled here so a failure while later items start is no unhandled rejection; reported below.
      task.catch(() => undefined);
      tasks.push(task);
    }
    settled = await Promise.allSettled(tasks);
  } finally {
    parent.removeEventListener('abort', onParentAbort);
  }
  // A cancelled parent explains every failure after it (killed builds): report its reason.
  if (parent.aborted) throw parent.reason;
  if (failure) {
    const earliest = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    throw options.earliestFailureWins && earliest ? earliest.reason : failure.error;
  }
  return settled.map((result) => (result as PromiseFulfilledResult<R>).value);
}

/** `count` slots; acquire() resolves to the function that gives its slot back (once, however often called). */
function semaphore(count: number) {
  let free = count;
  const waiting: (() => void)[] = [];
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else free++;
  };
  const slot = () => {
    let held = true;
    return () => {
      if (held) {
        held = false;
        release();
      }
    };
  };
  return {
    acquire: async (): Promise<() => void> => {
      if (free > 0) {
        free--;
        return slot();
      }
      await new Promise<void>((resolve) => waiting.push(resolve));
      return slot();
    },
  };
}
