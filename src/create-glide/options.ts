/**
 * create-glide's command line → a plain options object (README.md, "create-glide").
 * Pure: bad flags become EUSAGE errors (exit 2) that name what to pass instead.
 */
import { parseArgs } from 'node:util';
import { GlideError } from '#contract';
import { parseVersionRequest, type VersionRequest } from '../releases/resolve.js';
import { PROVIDERS, type Provider } from '../scaffold/providers.js';

export const METHODS = ['binary'] as const;
export type Method = (typeof METHODS)[number];

export interface CreateOptions {
  readonly dir?: string;
  readonly method?: Method;
  readonly version: VersionRequest;
  readonly provider?: Provider;
  readonly yes: boolean;
  readonly overwrite: boolean;
  readonly dryRun: boolean;
  readonly os?: string;
  readonly arch?: string;
  readonly downloadBaseUrl?: string;
  readonly insecureSkipVerify: boolean;
  readonly help: boolean;
  readonly showVersion: boolean;
}

export const HELP = `Usage: create-glide [dir] [options]

Install Glide, the LLM gateway, and set up a project to run it.

Options:
  --method binary            run Glide as a native binary (default)
  --glide-version V          a version (0.1.0-rc.1), latest (newest stable, default) or rc (newest, RCs included)
  --provider P               ${PROVIDERS.join(' | ')} (default openai)
  --yes, -y                  take every default; never prompt
  --overwrite                write into a non-empty folder: other files are kept, .env keeps its keys,
                             an edited config.yaml is backed up to config.yaml.bak first
  --dry-run                  print the plan; write and download nothing
  --os OS --arch ARCH        install for another platform (Go words: linux, darwin, windows, freebsd, openbsd;
                             amd64, arm64, 386, ppc64le, s390x, riscv64, armv6, armv7)
  --download-base-url U      a release mirror: an http(s) URL or a folder ({base}/{tag}/{asset} + index.json)
  --insecure-skip-verify     install without checking the release's checksums (not recommended)
  --version, --help

Environment: GLIDE_REPO, GLIDE_DOWNLOAD_BASE_URL, GLIDE_GITHUB_TOKEN (or GH_TOKEN, GITHUB_TOKEN),
HTTPS_PROXY, HTTP_PROXY, NO_PROXY, NO_COLOR, GLIDE_CACHE_DIR.
API keys are read from the provider's usual variable (OPENAI_API_KEY, …) or asked for, masked.
`;

export function parseCreateOptions(argv: readonly string[]): CreateOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        method: { type: 'string' },
        'glide-version': { type: 'string' },
        provider: { type: 'string' },
        yes: { type: 'boolean', short: 'y', default: false },
        overwrite: { type: 'boolean', default: false },
        'dry-run': { type: 'boolean', default: false },
        os: { type: 'string' },
        arch: { type: 'string' },
        'download-base-url': { type: 'string' },
        'insecure-skip-verify': { type: 'boolean', default: false },
        version: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new GlideError('EUSAGE', (error as Error).message, ['Run create-glide --help for the options.']);
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1) {
    throw new GlideError('EUSAGE', `Expected one target folder, got ${positionals.length}: ${positionals.join(' ')}.`, ['Quote a folder name with spaces.']);
  }
  const method = values.method;
  if (method !== undefined && !(METHODS as readonly string[]).includes(method)) {
    throw new GlideError('EUSAGE', `--method ${method} is not available in this version of create-glide.`, [
      `Use --method ${METHODS.join(' | ')}. The Docker Compose demo (--method docker) arrives in a later release.`,
    ]);
  }
  const provider = values.provider;
  if (provider !== undefined && !(PROVIDERS as readonly string[]).includes(provider)) {
    throw new GlideError('EUSAGE', `--provider ${provider} is not one create-glide can configure.`, [`Use one of: ${PROVIDERS.join(', ')}`]);
  }
  if ((values.os === undefined) !== (values.arch === undefined)) {
    throw new GlideError('EUSAGE', '--os and --arch go together.', ['Pass both, e.g. --os linux --arch arm64.']);
  }
  const dir = positionals[0];
  return {
    ...(dir !== undefined ? { dir } : {}),
    ...(method !== undefined ? { method: method as Method } : {}),
    version: parseVersionRequest(values['glide-version'] ?? 'latest'),
    ...(provider !== undefined ? { provider: provider as Provider } : {}),
    yes: values.yes,
    overwrite: values.overwrite,
    dryRun: values['dry-run'],
    ...(values.os !== undefined ? { os: values.os } : {}),
    ...(values.arch !== undefined ? { arch: values.arch } : {}),
    ...(values['download-base-url'] !== undefined ? { downloadBaseUrl: values['download-base-url'] } : {}),
    insecureSkipVerify: values['insecure-skip-verify'],
    help: values.help,
    showVersion: values.version,
  };
}
