import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { STANDIN } from '../helpers/repo.js';

export interface StandinBinary {
  /** The static Go stand-in of Glide (test/fixtures/glide-standin). */
  readonly binary: string;
  readonly dir: string;
  /** Writes a config beside the binary that serves on 127.0.0.1:`port` (or `host`), and returns its path. */
  config(port: number, host?: string): Promise<string>;
  remove(): Promise<void>;
}

/** Builds the stand-in for `goarch` (static, so it runs in an empty image too) into a temp folder. */
export async function buildStandin(goarch = 'amd64'): Promise<StandinBinary> {
  const dir = await mkdtemp(join(tmpdir(), 'glide-run-standin-'));
  const binary = join(dir, 'glide');
  await execa('go', ['build', '-trimpath', '-o', binary, '.'], { cwd: STANDIN, env: { CGO_ENABLED: '0', GOOS: 'linux', GOARCH: goarch } });
  return {
    binary,
    dir,
    async config(port, host = '127.0.0.1') {
      const path = join(dir, `config-${port}.yaml`);
      await writeFile(path, standinConfig(port, host));
      return path;
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** A config in Glide's layout that the stand-in serves from; its key is a placeholder (Glide starts only with one, and no provider is called). */
export function standinConfig(port: number, host = '127.0.0.1'): string {
  return [
    'api:',
    '  http:',
    `    host: ${host}`,
    `    port: ${port}`,
    'routers:',
    '  language:',
    '    - id: default',
    '      models:',
    '        - id: openai',
    '          openai:',
    '            api_key: standin-placeholder-key',
    '',
  ].join('\n');
}
