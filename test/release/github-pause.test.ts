// The pause between GitHub writes: github.com always gets its 1 s; another server named by
// GLIDE_RELEASE_GITHUB_API_URL may be given its own with GLIDE_RELEASE_GITHUB_MUTATION_PAUSE_MS.
import { describe, expect, it } from 'vitest';
import { GITHUB_ORIGINS } from '../../release/src/publish/plan.js';
import { githubOrigins, mutationPause } from '../../release/src/publish/stage.js';

const STANDIN = { GLIDE_RELEASE_GITHUB_API_URL: 'http://127.0.0.1:4000', GLIDE_RELEASE_GITHUB_UPLOADS_URL: 'http://127.0.0.1:4001' };

function pause(env: Record<string, string>) {
  return mutationPause(env, githubOrigins(env));
}

describe('mutationPause', () => {
  it.each([
    ['unset, github.com', {}, undefined],
    ['unset, a stand-in', STANDIN, undefined],
    ['blank, a stand-in', { ...STANDIN, GLIDE_RELEASE_GITHUB_MUTATION_PAUSE_MS: ' ' }, undefined],
    ['0 for a stand-in', { ...STANDIN, GLIDE_RELEASE_GITHUB_MUTATION_PAUSE_MS: '0' }, 0],
    ['250 for a stand-in', { ...STANDIN, GLIDE_RELEASE_GITHUB_MUTATION_PAUSE_MS: '250' }, 250],
    ['the most', { ...STANDIN, GLIDE_RELEASE_GITHUB_MUTATION_PAUSE_MS: '60000' }, 60_000],
  ])('%s → %s', (_, env, expected) => {
    expect(pause(env)).toBe(expected);
  });

  it('never shortens the pause for github.com', () => {
    expect(githubOrigins({})).toEqual(GITHUB_ORIGINS);
    expect(() => pause({ GLIDE_RELEASE_GITHUB_MUTATION_PAUSE_MS: '0' })).toThrow(
      expect.objectContaining({ code: 'ECONFIG', message: expect.stringContaining('github.com') }),
    );
  });

  it.each(['-1', '1.5', '1e3', '60001', 'fast', '0x10', '100000'])('refuses %j', (value) => {
    expect(() => pause({ ...STANDIN, GLIDE_RELEASE_GITHUB_MUTATION_PAUSE_MS: value })).toThrow(
      expect.objectContaining({ code: 'ECONFIG', message: expect.stringContaining('not a number of milliseconds') }),
    );
  });
});
