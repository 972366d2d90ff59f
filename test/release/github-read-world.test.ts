/**
 * The publish reader (readGithubWorld) and the plan on what the GitHub stand-in holds: an asset
 * left half-written by an upload cut off mid-body is not there (deleted, then uploaded again), and
 * a finished asset GitHub gives no digest for is downloaded and hashed, never guessed.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GlideError } from '#contract';
import { GitHubClient } from '../../release/src/github/client.js';
import type { ReleaseLedger } from '../../release/src/ledger.js';
import { planPublish } from '../../release/src/publish/plan.js';
import { readGithubWorld } from '../../release/src/publish/read-world.js';
import { expectedAssets } from '../../release/src/publish/world.js';
import { startGitHubStandin, type GitHubStandin } from '../helpers/github-standin.js';
import { COMMIT, ledgerOf } from '../helpers/publish-world.js';

const REPO = 'EinStack/glide';
const TOKEN = 'ghp_readWorldStandinToken00000000000000000';
const BODY = 'the notes';

let dir: string;
let github: GitHubStandin | undefined;
let client: GitHubClient | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'github-read-world-'));
});
afterEach(async () => {
  await client?.close();
  await github?.close();
  client = undefined;
  github = undefined;
  await rm(dir, { recursive: true, force: true });
});

/** The ledger of 0.1.0 (two archives and the checksums file) whose artifacts are files in `dir`, each `content`. */
async function ledgerWithFiles(): Promise<{ ledger: ReleaseLedger; files: Record<string, string> }> {
  const base = ledgerOf('0.1.0');
  const files: Record<string, string> = {};
  const artifacts = await Promise.all(
    base.artifacts.map(async (artifact) => {
      const name = artifact.path.slice(base.tag.length + 1);
      const bytes = Buffer.from(`the bytes of ${name}`);
      files[name] = join(dir, name);
      await writeFile(files[name], bytes);
      return { ...artifact, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
    }),
  );
  return { ledger: { ...base, artifacts }, files };
}

/**
 * A draft of the ledger's tag holding the first archive as uploaded before GitHub computed
 * digests (its bytes `first`), and the second archive half-written by an upload cut off mid-body.
 */
async function draftWithHalfWritten(ledger: ReleaseLedger, first: string): Promise<GitHubStandin> {
  const [archive, second] = expectedAssets(ledger);
  github = await startGitHubStandin({
    repo: REPO,
    token: TOKEN,
    tags: { [ledger.tag]: COMMIT },
    releases: [
      {
        tag: ledger.tag,
        name: `v${ledger.version}`,
        body: BODY,
        draft: true,
        prerelease: false,
        published_at: '2026-01-01T00:00:00Z',
        assets: { [archive!.name]: first },
        assetDigests: false,
      },
    ],
  });
  client = new GitHubClient({
    repository: REPO,
    token: TOKEN,
    apiOrigin: github.apiUrl,
    uploadsOrigin: github.uploadsUrl,
    proxy: {},
    mutationPauseMs: 0,
    backoffMs: 1,
  });
  const draft = (await client.findReleaseByTag(ledger.tag))!;
  github.injectFault('repos/upload-release-asset', { kind: 'drop', when: 'mid-body' });
  const upload = new URL(draft.uploadUrl.replace(/\{\?name,label\}$/, `?name=${encodeURIComponent(second!.name)}`));
  const cut = await fetch(upload, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/octet-stream' },
    body: Buffer.alloc(200_000),
  }).then(
    () => 'answered',
    () => 'cut',
  );
  expect(cut).toBe('cut');
  return github;
}

describe('readGithubWorld and the plan, on a draft a failed run left', () => {
  it('the half-written asset is not there: deleted, then uploaded again; the digestless one is downloaded, found equal, kept', async () => {
    const { ledger, files } = await ledgerWithFiles();
    const [archive, second, checksums] = expectedAssets(ledger);
    const standin = await draftWithHalfWritten(ledger, files[archive!.name]!);
    const downloadsBefore = standin.log.filter((request) => request.host === 'cdn').length;

    const { world } = await readGithubWorld(client!, ledger);

    const [draft] = world.releases;
    const halfWritten = draft!.assets.find((asset) => asset.name === second!.name)!;
    expect(halfWritten).toMatchObject({ state: 'open', size: 0 });
    expect(halfWritten.digest).toBeUndefined();
    expect(draft!.assets.find((asset) => asset.name === archive!.name)).toMatchObject({ state: 'uploaded', digest: `sha256:${archive!.sha256}` });
    // The digestless asset alone was downloaded, anonymously on the CDN; the half-written one was not.
    expect(
      standin.log
        .filter((request) => request.host === 'cdn')
        .slice(downloadsBefore)
        .map((request) => request.authorization),
    ).toEqual([false]);

    const plan = planPublish(ledger, world, { defaultDistro: 'alpine', body: BODY, only: 'github' });
    const steps = plan.mutations.map((mutation) =>
      mutation.kind === 'delete-asset' ? `delete ${mutation.name}` : mutation.kind === 'upload-asset' ? `upload ${mutation.asset.name}` : mutation.kind,
    );
    expect(steps).toEqual([`delete ${second!.name}`, `upload ${second!.name}`, `upload ${checksums!.name}`, 'publish-release']);
    expect(plan.mutations[0]).toMatchObject({ kind: 'delete-asset', release: draft!.id, asset: halfWritten.id });
  });

  it('a digestless asset whose downloaded bytes differ is refused by name, not skipped', async () => {
    const { ledger } = await ledgerWithFiles();
    const [archive] = expectedAssets(ledger);
    const other = join(dir, 'other');
    await writeFile(other, 'other bytes');
    await draftWithHalfWritten(ledger, other);

    const { world } = await readGithubWorld(client!, ledger);

    const error = (() => {
      try {
        planPublish(ledger, world, { defaultDistro: 'alpine', body: BODY, only: 'github' });
      } catch (thrown) {
        return thrown as GlideError;
      }
      return undefined;
    })();
    expect(error?.code).toBe('ERELEASECONFLICT');
    expect(error?.details.join('\n')).toContain(`${archive!.name} is 11 bytes sha256:${createHash('sha256').update('other bytes').digest('hex')}`);
  });
});
