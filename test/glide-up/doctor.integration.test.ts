// `glide-up doctor` through main(), as bin.ts calls it, where the installers' settings cannot be
// read whole: a problem doctor is asked about must be one of its lines, not the reason it fails.
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/glide-up/cli.js';
import { readHostFacts } from '../../src/platform/host.js';

function collect(stream: PassThrough): () => string {
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return () => Buffer.concat(chunks).toString('utf8');
}

describe('glide-up doctor', () => {
  // As bin.ts sees it with HOME empty: os.homedir() is '' then, so no home anywhere (not the setup's temp HOME).
  let home: string | undefined;
  beforeEach(() => {
    home = process.env.HOME;
    process.env.HOME = '';
  });
  afterEach(() => {
    process.env.HOME = home;
  });

  it('no HOME and no GLIDE_CACHE_DIR: exits 0, the cache line says what is wrong and what to set', async () => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const [out, err] = [collect(stdout), collect(stderr)];
    const code = await main(['doctor'], {
      stdin: new PassThrough(),
      stdout,
      stderr,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      cwd: process.cwd(),
      platform: 'linux',
      home: undefined,
      host: readHostFacts,
      signals: process,
    });
    expect(code, err()).toBe(0);
    expect(out()).toMatch(/^cache\s+none: There is no home folder .*Set GLIDE_CACHE_DIR/m);
    expect(out()).toMatch(/^installs\s+none$/m);
    expect(out()).toMatch(/^config dir\s+none: There is no home folder/m);
    expect(out()).toMatch(/^platform\s+linux\//m);
  });
});
