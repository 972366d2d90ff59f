/**
 * create-glide's command line → a plain options object (README.md, "create-glide").
 * Pure: bad flags become EUSAGE errors (exit 2) that name what to pass instead.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_DISTRO, DISTROS, GlideError, type Distro } from '#contract';
import { parseImageReference } from '../registry/reference.js';
import { parseVersionRequest, type VersionRequest } from '../releases/resolve.js';
import { PROVIDERS, type Provider } from '../scaffold/providers.js';

export const METHODS = ['binary', 'docker'] as const;
export type Method = (typeof METHODS)[number];

export const DEFAULT_IMAGE = 'ghcr.io/einstack/glide';

export interface CreateOptions {
  readonly dir?: string;
  /** Unset: asked interactively, `binary` with --yes or without a terminal. */
  readonly method?: Method;
  readonly version: VersionRequest;
  /** Docker only; the defaults are filled in here, so a binary run carries none. */
  readonly docker?: { readonly distro: Distro; readonly image: string };
  /** As given; read by parseTemplateSpec when the flow starts (its module is not loaded for --help). */
  readonly template?: string;
  /** Unset: asked interactively; --yes or no terminal means do not start. */
  readonly start?: boolean;
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
  --method binary|docker     run Glide as a native binary (default with --yes) or with Docker Compose
  --glide-version V          a version (0.1.0-rc.1), latest (newest stable, default) or rc (newest, RCs included)
  --distro D                 ${DISTROS.join(' | ')} (docker only; default ${DEFAULT_DISTRO})
  --image REPO               image repository (docker only; default ${DEFAULT_IMAGE})
  --provider P               ${PROVIDERS.join(' | ')} (default openai)
  --template T               the bundled demo (default), a local folder, or github:owner/repo[#ref]
  --start / --no-start       start Glide and wait until GET /v1/health/ answers 200 (--yes: no start unless --start)
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
        distro: { type: 'string' },
        image: { type: 'string' },
        provider: { type: 'string' },
        template: { type: 'string' },
        // Node 20's parseArgs has no allowNegative: the pair is two flags.
        start: { type: 'boolean' },
        'no-start': { type: 'boolean' },
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
    throw new GlideError('EUSAGE', `--method ${method} is not available in this version of create-glide.`, [`Use --method ${METHODS.join(' | ')}.`]);
  }
  const docker = dockerOptions(method as Method | undefined, values.distro, values.image);
  if (docker && (values.os !== undefined || values['insecure-skip-verify'])) {
    const flag = values.os !== undefined ? '--os/--arch' : '--insecure-skip-verify';
    throw new GlideError('EUSAGE', `${flag} is for --method binary: with Docker, the image runs on this machine and nothing is downloaded to verify.`, [
      `Drop ${flag}, or pass --method binary.`,
    ]);
  }
  if (values.start && values['no-start']) {
    throw new GlideError('EUSAGE', '--start and --no-start contradict each other.', ['Pass one of them.']);
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
    ...(docker ? { method: 'docker' as const, docker } : method !== undefined ? { method: method as Method } : {}),
    version: parseVersionRequest(values['glide-version'] ?? 'latest'),
    ...(provider !== undefined ? { provider: provider as Provider } : {}),
    ...(values.template !== undefined ? { template: values.template } : {}),
    ...(values.start || values['no-start'] ? { start: Boolean(values.start) } : {}),
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

/**
 * The Docker settings, or undefined for a binary run. --distro and --image only make sense
 * with Docker, so either one without --method means --method docker; with --method binary
 * they are a usage error rather than silently ignored.
 */
function dockerOptions(method: Method | undefined, distro: string | undefined, image: string | undefined): CreateOptions['docker'] {
  const given = distro !== undefined ? '--distro' : image !== undefined ? '--image' : undefined;
  if (method === 'binary' && given) {
    throw new GlideError('EUSAGE', `${given} is for --method docker; --method binary runs no image.`, [`Drop ${given}, or pass --method docker.`]);
  }
  if (method !== 'docker' && !given) return undefined;
  if (distro !== undefined && !(DISTROS as readonly string[]).includes(distro)) {
    throw new GlideError('EUSAGE', `--distro ${distro} is not one Glide's images are built on.`, [`Use one of: ${DISTROS.join(', ')}`]);
  }
  return { distro: (distro ?? DEFAULT_DISTRO) as Distro, image: image === undefined ? DEFAULT_IMAGE : imageRepository(image) };
}

/** --image names a repository; create-glide picks the tag ({version}-{distro}), so a tag or digest is refused. */
function imageRepository(text: string): string {
  let reference;
  try {
    reference = parseImageReference(text);
  } catch (error) {
    throw new GlideError('EUSAGE', `--image ${text}: ${(error as Error).message}`, [`Give a repository, e.g. --image ${DEFAULT_IMAGE}.`]);
  }
  if (reference.tag !== undefined || reference.digest !== undefined) {
    throw new GlideError('EUSAGE', `--image ${text} names a tag or digest; create-glide picks the tag ({version}-{distro}).`, [
      `Give the repository only, e.g. --image ${text.replace(/[:@][^/]*$/, '')}, and choose the version with --glide-version.`,
    ]);
  }
  return text;
}
