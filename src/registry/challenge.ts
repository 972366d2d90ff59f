/**
 * The `WWW-Authenticate` challenge of a 401, per Docker's token auth spec
 * (`Bearer realm="…",service="…",scope="…"`) or plain Basic. Pure.
 */

export type Challenge =
  { readonly scheme: 'basic' } | { readonly scheme: 'bearer'; readonly realm: string; readonly service?: string; readonly scope?: string };

const PARAM = /([A-Za-z][\w-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g;

/** The challenge we can answer, or undefined (no header, an unknown scheme, a Bearer without realm). */
export function parseChallenge(header: string | readonly string[] | undefined): Challenge | undefined {
  const values = header === undefined ? [] : typeof header === 'string' ? [header] : header;
  const challenges = values.map(parseOne).filter((challenge) => challenge !== undefined);
  // A registry offering both prefers tokens, and so do we: they are scoped to one repository.
  return challenges.find((challenge) => challenge.scheme === 'bearer') ?? challenges[0];
}

function parseOne(value: string): Challenge | undefined {
  const match = /^\s*([A-Za-z]+)\s*(.*)$/s.exec(value);
  if (!match) return undefined;
  const scheme = match[1]!.toLowerCase();
  if (scheme === 'basic') return { scheme };
  if (scheme !== 'bearer') return undefined;
  const params = new Map<string, string>();
  for (const [, key, quoted, bare] of match[2]!.matchAll(PARAM)) {
    params.set(key!.toLowerCase(), quoted !== undefined ? quoted.replace(/\\(.)/g, '$1') : (bare ?? ''));
  }
  const realm = params.get('realm');
  if (!realm) return undefined;
  const service = params.get('service');
  const scope = params.get('scope');
  return { scheme, realm, ...(service ? { service } : {}), ...(scope ? { scope } : {}) };
}
