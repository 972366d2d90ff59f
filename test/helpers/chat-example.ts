/**
 * The demo's chat example as a user copies it: the curl command that sends a body, taken out of
 * README.md's shell blocks or out of create-glide's printed lines, run verbatim by `sh` with the
 * real curl. Only a .curlrc in a temp CURL_HOME is added, for the status line after the body.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { expect } from 'vitest';

/** The text of each ```sh block of a Markdown file. */
export function shellBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```(?:sh|bash|shell)\n([\s\S]*?)^```$/gm)].map((match) => match[1]!);
}

/**
 * The curl commands in `text` that send a body (-d/--data…): a command starts at `curl ` and goes
 * on over lines ending in a backslash, whatever indentation the next line has.
 */
export function chatCommands(text: string): string[] {
  const lines = text.split('\n');
  const commands: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const start = lines[i]!.search(/(?:^|\s)curl /);
    if (start < 0) continue;
    let command = lines[i]!.slice(start).trim();
    while (command.endsWith('\\') && i + 1 < lines.length) command = `${command.slice(0, -1).trimEnd()} ${lines[++i]!.trim()}`;
    if (/\s(?:-d|--data(?:-raw|-binary)?)[\s=]/.test(command)) commands.push(command);
  }
  return commands;
}

/** The one chat command of a README (its shell blocks) or of printed output; fails on none or several. */
export function theChatCommand(text: string, where: string): string {
  const commands = chatCommands(text);
  expect(commands, `the curl chat example in ${where}`).toHaveLength(1);
  return commands[0]!;
}

export interface CurlResult {
  readonly status: number;
  readonly body: string;
  /** stdout and stderr together, for leak checks. */
  readonly all: string;
}

/** Runs `command` with sh and the real curl, nothing of this process's environment but PATH. */
export async function runCurl(command: string): Promise<CurlResult> {
  const curlHome = await mkdtemp(join(tmpdir(), 'chat-curl-'));
  try {
    // Read by curl before the command line: the command itself is run as written.
    await writeFile(join(curlHome, '.curlrc'), 'silent\nshow-error\nwrite-out = "\\n%{http_code}"\n');
    const result = await execa('sh', ['-c', command], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', CURL_HOME: curlHome },
      extendEnv: false,
      reject: false,
      all: true,
    });
    const stdout = result.stdout;
    const cut = stdout.lastIndexOf('\n');
    return { status: Number(stdout.slice(cut + 1)), body: stdout.slice(0, cut), all: result.all ?? '' };
  } finally {
    await rm(curlHome, { recursive: true, force: true });
  }
}

/** Glide 0.1.0's chat response (pkg/api/schemas/chat.go), as the stand-in answers for `router`'s first model. */
export function expectGlideChatResponse(result: CurlResult, expected: { router: string; modelId: string; providerId: string }): void {
  expect(result.status, result.all).toBe(200);
  const body = JSON.parse(result.body) as Record<string, unknown>;
  expect(Object.keys(body).sort()).toEqual(['cached', 'created_at', 'id', 'model_id', 'model_name', 'model_response', 'provider_id', 'router_id']);
  expect(body).toMatchObject({ router_id: expected.router, model_id: expected.modelId, provider_id: expected.providerId, cached: false });
  expect(body.model_response).toEqual({
    metadata: expect.any(Object),
    message: { role: 'assistant', content: expect.stringMatching(/^Stand-in reply to: \S/) },
    token_usage: { prompt_tokens: expect.any(Number), response_tokens: expect.any(Number), total_tokens: expect.any(Number) },
  });
}
