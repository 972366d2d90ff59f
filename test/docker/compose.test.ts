import { describe, expect, it } from 'vitest';
import { parseComposeVersion } from '../../src/docker/compose.js';

describe('parseComposeVersion', () => {
  it.each([
    ['Docker Compose version v2.29.7\n', { version: 'v2', release: '2.29.7' }],
    ['Docker Compose version 2.26.1-4\n', { version: 'v2', release: '2.26.1' }],
    ['docker-compose version 1.29.2, build unknown\ndocker-py version: 5.0.3\n', { version: 'v1', release: '1.29.2' }],
    ['docker-compose version 1.25.0, build 0a186604\n', { version: 'v1', release: '1.25.0' }],
    // A standalone v2 binary installed as docker-compose.
    ['Docker Compose version v5.0.1\n', { version: 'v2', release: '5.0.1' }],
    ["docker: 'compose' is not a docker command.\n", undefined],
    ['', undefined],
  ])('%j', (text, expected) => {
    expect(parseComposeVersion(text)).toEqual(expected);
  });
});
