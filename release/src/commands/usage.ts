import { GlideError } from '#contract';

/** A refused command line: exit 2, with where to read the usage. */
export function usage(message: string): GlideError {
  return new GlideError('EUSAGE', `${message}. Run glide-release --help for usage.`);
}
