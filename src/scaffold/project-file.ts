/** A file create-glide writes into a project, and what `--overwrite` does to a copy already there (decision 0014). */

/**
 * What `--overwrite` does to a copy already in the folder: `dotenv` keeps every key and value
 * and adds the missing keys, `lines` appends the missing lines, `backup` replaces a copy that
 * differs after saving it under a free `.bak` name.
 */
export type ExistingCopy = 'dotenv' | 'lines' | 'backup';

export interface ProjectFile {
  readonly path: string;
  readonly content: string;
  readonly mode: number;
  readonly existing: ExistingCopy;
  /** Holds secrets: its content is never printed, not even in a dry run. */
  readonly secret?: boolean;
}
