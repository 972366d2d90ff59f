import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { launchOnFreePort } from './process.js';

/**
 * A real forward proxy (Debian's tinyproxy) on loopback, so proxy support is tested against
 * the CONNECT and Proxy-Authorization handling of an actual proxy rather than our idea of one.
 */

export const TINYPROXY = '/usr/bin/tinyproxy';

export interface TinyproxyOptions {
  /** Require `Proxy-Authorization: Basic` with these; tinyproxy accepts only [-A-Za-z0-9._] in both. */
  readonly basicAuth?: { readonly user: string; readonly password: string };
}

export interface Tinyproxy {
  /** `http://127.0.0.1:PORT`, without credentials. */
  readonly url: string;
  /** tinyproxy's own log (one `Request (file descriptor N): CONNECT host:port HTTP/1.1` line per request); read it before stop(). */
  readLog(): Promise<string>;
  stop(): Promise<void>;
}

const READY_LINE = 'Accepting connections';

export async function startTinyproxy(options: TinyproxyOptions = {}): Promise<Tinyproxy> {
  await access(TINYPROXY, constants.X_OK).catch(() => {
    throw new Error(`tinyproxy is not installed (no ${TINYPROXY}): run \`apt-get install tinyproxy\` (.ci/run installs it)`);
  });
  const { basicAuth } = options;
  if (basicAuth && ![basicAuth.user, basicAuth.password].every((part) => /^[-A-Za-z0-9._]+$/.test(part))) {
    throw new Error('tinyproxy BasicAuth takes only letters, digits, "-", "." and "_" in the user and password');
  }

  const dir = await mkdtemp(join(tmpdir(), 'glide-tinyproxy-'));
  const logFile = join(dir, 'tinyproxy.log');
  const { port, stop } = await launchOnFreePort(
    'tinyproxy',
    dir,
    async (port) => {
      const config = [
        `Port ${port}`,
        'Listen 127.0.0.1',
        'Allow 127.0.0.1',
        `LogFile "${logFile}"`,
        'LogLevel Info',
        // No ConnectPort line: tinyproxy then allows CONNECT to every port, our ephemeral test ports included.
        // No User/Group: as root it warns and keeps running as root, which a container needs.
        ...(basicAuth ? [`BasicAuth ${basicAuth.user} ${basicAuth.password}`] : []),
      ];
      const configFile = join(dir, 'tinyproxy.conf');
      await writeFile(configFile, `${config.join('\n')}\n`);
      await rm(logFile, { force: true });
      // -d keeps it in the foreground, so it is our child and stop() can end it.
      const child = spawn(TINYPROXY, ['-d', '-c', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr?.setEncoding('utf8').on('data', (text: string) => (stderr += text));
      return {
        child,
        ready: (signal) => waitForLogLine(logFile, READY_LINE, signal),
        output: async () => `${stderr}${await readFile(logFile, 'utf8').catch(() => '')}`,
      };
    },
    { timeoutMs: 5_000 },
  );
  return { url: `http://127.0.0.1:${port}`, readLog: () => readFile(logFile, 'utf8'), stop };
}

// The line follows listen(), so once it is in the log connections are accepted.
async function waitForLogLine(file: string, line: string, signal: AbortSignal): Promise<'ready' | 'aborted'> {
  while (!signal.aborted) {
    const text = await readFile(file, 'utf8').catch(() => '');
    if (text.includes(line)) return 'ready';
    await sleep(20);
  }
  return 'aborted';
}
