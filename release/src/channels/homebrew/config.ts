import * as z from 'zod/mini';

/** Where Glide's users tap today (`brew install einstack/tap/glide`). */
export const GLIDE_TAP = 'https://github.com/EinStack/homebrew-tap.git';

const text = () => z.string().check(z.minLength(1));

/**
 * A tap URL never carries credentials: it is printed in every plan line. The token comes from
 * the environment (tokenEnv) and reaches git through a credential helper only.
 */
const tapUrl = () =>
  text().check(
    z.refine(
      (url) => !/^[a-z][a-z0-9+.-]*:\/\/[^/@]*@/i.test(url),
      'must not hold a user or token ("https://TOKEN@…"); put the token in the variable tokenEnv names',
    ),
  );

/**
 * `channels.homebrew`: off unless the config names it, so a fork's release never pushes to
 * Glide's tap. Decision 0048.
 */
export const homebrewConfigSchema = z.strictObject({
  /** The tap's git URL (https://, ssh, or a local path for tests). */
  tap: z._default(tapUrl(), GLIDE_TAP),
  branch: z._default(text(), 'main'),
  desc: z._default(text(), 'Lightweight, cloud-native LLM gateway'),
  homepage: z._default(text(), 'https://github.com/EinStack/glide'),
  license: z._default(text(), 'Apache-2.0'),
  /** The environment variable holding the token for an https tap (GitHub: a token with contents:write on the tap). */
  tokenEnv: z._default(text().check(z.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name')), 'HOMEBREW_TAP_TOKEN'),
  committer: z._default(z.strictObject({ name: text(), email: text() }), { name: 'glide-release', email: 'glide-release@users.noreply.github.com' }),
});

export type HomebrewConfig = z.infer<typeof homebrewConfigSchema>;
