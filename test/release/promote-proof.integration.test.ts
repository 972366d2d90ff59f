import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GlideError, parseTarget } from '#contract';
import { compileTarget, goBuildInvocation, releaseLdflags, type VersionStamp } from '../../release/src/binaries/compile.js';
import { buildPromotedBinary, type PromotedBuild } from '../../release/src/binaries/promote-proof.js';
import { hashFile } from '../../release/src/files.js';
import { resolveImportPath } from '../../release/src/toolchain.js';
import { BUILD_TIMEOUT, STANDIN } from '../helpers/repo.js';
import { requireTools } from '../helpers/tools.js';

// The proof on the Go stand-in, built for the host's target by the release's own compile path:
// the same tree passes; an RC binary from other sources, other -ldflags or other build
// settings is ENOTREPRODUCIBLE, saying what differs.
const TARGET = parseTarget('linux/amd64');
const VARIABLES = { version: 'Version', commit: 'commitSha', date: 'buildDate' };
const COMMIT = 'c'.repeat(40);
const DATE = '2024-06-05T10:00:00.000Z';
const RC: VersionStamp = { version: '0.1.0-rc.2', commit: COMMIT, date: DATE };
const STABLE = { tag: '0.1.0', version: '0.1.0', commit: COMMIT, date: DATE };

let dir: string;
let source: string;
let importPath: string;

beforeAll(async () => {
  requireTools('go');
  dir = await mkdtemp(join(tmpdir(), 'glide-promote-proof-'));
  source = join(dir, 'src');
  await cp(STANDIN, source, { recursive: true });
  importPath = await resolveImportPath(source, './pkg/version');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** An "RC binary" built from `tree` with the RC's stamp, `ldflags` changed by `edit` when given. */
async function rcBinary(name: string, tree = source, edit = (ldflags: string) => ldflags): Promise<string> {
  const output = join(dir, name, 'glide');
  await mkdir(join(dir, name));
  await compileTarget(tree, TARGET, edit(releaseLdflags(importPath, VARIABLES, RC)), output, '.', 1, new AbortController().signal);
  return output;
}

async function promotion(binary: string, name: string): Promise<PromotedBuild> {
  const workDir = join(dir, `${name}-work`);
  await mkdir(workDir);
  return {
    source,
    target: TARGET,
    mainPackage: '.',
    importPath,
    variables: VARIABLES,
    rc: { tag: '0.1.0-rc.2', stamp: RC, binary, sha256: (await hashFile(binary)).sha256 },
    stable: STABLE,
    workDir,
    output: join(dir, `${name}-stable`),
    goMaxProcs: 1,
    signal: new AbortController().signal,
  };
}

async function refusal(build: PromotedBuild): Promise<GlideError> {
  const error = await buildPromotedBinary(build).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(GlideError);
  // The rebuild with the RC's stamp is scratch: nothing of it is left, whatever the outcome.
  expect(await readdir(build.workDir)).toEqual([]);
  return error as GlideError;
}

describe('buildPromotedBinary: the stable is the RC re-stamped, or a named refusal', () => {
  it('the same commit: proven, and the stable runs as its own version', { timeout: BUILD_TIMEOUT }, async () => {
    const build = await promotion(await rcBinary('same'), 'same');
    expect(await buildPromotedBinary(build)).toEqual({ tag: '0.1.0-rc.2', binarySha256: build.rc.sha256 });
    expect(await readdir(build.workDir)).toEqual([]);

    const [rcBytes, stableBytes] = await Promise.all([readFile(build.rc.binary), readFile(build.output)]);
    // Why a byte diff is no proof: the two are of other bytes (and here even other lengths' worth of stamp).
    expect(rcBytes.equals(stableBytes)).toBe(false);
    const ran = await execa(build.output, ['--version']);
    expect(ran.stdout).toBe(`glide version 0.1.0 (commit: ${COMMIT}, runtime: ${ran.stdout.match(/runtime: (\S+),/)![1]}, buildDate: ${DATE})`);
  });

  it('an RC binary built from other sources is ENOTREPRODUCIBLE: same settings, other bytes', { timeout: BUILD_TIMEOUT }, async () => {
    const other = join(dir, 'other-src');
    await cp(source, other, { recursive: true });
    const main = join(other, 'main.go');
    await writeFile(main, `${await readFile(main, 'utf8')}\nvar extraCommit = []string{"a change the RC had"}\n\nfunc init() { _ = extraCommit }\n`);
    const error = await refusal(await promotion(await rcBinary('other-commit', other), 'other-commit'));
    expect(error.code).toBe('ENOTREPRODUCIBLE');
    expect(error.message).toMatch(/^Rebuilding cccccccccccc for linux\/amd64 with 0\.1\.0-rc\.2's stamp gave other bytes than 0\.1\.0-rc\.2's binary: /);
    expect(error.message).toMatch(/the same Go and build settings, but other bytes from offset \d+/);
    expect(error.message).toContain("0.1.0 cannot be proven to be 0.1.0-rc.2's bytes");
  });

  it('an RC binary linked with other -ldflags (no -s -w) is ENOTREPRODUCIBLE', { timeout: BUILD_TIMEOUT }, async () => {
    const binary = await rcBinary('other-ldflags', source, (ldflags) => ldflags.replace(/^-s -w /, ''));
    const error = await refusal(await promotion(binary, 'other-ldflags'));
    expect(error.code).toBe('ENOTREPRODUCIBLE');
    expect(error.message).toMatch(/other bytes from offset \d+ \(\d+ bytes in the RC, \d+ rebuilt\): other sources, or other -ldflags/);
  });

  it('an RC binary of another build setting (GOAMD64=v3) is ENOTREPRODUCIBLE naming it', { timeout: BUILD_TIMEOUT }, async () => {
    await mkdir(join(dir, 'other-setting'));
    const output = join(dir, 'other-setting', 'glide');
    const { args, env } = goBuildInvocation(TARGET, releaseLdflags(importPath, VARIABLES, RC), output, '.', 1);
    await execa('go', args, { cwd: source, env: { ...env, GOAMD64: 'v3' } });
    const error = await refusal(await promotion(output, 'other-setting'));
    expect(error.code).toBe('ENOTREPRODUCIBLE');
    expect(error.message).toContain('build GOAMD64: "v3" (RC) vs "v1" (rebuilt)');
  });

  it("an RC binary that is not what the RC's ledger says is ECHECKSUM, before anything is built", async () => {
    const build = await promotion(join(source, 'go.mod'), 'wrong-file');
    const error = await refusal({ ...build, rc: { ...build.rc, sha256: 'f'.repeat(64) } });
    expect(error.code).toBe('ECHECKSUM');
    expect(error.message).toContain("0.1.0-rc.2's ledger says ffff");
  });
});
