/** Where publish reads the Snap Store and the Chocolatey feed: the defaults, and each override refused with ECONFIG. */
import { describe, expect, it } from 'vitest';
import { storeLocations } from '../../release/src/publish/stores.js';
import { caught } from '../channels/snap-errors.js';

const SNAP = 'GLIDE_RELEASE_SNAP_STORE_API_URL';
const FEED = 'GLIDE_RELEASE_CHOCOLATEY_FEED_URL';

describe('storeLocations', () => {
  it.each([
    ['nothing set: the real stores', {}, { snapStoreApi: 'https://api.snapcraft.io', chocolateyFeed: 'https://community.chocolatey.org/api/v2' }],
    [
      'empty values count as unset',
      { [SNAP]: ' ', [FEED]: '' },
      { snapStoreApi: 'https://api.snapcraft.io', chocolateyFeed: 'https://community.chocolatey.org/api/v2' },
    ],
    [
      'loopback stand-ins over http',
      { [SNAP]: 'http://127.0.0.1:8080', [FEED]: 'http://127.0.0.1:8081/api/v2/' },
      { snapStoreApi: 'http://127.0.0.1:8080', chocolateyFeed: 'http://127.0.0.1:8081/api/v2' },
    ],
    [
      'another https store (a mirror, a proxy of the feed)',
      { [SNAP]: 'https://snaps.example.org/', [FEED]: 'https://nuget.example.org/chocolatey' },
      { snapStoreApi: 'https://snaps.example.org', chocolateyFeed: 'https://nuget.example.org/chocolatey' },
    ],
  ])('%s', (_what, env, expected) => {
    expect(storeLocations(env)).toEqual(expected);
  });

  it.each([
    [SNAP, 'api.snapcraft.io', 'is not a URL'],
    [SNAP, 'ftp://api.snapcraft.io', 'is not an https URL'],
    [SNAP, 'http://api.snapcraft.io', 'is not an https URL'],
    [SNAP, 'https://api.snapcraft.io/v2', 'has a path'],
    [SNAP, 'https://user:s3cret-pass@api.snapcraft.io', 'holds credentials'],
    [FEED, 'https://:s3cret-pass@community.chocolatey.org/api/v2', 'holds credentials'],
    [FEED, 'https://community.chocolatey.org/api/v2?key=s3cret-pass', 'has a query'],
    [FEED, 'http://community.chocolatey.org/api/v2', 'is not an https URL'],
  ])('%s=%s is refused (ECONFIG), the value never echoed', (name, value, why) => {
    const error = caught(() => storeLocations({ [name]: value }));
    expect(error.code).toBe('ECONFIG');
    expect(error.message).toContain(`${name} ${why}`);
    expect([error.message, ...error.details].join('\n')).not.toContain('s3cret');
  });
});
