/**
 * Every environment variable the installers read, read here and nowhere else
 * (docs/install.md, "Networks" and "The cache", says what each does).
 */
import { GLIDE_REPO } from '#contract';
import { cacheDir, homeFolder } from './install/cache.js';
import { proxyFromEnv, type ProxySettings } from './net/http.js';

export interface InstallerSettings {
  readonly repo: string;
  readonly downloadBaseUrl?: string;
  /** The token and the variable it came from; only the name is ever shown. */
  readonly token?: { readonly value: string; readonly source: string };
  readonly proxy: ProxySettings;
  readonly cacheDir: string;
  /** GitHub's web and API origins; overridable for GitHub Enterprise and for loopback tests. */
  readonly githubUrl: string;
  readonly githubApiUrl: string;
}

const TOKEN_VARIABLES = ['GLIDE_GITHUB_TOKEN', 'GH_TOKEN', 'GITHUB_TOKEN'] as const;

/** The GitHub token all three tools read, in this order, and which variable held it (never the value, in output). */
export function githubTokenFromEnv(env: NodeJS.ProcessEnv): { readonly value: string; readonly source: (typeof TOKEN_VARIABLES)[number] } | undefined {
  const source = TOKEN_VARIABLES.find((name) => env[name]?.trim());
  return source ? { value: (env[source] ?? '').trim(), source } : undefined;
}

export function readSettings(env: NodeJS.ProcessEnv, platform: string = process.platform, home: string | undefined = homeFolder()): InstallerSettings {
  return { ...readNetworkSettings(env), cacheDir: cacheDir({ env, platform, home }) };
}

/** All but the cache folder, which needs a home folder or GLIDE_CACHE_DIR: `glide-up doctor` reports its absence instead of failing on it. */
export function readNetworkSettings(env: NodeJS.ProcessEnv): Omit<InstallerSettings, 'cacheDir'> {
  const token = githubTokenFromEnv(env);
  const downloadBaseUrl = env.GLIDE_DOWNLOAD_BASE_URL?.trim();
  return {
    repo: env.GLIDE_REPO?.trim() || GLIDE_REPO,
    ...(downloadBaseUrl ? { downloadBaseUrl } : {}),
    ...(token ? { token } : {}),
    proxy: proxyFromEnv(env),
    githubUrl: env.GLIDE_GITHUB_URL?.trim() || 'https://github.com',
    githubApiUrl: env.GLIDE_GITHUB_API_URL?.trim() || 'https://api.github.com',
  };
}
