// scripts/fetch-debian13.sh derives its private trixie source from the machine's own apt
// sources, read by apt itself (APT_CONFIG points apt at fixture sources); nothing is fetched here.
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireTools } from '../helpers/tools.js';

const SCRIPT = resolve('scripts/fetch-debian13.sh');
const CODENAME = /^VERSION_CODENAME=(.+)$/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1]?.replace(/"/g, '') ?? '';
const KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';

beforeAll(() => requireTools('apt-get'));

const cleanup: string[] = [];
afterAll(async () => {
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

/** Runs the script with apt reading only `sourcesList` and `parts` (file name → deb822 text). */
async function withSources(args: readonly string[], sourcesList: string, parts: Record<string, string> = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'glide-apt-sources-'));
  cleanup.push(dir);
  await mkdir(join(dir, 'sources.list.d'));
  await writeFile(join(dir, 'sources.list'), sourcesList);
  for (const [name, text] of Object.entries(parts)) await writeFile(join(dir, 'sources.list.d', name), text);
  await writeFile(join(dir, 'apt.conf'), `Dir::Etc::SourceList "${dir}/sources.list";\nDir::Etc::SourceParts "${dir}/sources.list.d";\n`);
  return execa('bash', [SCRIPT, ...args], { reject: false, env: { APT_CONFIG: join(dir, 'apt.conf') } });
}

describe("fetch-debian13.sh --print-sources: the machine's Debian archive, suite swapped to trixie", () => {
  it.each([
    [
      'one-line sources.list',
      [
        `deb http://security.example.invalid/debian-security ${CODENAME}-security main`,
        `deb [arch=amd64] http://vendor.example.invalid/apt stable main`,
        `deb http://mirror.example.invalid/debian ${CODENAME}-updates main`,
        `deb http://mirror.example.invalid/debian ${CODENAME} contrib main non-free-firmware`,
      ].join('\n'),
      {},
      'http://mirror.example.invalid/debian/',
    ],
    [
      'deb822 .sources, a disabled entry first',
      '',
      {
        'debian.sources': [
          `Types: deb\nURIs: http://disabled.example.invalid/debian\nSuites: ${CODENAME}\nComponents: main\nEnabled: no\n`,
          `Types: deb deb-src\n# a comment\nURIs: http://snapshot.example.invalid/archive/debian/20250520T000000Z\nSuites: ${CODENAME} ${CODENAME}-updates\nComponents: main\nSigned-By: ${KEYRING}\n`,
          `Types: deb\nURIs: http://security.example.invalid/debian-security\nSuites: ${CODENAME}-security\nComponents: main\n`,
        ].join('\n'),
      },
      'http://snapshot.example.invalid/archive/debian/20250520T000000Z/',
    ],
  ])('%s', async (_, sourcesList, parts, uri) => {
    const result = await withSources(['--print-sources'], sourcesList, parts);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toBe(`deb [signed-by=${KEYRING}] ${uri} trixie main`);
  });

  it('no Debian main archive among the sources: says where to add it, exit 1', async () => {
    const result = await withSources(['--print-sources'], `deb http://mirror.example.invalid/debian ${CODENAME} contrib\n`);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(`apt has no source for Debian ${CODENAME} main (see /etc/apt/sources.list and /etc/apt/sources.list.d/)`);
    expect(result.stdout).toBe('');
  });
});

describe('fetch-debian13.sh refuses what is not a package before asking apt anything', () => {
  it.each([
    [[], 'usage: scripts/fetch-debian13.sh PKG… | --print-sources'],
    [['--print-sources', 'golang-1.24-go'], 'usage: scripts/fetch-debian13.sh PKG… | --print-sources'],
    [['-oDir::Etc::SourceList=/tmp/evil.list'], '"-oDir::Etc::SourceList=/tmp/evil.list" is not a Debian package name'],
    [['golang-1.24-go', '../../etc'], '"../../etc" is not a Debian package name'],
  ])('%j: exit 2', async (args, message) => {
    const result = await withSources(args, '');
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(message);
  });
});
