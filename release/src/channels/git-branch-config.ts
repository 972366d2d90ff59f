/** The config pieces every channel that pushes to a git branch shares (git-branch.ts). */
import * as z from 'zod/mini';

const text = () => z.string().check(z.minLength(1));

/**
 * A repository URL never carries credentials: it is printed in every plan line. The token
 * comes from the environment (tokenEnv) and reaches git through a credential helper only.
 */
export const credentialFreeUrl = () =>
  text().check(
    z.refine(
      (url) => !/^[a-z][a-z0-9+.-]*:\/\/[^/@]*@/i.test(url),
      'must not hold a user or token ("https://TOKEN@…"); put the token in the variable tokenEnv names',
    ),
  );

export const tokenEnvName = () => text().check(z.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name'));

export const committerSchema = () =>
  z._default(z.strictObject({ name: text(), email: text() }), { name: 'glide-release', email: 'glide-release@users.noreply.github.com' });
