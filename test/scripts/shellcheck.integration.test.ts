// Lint for the shell scripts CI and setup run: shellcheck (Debian's `shellcheck`), every finding, any severity.
import { readdir } from 'node:fs/promises';
import { execa } from 'execa';
import { beforeAll, expect, it } from 'vitest';
import { requireTools } from '../helpers/tools.js';

beforeAll(() => requireTools('shellcheck'));

it('scripts/*.sh and .ci/run are shellcheck-clean', async () => {
  const scripts = [...(await readdir('scripts')).filter((name) => name.endsWith('.sh')).map((name) => `scripts/${name}`), '.ci/run'];
  expect(scripts).toContain('scripts/fetch-debian13.sh');
  const result = await execa('shellcheck', ['--external-sources', ...scripts], { reject: false });
  expect(result.exitCode, result.stdout || result.stderr).toBe(0);
});
