// The crash test of the whole `glide-release publish` (images by version tag, the GitHub release, the
// moving tags): SIGKILLed after a few N-th mutations (after the image pushes, the draft, an upload; before
// the publish), a re-run must leave GitHub and the registry as a clean run did. Each N starts from an
// empty world: a fresh GitHub stand-in, and the image manifests deleted from the one registry (its
// blobs stay, so the re-run's push HEADs and skips them: the tags are what is tested here).
// Every N of the GitHub stage, and kills mid-request, are in publish-crash.e2e.test.ts.
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLedger, type ReleaseLedger } from '../../release/src/ledger.js';
import { pushBaseImages, TEST_CA_BUNDLE } from '../helpers/base-images.js';
import { startGitHubStandin, type GitHubStandin, type WorldSnapshot } from '../helpers/github-standin.js';
import { startRegistry } from '../helpers/registry.js';
import { BUILD_TIMEOUT, RELEASE_CLI, StandinRepo } from '../helpers/repo.js';

const TAG = '0.0.2-rc.1';
const TOKEN = 'ghp_publishFullCrashE2eToken00000000000000';
const CLOCK = new Date('2024-06-02T12:00:00Z');
const TIMEOUT = 600_000;

let registry: Awaited<ReturnType<typeof startRegistry>>;
let repo: StandinRepo;
let out: string;
let commit: string;
let ledger: ReleaseLedger;
let plan: string[];
let golden: { github: WorldSnapshot; registry: Record<string, string> };

beforeAll(async () => {
  registry = await startRegistry();
  const bases = await pushBaseImages(registry.host);
  repo = await StandinRepo.create();
  out = await mkdtemp(join(tmpdir(), 'glide-publish-full-crash-out-'));
  const caFile = join(out, '..', `ca-full-crash-${process.pid}.pem`);
  await writeFile(caFile, TEST_CA_BUNDLE);
  const config = {
    targets: { matrix: ['linux/amd64', 'linux/arm64'], skip: [] },
    images: {
      repository: `${registry.host}/glide`,
      distros: Object.fromEntries(Object.entries(bases).map(([distro, base]) => [distro, { base }])),
      caBundle: caFile,
    },
  };
  await repo.write('glide-release.config.json', `${JSON.stringify(config, null, 2)}\n`);
  commit = await repo.commitAll('Release config with local bases', '2024-06-01T10:00:00Z');
  await repo.tag(TAG, 5);
  const built = await repo.release(['build', '--only', 'binaries,images', '--out', out]);
  if (built.exitCode !== 0) throw new Error(`build failed:\n${built.all}`);
  ledger = (await readLedger(join(out, TAG)))!;

  await withGitHub(async (standin) => {
    const dry = await repo.release(publishArgs('--dry-run'), env(standin));
    if (dry.exitCode !== 0) throw new Error(`dry run failed:\n${dry.all}`);
    plan = dry.stdout.trimEnd().split('\n');
    const clean = await repo.release(publishArgs(), env(standin));
    if (clean.exitCode !== 0) throw new Error(`clean publish failed:\n${clean.all}`);
    golden = { github: standin.snapshot(), registry: await registryTags() };
  });
}, BUILD_TIMEOUT);

afterAll(async () => {
  await registry?.stop();
  await rm(out, { recursive: true, force: true });
  await rm(repo.dir, { recursive: true, force: true });
});

function publishArgs(...extra: string[]) {
  return ['publish', '--tag', TAG, '--out', out, ...extra];
}

function env(standin: GitHubStandin) {
  return { GITHUB_TOKEN: TOKEN, GLIDE_RELEASE_GITHUB_API_URL: standin.apiUrl, GLIDE_RELEASE_GITHUB_UPLOADS_URL: standin.uploadsUrl };
}

async function withGitHub<T>(body: (standin: GitHubStandin) => Promise<T>): Promise<T> {
  const standin = await startGitHubStandin({ repo: 'EinStack/glide', token: TOKEN, releases: [], tags: { [TAG]: commit }, now: () => CLOCK });
  try {
    return await body(standin);
  } finally {
    await standin.close();
  }
}

/** Each tag of the image repository with the digest it names, read by skopeo, not by our client. */
async function registryTags(): Promise<Record<string, string>> {
  const listed = await execa('skopeo', ['list-tags', '--tls-verify=false', `docker://${registry.host}/glide`], { reject: false });
  if (listed.exitCode !== 0) return {};
  const tags = (JSON.parse(listed.stdout) as { Tags: string[] | null }).Tags ?? [];
  const manifests = await Promise.all(
    tags.map(async (tag) => (await execa('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${registry.host}/glide:${tag}`])).stdout),
  );
  return Object.fromEntries(tags.map((tag, i) => [tag, `sha256:${createHash('sha256').update(manifests[i]!).digest('hex')}`]));
}

/** Deletes every tagged manifest of the image repository (and with it its tags): no image is published. */
async function emptyRegistry() {
  for (const digest of new Set(Object.values(await registryTags()))) {
    await execa('skopeo', ['delete', '--tls-verify=false', `docker://${registry.host}/glide@${digest}`]);
  }
  expect(await registryTags()).toEqual({});
}

describe('glide-release publish (the whole publish) of an RC, killed and re-run', () => {
  it(
    'killed after the image pushes, after the draft, after an upload, before the publish: the re-run converges on the golden world',
    { timeout: TIMEOUT },
    async () => {
      const images = ledger.images!.distros.length;
      expect(Object.keys(golden.registry)).toHaveLength(images);
      // The image pushes, the draft, at least one upload, the publish.
      expect(plan.length).toBeGreaterThan(images + 3);
      expect(golden.github.releases).toEqual([expect.objectContaining({ tag: TAG, draft: false, prerelease: true })]);
      for (const n of [1, images, images + 1, images + 2, plan.length - 1]) {
        await emptyRegistry();
        await withGitHub(async (standin) => {
          const child = execa(process.execPath, [RELEASE_CLI, ...publishArgs()], { cwd: repo.dir, reject: false, all: true, env: env(standin) });
          let seen = 0;
          child.stdout.on('data', (chunk: Buffer) => {
            seen += chunk.toString('utf8').split('\n').length - 1;
            if (seen >= n) child.kill('SIGKILL');
          });
          const killed = await child;
          expect(killed.signal, `N=${n}\n${killed.all}`).toBe('SIGKILL');

          const rerun = await repo.release(publishArgs(), env(standin));
          expect(rerun.exitCode, `N=${n}: re-run\n${rerun.all}`).toBe(0);
          expect(rerun.all).not.toContain(TOKEN);
          expect(standin.snapshot(), `N=${n}`).toEqual(golden.github);
          expect(await registryTags(), `N=${n}`).toEqual(golden.registry);

          const logged = standin.log.length;
          const third = await repo.release(publishArgs(), env(standin));
          expect(third.exitCode, `N=${n}: third run\n${third.all}`).toBe(0);
          expect(third.stdout).toBe('');
          expect(standin.log.slice(logged).filter((request) => request.method !== 'GET')).toEqual([]);
          expect(standin.snapshot(), `N=${n}`).toEqual(golden.github);
        });
      }
    },
  );
});
