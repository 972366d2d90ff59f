import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { pushBaseImages, TEST_CA_BUNDLE } from './base-images.js';
import { startRegistry, type TestRegistry } from './registry.js';
import { readLedger, type ReleaseLedger } from '../../release/src/ledger.js';
import { StandinRepo } from './repo.js';

/** Each tag of `{host}/{repository}` with the digest of the manifest it names, read by skopeo, not by our client. */
export async function registryTags(host: string, repository = 'glide'): Promise<Record<string, string>> {
  const listed = await execa('skopeo', ['list-tags', '--tls-verify=false', `docker://${host}/${repository}`], { reject: false });
  if (listed.exitCode !== 0) return {};
  const tags = (JSON.parse(listed.stdout) as { Tags: string[] | null }).Tags ?? [];
  const manifests = await Promise.all(
    tags.map(async (tag) => (await execa('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${host}/${repository}:${tag}`])).stdout),
  );
  return Object.fromEntries(tags.map((tag, i) => [tag, `sha256:${createHash('sha256').update(manifests[i]!).digest('hex')}`]));
}

/**
 * A loopback registry with the base images, and the Go stand-in repository configured to build
 * linux/amd64 and linux/arm64 images on them into `{host}/glide`; returns the config commit.
 */
export async function imageReleaseRepo(): Promise<{ registry: TestRegistry; repo: StandinRepo; commit: string }> {
  const registry = await startRegistry();
  const bases = await pushBaseImages(registry.host);
  const repo = await StandinRepo.create();
  // Inside the repository, so it goes when the repository does.
  const caFile = join(repo.dir, 'test-ca.pem');
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
  const commit = await repo.commitAll('Release config with local bases', '2024-06-01T10:00:00Z');
  return { registry, repo, commit };
}

/**
 * Tags `tag` (an annotated tag `daysAgo` days old) and builds its binaries and images into `out`;
 * each release is built before the next is tagged, as an RC is refused once its stable exists.
 */
export async function tagAndBuild(repo: StandinRepo, out: string, tag: string, daysAgo: number): Promise<ReleaseLedger> {
  await repo.tag(tag, daysAgo);
  const built = await repo.release(['build', '--only', 'binaries,images', '--tag', tag, '--out', out]);
  if (built.exitCode !== 0) throw new Error(`build of ${tag} failed:\n${built.all}`);
  return (await readLedger(join(out, tag)))!;
}
