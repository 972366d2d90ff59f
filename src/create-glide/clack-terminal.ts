/**
 * The terminal at a TTY: @clack/prompts' prompts, step lines and a progress bar. A module of
 * its own so that a run without a TTY (CI, a script) never loads clack.
 */
import * as clack from '@clack/prompts';
import { styleText } from 'node:util';
import { cancelled, progressText, type Choice, type Progress, type Terminal, type TerminalStreams } from './terminal.js';

/** A TTY: clack's prompts and progress bar. `interactive` false (--yes) keeps the look but never asks. */
export function clackTerminal(streams: TerminalStreams, interactive: boolean): Terminal {
  const common = { input: streams.stdin, output: streams.stdout };
  const answer = <T>(value: T): Exclude<T, symbol> => {
    if (clack.isCancel(value)) throw cancelled();
    return value as Exclude<T, symbol>;
  };
  return {
    interactive,
    intro: (title) => clack.intro(title, common),
    step: (message) => clack.log.step(message, common),
    warn: (message) => clack.log.warn(message, common),
    note: (title, lines) => clack.note(lines.join('\n'), title, common),
    // Not in a note: its box wraps long lines and draws a border after them, and a copied
    // selection of that does not run.
    command: (text) => void streams.stdout.write(`${text}\n`),
    outro: (message) => clack.outro(message, common),
    async select<T extends string>(message: string, choices: readonly Choice<T>[], initial: T): Promise<T> {
      const options = choices.map((choice) => ({ value: choice.value, label: choice.label, ...(choice.hint ? { hint: choice.hint } : {}) }));
      return answer(await clack.select<T>({ ...common, message, options: options as never, initialValue: initial }));
    },
    async text(message, initial, validate) {
      return answer(
        await clack.text({
          ...common,
          message,
          placeholder: initial,
          defaultValue: initial,
          ...(validate ? { validate: (value: string | undefined) => validate(value || initial) } : {}),
        }),
      );
    },
    async password(message) {
      return answer(await clack.password({ ...common, message }));
    },
    async confirm(message, initial) {
      return answer(await clack.confirm({ ...common, message, initialValue: initial }));
    },
    progress: (label) => ttyProgress(streams.stdout, label),
  };
}

const BAR_WIDTH = 24;

/**
 * The download bar, drawn in clack's style on one line rewritten in place. Not clack's own
 * progress(): it puts stdin in raw mode and answers Ctrl-C with process.exit(0), which
 * would lose both the exit code (130) and the cleanup of a cancelled download.
 */
function ttyProgress(output: NodeJS.WriteStream, label: string): Progress {
  const started = Date.now();
  let last = 0;
  let received = 0;
  let total: number | undefined;
  let drawn = false;
  const finish = (symbol: string, message: string): void => {
    if (drawn) output.write('\r\u001b[2K');
    output.write(`${symbol}  ${message}\n`);
  };
  return {
    update(bytes, size) {
      received = bytes;
      total = size;
      const now = Date.now();
      // Ten redraws a second are plenty; a 1 GB download arrives in ~16,000 chunks.
      if (now - last < 100 && received !== total) return;
      last = now;
      const filled = total ? Math.min(BAR_WIDTH, Math.round((received / total) * BAR_WIDTH)) : 0;
      const bar = total ? `${styleText('magenta', '━'.repeat(filled))}${styleText('gray', '━'.repeat(BAR_WIDTH - filled))}  ` : '';
      output.write(`\r\u001b[2K${styleText('magenta', clack.S_STEP_ACTIVE)}  ${label}  ${bar}${progressText(received, total, now - started)}`);
      drawn = true;
    },
    done: (message) => finish(styleText('green', clack.S_STEP_SUBMIT), `${message} (${progressText(received, total, Date.now() - started)})`),
    fail: (message) => finish(styleText('red', clack.S_STEP_CANCEL), `${label}: ${message}`),
  };
}
