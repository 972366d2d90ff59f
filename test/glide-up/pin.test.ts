// `.glide-version` (decision 0031): what a pin file may hold, which version glide-up runs with
// and without flags, and what reading a real file in the folder does with links, pipes and size.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { readPin } from '../../src/glide-up/pin-file.js';
import { parsePin, pinFileText, PIN_MAX_BYTES, requestToRun } from '../../src/releases/pin.js';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('parsePin', () => {
  it.each([
    ['0.1.0\n', '0.1.0'],
    ['0.1.0-rc.1\n', '0.1.0-rc.1'],
    ['0.1.0', '0.1.0'],
    ['  0.2.3\r\n', '0.2.3'],
    ['v0.1.0\n', '0.1.0'],
    ['\n\n0.1.0\n\n', '0.1.0'],
  ])('%j pins %s', (text, version) => {
    expect(parsePin(bytes(text), '/p/.glide-version')).toBe(version);
  });

  it.each([
    ['', 'is empty', 'Write the exact version'],
    ['\n \n', 'is empty', 'Write the exact version'],
    ['latest\n', 'holds "latest"', 'delete /p/.glide-version, or pass --channel'],
    ['rc\n', 'holds "rc"', 'delete /p/.glide-version, or pass --channel'],
    ['Stable', 'holds "Stable"', 'delete /p/.glide-version, or pass --channel'],
    ['0.1\n', 'holds "0.1"', 'e.g. 0.1.0 or 0.1.0-rc.1'],
    ['^0.1.0\n', 'holds "^0.1.0"', 'e.g. 0.1.0 or 0.1.0-rc.1'],
    ['0.1.0-beta.1\n', 'holds "0.1.0-beta.1"', 'e.g. 0.1.0 or 0.1.0-rc.1'],
    ['0.1.0 0.2.0\n', 'holds more than one word ("0.1.0 0.2.0")', 'one line'],
    ['0.1.0\n0.2.0\n', 'holds more than one word ("0.1.0\\n0.2.0")', 'one line'],
    ['0.1.0\0\n', 'holds binary data', 'one line'],
    ['\x7fELF', 'holds binary data', 'one line'],
    ['9'.repeat(PIN_MAX_BYTES + 1), `is longer than ${PIN_MAX_BYTES} bytes`, 'one line'],
  ])('%j is refused: EUSAGE naming the file, what it holds and what to write', (text, what, fix) => {
    const refused = (): string => parsePin(bytes(text), '/p/.glide-version');
    expect(refused).toThrow(expect.objectContaining({ code: 'EUSAGE', message: `/p/.glide-version ${what}: not one exact Glide version.` }));
    try {
      refused();
    } catch (error) {
      expect((error as { details: string[] }).details.join('\n')).toContain(fix);
      expect((error as { details: string[] }).details.join('\n')).toContain('--glide-version or --channel runs another version');
    }
  });

  it('bytes that are not UTF-8 are binary data', () => {
    expect(() => parsePin(new Uint8Array([0x30, 0xff, 0xfe, 0x0a]), '/p/.glide-version')).toThrow(/holds binary data/);
  });

  it('with quoting off, what the file holds is never shown', () => {
    expect(() => parsePin(bytes('sk-secret-token'), '/p/.glide-version', false)).toThrow(
      expect.objectContaining({ message: '/p/.glide-version does not hold a version: not one exact Glide version.' }),
    );
    expect(() => parsePin(bytes('sk secret'), '/p/.glide-version', false)).toThrow(expect.not.objectContaining({ message: expect.stringContaining('secret') }));
  });
});

describe('pinFileText', () => {
  it.each(['0.1.0', '0.1.0-rc.1', '12.34.56'])('%s is one line, and reads back as itself', (version) => {
    expect(pinFileText(version)).toBe(`${version}\n`);
    expect(parsePin(bytes(pinFileText(version)), 'x')).toBe(version);
  });

  it.each(['latest', 'v0.1.0', '0.1.0\nrm -rf', ''])('%j is never written as a pin', (version) => {
    expect(() => pinFileText(version)).toThrow();
  });
});

