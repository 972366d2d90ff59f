/**
 * `glide-release verify VERSION`: checks the published GitHub release of VERSION from the
 * outside (decision 0040) and prints one line per check; exit 1 when any fails.
 */
import { GLIDE_REPO, parseReleaseVersion } from '#contract';
import { readGithubReleaseFacts } from '../verify/github.js';
import { checkGithubRelease, formatVerifyReport } from '../verify/report.js';
import type { CliIo } from './io.js';
import { usage } from './usage.js';

export interface VerifyCommandOptions {
  readonly version: string | undefined;
  readonly repo: string | undefined;
  readonly json: boolean;
}

export async function verifyCommand(io: CliIo, options: VerifyCommandOptions): Promise<number> {
  if (!options.version) throw usage('verify needs the version to check, e.g. glide-release verify 0.1.0-rc.1');
  const { version } = parseReleaseVersion(options.version);
  const repo = options.repo?.trim() || GLIDE_REPO;
  const facts = await readGithubReleaseFacts({ repo, version, env: io.env ?? process.env, log: (line) => io.stderr(`${line}\n`), signal: io.signal });
  const checks = checkGithubRelease(facts);
  const ok = checks.every((check) => check.ok);
  io.stdout(options.json ? `${JSON.stringify({ version, repo, ok, checks }, null, 2)}\n` : formatVerifyReport(version, checks));
  return ok ? 0 : 1;
}
