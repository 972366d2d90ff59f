/**
 * Image references as Docker reads them (`alpine` is `docker.io/library/alpine`), and the URL
 * a registry's API answers on. Pure: no network.
 */
import { GlideError } from '#contract';

export interface ImageReference {
  /** `docker.io`, `ghcr.io`, `127.0.0.1:5000`… as written (Docker Hub's aliases folded into `docker.io`). */
  readonly registry: string;
  /** `library/alpine`, `einstack/glide`. */
  readonly repository: string;
  readonly tag?: string;
  /** `sha256:…`; when present it, not the tag, names the content. */
  readonly digest?: string;
}

export const DOCKER_HUB = 'docker.io';

// The grammar of github.com/distribution/reference, which every registry and client shares.
const DOMAIN = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::[0-9]+)?$/;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^(?:sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;
const MAX_REPOSITORY_LENGTH = 255;
const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);
const PLAIN_HTTP_HOSTS = new Set(['localhost', '127.0.0.1']);

export function parseImageReference(text: string): ImageReference {
  const fail = (why: string): GlideError =>
    new GlideError(
      'ECONFIG',
      `"${text}" is not an image reference: ${why}. Write [registry/]repository[:tag][@sha256:digest], e.g. ghcr.io/einstack/glide:0.1.0-alpine.`,
    );

  if (text.trim() === '') throw fail('the repository is missing');
  const at = text.indexOf('@');
  const named = at === -1 ? text : text.slice(0, at);
  const digest = at === -1 ? undefined : text.slice(at + 1);
  if (digest !== undefined && !DIGEST.test(digest)) throw fail(`"${digest}" is not a sha256 or sha512 digest in lowercase hex`);

  const lastSlash = named.lastIndexOf('/');
  const colon = named.lastIndexOf(':');
  const tag = colon > lastSlash ? named.slice(colon + 1) : undefined;
  const name = colon > lastSlash ? named.slice(0, colon) : named;
  if (tag !== undefined && !TAG.test(tag)) throw fail(`"${tag}" is not a valid tag`);

  // Docker's rule: the first component names a registry only if it looks like a host.
  const firstSlash = name.indexOf('/');
  const first = firstSlash === -1 ? '' : name.slice(0, firstSlash);
  const hasRegistry = first !== '' && (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase());
  let registry = hasRegistry ? first : DOCKER_HUB;
  let repository = hasRegistry ? name.slice(firstSlash + 1) : name;

  if (hasRegistry && !DOMAIN.test(registry)) throw fail(`"${registry}" is not a registry host`);
  if (DOCKER_HUB_ALIASES.has(registry.toLowerCase())) registry = DOCKER_HUB;
  if (registry === DOCKER_HUB && !repository.includes('/')) repository = `library/${repository}`;

  if (repository === '') throw fail('the repository is missing');
  if (repository !== repository.toLowerCase()) throw fail('repository names are lowercase');
  if (!repository.split('/').every((component) => PATH_COMPONENT.test(component))) {
    throw fail(`"${repository}" is not a repository name (lowercase letters, digits and . _ - between them)`);
  }
  if (repository.length > MAX_REPOSITORY_LENGTH) throw fail(`the repository is longer than ${MAX_REPOSITORY_LENGTH} characters`);

  return { registry, repository, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

/** Where the registry's `/v2/` API lives: plain HTTP on loopback, as Docker does, HTTPS everywhere else. */
export function registryBaseUrl(registry: string): string {
  if (registry === DOCKER_HUB) return 'https://registry-1.docker.io';
  const host = registry.replace(/:[0-9]+$/, '').toLowerCase();
  return `${PLAIN_HTTP_HOSTS.has(host) ? 'http' : 'https'}://${registry}`;
}

export function isDigest(reference: string): boolean {
  return DIGEST.test(reference);
}
