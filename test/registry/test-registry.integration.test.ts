// The tests' own registry helper on a fixed port (the release cycle's, whose goldens hold its
// host): a second start on a port already served must fail, not take the first server's answer
// to its readiness probe for its own and hand out a registry it does not run.
import { afterAll, describe, expect, it } from 'vitest';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { freePort } from '../helpers/process.js';

const started: TestRegistry[] = [];

afterAll(async () => {
  for (const registry of started) await registry.stop();
});

describe('startRegistry({ port })', () => {
  it('serves on the port asked for, and refuses it while another server holds it', async () => {
    const port = await freePort();
    const first = await startRegistry({ port });
    started.push(first);
    expect(first.host).toBe(`127.0.0.1:${port}`);
    expect((await fetch(`${first.url}/v2/`)).status).toBe(200);

    const second = startRegistry({ port });
    second.then(
      (registry) => started.push(registry),
      () => undefined,
    );
    await expect(second).rejects.toThrow(`127.0.0.1:${port} is taken`);
  });
});
