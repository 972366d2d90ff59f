/**
 * The terminal as create-glide sees it: prompts, step lines and a download progress bar.
 * With a TTY it is @clack/prompts (clack-terminal.ts, loaded only then); without one
 * nothing prompts or animates, and every step prints one plain line (CI logs stay readable).
 */
import { styleText } from 'node:util';
import { GlideError } from '#contract';

export interface Choice<T extends string> {
  readonly value: T;
  readonly label: string;
  readonly hint?: string;
}

export interface Progress {
  update(received: number, total: number | undefined): void;
  done(message: string): void;
  fail(message: string): void;
}

export interface Terminal {
  readonly interactive: boolean;
  intro(title: string): void;
  step(message: string): void;
  warn(message: string): void;
  note(title: string, lines: readonly string[]): void;
  /** A command to copy and paste: on one line of its own, with no border or prefix around it. */
  command(text: string): void;
  outro(message: string): void;
  select<T extends string>(message: string, choices: readonly Choice<T>[], initial: T): Promise<T>;
  text(message: string, initial: string, validate?: (value: string) => string | undefined): Promise<string>;
  password(message: string): Promise<string>;
  confirm(message: string, initial: boolean): Promise<boolean>;
  progress(label: string): Progress;
}

export interface TerminalStreams {
  readonly stdin: NodeJS.ReadStream;
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
}

/** Thrown when the user cancels a prompt; the CLI exits 130. */
export function cancelled(): GlideError {
  return new GlideError('ECANCELLED', 'Cancelled: nothing was written.');
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** "12 MB / 48 MB · 31 MB/s" */
export function progressText(received: number, total: number | undefined, elapsedMs: number): string {
  const rate = elapsedMs > 0 ? `${formatBytes((received * 1000) / elapsedMs)}/s` : '';
  const amount = total ? `${formatBytes(received)} / ${formatBytes(total)}` : formatBytes(received);
  return rate ? `${amount} · ${rate}` : amount;
}

/** No TTY: no prompt (the flow never asks; reaching one is a bug), no animation, one line a step. */
export function plainTerminal(streams: Pick<TerminalStreams, 'stdout' | 'stderr'>): Terminal {
  const line = (text: string): void => void streams.stdout.write(`${text}\n`);
  const noPrompt = (): never => {
    throw new GlideError('EUSAGE', 'create-glide needs an answer it cannot ask for without a terminal.');
  };
  return {
    interactive: false,
    intro: (title) => line(title),
    step: (message) => line(message),
    warn: (message) => void streams.stderr.write(`warning: ${message}\n`),
    note: (title, lines) => line([`${title}:`, ...lines.map((text) => `  ${text}`)].join('\n')),
    command: (text) => line(text),
    outro: (message) => line(message),
    select: noPrompt,
    text: noPrompt,
    password: noPrompt,
    confirm: noPrompt,
    progress(label) {
      const started = Date.now();
      let total: number | undefined;
      let received = 0;
      return {
        update(bytes, size) {
          received = bytes;
          total = size;
        },
        done: (message) => line(`${message} (${progressText(received, total, Date.now() - started)})`),
        fail: (message) => void streams.stderr.write(`${label}: ${message}\n`),
      };
    },
  };
}

/** Bold, or plain under NO_COLOR / without a TTY (styleText checks both). */
export function strong(text: string): string {
  return styleText('bold', text);
}
