import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { archiveName, checksumsName, formatChecksums } from '#contract';
import { main } from '../../release/src/cli.js';
import { startGitHubStandin, type GitHubStandin, type StandinRelease } from '../helpers/github-standin.js';

// `glide-release verify` against the GitHub stand-in: what anyone downloading the release sees.

const REPO = 'EinStack/glide';
const TOKEN = 'ghp_verifyTestToken00000000000000000000000';

let dir: string;
let github: GitHubStandin | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'glide-verify-'));
});

afterEach(async () => {
  await github?.close();
  github = undefined;
  await rm(dir, { recursive: true, force: true });
});

/** The assets build would make for `version` (two archives and their checksums), as files. */
async function releaseFiles(version: string): Promise<Record<string, string>> {
  const names = [archiveName(version, { os: 'linux', arch: 'amd64' }), archiveName(version, { os: 'windows', arch: 'amd64' })];
  const files: Record<string, string> = {};
  const entries = [];
  for (const name of names) {
    const bytes = Buffer.from(`archive ${name}`);
    files[name] = join(dir, name);
    await writeFile(files[name], bytes);
    entries.push({ name, sha256: createHash('sha256').update(bytes).digest('hex') });
  }
  const checksums = checksumsName(version);
  files[checksums] = join(dir, checksums);
  await writeFile(files[checksums], formatChecksums(entries));
  return files;
}

function release(tag: string, assets: Record<string, string>, overrides: Partial<StandinRelease> = {}): StandinRelease {
  return { tag, prerelease: tag.includes('-rc.'), published_at: '2024-06-02T12:00:00Z', assets, ...overrides };
}

async function verify(version: string, env: Record<string, string> = {}, ...extra: string[]) {
  let stdout = '';
  let stderr = '';
  // The GitHub half alone: these releases have no images.
  const exitCode = await main(['verify', version, '--only', 'github', ...extra], {
    env: { GLIDE_RELEASE_GITHUB_API_URL: github!.apiUrl, GLIDE_RELEASE_GITHUB_UPLOADS_URL: github!.uploadsUrl, ...env },
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    cwd: dir,
    signal: new AbortController().signal,
  });
  return { exitCode, stdout, stderr };
}

function failures(stdout: string): string[] {
  return stdout.split('\n').filter((line) => line.startsWith('FAIL'));
}

describe('glide-release verify (GitHub)', () => {
  it('a good RC passes every check, anonymously, downloading every asset', async () => {
    const files = await releaseFiles('0.1.0-rc.1');
    github = await startGitHubStandin({ repo: REPO, releases: [release('0.1.0-rc.1', files)] });
    const result = await verify('0.1.0-rc.1');
    expect(failures(result.stdout)).toEqual([]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(`pass  checksum ${archiveName('0.1.0-rc.1', { os: 'linux', arch: 'amd64' })}`);
    expect(result.stdout).toContain('pass  prerelease');
    expect(result.stdout).toContain('pass  latest');
    expect(github.log.filter((request) => request.host === 'cdn')).toHaveLength(Object.keys(files).length);
    expect(github.log.every((request) => !request.authorization)).toBe(true);
  });

  it('with a token set, sends it to the API and never prints it', async () => {
    const files = await releaseFiles('0.1.0');
    github = await startGitHubStandin({ repo: REPO, token: TOKEN, releases: [release('0.1.0', files)] });
    const result = await verify('0.1.0', { GITHUB_TOKEN: TOKEN }, '--json');
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ version: '0.1.0', repo: REPO, ok: true });
    expect(github.log.some((request) => request.host === 'api' && request.authorization)).toBe(true);
    expect(result.stdout + result.stderr).not.toContain(TOKEN);
  });

  it("an asset whose bytes are not the checksums file's fails ECHECKSUM naming it", async () => {
    const files = await releaseFiles('0.1.0-rc.1');
    const tampered = archiveName('0.1.0-rc.1', { os: 'linux', arch: 'amd64' });
    await writeFile(files[tampered]!, 'other bytes under the same name');
    github = await startGitHubStandin({ repo: REPO, releases: [release('0.1.0-rc.1', files)] });
    const result = await verify('0.1.0-rc.1');
    expect(result.exitCode).toBe(1);
    expect(failures(result.stdout)).toEqual([expect.stringMatching(new RegExp(`^FAIL  ECHECKSUM  checksum ${tampered.replaceAll('.', '\\.')}: `))]);
  });

  it("bytes that are not GitHub's digest fail ECHECKSUM", async () => {
    const files = await releaseFiles('0.1.0-rc.1');
    const name = archiveName('0.1.0-rc.1', { os: 'windows', arch: 'amd64' });
    github = await startGitHubStandin({ repo: REPO, releases: [release('0.1.0-rc.1', files)] });
    await writeFile(files[name]!, 'changed behind GitHub');
    const result = await verify('0.1.0-rc.1');
    expect(result.exitCode).toBe(1);
    expect(failures(result.stdout)).toEqual(
      expect.arrayContaining([expect.stringContaining(`FAIL  ECHECKSUM  digest ${name}`), expect.stringContaining(`FAIL  ECHECKSUM  checksum ${name}`)]),
    );
  });

  it('an asset listed in the checksums but missing from the release fails EMISSINGASSET', async () => {
    const files = await releaseFiles('0.1.0-rc.1');
    const missing = archiveName('0.1.0-rc.1', { os: 'windows', arch: 'amd64' });
    delete files[missing];
    github = await startGitHubStandin({ repo: REPO, releases: [release('0.1.0-rc.1', files)] });
    const result = await verify('0.1.0-rc.1');
    expect(result.exitCode).toBe(1);
    expect(failures(result.stdout)).toEqual([`FAIL  EMISSINGASSET  asset ${missing}: listed in the checksums file but not on the release`]);
  });

  it('an RC published as a stable is "latest" and fails EPRERELEASEFLAG and ELATEST', async () => {
    github = await startGitHubStandin({
      repo: REPO,
      releases: [
        release('0.0.3', await releaseFiles('0.0.3'), { published_at: '2024-05-01T12:00:00Z' }),
        release('0.1.0-rc.1', await releaseFiles('0.1.0-rc.1'), { prerelease: false }),
      ],
    });
    const result = await verify('0.1.0-rc.1');
    expect(result.exitCode).toBe(1);
    expect(failures(result.stdout).map((line) => line.split('  ')[1])).toEqual(['EPRERELEASEFLAG', 'ELATEST']);
    // The stable it took "latest" from fails too: it is the highest stable.
    expect(failures((await verify('0.0.3')).stdout)).toEqual([expect.stringContaining('FAIL  ELATEST  latest: 0.0.3 is the highest stable but not latest')]);
  });

  it('a version with no release fails ENORELEASE; a bad version or none is a usage error', async () => {
    github = await startGitHubStandin({ repo: REPO, releases: [] });
    const result = await verify('0.1.0');
    expect(result.exitCode).toBe(1);
    expect(failures(result.stdout)).toEqual([`FAIL  ENORELEASE  release: ${REPO} has no published release on the tag 0.1.0`]);
    expect((await verify('v0.1.0')).exitCode).toBe(1);
    const none = await main(['verify'], { stdout: () => {}, stderr: () => {}, cwd: dir, signal: new AbortController().signal });
    expect(none).toBe(2);
  });
});
