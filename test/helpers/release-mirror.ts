import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checksumsName, parseChecksums } from '#contract';
import { RELEASE_CLI, StandinRepo } from './repo.js';

/** The platforms the installer tests need: the host, a foreign Linux, a Mac and a Windows zip. */
export const MIRROR_TARGETS = ['linux/amd64', 'linux/arm64', 'darwin/arm64', 'windows/amd64'];

export interface ReleaseMirror {
  /** A folder laid out `{tag}/{asset}` + index.json, as `glide-release build` writes it. */
  readonly dir: string;
  readonly rc: string;
  readonly stable: string;
  checksums(tag: string): Promise<ReadonlyMap<string, string>>;
}

/**
 * Releases the Go stand-in as 0.0.2-rc.1 and then 0.0.2 (the same commit) with the real
 * `glide-release build`, so the installers are tested against the bytes our release side
 * really produces (`cli`: another build of it, such as the packed one).
 */
export async function buildReleaseMirror(cli = RELEASE_CLI): Promise<ReleaseMirror & { repo: StandinRepo }> {
  const repo = await StandinRepo.create();
  await repo.write('glide-release.config.json', `${JSON.stringify({ targets: { matrix: MIRROR_TARGETS, skip: [] } }, null, 2)}\n`);
  await repo.commitAll('Release config for the installer tests', '2024-06-01T10:00:00Z');
  const dir = await mkdtemp(join(tmpdir(), 'glide-install-mirror-'));
  const rc = '0.0.2-rc.1';
  const stable = '0.0.2';
  for (const [tag, daysAgo] of [
    [rc, 5],
    [stable, 0],
  ] as const) {
    await repo.tag(tag, daysAgo);
    const result = await repo.release(['build', '--out', dir], {}, cli);
    if (result.exitCode !== 0) throw new Error(`glide-release build ${tag} failed:\n${result.all}`);
  }
  return {
    repo,
    dir,
    rc,
    stable,
    async checksums(tag) {
      return parseChecksums(await readFile(join(dir, tag, checksumsName(tag)), 'utf8'));
    },
  };
}
