/** GitHubClient.tagCommit: the commit a pushed tag names, an annotated tag peeled, on a loopback API. */
import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { GitHubClient } from '../../release/src/github/client.js';
import { closeServer, listenOnLoopback } from '../helpers/static-mirror.js';

const COMMIT = 'c'.repeat(40);
const TAG_OBJECT = 't'.repeat(40);
const repo = '/repos/EinStack/glide';

/** The two answers GitHub gives: a ref to a commit (lightweight tag) or to a tag object, and the tag object. */
const ROUTES: Readonly<Record<string, unknown>> = {
  [`${repo}/git/ref/tags/light`]: { ref: 'refs/tags/light', object: { sha: COMMIT, type: 'commit' } },
  [`${repo}/git/ref/tags/annotated`]: { ref: 'refs/tags/annotated', object: { sha: TAG_OBJECT, type: 'tag' } },
  [`${repo}/git/tags/${TAG_OBJECT}`]: { sha: TAG_OBJECT, tag: 'annotated', object: { sha: COMMIT, type: 'commit' } },
};

let server: Server;
let client: GitHubClient;

afterEach(async () => {
  await client.close();
  await closeServer(server);
});

async function connect(): Promise<GitHubClient> {
  server = createServer((req, res) => {
    const body = ROUTES[req.url!.split('?')[0]!];
    res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' }).end(JSON.stringify(body ?? { message: 'Not Found' }));
  });
  const origin = await listenOnLoopback(server);
  client = new GitHubClient({ repository: 'EinStack/glide', token: 'ghp_test', apiOrigin: origin, uploadsOrigin: origin, proxy: {}, backoffMs: 1 });
  return client;
}

describe('GitHubClient.tagCommit', () => {
  it.each([
    ['a lightweight tag: the commit its ref names', 'light', COMMIT],
    ['an annotated tag: peeled through its tag object to the commit', 'annotated', COMMIT],
    ['a tag not pushed: undefined', 'missing', undefined],
  ])('%s', async (_name, tag, expected) => {
    expect(await (await connect()).tagCommit(tag)).toBe(expected);
  });
});
