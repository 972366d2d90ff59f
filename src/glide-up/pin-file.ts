/**
 * Reads the `.glide-version` of the folder glide-up runs in (decision 0031): that folder only,
 * as for ./config.yaml and ./.env. A link is followed, as version managers follow a linked
 * `.nvmrc`, but only a regular file is read, and never more than PIN_MAX_BYTES + 1 bytes.
 */
import { constants } from 'node:fs';
import { lstat, open } from 'node:fs/promises';
import { join } from 'node:path';
import { GlideError } from '#contract';
import { parsePin, PIN_FILE, PIN_MAX_BYTES } from '../releases/pin.js';

export interface Pin {
  readonly version: string;
  /** The file as the user would name it from `dir`: `.glide-version`. */
  readonly file: string;
  readonly path: string;
}

/** The pin in `dir`, or undefined when there is no `.glide-version`; one that cannot be read as a pin is an EUSAGE error. */
export async function readPin(dir: string): Promise<Pin | undefined> {
  const path = join(dir, PIN_FILE);
  const link = await lstat(path).catch(() => undefined);
  if (!link) return undefined;
  // What a link leads to could be any file of the user's (the project's own .env, say): its content is never shown.
  const quote = !link.isSymbolicLink();
  let handle;
  try {
    // O_NONBLOCK: opening a FIFO does not wait for a writer; it is refused below like any other non-file.
    handle = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'is a link to a file that does not exist' : `cannot be read (${code ?? (error as Error).message})`;
    throw new GlideError('EUSAGE', `${path} ${why}.`, [`Make it a file that holds one exact Glide version (e.g. 0.1.0), or delete it.`]);
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) {
      throw new GlideError('EUSAGE', `${path} is ${stats.isDirectory() ? 'a folder' : 'not a regular file (a device, pipe or socket)'}.`, [
        'Make it a file that holds one exact Glide version (e.g. 0.1.0), or delete it.',
      ]);
    }
    const buffer = Buffer.alloc(PIN_MAX_BYTES + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return { version: parsePin(buffer.subarray(0, bytesRead), path, quote), file: PIN_FILE, path };
  } finally {
    await handle.close();
  }
}
