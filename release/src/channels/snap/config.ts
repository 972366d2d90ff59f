import * as z from 'zod/mini';

const text = () => z.string().check(z.minLength(1));

/**
 * The store's name rule (snapd's naming.ValidateSnap): lower-case letters, digits and single
 * hyphens, at least one letter, no hyphen at either end, 40 characters at most.
 */
export const SNAP_NAME = /^(?=.{2,40}$)(?:[a-z0-9]+-?)*[a-z](?:-?[a-z0-9])*$/;

/**
 * `channels.snap`: off unless the config names it, so a fork's release never plans an upload
 * under Glide's snap name. Decision 0049.
 */
export const snapConfigSchema = z.strictObject({
  name: z._default(text().check(z.regex(SNAP_NAME, 'must be a snap name: lower-case letters, digits and single hyphens, 2 to 40 characters')), 'glide'),
  /** The store shows at most 78 characters. */
  summary: z._default(text().check(z.maxLength(78)), 'Open-source LLM gateway'),
  description: z._default(text(), 'Glide is an open-source LLM gateway written in Go: one API in front of many model providers.'),
  license: z._default(text(), 'Apache-2.0'),
});

export type SnapConfig = z.infer<typeof snapConfigSchema>;

/** The config with every default: what tests and `channels: { snap: {} }` get. */
export function defaultSnapConfig(): SnapConfig {
  return snapConfigSchema.parse({});
}
