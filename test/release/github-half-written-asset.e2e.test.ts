import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readLedger, type ReleaseLedger } from '../../release/src/ledger.js';
import { startGitHubStandin, type GitHubStandin } from '../helpers/github-standin.js';
import { BUILD_TIMEOUT, StandinRepo } from '../helpers/repo.js';

// An upload cut off mid-body leaves GitHub holding a half-written asset (state "open") under the
// name. A publish that failed on one must be finished by the next run: the dry run names the
// delete and the upload again, the real run does just that, and the release ends as a clean
// publish leaves it, with no duplicate.

const TAG = '0.0.3-rc.1';
const REPO = 'EinStack/glide';
const TOKEN = 'ghp_halfWrittenAssetToken0000000000000000000';
const CLOCK = new Date('2024-06-03T12:00:00Z');
// The client's own retries (4) each delete the half-written asset and upload again; one drop more fails the run.
const DROPS = 5;

let repo: StandinRepo;
let out: string;
let ledger: ReleaseLedger;
let commit: string;
const standins: GitHubStandin[] = [];

beforeAll(async () => {
  repo = await StandinRepo.create();
  await repo.write('glide-release.config.json', `${JSON.stringify({ targets: { matrix: ['linux/amd64', 'darwin/arm64'], skip: [] } }, null, 2)}\n`);
  commit = await repo.commitAll('Two targets', '2024-06-02T10:00:00Z');
  await repo.tag(TAG, 3);
  out = await mkdtemp(join(tmpdir(), 'glide-half-written-'));
  const built = await repo.release(['build', '--out', out]);
  if (built.exitCode !== 0) throw new Error(`build failed:\n${built.all}`);
  ledger = (await readLedger(join(out, TAG)))!;
}, BUILD_TIMEOUT);

afterAll(async () => {
  await Promise.all(standins.map((standin) => standin.close()));
  await rm(repo.dir, { recursive: true, force: true });
  await rm(out, { recursive: true, force: true });
});

async function github(): Promise<GitHubStandin> {
  const standin = await startGitHubStandin({ repo: REPO, token: TOKEN, releases: [], tags: { [TAG]: commit }, now: () => CLOCK });
  standins.push(standin);
  return standin;
}

async function publishTo(standin: GitHubStandin, ...extra: string[]) {
  const result = await repo.release(['publish', '--only', 'github', '--tag', TAG, '--out', out, ...extra], {
    GITHUB_TOKEN: TOKEN,
    GLIDE_RELEASE_GITHUB_API_URL: standin.apiUrl,
    GLIDE_RELEASE_GITHUB_UPLOADS_URL: standin.uploadsUrl,
  });
  expect(result.all).not.toContain(TOKEN);
  return result;
}

/** The draft's assets as GitHub lists them to the token: name, state and size. */
async function listedAssets(standin: GitHubStandin): Promise<{ id: number; name: string; state: string; size: number }[]> {
  const headers = { authorization: `Bearer ${TOKEN}`, accept: 'application/vnd.github+json' };
  const [draft] = (await (await fetch(`${standin.apiUrl}/repos/${REPO}/releases`, { headers })).json()) as { id: number }[];
  const assets = (await (await fetch(`${standin.apiUrl}/repos/${REPO}/releases/${draft!.id}/assets`, { headers })).json()) as {
    id: number;
    name: string;
    state: string;
    size: number;
  }[];
  return assets.map(({ id, name, state, size }) => ({ id, name, state, size }));
}

it('a publish that failed on a half-written upload is finished by the next run: delete, upload again, no duplicate', { timeout: 300_000 }, async () => {
  const clean = await github();
  const cleanRun = await publishTo(clean);
  expect(cleanRun.exitCode, cleanRun.all).toBe(0);
  const golden = clean.snapshot();

  const standin = await github();
  standin.injectFault('repos/upload-release-asset', { kind: 'drop', when: 'mid-body' }, DROPS);
  const failed = await publishTo(standin);
  expect(failed.exitCode, failed.all).toBe(1);
  expect(failed.stderr).toMatch(/^error ENETWORK: .*upload /m);
  const first = ledger.artifacts[0]!.path.slice(TAG.length + 1);
  const [halfWritten, ...others] = await listedAssets(standin);
  expect(others).toEqual([]);
  expect(halfWritten).toMatchObject({ name: first, state: 'open', size: 0 });

  const writes = standin.log.length;
  const dry = await publishTo(standin, '--dry-run');
  expect(dry.exitCode, dry.all).toBe(0);
  expect(standin.log.slice(writes).filter((request) => request.method !== 'GET')).toEqual([]);
  const lines = dry.stdout.trimEnd().split('\n');
  expect(lines[0]).toBe(`DELETE ${standin.apiUrl}/repos/${REPO}/releases/assets/${halfWritten!.id} ${first} (an upload that never finished)`);
  expect(lines[1]).toMatch(new RegExp(`^POST ${standin.uploadsUrl}/repos/${REPO}/releases/\\d+/assets\\?name=${first.replace(/[.]/g, '\\.')} sha256:`));
  expect(lines.filter((line) => line.startsWith('POST '))).toHaveLength(ledger.artifacts.length);
  expect(lines.at(-1)).toMatch(/^PATCH .* draft=false prerelease=true make_latest=false$/);

  const rerun = await publishTo(standin);
  expect(rerun.exitCode, rerun.all).toBe(0);
  expect(rerun.stdout).toBe(dry.stdout);
  expect(standin.snapshot()).toEqual(golden);
  expect(golden.releases).toHaveLength(1);
  expect(golden.releases[0]!.assets.map((asset) => asset.name)).toEqual(ledger.artifacts.map((artifact) => artifact.path.slice(TAG.length + 1)).sort());
});
