/**
 * When to try a request again and how long to wait first, and the one retry loop every client
 * here runs (the installers' requests and downloads, the registry client's requests and blob
 * uploads). Decision 0019.
 */
import { isTransientNetworkError } from './errors.js';

/** Statuses that say "not now" rather than "no": worth another attempt. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 500, 502, 503, 504]);

/**
 * The longest `Retry-After` we wait. A server asking for longer gets its answer reported at
 * once, saying how long it asked, rather than a hung run or a retry before the time it named.
 */
export const MAX_RETRY_AFTER_MS = 60_000;

/** A `Retry-After` value (seconds, or an HTTP date) in milliseconds from `now`; undefined when absent or unreadable. */
export function retryAfterMs(value: string | undefined, now: number): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * Exponential backoff for retry 1, 2, 3…: `base`, `2·base`, `4·base`, each ±25 % so that
 * clients cut off by the same failure do not all come back at the same instant.
 */
export function backoffMs(retry: number, base: number, random: () => number = Math.random): number {
  return Math.round(base * 2 ** Math.max(0, retry - 1) * (0.75 + random() * 0.5));
}

/** How long to wait before retry `retry`: what `Retry-After` asks, else the backoff; undefined when it asks for more than we wait. */
export function retryDelayMs(retry: number, base: number, retryAfter: string | undefined, now: number): number | undefined {
  const asked = retryAfterMs(retryAfter, now);
  if (asked === undefined) return backoffMs(retry, base);
  return asked <= MAX_RETRY_AFTER_MS ? asked : undefined;
}

/** What an attempt's outcome asks for: keep it (`final`), another attempt after the backoff or the server's `Retry-After`, or one at once (`now`). */
export type Verdict = 'final' | 'now' | { readonly retryAfter?: string | undefined };

export interface RetryOptions<T> {
  /** Attempts after the first. */
  readonly retries: number;
  /** The first backoff delay; doubled per retry. */
  readonly backoffMs: number;
  /** Ends the wait between attempts (a deadline, Ctrl-C), rejecting with its reason. */
  readonly signal?: AbortSignal | undefined;
  /** Whether a result asks for another attempt (a retryable status). Default: never. */
  readonly retryResult?: (result: T) => Verdict;
  /** Whether a failure asks for another attempt. Default: a transient network error. */
  readonly retryError?: (error: unknown) => Verdict;
  /** A result given up for another attempt: let go of its body. */
  readonly drop?: (result: T) => void;
  /** Told before each wait (to count retries, or log them). */
  readonly onRetry?: (retry: number, delayMs: number) => void;
}

/**
 * Runs `attempt` (given its retry number, 0 for the first) until its outcome is final or the
 * retries are spent, then returns or throws the last outcome as it is: callers explain it.
 */
export async function withRetries<T>(attempt: (retry: number) => Promise<T>, options: RetryOptions<T>): Promise<T> {
  const retryError = options.retryError ?? ((error: unknown): Verdict => (isTransientNetworkError(error) ? {} : 'final'));
  for (let retry = 0; ; retry++) {
    let outcome: { readonly result: T } | { readonly error: unknown };
    let verdict: Verdict;
    try {
      const result = await attempt(retry);
      outcome = { result };
      verdict = options.retryResult?.(result) ?? 'final';
    } catch (error) {
      outcome = { error };
      verdict = retryError(error);
    }
    const delay =
      verdict === 'final' || retry >= options.retries
        ? undefined
        : verdict === 'now'
          ? 0
          : retryDelayMs(retry + 1, options.backoffMs, verdict.retryAfter, Date.now());
    if (delay === undefined) {
      if ('error' in outcome) throw outcome.error;
      return outcome.result;
    }
    if ('result' in outcome) options.drop?.(outcome.result);
    options.onRetry?.(retry + 1, delay);
    if (delay > 0) await sleep(delay, options.signal);
  }
}

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
