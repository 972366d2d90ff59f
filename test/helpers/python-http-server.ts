import { spawn } from 'node:child_process';
import { stopChild } from './process.js';

/**
 * `python3 -m http.server` on loopback over a folder: the obvious way to serve a release
 * mirror, and a server that answers HTTP/1.0 and closes the connection after every body.
 * It knows no Range requests (a resume gets the whole file again).
 */

export interface PythonHttpServer {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 10_000;

export async function startPythonHttpServer(root: string): Promise<PythonHttpServer> {
  // Port 0: the kernel picks a free port and the server prints it, so no other process can take it first.
  const child = spawn('python3', ['-u', '-m', 'http.server', '0', '--bind', '127.0.0.1', '--directory', root], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const port = await new Promise<number | string>((done) => {
    const timer = setTimeout(() => done('timed out'), START_TIMEOUT_MS);
    const onText = (text: string): void => {
      output += text;
      const match = /Serving HTTP on \S+ port (\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        done(Number(match[1]));
      }
    };
    child.stdout.setEncoding('utf8').on('data', onText);
    // The request log goes to stderr; keep reading it so a full pipe never blocks the server.
    child.stderr.setEncoding('utf8').on('data', (text: string) => (output.length < 10_000 ? (output += text) : undefined));
    child.once('error', (error) => done(`failed to start (${error.message}): is python3 installed?`));
    child.once('exit', (code, signal) => done(`exited (${signal ?? code})`));
  });
  if (typeof port === 'string') {
    await stopChild(child);
    throw new Error(`python3 -m http.server ${port}:\n${output}`);
  }
  return { url: `http://127.0.0.1:${port}`, stop: () => stopChild(child) };
}
