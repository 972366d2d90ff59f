/** The two URL forms GitHub's API hands us to follow: `upload_url` templates and `Link` pages. Pure. */

/**
 * Expands GitHub's `upload_url`, an RFC 6570 template ending in a form-style query
 * (`…/assets{?name,label}`): the parameters given are added, encoded; the others dropped.
 */
export function expandUploadUrl(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/\{\?([\w,]+)\}$/, (_whole, names: string) => {
    const pairs = names
      .split(',')
      .filter((name) => values[name] !== undefined)
      .map((name) => `${name}=${encodeURIComponent(values[name] as string)}`);
    return pairs.length ? `?${pairs.join('&')}` : '';
  });
}

/** The `rel="next"` target of a `Link` header (`<url>; rel="next", <url>; rel="last"`), if any. */
export function nextPageUrl(link: string | undefined): string | undefined {
  for (const part of link?.split(',') ?? []) {
    const match = /^\s*<([^>]*)>(.*)$/.exec(part);
    if (match && /;\s*rel="?([^";]*\s)?next(\s[^";]*)?"?/.test(match[2] as string)) return match[1];
  }
  return undefined;
}
