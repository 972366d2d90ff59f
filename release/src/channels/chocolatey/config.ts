/**
 * `channels.chocolatey` in glide-release's config. The channel is off unless this key is
 * present: a fork's release must never reach Glide's package on the community feed.
 */
import * as z from 'zod/mini';

const text = () => z.string().check(z.minLength(1));

/** Only https links: they are shown on the package's page and checked by the feed's moderators. */
const httpsUrl = () =>
  z.string().check(
    z.refine((value) => {
      try {
        return new URL(value).protocol === 'https:';
      } catch {
        return false;
      }
    }, 'must be an https:// URL'),
  );

export const chocolateyConfigSchema = z.strictObject({
  /** The package id on the feed: lower case, words joined by "-" (Chocolatey's naming rule). */
  id: z._default(z.string().check(z.regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'use lower-case letters, digits and "-", such as "glide"')), 'glide'),
  title: z._default(text(), 'Glide'),
  authors: z._default(text(), 'EinStack'),
  description: z._default(
    text(),
    'Glide is a cloud-native LLM gateway: one fast, lightweight API in front of OpenAI, Anthropic, Azure OpenAI, Bedrock, Cohere and more, with fallbacks, retries and routing.',
  ),
  tags: z._default(z.array(z.string().check(z.regex(/^[^\s]+$/, 'a tag is one word (tags are separated by spaces)'))), [
    'glide',
    'llm',
    'gateway',
    'ai',
    'cli',
  ]),
  /** Left out: https://github.com/{repo}. */
  projectUrl: z.optional(httpsUrl()),
  /** Left out: the LICENSE file at the release's tag. */
  licenseUrl: z.optional(httpsUrl()),
  /** Where the package's source (this generator) lives; the community feed requires it. */
  packageSourceUrl: z._default(httpsUrl(), 'https://github.com/EinStack/create-glide'),
});

export type ChocolateyConfig = z.infer<typeof chocolateyConfigSchema>;
