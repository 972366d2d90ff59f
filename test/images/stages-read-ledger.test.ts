import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GlideError } from '#contract';
import { runPublishImages } from '../../release/src/images/publish-stage.js';
import { runImagesStage } from '../../release/src/images/stage.js';
import type { PreparedRelease } from '../../release/src/prepare.js';
import { makeLedger, type LedgerFacts } from '../../release/src/ledger.js';
import { COMMIT, RELEASED_RC, releasePlan } from '../helpers/release-plan.js';

// The images and publish stages read release.json through the ledger module: a damaged or
// foreign ledger is refused by name (ELEDGER) before any registry is asked, never a TypeError.
const TAG = '0.1.0';
let out: string;

/** What the stages use of a prepared release; they fail on the ledger before Go, git or a registry is touched. */
function prepared(): PreparedRelease {
  return {
    outDir: out,
    plan: { tag: TAG, commit: COMMIT },
    config: {
      repo: 'EinStack/glide',
      images: {
        repository: '127.0.0.1:1/einstack/glide',
        defaultDistro: 'alpine',
        distros: { alpine: { base: '127.0.0.1:1/library/alpine:3.20' } },
        caBundle: import.meta.filename,
      },
    },
  } as unknown as PreparedRelease;
}

const stages = {
  images: () => runImagesStage(prepared(), { log: () => undefined, signal: new AbortController().signal }),
  publish: () => runPublishImages(prepared(), { dryRun: true, env: {}, log: () => undefined, signal: new AbortController().signal }),
};

const BUILT = makeLedger(releasePlan(TAG, [RELEASED_RC]) as LedgerFacts, 'EinStack/glide', []);
const ledger = (fields: Record<string, unknown>) => JSON.stringify({ ...BUILT, ...fields });

beforeEach(async () => {
  out = await mkdtemp(join(tmpdir(), 'glide-stage-ledger-'));
  await mkdir(join(out, TAG));
});
afterEach(async () => {
  await rm(out, { recursive: true, force: true });
});

describe.each(Object.entries(stages))('the %s stage', (_stage, run) => {
  it.each([
    ['cut short', '{"schema": 1, "tag": "0.1', /is not valid JSON/],
    ['no artifacts list', ledger({ artifacts: undefined }), /artifacts: Invalid input: expected array, received undefined/],
    ['images without a repository', ledger({ images: {} }), /images\.layout: /],
    ['a newer schema', ledger({ schema: 2 }), /schema 2, written by a newer glide-release/],
    ['a release marked unpublishable', ledger({ publishable: false }), /publishable is false, but a stable release is always publishable/],
    ['a build of the tag before it moved', ledger({ commit: 'f'.repeat(40) }), /the tag moved after the build/],
  ])('%s: ELEDGER', async (_case, text, message) => {
    await writeFile(join(out, TAG, 'release.json'), text);
    const error = (await run().then(
      () => undefined,
      (thrown: unknown) => thrown,
    )) as GlideError;
    expect(error).toBeInstanceOf(GlideError);
    expect(error.code).toBe('ELEDGER');
    expect([error.message, ...error.details].join('\n')).toMatch(message);
  });
});
