// Writes docs/reference/{create-glide,glide-up,glide-release}.md from the built CLIs' own `--help`,
// so the reference cannot say what the CLI does not. test/docs/reference.e2e.test.ts fails when the
// committed files differ from what this writes now.
//
//   npm run docs:reference        (builds first; then node --import tsx scripts/docs-reference.ts)
import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export const REGENERATE_COMMAND = 'npm run docs:reference';

/** A CLI documented from its help: where its bundle is, how a user runs it, what else to read. */
export interface ReferencedCli {
  readonly bin: string;
  readonly bundle: string;
  readonly packageName: string;
  readonly invocation: string;
  /** The prose docs that explain the flags and every error code. */
  readonly seeAlso: readonly string[];
}

export const REFERENCED_CLIS: readonly ReferencedCli[] = [
  {
    bin: 'create-glide',
    bundle: 'create-glide/dist/create-glide.mjs',
    packageName: 'create-glide',
    invocation: 'npx create-glide@latest',
    seeAlso: ['[Installing Glide](../install.md)', '[Troubleshooting](../troubleshooting.md)'],
  },
  {
    bin: 'glide-up',
    bundle: 'glide-up/dist/glide-up.mjs',
    packageName: 'glide-up',
    invocation: 'npx glide-up',
    seeAlso: ['[Installing Glide](../install.md)', '[Troubleshooting](../troubleshooting.md)'],
  },
  {
    bin: 'glide-release',
    bundle: 'release/dist/glide-release.mjs',
    packageName: '@einstack/glide-release',
    invocation: 'npx @einstack/glide-release',
    seeAlso: ['[The release pipeline](../release.md)', '[Channels](../channels.md)', '[The maintainer runbook](../runbook.md)'],
  },
];

/** A help text as printed by `{bin} {command} --help`; `command` is empty for the top level. */
export interface HelpText {
  readonly command: string;
  readonly text: string;
}

/** The subcommands a usage text lists: every distinct word after the bin at the start of a usage line, in order. */
export function subcommandsOf(bin: string, help: string): string[] {
  const escaped = bin.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const usageLine = new RegExp(`^\\s*(?:Usage:\\s*)?${escaped}\\s+([a-z][a-z0-9-]*)\\b`, 'gm');
  const commands = [...help.matchAll(usageLine)].map((match) => match[1] as string);
  return [...new Set(commands)];
}

/** The reference page of one CLI: its top-level help, and each subcommand's help that says more than it. */
export function renderReference(cli: ReferencedCli, top: string, subcommands: readonly HelpText[]): string {
  const own = subcommands.filter((sub) => sub.text !== top);
  const same = subcommands.filter((sub) => sub.text === top).map((sub) => `\`${cli.bin} ${sub.command} --help\``);
  const sections = [
    `# \`${cli.bin}\` reference`,
    `<!-- Generated from the built CLI's --help by \`${REGENERATE_COMMAND}\`: do not edit by hand. -->`,
    `Package \`${cli.packageName}\`; run it as \`${cli.invocation}\`. This page is the CLI's own \`--help\`, ` +
      `regenerated with \`${REGENERATE_COMMAND}\` (a test fails when it drifts). See also: ${cli.seeAlso.join(', ')}.`,
    `## \`${cli.bin} --help\``,
    fenced(top),
    ...own.flatMap((sub) => [`## \`${cli.bin} ${sub.command} --help\``, fenced(sub.text)]),
  ];
  if (same.length > 0) sections.push(`${same.join(', ')} print the same text as \`${cli.bin} --help\`.`);
  return `${sections.join('\n\n')}\n`;
}

function fenced(text: string): string {
  return ['```text', text.trimEnd(), '```'].join('\n');
}

/** `{bin} [command] --help` from the built bundle, with no terminal, colour, proxy or user settings to vary it. */
export function helpOf(root: string, cli: ReferencedCli, command: string): string {
  const args = [join(root, cli.bundle), ...(command ? [command] : []), '--help'];
  const result = spawnSync(process.execPath, args, {
    cwd: root,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', NO_COLOR: '1', TZ: 'UTC', LANG: 'C' },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    throw new Error(`\`${cli.bin} ${command} --help\` exited ${result.status}: ${result.stderr.trim()} (run \`npm run build\` first)`);
  }
  return result.stdout;
}

/** Every reference page, by its path under the repository root, as the CLIs built in `root` print them now. */
export function generateReferences(root = ROOT): Map<string, string> {
  const pages = new Map<string, string>();
  for (const cli of REFERENCED_CLIS) {
    const top = helpOf(root, cli, '');
    const subcommands = subcommandsOf(cli.bin, top).map((command) => ({ command, text: helpOf(root, cli, command) }));
    pages.set(`docs/reference/${cli.bin}.md`, renderReference(cli, top, subcommands));
  }
  return pages;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    for (const [path, content] of generateReferences()) {
      await mkdir(dirname(join(ROOT, path)), { recursive: true });
      await writeFile(join(ROOT, path), content);
      console.log(`wrote ${path}`);
    }
  } catch (error) {
    process.stderr.write(`docs:reference: ${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}
