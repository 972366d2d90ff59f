/**
 * Waiting for a started Glide to be ready: `GET /v1/health/` until it answers 200 (decision
 * 0026). Requests go through the shared transport without a proxy: the gateway is on this
 * machine, and a proxy from HTTPS_PROXY must not answer for it.
 */
import { GlideError } from '#contract';
import { errorCode } from '../net/errors.js';
import { sleep } from '../net/retry.js';
import { createDispatcher, redactUrl, requestFollowingRedirects } from '../net/transport.js';

export interface HealthWait {
  /** How long Glide has to answer 200, from the first probe. */
  readonly timeoutMs: number;
  /** Ctrl-C: the wait ends at once with ECANCELLED (or the signal's own GlideError). */
  readonly signal?: AbortSignal;
  /** Resolves with why waiting is pointless ("glide exited with code 1"): the wait ends at once with EUNHEALTHY naming it. A rejection ends it with that error. */
  readonly gaveUp?: Promise<string>;
  /** Pause between probes (shorter in the first second, see EARLY_INTERVAL_MS). */
  readonly intervalMs?: number;
}

// A probe that hangs this long (accepted, never answered) counts as one failed answer.
const PROBE_STALL_MS = 2_000;
const DEFAULT_INTERVAL_MS = 100;
// A local Glide answers within tens of milliseconds of starting: probing every 20 ms at first
// finds it then, not up to a whole interval later; a refused loopback connection costs nothing.
const EARLY_INTERVAL_MS = 20;
const EARLY_PERIOD_MS = 1_000;

/** Resolves on the first 200 from `url`; otherwise throws EUNHEALTHY naming the last answer, or the reason the wait ended. */
export async function waitForHealthy(url: URL, { timeoutMs, signal, gaveUp, intervalMs = DEFAULT_INTERVAL_MS }: HealthWait): Promise<void> {
  const shown = redactUrl(url.toString());
  let lastAnswer = 'no answer yet';
  const ended = new AbortController();
  const onCancel = (): void => ended.abort(signal?.reason instanceof GlideError ? signal.reason : new GlideError('ECANCELLED', 'Cancelled.'));
  if (signal?.aborted) onCancel();
  signal?.addEventListener('abort', onCancel, { once: true });
  gaveUp?.then(
    (why) =>
      ended.abort(new GlideError('EUNHEALTHY', `Glide stopped before it was healthy: ${why}.`, [`Nothing answered ${shown}; its output above says why.`])),
    // It could not even start (ESMOKE): that, not a timeout, is the answer.
    (error: unknown) => ended.abort(error),
  );
  const timer = setTimeout(() => ended.abort(timedOut(shown, timeoutMs, lastAnswer)), timeoutMs);
  const dispatcher = createDispatcher({}, PROBE_STALL_MS);
  const started = performance.now();
  try {
    for (;;) {
      try {
        const { response } = await requestFollowingRedirects(url, { dispatcher, headers: () => ({}), follow: false, signal: ended.signal });
        await response.body.dump();
        if (response.statusCode === 200) return;
        lastAnswer = `HTTP ${response.statusCode}`;
      } catch (error) {
        if (ended.signal.aborted) throw ended.signal.reason;
        lastAnswer = `no connection (${errorCode(error) ?? (error instanceof Error ? error.message : String(error))})`;
      }
      const early = performance.now() - started < EARLY_PERIOD_MS;
      await sleep(early ? Math.min(intervalMs, EARLY_INTERVAL_MS) : intervalMs, ended.signal);
    }
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onCancel);
    await dispatcher.close();
  }
}

function timedOut(shown: string, timeoutMs: number, lastAnswer: string): GlideError {
  return new GlideError('EUNHEALTHY', `Glide did not answer ${shown} with 200 within ${duration(timeoutMs)}; the last answer: ${lastAnswer}.`, [
    "Glide's output above says what it is doing; check the config's api.http host and port, then run again.",
  ]);
}

function duration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`;
}
