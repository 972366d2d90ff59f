/** Whether Glide could listen where it is told to: asked by binding the port, the one answer that cannot be wrong at that instant. */
import { createServer } from 'node:net';

/**
 * True when nothing listens on `host:port`. Only "address in use" means taken: any other
 * failure (a port below 1024 without privileges, an address this machine lacks) is thrown,
 * because Glide would fail there too and for another reason than a busy port.
 */
export async function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  const server = createServer();
  try {
    await new Promise<void>((listening, failed) => {
      server.once('error', failed);
      // exclusive: a cluster worker must not be handed the primary's shared handle.
      server.listen({ port, host, exclusive: true }, listening);
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') return false;
    throw error;
  }
  await new Promise<void>((closed) => server.close(() => closed()));
  return true;
}
