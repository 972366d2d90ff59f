import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { launchOnFreePort } from './process.js';

/**
 * Debian's nginx on loopback serving a folder with keep-alive off (`keepalive_timeout 0`):
 * every response says `Connection: close` and the connection closes right after the body,
 * as many production mirrors behave. Our own instance with a temp config, never the system
 * service.
 */

export const NGINX = '/usr/sbin/nginx';

export interface Nginx {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  stop(): Promise<void>;
}

export async function startNginx(root: string): Promise<Nginx> {
  await access(NGINX, constants.X_OK).catch(() => {
    throw new Error(`nginx is not installed (no ${NGINX}): run \`apt-get install nginx\` (.ci/run installs it)`);
  });
  const dir = await mkdtemp(join(tmpdir(), 'glide-nginx-'));
  const errorLog = join(dir, 'error.log');
  const { port, stop } = await launchOnFreePort('nginx', dir, async (port) => {
    const configFile = join(dir, 'nginx.conf');
    await writeFile(
      configFile,
      `
      daemon off;
      # One process, as the user who started it: it reads the test's 0700 temp folders and stops with its child.
      master_process off;
      pid ${join(dir, 'nginx.pid')};
      error_log ${errorLog} warn;
      events { worker_connections 64; }
      http {
        access_log off;
        client_body_temp_path ${join(dir, 'body')};
        proxy_temp_path ${join(dir, 'proxy')};
        fastcgi_temp_path ${join(dir, 'fastcgi')};
        uwsgi_temp_path ${join(dir, 'uwsgi')};
        scgi_temp_path ${join(dir, 'scgi')};
        default_type application/octet-stream;
        keepalive_timeout 0;
        server {
          listen 127.0.0.1:${port};
          root ${root};
        }
      }
      `,
    );
    // -e: the error log from the first moment, instead of the system's /var/log/nginx.
    const child = spawn(NGINX, ['-p', dir, '-c', configFile, '-e', errorLog], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    return {
      child,
      ready: (signal) => untilAccepting(port, signal),
      output: async () => `${stderr}${await readFile(errorLog, 'utf8').catch(() => '')}`,
    };
  });
  return { url: `http://127.0.0.1:${port}`, stop };
}

async function untilAccepting(port: number, signal: AbortSignal): Promise<'ready' | 'aborted'> {
  while (!signal.aborted) {
    const accepted = await new Promise<boolean>((done) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        done(true);
      });
      socket.once('error', () => done(false));
    });
    if (accepted) return 'ready';
    await sleep(20);
  }
  return 'aborted';
}
