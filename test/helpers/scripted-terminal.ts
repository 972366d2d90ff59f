// create-glide in-process with a scripted terminal (as create-astro tests its steps).
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../../src/create-glide/cli.js';
import { cancelled, type Terminal } from '../../src/create-glide/terminal.js';

export const CANCEL = Symbol('cancel');
export type Answer = string | boolean | typeof CANCEL;

/** A terminal that answers from a script and records what was asked and said. */
export function scriptedTerminal(answers: Answer[], interactive = true) {
  const asked: string[] = [];
  const said: string[] = [];
  const next = (kind: string, message: string): Answer => {
    asked.push(`${kind}: ${message}`);
    const answer = answers.shift();
    if (answer === undefined) throw new Error(`unscripted question: ${message}`);
    if (answer === CANCEL) throw cancelled();
    return answer;
  };
  const terminal: Terminal = {
    interactive,
    intro: (text) => said.push(text),
    step: (text) => said.push(text),
    warn: (text) => said.push(`warn: ${text}`),
    note: (title, lines) => said.push(title, ...lines),
    command: (text) => said.push(text),
    outro: (text) => said.push(text),
    select: async (message) => next('select', message) as never,
    text: async (message) => String(next('text', message)),
    password: async (message) => String(next('password', message)),
    confirm: async (message) => Boolean(next('confirm', message)),
    progress: () => ({ update() {}, done: (text) => said.push(text), fail: (text) => said.push(text) }),
  };
  return { terminal, asked, said };
}

/** main() in `cwd` on a linux/arm64 host, the cache under `cwd`; returns the exit code and stderr. */
export async function runCreate(cwd: string, argv: string[], terminal: Terminal, env: NodeJS.ProcessEnv = {}) {
  const stderr = new PassThrough();
  let errors = '';
  stderr.on('data', (chunk) => (errors += String(chunk)));
  const io = {
    stdin: new PassThrough() as never,
    stdout: new PassThrough() as never,
    stderr: stderr as never,
    env: { GLIDE_CACHE_DIR: join(cwd, '.cache'), ...env },
    cwd,
    host: async () => ({ platform: 'linux', arch: 'arm64', translated: false }),
    terminal,
  };
  const code = await main(argv, io);
  return { code, errors };
}
