import * as z from 'zod/mini';
import { committerSchema, credentialFreeUrl, tokenEnvName } from '../git-branch-config.js';

/** Where Glide's users tap today (`brew install einstack/tap/glide`). */
export const GLIDE_TAP = 'https://github.com/EinStack/homebrew-tap.git';

const text = () => z.string().check(z.minLength(1));

/**
 * `channels.homebrew`: off unless the config names it, so a fork's release never pushes to
 * Glide's tap. Decision 0048.
 */
export const homebrewConfigSchema = z.strictObject({
  /** The tap's git URL (https://, ssh, or a local path for tests). */
  tap: z._default(credentialFreeUrl(), GLIDE_TAP),
  branch: z._default(text(), 'main'),
  desc: z._default(text(), 'Lightweight, cloud-native LLM gateway'),
  homepage: z._default(text(), 'https://github.com/EinStack/glide'),
  license: z._default(text(), 'Apache-2.0'),
  /** The environment variable holding the token for an https tap (GitHub: a token with contents:write on the tap). */
  tokenEnv: z._default(tokenEnvName(), 'HOMEBREW_TAP_TOKEN'),
  committer: committerSchema(),
});

export type HomebrewConfig = z.infer<typeof homebrewConfigSchema>;
