/**
 * Registry credentials, from the environment or Docker's own config, never from
 * glide-release's config file (interface.md). Pure: the caller reads the files.
 */
import type { RegistryCredentials } from './client.js';

export interface CredentialSources {
  readonly env: NodeJS.ProcessEnv;
  /** The parsed `~/.docker/config.json` (or `$DOCKER_CONFIG/config.json`), if there is one. */
  readonly dockerConfig?: unknown;
}

/** Where the credentials came from, for messages: the source, never the secret. */
export interface FoundCredentials {
  readonly credentials: RegistryCredentials;
  readonly source: string;
}

/** Docker Hub's credentials are stored under its v1 index URL. */
const DOCKER_HUB_KEYS = ['https://index.docker.io/v1/', 'index.docker.io', 'docker.io', 'registry-1.docker.io'];

export function registryCredentials(registry: string, sources: CredentialSources): FoundCredentials | undefined {
  const { env } = sources;
  if (env.GLIDE_REGISTRY_USERNAME && env.GLIDE_REGISTRY_PASSWORD) {
    return {
      credentials: { username: env.GLIDE_REGISTRY_USERNAME, password: env.GLIDE_REGISTRY_PASSWORD },
      source: 'GLIDE_REGISTRY_USERNAME/GLIDE_REGISTRY_PASSWORD',
    };
  }
  // GHCR takes any user name with a token as the password; Actions sets GITHUB_ACTOR.
  if (registry === 'ghcr.io' && env.GITHUB_TOKEN) {
    return { credentials: { username: env.GITHUB_ACTOR || 'glide-release', password: env.GITHUB_TOKEN }, source: 'GITHUB_TOKEN' };
  }
  const auths = (sources.dockerConfig as { auths?: Record<string, { auth?: string; username?: string; password?: string }> } | undefined)?.auths;
  if (!auths) return undefined;
  const keys = registry === 'docker.io' ? DOCKER_HUB_KEYS : [registry, `https://${registry}`, `http://${registry}`];
  for (const key of keys) {
    const entry = auths[key];
    if (!entry) continue;
    if (entry.username && entry.password) return { credentials: { username: entry.username, password: entry.password }, source: `Docker's config (${key})` };
    if (entry.auth) {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) return { credentials: { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) }, source: `Docker's config (${key})` };
    }
  }
  return undefined;
}
