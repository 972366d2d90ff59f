// The chat command printed once Glide runs is copied from the screen: at a TTY it must be the
// command alone on its line, not wrapped inside clack's note box with a border after it.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { clackTerminal } from '../../src/create-glide/clack-terminal.js';
import { chatCommand } from '../../src/create-glide/steps.js';
import { plainTerminal } from '../../src/create-glide/terminal.js';

function streams() {
  const stdout = Object.assign(new PassThrough(), { isTTY: true, columns: 60 }) as unknown as NodeJS.WriteStream;
  const stdin = Object.assign(new PassThrough(), { isTTY: true }) as unknown as NodeJS.ReadStream;
  let text = '';
  (stdout as unknown as PassThrough).on('data', (chunk) => (text += String(chunk)));
  return { io: { stdin, stdout, stderr: stdout }, text: () => text };
}

describe('terminal.command', () => {
  const command = chatCommand(9099, 'default');

  it('at a TTY (clack): the command alone on one line, however narrow the terminal', () => {
    const { io, text } = streams();
    clackTerminal(io, false).command(command);
    expect(text()).toBe(`${command}\n`);
  });

  it('without a TTY: the same line', () => {
    const { io, text } = streams();
    plainTerminal(io).command(command);
    expect(text()).toBe(`${command}\n`);
  });

  it('is one line that sends the demo request', () => {
    expect(command).not.toContain('\n');
    expect(command).toMatch(/^curl -X POST http:\/\/127\.0\.0\.1:9099\/v1\/language\/default\/chat\/ -H 'Content-Type: application\/json' -d '\{"message": /);
  });
});
