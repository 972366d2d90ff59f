import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ReleaseLedger } from '../../release/src/ledger.js';
import { readLedger } from '../../release/src/ledger.js';
import { startGitHubStandin, type GitHubStandin, type WorldSnapshot } from '../helpers/github-standin.js';
import { BUILD_TIMEOUT, StandinRepo } from '../helpers/repo.js';

// `glide-release publish --only github` of an RC built from the Go stand-in, against the writable
// GitHub stand-in: the dry run is the real run's list, a re-run converges, a run that failed
// halfway (an answer lost, an upload left half-written) is finished by the next one with no duplicate asset.

const TAG = '0.0.2-rc.1';
const TOKEN = 'ghp_publishE2eToken000000000000000000000000';
const CLOCK = new Date('2024-06-02T12:00:00Z');
const TIMEOUT = 120_000;

let repo: StandinRepo;
let out: string;
let ledger: ReleaseLedger;
let commit: string;
let github: GitHubStandin | undefined;

beforeAll(async () => {
  repo = await StandinRepo.create();
  await repo.write('glide-release.config.json', `${JSON.stringify({ targets: { matrix: ['linux/amd64', 'windows/amd64'], skip: [] } }, null, 2)}\n`);
  commit = await repo.commitAll('Release config', '2024-06-01T10:00:00Z');
  await repo.tag(TAG, 5);
  out = await mkdtemp(join(tmpdir(), 'glide-publish-out-'));
  const built = await repo.release(['build', '--out', out]);
  if (built.exitCode !== 0) throw new Error(`build failed:\n${built.all}`);
  ledger = (await readLedger(join(out, TAG)))!;
}, BUILD_TIMEOUT);

afterAll(async () => {
  await rm(repo.dir, { recursive: true, force: true });
  await rm(out, { recursive: true, force: true });
});

afterEach(async () => {
  await github?.close();
  github = undefined;
});

async function freshGitHub(): Promise<GitHubStandin> {
  github = await startGitHubStandin({ repo: 'EinStack/glide', token: TOKEN, releases: [], tags: { [TAG]: commit }, now: () => CLOCK });
  return github;
}

/** The world a clean publish leaves, on a stand-in of its own (closed after): what a finished re-run must equal. */
async function cleanPublishWorld(): Promise<WorldSnapshot> {
  const clean = await freshGitHub();
  expect((await publish(clean)).exitCode).toBe(0);
  const world = clean.snapshot();
  await clean.close();
  github = undefined;
  return world;
}

async function publish(standin: GitHubStandin, ...extra: string[]) {
  const result = await repo.release(['publish', '--only', 'github', '--tag', TAG, '--out', out, ...extra], {
    GITHUB_TOKEN: TOKEN,
    ...standin.env(),
  });
  expect(result.all).not.toContain(TOKEN);
  return result;
}

function writesSince(standin: GitHubStandin, from: number) {
  return standin.log.slice(from).filter((request) => request.method !== 'GET');
}

/** The assets of the one release, as GitHub lists them to the token (with their state, which the snapshot leaves out). */
async function listedAssets(standin: GitHubStandin): Promise<{ id: number; name: string; state: string; size: number }[]> {
  const headers = { authorization: `Bearer ${TOKEN}`, accept: 'application/vnd.github+json' };
  const [release] = (await (await fetch(`${standin.apiUrl}/repos/EinStack/glide/releases`, { headers })).json()) as { assets_url: string }[];
  return (await (await fetch(release!.assets_url, { headers })).json()) as { id: number; name: string; state: string; size: number }[];
}

/** The world a clean publish of TAG leaves: one published prerelease, not latest, with every ledger asset. */
function expectPublishedRc(world: WorldSnapshot) {
  expect(world.latest).toBeNull();
  expect(world.releases).toHaveLength(1);
  const [release] = world.releases;
  expect(release).toMatchObject({ tag: TAG, name: `v${TAG}`, draft: false, prerelease: true, latest: false, published_at: '2024-06-02T12:00:00Z' });
  const expected = ledger.artifacts.map((artifact) => ({
    name: artifact.path.slice(TAG.length + 1),
    size: artifact.size,
    digest: `sha256:${artifact.sha256}`,
  }));
  expect(release!.assets.map(({ name, size, digest }) => ({ name, size, digest }))).toEqual(expected.sort((a, b) => (a.name < b.name ? -1 : 1)));
  expect(release!.body).toContain(`Release candidate ${TAG}`);
}

