// The Go stand-in's own unit tests (its YAML and dotenv readers, the config it takes from them,
// the chat route's router and model choice), run with the Go that builds it for the other tests.
import { execa } from 'execa';
import { expect, it } from 'vitest';
import { STANDIN } from '../helpers/repo.js';
import { requireTools } from '../helpers/tools.js';

it('go test passes in test/fixtures/glide-standin', async () => {
  requireTools('go');
  const result = await execa('go', ['test', '-count=1', '.'], { cwd: STANDIN, reject: false, all: true });
  expect(result.exitCode, result.all).toBe(0);
}, 300_000);
