/**
 * What a low-level network failure was, read one way for every client here (the installers'
 * downloads, the registry client, the GitHub client to come). Pure.
 */

/** Socket and undici error codes worth another attempt: the connection, not the request, failed. */
export const TRANSIENT_NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** A certificate chain we do not trust: usually a proxy that inspects HTTPS. */
export const TLS_TRUST_CODES: ReadonlySet<string> = new Set([
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
]);

/** Our own disk failing under a download, not the network. */
export const DISK_ERROR_CODES: ReadonlySet<string> = new Set(['ENOSPC', 'EDQUOT', 'EACCES', 'EPERM', 'EROFS', 'EIO', 'EMFILE']);

// undici's wrappers say "something below failed": the code to act on is in their `cause`.
const WRAPPER_CODES: ReadonlySet<string> = new Set(['UND_ERR_REQ_RETRY', 'UND_ERR']);

/**
 * The code to act on: undici wraps the socket's error in `cause`, so look down the chain (its
 * own wrappers skipped) and take the first transient code, else the first code at all.
 */
export function errorCode(error: unknown): string | undefined {
  const codes: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && !WRAPPER_CODES.has(code)) codes.push(code);
    current = (current as { cause?: unknown }).cause;
  }
  return codes.find((code) => TRANSIENT_NETWORK_CODES.has(code)) ?? codes[0];
}

/** A connection that failed or stalled: another attempt may succeed. */
export function isTransientNetworkError(error: unknown): boolean {
  const code = errorCode(error);
  return code !== undefined && TRANSIENT_NETWORK_CODES.has(code);
}
