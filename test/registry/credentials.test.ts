import { describe, expect, it } from 'vitest';
import { registryCredentials } from '../../src/registry/credentials.js';

const b64 = (text: string) => Buffer.from(text).toString('base64');

describe('registry credentials', () => {
  it.each([
    ['ghcr.io', { GITHUB_TOKEN: 't', GITHUB_ACTOR: 'octo' }, undefined, { username: 'octo', password: 't' }, 'GITHUB_TOKEN'],
    ['ghcr.io', { GITHUB_TOKEN: 't' }, undefined, { username: 'glide-release', password: 't' }, 'GITHUB_TOKEN'],
    [
      'docker.io',
      { GITHUB_TOKEN: 't' },
      { auths: { 'https://index.docker.io/v1/': { auth: b64('me:pw:with:colons') } } },
      { username: 'me', password: 'pw:with:colons' },
      "Docker's config (https://index.docker.io/v1/)",
    ],
    [
      '127.0.0.1:5000',
      {},
      { auths: { '127.0.0.1:5000': { username: 'u', password: 'p' } } },
      { username: 'u', password: 'p' },
      "Docker's config (127.0.0.1:5000)",
    ],
    [
      'quay.io',
      { GLIDE_REGISTRY_USERNAME: 'a', GLIDE_REGISTRY_PASSWORD: 'b' },
      { auths: { 'quay.io': { auth: b64('x:y') } } },
      { username: 'a', password: 'b' },
      'GLIDE_REGISTRY_USERNAME/GLIDE_REGISTRY_PASSWORD',
    ],
  ])('%s', (registry, env, dockerConfig, credentials, source) => {
    expect(registryCredentials(registry, { env, dockerConfig })).toEqual({ credentials, source });
  });
  it.each([
    ['ghcr.io', {}, undefined],
    ['quay.io', { GITHUB_TOKEN: 't' }, { auths: { 'ghcr.io': { auth: b64('x:y') } } }],
    ['quay.io', {}, { auths: { 'quay.io': { auth: b64('no-colon') } } }],
  ])('none for %s', (registry, env, dockerConfig) => {
    expect(registryCredentials(registry, { env, dockerConfig })).toBeUndefined();
  });
});
