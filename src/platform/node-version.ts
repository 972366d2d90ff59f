/**
 * The Node version gate each executable passes before the rest of its code loads (decision
 * 0016): that code imports Node APIs an older Node lacks, and a missing import fails before
 * any line of it runs, so the check must come first, in a module that imports nothing else.
 */
import lt from 'semver/functions/lt.js';

/** The one line an older Node gets instead of a load error; undefined when `running` is new enough. */
export function nodeVersionRefusal(command: string, floor: string, running: string): string | undefined {
  if (!lt(running, floor)) return undefined;
  return `${command} needs Node ≥ ${floor}; this is ${running}. Install a current Node (https://nodejs.org/) and run it again.`;
}

/** Loads the CLI on a Node at or above `floor`; otherwise prints the refusal and sets exit code 1. */
export async function launchOnSupportedNode(command: string, floor: string, load: () => Promise<unknown>): Promise<void> {
  const refusal = nodeVersionRefusal(command, floor, process.versions.node);
  if (!refusal) {
    await load();
    return;
  }
  process.stderr.write(`${refusal}\n`);
  process.exitCode = 1;
}
