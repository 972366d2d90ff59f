import { open } from 'node:fs/promises';
import { BINARY_HEADER_BYTES } from './binary-header.js';

/** The leading bytes checkBinaryHeader needs, read from a file (the release build and the installers both check files). */
export async function readBinaryHead(path: string): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(BINARY_HEADER_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