describe('requestToRun: a flag wins, else the pin, else the newest stable', () => {
  const pin = { version: '0.1.0-rc.1', file: '.glide-version' };
  it.each([
    [undefined, pin, { kind: 'exact', version: '0.1.0-rc.1' }, 'from .glide-version'],
    [undefined, undefined, { kind: 'latest' }, 'the newest stable release; no .glide-version here'],
    [{ kind: 'exact', version: '0.0.2' } as const, pin, { kind: 'exact', version: '0.0.2' }, '--glide-version'],
    [{ kind: 'latest' } as const, pin, { kind: 'latest' }, 'the newest stable release'],
    [{ kind: 'rc' } as const, pin, { kind: 'rc' }, 'the newest release, RCs included'],
  ])('flag %j, pin %j → %j (%s)', (flag, pinned, request, reason) => {
    expect(requestToRun(flag, pinned)).toEqual({ request, reason });
  });
});

describe('readPin: the folder glide-up runs in', () => {
  let root: string;
  let project: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'glide-pin-'));
    project = join(root, 'project');
    await mkdir(project);
  });
  const pinPath = (): string => join(project, '.glide-version');

  it('no file: no pin', async () => {
    expect(await readPin(project)).toBeUndefined();
  });

  it('a plain file: its version, and where it was read', async () => {
    await writeFile(pinPath(), '0.1.0-rc.1\n');
    expect(await readPin(project)).toEqual({ version: '0.1.0-rc.1', file: '.glide-version', path: pinPath() });
  });

  it("a parent folder's pin is not read: only the folder glide-up runs in counts", async () => {
    await writeFile(join(root, '.glide-version'), '0.1.0\n');
    expect(await readPin(project)).toBeUndefined();
  });

  it('a link to a pin elsewhere is followed', async () => {
    await writeFile(join(root, 'shared-version'), '0.0.2\n');
    await symlink(join(root, 'shared-version'), pinPath());
    expect((await readPin(project))?.version).toBe('0.0.2');
  });

  it.each([
    ['out of the folder', 'secrets.env'],
    ["to the project's own .env", 'project/.env'],
  ])('a link %s to something that is not a pin: refused without showing what it holds', async (_, target) => {
    await writeFile(join(root, target), 'OPENAI_API_KEY=sk-never-shown\n');
    await symlink(join(root, target), pinPath());
    const error = await readPin(project).catch((failure: unknown) => failure);
    expect(error).toMatchObject({ code: 'EUSAGE', message: `${pinPath()} does not hold a version: not one exact Glide version.` });
    expect(JSON.stringify(error)).not.toContain('sk-never-shown');
  });

  it('a plain file that is not a pin: refused, showing what it holds', async () => {
    await writeFile(pinPath(), 'latest\n');
    await expect(readPin(project)).rejects.toMatchObject({ code: 'EUSAGE', message: expect.stringContaining('holds "latest"') });
  });

  it.each([
    ['a link to nothing', async () => symlink(join(root, 'gone'), pinPath()), 'is a link to a file that does not exist'],
    ['a folder', async () => mkdir(pinPath()), 'is a folder'],
    ['a named pipe (opening it must not wait for a writer)', async () => void execFileSync('mkfifo', [pinPath()]), 'is not a regular file'],
    ['a link to a device', async () => symlink('/dev/zero', pinPath()), 'is not a regular file'],
    ['a huge file (only the first bytes are read)', async () => writeFile(pinPath(), `0.1.0\n${'x'.repeat(1 << 20)}`), `is longer than ${PIN_MAX_BYTES} bytes`],
  ])('%s: EUSAGE naming the file', async (_, make, what) => {
    await make();
    await expect(readPin(project)).rejects.toMatchObject({ code: 'EUSAGE', message: expect.stringContaining(`${pinPath()} ${what}`) });
  });
});