describe('glide-release publish --only github', () => {
  it('--dry-run lists every mutation and writes nothing; the real run performs exactly that list; a re-run converges', { timeout: TIMEOUT }, async () => {
    const standin = await freshGitHub();
    const dry = await publish(standin, '--dry-run');
    expect(dry.exitCode, dry.all).toBe(0);
    expect(writesSince(standin, 0)).toEqual([]);
    const lines = dry.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^POST ${standin.apiUrl}/repos/EinStack/glide/releases draft "v${TAG}" tag ${TAG} at ${commit} prerelease=true$`));
    expect(lines.slice(1, -1)).toHaveLength(ledger.artifacts.length);
    for (const artifact of ledger.artifacts) expect(dry.stdout).toContain(`sha256:${artifact.sha256} (${artifact.size} bytes)`);
    expect(lines.at(-1)).toMatch(/^PATCH .*releases\/\{id of the new draft\} draft=false prerelease=true make_latest=false$/);
    expect(standin.snapshot().releases).toEqual([]);

    const real = await publish(standin);
    expect(real.exitCode, real.all).toBe(0);
    expect(real.stdout).toBe(dry.stdout);
    expectPublishedRc(standin.snapshot());

    const logged = standin.log.length;
    const again = await publish(standin);
    expect(again.exitCode, again.all).toBe(0);
    expect(again.stdout).toBe('');
    expect(again.stderr).toContain('already published');
    expect(writesSince(standin, logged)).toEqual([]);
  });

  it('a run that fails after an upload landed unseen is finished by the next, with no duplicate asset', { timeout: TIMEOUT }, async () => {
    const golden = await cleanPublishWorld();
    const standin = await freshGitHub();
    // The first upload lands but its answer is lost; then the client cannot look at the assets to find out.
    standin.injectFault('repos/upload-release-asset', { kind: 'drop', when: 'after-applying' });
    standin.injectFault('repos/list-release-assets', { kind: 'server-error', status: 500 }, 5);
    const failed = await publish(standin);
    expect(failed.exitCode, failed.all).toBe(1);
    expect(failed.stderr).toMatch(/^error ENETWORK|^error EGITHUB/m);
    const half = standin.snapshot();
    expect(half.releases).toHaveLength(1);
    expect(half.releases[0]).toMatchObject({ draft: true });
    expect(half.releases[0]!.assets).toHaveLength(1);

    const rerun = await publish(standin);
    expect(rerun.exitCode, rerun.all).toBe(0);
    expect(rerun.stdout).not.toMatch(/^POST .*releases draft/m);
    expect(standin.snapshot()).toEqual(golden);
    expectPublishedRc(standin.snapshot());
  });

  it(
    'a run that failed on a half-written upload is finished by the next: the dry run names the delete and the upload again',
    { timeout: TIMEOUT },
    async () => {
      const golden = await cleanPublishWorld();
      const standin = await freshGitHub();
      // Cut off mid-body, each upload leaves an unfinished asset on the name; the client's 4 retries delete it and upload again, the 5th drop fails the run.
      standin.injectFault('repos/upload-release-asset', { kind: 'drop', when: 'mid-body' }, 5);
      const failed = await publish(standin);
      expect(failed.exitCode, failed.all).toBe(1);
      expect(failed.stderr).toMatch(/^error ENETWORK: .*upload /m);
      expect(failed.stderr).toContain(
        'sent 5 times and lost each time. GitHub may keep the last one as an unfinished asset of the draft: the next run deletes it',
      );
      const first = ledger.artifacts[0]!.path.slice(TAG.length + 1);
      const halfWritten = await listedAssets(standin);
      expect(halfWritten).toMatchObject([{ name: first, state: 'open', size: 0 }]);

      const logged = standin.log.length;
      const dry = await publish(standin, '--dry-run');
      expect(dry.exitCode, dry.all).toBe(0);
      expect(writesSince(standin, logged)).toEqual([]);
      const lines = dry.stdout.trimEnd().split('\n');
      expect(lines[0]).toBe(`DELETE ${standin.apiUrl}/repos/EinStack/glide/releases/assets/${halfWritten[0]!.id} ${first} (an upload that never finished)`);
      expect(lines[1]).toContain(`/assets?name=${first} sha256:${ledger.artifacts[0]!.sha256} `);
      expect(lines.filter((line) => line.startsWith('POST '))).toHaveLength(ledger.artifacts.length);

      const rerun = await publish(standin);
      expect(rerun.exitCode, rerun.all).toBe(0);
      expect(rerun.stdout).toBe(dry.stdout);
      expect(standin.snapshot()).toEqual(golden);
      expectPublishedRc(standin.snapshot());
    },
  );

  it.each([
    ['GLIDE_GITHUB_TOKEN before GH_TOKEN and GITHUB_TOKEN', { GLIDE_GITHUB_TOKEN: TOKEN, GH_TOKEN: 'ghp_notThisOne', GITHUB_TOKEN: 'ghp_norThisOne' }],
    ['GH_TOKEN before GITHUB_TOKEN', { GLIDE_GITHUB_TOKEN: ' ', GH_TOKEN: TOKEN, GITHUB_TOKEN: 'ghp_notThisOne' }],
    ['GITHUB_TOKEN alone', { GLIDE_GITHUB_TOKEN: '', GH_TOKEN: '', GITHUB_TOKEN: TOKEN }],
    ['GH_TOKEN, another token, before GITHUB_TOKEN', { GLIDE_GITHUB_TOKEN: '', GH_TOKEN: 'ghp_notThisOne', GITHUB_TOKEN: TOKEN }, 1],
  ])('reads the token as all three tools do: %s', { timeout: TIMEOUT }, async (_name, tokens, exitCode = 0) => {
    const standin = await freshGitHub();
    // The stand-in answers only its token: a dry run that read GitHub with another one fails.
    const result = await repo.release(['publish', '--only', 'github', '--tag', TAG, '--out', out, '--dry-run'], { ...tokens, ...standin.env() });
    expect(result.exitCode, result.all).toBe(exitCode);
    expect(result.all).not.toContain(TOKEN);
    expect(result.all).not.toContain('ghp_notThisOne');
  });

  it('refuses without a token, naming the variable and printing no secret', { timeout: TIMEOUT }, async () => {
    const result = await repo.release(['publish', '--only', 'github', '--tag', TAG, '--out', out, '--dry-run'], {
      GLIDE_GITHUB_TOKEN: '',
      GITHUB_TOKEN: '',
      GH_TOKEN: '',
    });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('error EGITHUB: Publishing to GitHub needs a token: none of GLIDE_GITHUB_TOKEN, GH_TOKEN or GITHUB_TOKEN is set.');
  });

  it.each([
    [
      'an http origin other than loopback',
      { GLIDE_RELEASE_GITHUB_API_URL: 'http://github.example', GLIDE_RELEASE_GITHUB_UPLOADS_URL: 'https://uploads.example' },
      'GLIDE_RELEASE_GITHUB_API_URL is not an https URL',
    ],
    ['one origin without the other', { GLIDE_RELEASE_GITHUB_API_URL: 'https://github.example' }, 'go together'],
  ])('refuses %s before sending the token anywhere', { timeout: TIMEOUT }, async (_name, env, message) => {
    const result = await repo.release(['publish', '--only', 'github', '--tag', TAG, '--out', out, '--dry-run'], { GITHUB_TOKEN: TOKEN, ...env });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/^error ECONFIG: /m);
    expect(result.stderr).toContain(message);
    expect(result.all).not.toContain(TOKEN);
  });
});
