/** When to try a registry request again. Pure. (Retry-After and the retryable statuses are shared: src/contract/network.ts.) */

/** Exponential backoff: `base`, `2·base`, `4·base`… for retry 1, 2, 3… */
export function backoffMs(retry: number, base: number): number {
  return base * 2 ** Math.max(0, retry - 1);
}
