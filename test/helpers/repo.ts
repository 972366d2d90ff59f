import { cp, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';

export const STANDIN = resolve('test/fixtures/glide-standin');
export const RELEASE_CLI = resolve('release/dist/glide-release.mjs');

const DAY_MS = 86_400_000;

/** A test that builds: the first one in a run compiles the standard library for 16 targets (minutes on 2 cores). */
export const BUILD_TIMEOUT = 1_200_000;

/** A git repository of the Go stand-in, with fixed identities and dates so commit ids repeat. */
export class StandinRepo {
  private constructor(readonly dir: string) {}

  static async create(commitDate = '2024-06-01T10:00:00Z'): Promise<StandinRepo> {
    const dir = await mkdtemp(join(tmpdir(), 'glide-standin-'));
    await cp(STANDIN, dir, { recursive: true });
    const repo = new StandinRepo(dir);
    await repo.git(['init', '-q', '-b', 'main']);
    await repo.commitAll('Initial stand-in', commitDate);
    return repo;
  }

  async git(args: readonly string[], date?: string): Promise<string> {
    const env = {
      GIT_AUTHOR_NAME: 'Glide Bot',
      GIT_AUTHOR_EMAIL: 'bot@example.invalid',
      GIT_COMMITTER_NAME: 'Glide Bot',
      GIT_COMMITTER_EMAIL: 'bot@example.invalid',
      ...(date ? { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date } : {}),
    };
    return (await execa('git', args, { cwd: this.dir, env })).stdout;
  }

  async commitAll(message: string, date: string): Promise<string> {
    await this.git(['add', '-A']);
    await this.git(['commit', '-q', '-m', message], date);
    return this.git(['rev-parse', 'HEAD']);
  }

  /** An annotated tag made `daysAgo` days before now: its date is when the release was made. */
  async tag(name: string, daysAgo: number): Promise<void> {
    const date = new Date(Date.now() - daysAgo * DAY_MS).toISOString();
    await this.git(['tag', '-a', name, '-m', `Release ${name}`], date);
  }

  async write(path: string, text: string): Promise<void> {
    await writeFile(join(this.dir, path), text);
  }

  /** Runs the bundled glide-release CLI (or another build of it, `cli`) in this repository, as Glide's CI would. */
  release(args: readonly string[], env: Record<string, string> = {}, cli = RELEASE_CLI) {
    return execa(process.execPath, [cli, ...args], { cwd: this.dir, reject: false, all: true, env });
  }
}
