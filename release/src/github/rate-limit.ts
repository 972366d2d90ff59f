/**
 * How long GitHub asks us to stay away after a rate-limit answer, read the way its REST guide
 * says (decision 0035): `retry-after` first, then `x-ratelimit-remaining: 0` until
 * `x-ratelimit-reset`, else a minute, doubling while it keeps refusing. Pure.
 */
import { retryAfterMs } from '../../../src/net/retry.js';
import { header, type ResponseHeaders } from '../../../src/net/transport.js';

/** GitHub's "otherwise, wait for at least one minute" for a secondary limit that names no time. */
export const SECONDARY_DEFAULT_WAIT_MS = 60_000;

export interface RateLimitWait {
  /** `primary`: the hourly quota is used up; `secondary`: too fast or too many at once. */
  readonly kind: 'primary' | 'secondary';
  readonly waitMs: number;
  /** When the next request may go, for messages. */
  readonly until: Date;
}

export interface RateLimitAnswer {
  readonly status: number;
  readonly headers: ResponseHeaders;
  /** The JSON `message`: a 403 without headers is a secondary limit only if it says so. */
  readonly message: string | undefined;
}

/**
 * The wait a response asks for, or undefined when it is not a rate limit (a 403 for missing
 * permissions is a refusal, not a "later"). `refusedBefore` counts the rate-limit answers this
 * same request already got: the wait without a named time doubles with each.
 */
export function rateLimitWait(answer: RateLimitAnswer, now: number, refusedBefore = 0): RateLimitWait | undefined {
  if (answer.status !== 403 && answer.status !== 429) return undefined;
  const at = (waitMs: number, kind: RateLimitWait['kind']): RateLimitWait => ({ kind, waitMs, until: new Date(now + waitMs) });
  const asked = retryAfterMs(header(answer.headers, 'retry-after'), now);
  if (asked !== undefined) return at(asked, 'secondary');
  if (header(answer.headers, 'x-ratelimit-remaining') === '0') {
    const reset = Number(header(answer.headers, 'x-ratelimit-reset'));
    // The reset is in epoch seconds; one more second covers the clocks' rounding.
    if (Number.isFinite(reset) && reset > 0) return at(Math.max(0, reset * 1000 - now) + 1000, 'primary');
    return at(SECONDARY_DEFAULT_WAIT_MS, 'primary');
  }
  if (answer.status === 429 || /secondary rate limit|abuse/i.test(answer.message ?? '')) {
    return at(SECONDARY_DEFAULT_WAIT_MS * 2 ** refusedBefore, 'secondary');
  }
  return undefined;
}
