/**
 * `.glide-version`: the Glide a project was made with (decision 0031). create-glide writes it,
 * glide-up run without --glide-version or --channel runs what it says. One line, one exact
 * version, like nvm's `.nvmrc` or tfenv's `.terraform-version`. Pure: text in, version out.
 */
import { GlideError, parseReleaseVersion } from '#contract';
import type { VersionRequest } from './resolve.js';

export const PIN_FILE = '.glide-version';

/** Room for the longest version Glide tags, a `v` and a CRLF: a longer file is not a pin, and no more than this is read. */
export const PIN_MAX_BYTES = 64;

/** The file's text for `version`, which must be an exact release version (a pin glide-up could not read is never written). */
export function pinFileText(version: string): string {
  return `${parseReleaseVersion(version).version}\n`;
}

/**
 * The version a pin file's bytes name. Surrounding blanks and a leading `v` are forgiven, as
 * `--glide-version` forgives them; anything else that is not one exact version is an EUSAGE
 * error naming the file. `quote`: whether the content may be shown (not for a link, which could
 * lead to any file of the user's).
 */
export function parsePin(bytes: Uint8Array, path: string, quote = true): string {
  const refuse = (what: string, fix = WRITE_A_VERSION): GlideError =>
    new GlideError('EUSAGE', `${path} ${what}: not one exact Glide version.`, [fix, OVERRIDE]);
  if (bytes.length > PIN_MAX_BYTES) throw refuse(`is longer than ${PIN_MAX_BYTES} bytes`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw refuse('holds binary data');
  }
  if (/[\0-\x08\x0e-\x1f\x7f]/.test(text)) throw refuse('holds binary data');
  const value = text.trim();
  const shown = quote ? `holds ${JSON.stringify(value)}` : 'does not hold a version';
  if (value === '') throw refuse('is empty');
  if (/\s/.test(value)) throw refuse(quote ? `holds more than one word (${JSON.stringify(value)})` : 'holds more than one word');
  if (['latest', 'stable', 'rc'].includes(value.toLowerCase())) {
    throw refuse(shown, `A pin names one release, e.g. 0.1.0. To follow the newest instead, delete ${path}, or pass --channel stable|rc.`);
  }
  try {
    return parseReleaseVersion(/^v\d/.test(value) ? value.slice(1) : value).version;
  } catch {
    throw refuse(shown);
  }
}

const WRITE_A_VERSION = 'Write the exact version this project runs on one line, e.g. 0.1.0 or 0.1.0-rc.1, or delete the file to run the newest stable release.';
const OVERRIDE = '--glide-version or --channel runs another version without reading the file.';

/** The version glide-up runs, and why: a flag wins; without one the pin; without a pin the newest stable. Pure. */
export function requestToRun(
  flag: VersionRequest | undefined,
  pin: { readonly version: string; readonly file: string } | undefined,
): { request: VersionRequest; reason: string } {
  if (flag)
    return {
      request: flag,
      reason: flag.kind === 'exact' ? '--glide-version' : flag.kind === 'rc' ? 'the newest release, RCs included' : 'the newest stable release',
    };
  if (pin) return { request: { kind: 'exact', version: pin.version }, reason: `from ${pin.file}` };
  return { request: { kind: 'latest' }, reason: `the newest stable release; no ${PIN_FILE} here` };
}
