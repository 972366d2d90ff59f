/** GitHub's rate-limit answers read as waits, and the URLs its API hands us: pure, table-driven. */
import { describe, expect, it } from 'vitest';
import { rateLimitWait, SECONDARY_DEFAULT_WAIT_MS } from '../../release/src/github/rate-limit.js';
import { expandUploadUrl, nextPageUrl } from '../../release/src/github/urls.js';

const NOW = Date.parse('2026-12-01T20:00:00Z');

describe('rateLimitWait', () => {
  it.each([
    ['secondary, Retry-After in seconds', 403, { 'retry-after': '30' }, 'You have exceeded a secondary rate limit', 0, { kind: 'secondary', waitMs: 30_000 }],
    [
      '429 with Retry-After beyond the shared 60 s cap: still a wait, the budget decides',
      429,
      { 'retry-after': '300' },
      undefined,
      0,
      { kind: 'secondary', waitMs: 300_000 },
    ],
    ['Retry-After as an HTTP date', 403, { 'retry-after': 'Tue, 01 Dec 2026 20:00:10 GMT' }, undefined, 0, { kind: 'secondary', waitMs: 10_000 }],
    [
      'primary: remaining 0 waits until the reset, plus a second',
      403,
      { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(NOW / 1000 + 600) },
      'API rate limit exceeded for user ID 1.',
      0,
      { kind: 'primary', waitMs: 601_000 },
    ],
    [
      'Retry-After wins over the reset',
      429,
      { 'retry-after': '5', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(NOW / 1000 + 600) },
      undefined,
      0,
      { kind: 'secondary', waitMs: 5000 },
    ],
    [
      'secondary named in the message only: a minute',
      403,
      {},
      'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
      0,
      { kind: 'secondary', waitMs: SECONDARY_DEFAULT_WAIT_MS },
    ],
    [
      '…doubling while it keeps refusing',
      403,
      {},
      'You have exceeded a secondary rate limit.',
      2,
      { kind: 'secondary', waitMs: 4 * SECONDARY_DEFAULT_WAIT_MS },
    ],
    ['a bare 429: a minute', 429, {}, undefined, 0, { kind: 'secondary', waitMs: SECONDARY_DEFAULT_WAIT_MS }],
  ] as const)('%s', (_name, status, headers, message, refusedBefore, expected) => {
    const wait = rateLimitWait({ status, headers, message }, NOW, refusedBefore);
    expect(wait).toEqual({ ...expected, until: new Date(NOW + expected.waitMs) });
  });

  it.each([
    ['a 403 for missing permissions is a refusal, not a wait', 403, {}, 'Resource not accessible by integration'],
    ['a 403 whose quota is not used up', 403, { 'x-ratelimit-remaining': '4999', 'x-ratelimit-reset': '1' }, 'Must have admin rights to Repository.'],
    ['a 200 reporting remaining 0 is the last allowed request, not a refusal', 200, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1' }, undefined],
    ['a 422', 422, { 'retry-after': '1' }, 'Validation Failed'],
  ] as const)('%s', (_name, status, headers, message) => {
    expect(rateLimitWait({ status, headers, message }, NOW)).toBeUndefined();
  });
});

describe('expandUploadUrl', () => {
  it.each([
    [
      'https://uploads.github.com/repos/o/r/releases/1/assets{?name,label}',
      { name: 'glide_0.1.0_linux_amd64.tar.gz' },
      'https://uploads.github.com/repos/o/r/releases/1/assets?name=glide_0.1.0_linux_amd64.tar.gz',
    ],
    [
      'https://uploads.github.com/repos/o/r/releases/1/assets{?name,label}',
      { name: 'a b&c.txt', label: 'x' },
      'https://uploads.github.com/repos/o/r/releases/1/assets?name=a%20b%26c.txt&label=x',
    ],
    ['https://uploads.github.com/repos/o/r/releases/1/assets{?name,label}', {}, 'https://uploads.github.com/repos/o/r/releases/1/assets'],
  ])('%s with %j', (template, values, expected) => {
    expect(expandUploadUrl(template, values)).toBe(expected);
  });
});

describe('nextPageUrl', () => {
  it.each([
    ['<https://api.github.com/r?page=2>; rel="next", <https://api.github.com/r?page=5>; rel="last"', 'https://api.github.com/r?page=2'],
    ['<https://api.github.com/r?page=1>; rel="prev", <https://api.github.com/r?page=3>; rel="next"', 'https://api.github.com/r?page=3'],
    ['<https://api.github.com/r?page=1>; rel="first", <https://api.github.com/r?page=4>; rel="prev"', undefined],
    [undefined, undefined],
  ])('%s', (link, expected) => {
    expect(nextPageUrl(link)).toBe(expected);
  });
});
