/** GitHubClient.tagCommit against the GitHub stand-in: the commit a pushed tag names, an annotated tag peeled through its tag object. */
import { afterEach, describe, expect, it } from 'vitest';
import { GitHubClient } from '../../release/src/github/client.js';
import { startGitHubStandin, type GitHubStandin } from '../helpers/github-standin.js';

const COMMIT = 'c'.repeat(40);
const TOKEN = 'ghp_tagCommitStandinToken000000000000000000';

let github: GitHubStandin;
let client: GitHubClient;

afterEach(async () => {
  await client.close();
  await github.close();
});

describe('GitHubClient.tagCommit', () => {
  it.each([
    ['a lightweight tag: the commit its ref names', 'light', COMMIT, 1],
    ['an annotated tag: peeled through its tag object to the commit', 'annotated', COMMIT, 2],
    ['a tag not pushed: undefined', 'missing', undefined, 1],
  ])('%s', async (_name, tag, expected, requests) => {
    github = await startGitHubStandin({
      repo: 'EinStack/glide',
      token: TOKEN,
      releases: [],
      tags: { light: COMMIT, annotated: COMMIT },
      annotatedTags: ['annotated'],
    });
    client = new GitHubClient({
      repository: 'EinStack/glide',
      token: TOKEN,
      apiOrigin: github.apiUrl,
      uploadsOrigin: github.uploadsUrl,
      proxy: {},
      backoffMs: 1,
    });
    expect(await client.tagCommit(tag)).toBe(expected);
    expect(client.stats.requests['git.ref']).toBe(requests);
  });
});
