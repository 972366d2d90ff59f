/**
 * sendPlannedChannelRequests, the maintainer's part that the e2e tests play: a planned Chocolatey
 * push lands on the feed stand-in as the package publish wrote; a line it cannot act on is refused.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyChocolatey, planChocolatey } from '../../release/src/channels/chocolatey/plan.js';
import { readChocolateyFeed } from '../../release/src/channels/chocolatey/feed.js';
import { formatChannelMutation } from '../../release/src/publish/channels.js';
import { HttpClient } from '../../src/net/http.js';
import { chocolateyConfig, chocolateyLedger } from '../channels/chocolatey-fixtures.js';
import { sendPlannedChannelRequests } from '../helpers/channel-stores.js';
import { startChocolateyFeedStandin, type ChocolateyFeedStandin } from '../helpers/chocolatey-feed-standin.js';

let out: string;
let feed: ChocolateyFeedStandin;
let stdout: string;
let nupkg: Buffer;

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'glide-channel-stores-'));
  feed = await startChocolateyFeedStandin();
  const ledger = chocolateyLedger('0.1.0-rc.1');
  const plan = await planChocolatey(ledger, chocolateyConfig(), new Map());
  await applyChocolatey(plan, join(out, ledger.tag, 'chocolatey'));
  nupkg = plan.mutations[0]!.nupkg;
  // publish's stdout: a line that is not planned-only, then the push line.
  stdout = `helm: PUT oci://registry.test/charts/glide:0.1.0-rc.1 manifest sha256:${'1'.repeat(64)}\n${formatChannelMutation(plan.mutations[0]!)}\n`;
});
afterAll(async () => {
  await feed?.close();
  if (out) await rm(out, { recursive: true, force: true });
});

describe('sendPlannedChannelRequests', () => {
  it('a line for a store not given is refused, and nothing is sent', async () => {
    await expect(sendPlannedChannelRequests(stdout, out, {})).rejects.toThrow('no chocolateyFeed was given');
    expect(feed.list('glide')).toEqual([]);
  });

  it('a package that is not the bytes its line names is refused', async () => {
    const tampered = await mkdtemp(join(tmpdir(), 'glide-channel-stores-tampered-'));
    try {
      await applyChocolatey(
        await planChocolatey(chocolateyLedger('0.1.0-rc.1'), chocolateyConfig({ title: 'Not Glide' }), new Map()),
        join(tampered, '0.1.0-rc.1', 'chocolatey'),
      );
      await expect(sendPlannedChannelRequests(stdout, tampered, { chocolateyFeed: feed })).rejects.toThrow('is not the package publish planned');
    } finally {
      await rm(tampered, { recursive: true, force: true });
    }
  });

  it('an unknown planned-only line is refused', async () => {
    await expect(sendPlannedChannelRequests('snap: POST https://elsewhere.example/ x (planned only: not sent)\n', out, {})).rejects.toThrow(
      'not a planned-only request',
    );
  });

  it("pushes the package publish wrote: the feed then lists its version, a pre-release, with the package's sha512", async () => {
    const sent = await sendPlannedChannelRequests(stdout, out, { chocolateyFeed: feed });
    const sha512 = createHash('sha512').update(nupkg).digest('base64');
    expect(sent).toEqual({ snaps: [], packages: [{ id: 'glide', version: '0.1.0-rc01', hash: sha512, prerelease: true }] });
    const client = new HttpClient({ proxy: {}, apiOrigin: 'https://api.github.com', userAgent: 'glide-release-test', retries: 0 });
    try {
      // What publish reads next time: this version with this hash, so planChocolatey plans nothing.
      const listed = await readChocolateyFeed('glide', { client, feedUrl: feed.url });
      expect([...listed]).toEqual([['0.1.0-rc01', sha512]]);
      expect((await planChocolatey(chocolateyLedger('0.1.0-rc.1'), chocolateyConfig(), listed)).mutations).toEqual([]);
    } finally {
      await client.close();
    }
  });

  it('a second push of the same version is refused, as the feed refuses it', async () => {
    await expect(sendPlannedChannelRequests(stdout, out, { chocolateyFeed: feed })).rejects.toThrow('already on the feed');
  });
});
