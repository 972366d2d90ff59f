/**
 * `glide-release verify VERSION`: checks the published GitHub release of VERSION (decision
 * 0040) and its images in the registry (0042) from the outside, and prints one line per check;
 * exit 1 when any fails. `--only github` or `--only images` prints one half (the images are
 * still held against the release's archives, so GitHub is read either way).
 */
import { GLIDE_REPO, parseReleaseVersion } from '#contract';
import { DEFAULT_IMAGE_REPOSITORY } from '../config.js';
import { readGithubReleaseFacts } from '../verify/github.js';
import { checkImages } from '../verify/images.js';
import { imageRepository, readImageFacts } from '../verify/registry.js';
import { checkGithubRelease, formatVerifyReport } from '../verify/report.js';
import type { CliIo } from './io.js';
import { usage } from './usage.js';

export interface VerifyCommandOptions {
  readonly version: string | undefined;
  readonly repo: string | undefined;
  readonly image: string | undefined;
  readonly only: string | undefined;
  readonly json: boolean;
}

export async function verifyCommand(io: CliIo, options: VerifyCommandOptions): Promise<number> {
  if (!options.version) throw usage('verify needs the version to check, e.g. glide-release verify 0.1.0-rc.1');
  const only = options.only?.trim();
  if (only !== undefined && only !== 'images' && only !== 'github') {
    throw usage(`verify --only takes images or github, not "${only}"; without --only it checks both`);
  }
  const { version } = parseReleaseVersion(options.version);
  const repo = options.repo?.trim() || GLIDE_REPO;
  const image = options.image?.trim() || DEFAULT_IMAGE_REPOSITORY;
  if (only !== 'github') imageRepository(image);
  const log = (line: string) => io.stderr(`${line}\n`);
  const facts = await readGithubReleaseFacts({ repo, version, env: io.env ?? process.env, log, signal: io.signal });
  const checks = only === 'images' ? [] : checkGithubRelease(facts);
  if (only !== 'github') checks.push(...checkImages(facts, await readImageFacts({ repository: image, version, log, signal: io.signal })));
  const ok = checks.every((check) => check.ok);
  io.stdout(
    options.json ? `${JSON.stringify({ version, repo, ...(only === 'github' ? {} : { image }), ok, checks }, null, 2)}\n` : formatVerifyReport(version, checks),
  );
  return ok ? 0 : 1;
}
