/** When to try a registry request again. Pure: the clock is passed in. */

/** Statuses that say "not now" rather than "no": worth another attempt. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 500, 502, 503, 504]);

/** A `Retry-After` value (seconds, or an HTTP date) in milliseconds from `now`; undefined when absent or unreadable. */
export function retryAfterMs(value: string | undefined, now: number): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Exponential backoff: `base`, `2·base`, `4·base`… for retry 1, 2, 3… */
export function backoffMs(retry: number, base: number): number {
  return base * 2 ** Math.max(0, retry - 1);
}
