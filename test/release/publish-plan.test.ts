import { describe, expect, it } from 'vitest';
import { GlideError } from '#contract';
import type { ReleaseLedger } from '../../release/src/ledger.js';
import type { ChannelMutation } from '../../release/src/publish/channels.js';
import { formatMutations, NEW_DRAFT, planPublish, type Mutation, type PublishPlan } from '../../release/src/publish/plan.js';
import { assertDraftComplete, assetsToHash, expectedAssets, type GithubAsset, type GithubRelease, type PublishWorld } from '../../release/src/publish/world.js';
import { COMMIT, emptyWorld, ledgerOf, OTHER_COMMIT, REPOSITORY, sha } from '../helpers/publish-world.js';

const BODY = 'the notes';
const OPTIONS = { defaultDistro: 'alpine', body: BODY } as const;

/** An asset of `ledger` on GitHub as a finished upload, `sha256` overridable. */
function uploaded(ledger: ReleaseLedger, index: number, id: number, sha256?: string): GithubAsset {
  const want = expectedAssets(ledger)[index]!;
  return { id, name: want.name, size: want.size, digest: `sha256:${sha256 ?? want.sha256}`, state: 'uploaded' };
}

function release(ledger: ReleaseLedger, fields: Partial<GithubRelease>): GithubRelease {
  return { id: 7, tag: ledger.tag, name: `v${ledger.version}`, body: BODY, draft: true, prerelease: ledger.prerelease, assets: [], ...fields };
}

/** The registry after an earlier release (its immutable and moving tags) was published. */
function registryAfter(...versions: string[]): Map<string, string> {
  const tags = new Map<string, string>();
  for (const version of versions) {
    for (const distro of ['alpine', 'distroless']) tags.set(`${version}-${distro}`, `sha256:${sha(version, `${distro} index`)}`);
    if (!version.includes('-')) {
      tags.set('latest-alpine', `sha256:${sha(version, 'alpine index')}`).set('latest', `sha256:${sha(version, 'alpine index')}`);
      tags.set(version, `sha256:${sha(version, 'alpine index')}`).set('latest-distroless', `sha256:${sha(version, 'distroless index')}`);
    }
  }
  return tags;
}

/** One short line per mutation: what it does to what. */
function summary(plan: PublishPlan): string[] {
  return plan.mutations.map((mutation) => {
    switch (mutation.kind) {
      case 'push-image':
      case 'move-image-tag':
        return `${mutation.kind} ${mutation.ref.slice(REPOSITORY.length + 1)}`;
      case 'create-draft':
        return `create-draft ${mutation.name} prerelease=${mutation.prerelease}`;
      case 'update-draft':
        return `update-draft ${mutation.release}`;
      case 'delete-asset':
        return `delete-asset ${mutation.asset} ${mutation.name}`;
      case 'upload-asset':
        return `upload-asset ${mutation.release} ${mutation.asset.name}`;
      case 'publish-release':
        return `publish-release ${mutation.release} prerelease=${mutation.prerelease} make_latest=${mutation.makeLatest}`;
      default:
        return mutation.kind;
    }
  });
}

const RC = ledgerOf('0.1.0-rc.1');
const STABLE = ledgerOf('0.1.0');
const NEXT_RC = ledgerOf('0.1.1-rc.1');
const MAINTENANCE = ledgerOf('0.0.4');

const uploadsOf = (ledger: ReleaseLedger, ref: number | typeof NEW_DRAFT) => expectedAssets(ledger).map((asset) => `upload-asset ${ref} ${asset.name}`);

/** The moving tags of 0.1.0 when it is the highest stable: the default distro's three, then the other's. */
const STABLE_MOVES = ['move-image-tag latest-alpine', 'move-image-tag latest', 'move-image-tag 0.1.0', 'move-image-tag latest-distroless'];
const STABLE_FROM_SCRATCH = [
  'push-image 0.1.0-alpine',
  'push-image 0.1.0-distroless',
  'create-draft v0.1.0 prerelease=false',
  ...uploadsOf(STABLE, NEW_DRAFT),
  'publish-release new-draft prerelease=false make_latest=true',
  ...STABLE_MOVES,
];

describe('planPublish: converges on what GitHub and the registry already hold', () => {
  it.each<[string, ReleaseLedger, PublishWorld, string[]]>([
    [
      'an RC, nothing there: images by version tag, a draft with every asset, the publish as a pre-release, no moving tag',
      RC,
      emptyWorld(),
      [
        'push-image 0.1.0-rc.1-alpine',
        'push-image 0.1.0-rc.1-distroless',
        'create-draft v0.1.0-rc.1 prerelease=true',
        ...uploadsOf(RC, NEW_DRAFT),
        'publish-release new-draft prerelease=true make_latest=false',
      ],
    ],
    [
      'the highest stable, nothing of it there: latest on GitHub, then every moving tag',
      STABLE,
      emptyWorld({ publishedTags: ['0.0.3', '0.0.3-rc.2', '0.1.0-rc.1'], latestTag: '0.0.3', registryTags: registryAfter('0.0.3', '0.1.0-rc.1') }),
      STABLE_FROM_SCRATCH,
    ],
    [
      'a draft with one asset finished and one never finished: the unfinished one is replaced, the missing one uploaded',
      RC,
      emptyWorld({
        registryTags: registryAfter('0.1.0-rc.1'),
        releases: [release(RC, { assets: [uploaded(RC, 0, 70), { ...uploaded(RC, 1, 71), state: 'starter', digest: undefined }] })],
      }),
      [
        `delete-asset 71 ${expectedAssets(RC)[1]!.name}`,
        `upload-asset 7 ${expectedAssets(RC)[1]!.name}`,
        `upload-asset 7 ${expectedAssets(RC)[2]!.name}`,
        'publish-release 7 prerelease=true make_latest=false',
      ],
    ],
    [
      "a draft whose asset an upload cut off mid-body left half-written (state open, the REST schema's word): deleted, then uploaded again",
      RC,
      emptyWorld({
        registryTags: registryAfter('0.1.0-rc.1'),
        releases: [release(RC, { assets: [uploaded(RC, 0, 70), { id: 71, name: expectedAssets(RC)[1]!.name, size: 0, state: 'open' }, uploaded(RC, 2, 72)] })],
      }),
      [
        `delete-asset 71 ${expectedAssets(RC)[1]!.name}`,
        `upload-asset 7 ${expectedAssets(RC)[1]!.name}`,
        'publish-release 7 prerelease=true make_latest=false',
      ],
    ],
    [
      'a draft with every asset but older notes: the notes are brought up to date, then it is published',
      RC,
      emptyWorld({
        registryTags: registryAfter('0.1.0-rc.1'),
        releases: [release(RC, { body: 'notes of an earlier run', assets: [0, 1, 2].map((i) => uploaded(RC, i, 70 + i)) })],
      }),
      ['update-draft 7', 'publish-release 7 prerelease=true make_latest=false'],
    ],
    [
      'published and complete, every tag in place: nothing at all',
      STABLE,
      emptyWorld({
        publishedTags: ['0.1.0'],
        latestTag: '0.1.0',
        registryTags: registryAfter('0.1.0'),
        releases: [release(STABLE, { draft: false, assets: [0, 1, 2].map((i) => uploaded(STABLE, i, 70 + i)) })],
      }),
      [],
    ],
    [
      'published and complete, stopped before the moving tags: only the moving tags',
      STABLE,
      emptyWorld({
        publishedTags: ['0.0.3', '0.1.0'],
        latestTag: '0.1.0',
        registryTags: new Map([
          ...registryAfter('0.0.3'),
          ['0.1.0-alpine', `sha256:${sha('0.1.0', 'alpine index')}`],
          ['0.1.0-distroless', `sha256:${sha('0.1.0', 'distroless index')}`],
        ]),
        releases: [release(STABLE, { draft: false, assets: [0, 1, 2].map((i) => uploaded(STABLE, i, 70 + i)) })],
      }),
      STABLE_MOVES,
    ],
    [
      'published with an extra asset someone attached by hand: left alone, nothing to do',
      RC,
      emptyWorld({
        publishedTags: ['0.1.0-rc.1'],
        registryTags: registryAfter('0.1.0-rc.1'),
        releases: [
          release(RC, {
            draft: false,
            assets: [
              ...[0, 1, 2].map((i) => uploaded(RC, i, 70 + i)),
              { id: 99, name: 'sbom.json', size: 10, digest: `sha256:${sha('x', 'y')}`, state: 'uploaded' },
            ],
          }),
        ],
      }),
      [],
    ],
    [
      '0.1.1-rc.1 after 0.1.0: a pre-release, never latest, no moving tag',
      NEXT_RC,
      emptyWorld({ publishedTags: ['0.1.0', '0.1.0-rc.2'], latestTag: '0.1.0', registryTags: registryAfter('0.1.0') }),
      [
        'push-image 0.1.1-rc.1-alpine',
        'push-image 0.1.1-rc.1-distroless',
        'create-draft v0.1.1-rc.1 prerelease=true',
        ...uploadsOf(NEXT_RC, NEW_DRAFT),
        'publish-release new-draft prerelease=true make_latest=false',
      ],
    ],
    [
      '0.0.4, a maintenance stable of an older line: not latest while 0.1.0 is out; only its bare version tag',
      MAINTENANCE,
      emptyWorld({
        publishedTags: ['0.0.3', '0.1.0', '0.1.1-rc.1', '0.0.4-rc.1'],
        latestTag: '0.1.0',
        registryTags: registryAfter('0.0.3', '0.1.0', '0.0.4-rc.1'),
      }),
      [
        'push-image 0.0.4-alpine',
        'push-image 0.0.4-distroless',
        'create-draft v0.0.4 prerelease=false',
        ...uploadsOf(MAINTENANCE, NEW_DRAFT),
        'publish-release new-draft prerelease=false make_latest=false',
        'move-image-tag 0.0.4',
      ],
    ],
    ['the first stable of all: latest, with every moving tag', STABLE, emptyWorld(), STABLE_FROM_SCRATCH],
  ])('%s', (_name, ledger, world, expected) => {
    expect(summary(planPublish(ledger, world, OPTIONS))).toEqual(expected);
  });
});

describe('planPublish: refuses, by name, what it cannot converge on, before any mutation', () => {
  const complete = (ledger: ReleaseLedger) => [0, 1, 2].map((i) => uploaded(ledger, i, 70 + i));
  it.each<[string, ReleaseLedger, PublishWorld, string, RegExp]>([
    [
      'a draft holding an asset with another digest',
      RC,
      emptyWorld({ releases: [release(RC, { assets: [uploaded(RC, 0, 70, sha('other build', 'x'))] })] }),
      'ERELEASECONFLICT',
      /holds assets this build did not make[^]*checksums\.txt is 300 bytes sha256:[0-9a-f]{64}, the ledger's is 300 bytes/,
    ],
    [
      'a draft holding an asset the ledger does not name',
      RC,
      emptyWorld({
        releases: [
          release(RC, { assets: [{ id: 90, name: 'glide_v0.1.0-rc.1_plan9_amd64.tar.gz', size: 1, digest: `sha256:${sha('a', 'b')}`, state: 'uploaded' }] }),
        ],
      }),
      'ERELEASECONFLICT',
      /holds assets this build did not make[^]*plan9_amd64\.tar\.gz is not in the ledger/,
    ],
    [
      'a published release lacking an asset: the version is burned',
      STABLE,
      emptyWorld({ publishedTags: ['0.1.0'], releases: [release(STABLE, { draft: false, assets: complete(STABLE).slice(0, 2) })] }),
      'ERELEASEBURNED',
      /burned[^]*windows_amd64\.zip is missing/,
    ],
    [
      'a published release with an asset of other bytes: the version is burned',
      STABLE,
      emptyWorld({
        publishedTags: ['0.1.0'],
        releases: [release(STABLE, { draft: false, assets: [...complete(STABLE).slice(0, 2), uploaded(STABLE, 2, 72, sha('other', 'c'))] })],
      }),
      'ERELEASEBURNED',
      /burned[^]*windows_amd64\.zip is 2001 bytes sha256:[0-9a-f]{64}, the ledger's is 2001 bytes/,
    ],
    [
      'a published release with an upload that never finished: burned too',
      STABLE,
      emptyWorld({
        publishedTags: ['0.1.0'],
        releases: [release(STABLE, { draft: false, assets: [...complete(STABLE).slice(0, 2), { ...uploaded(STABLE, 2, 72), state: 'starter' }] })],
      }),
      'ERELEASEBURNED',
      /burned[^]*windows_amd64\.zip is an upload that never finished \(state starter\)/,
    ],
    ['two drafts of the tag', RC, emptyWorld({ releases: [release(RC, { id: 7 }), release(RC, { id: 8 })] }), 'ERELEASECONFLICT', /2 releases of the tag/],
    [
      'a version tag in the registry naming another image',
      RC,
      emptyWorld({ registryTags: new Map([['0.1.0-rc.1-distroless', `sha256:${sha('other', 'index')}`]]) }),
      'ETAGCLOBBER',
      /Version tags are immutable/,
    ],
    ['the tag not pushed to GitHub', RC, emptyWorld({ tagCommit: undefined }), 'ENOTAG', /git push origin 0\.1\.0-rc\.1/],
    [
      'the tag on GitHub on another commit than the build',
      RC,
      emptyWorld({ tagCommit: OTHER_COMMIT }),
      'ERELEASECONFLICT',
      /fedcba987654, but the release was built from 012345678/,
    ],
    ['a snapshot', { ...RC, stage: 'snapshot' }, emptyWorld(), 'EBUILD', /snapshots are never published/],
    ['a ledger without images', { ...RC, images: undefined }, emptyWorld(), 'EBUILD', /images of 0\.1\.0-rc\.1 were not built/],
  ])('%s → %s', (_name, ledger, world, code, message) => {
    let thrown: unknown;
    try {
      planPublish(ledger, world, OPTIONS);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(GlideError);
    expect((thrown as GlideError).code).toBe(code);
    expect([(thrown as GlideError).message, ...(thrown as GlideError).details].join('\n')).toMatch(message);
  });

  it('never plans on an uploaded asset whose digest is unknown: the reader hashes exactly those first', () => {
    const old = { ...uploaded(RC, 0, 70), digest: undefined };
    const starter = { ...uploaded(RC, 1, 71), digest: undefined, state: 'starter' };
    const stranger = { id: 99, name: 'notes.txt', size: 1, state: 'uploaded' };
    const draft = release(RC, { assets: [old, starter, stranger] });
    expect(assetsToHash(RC, draft)).toEqual([old]);
    expect(() => planPublish(RC, emptyWorld({ releases: [draft] }), OPTIONS)).toThrow(/hash it before planning/);
  });
});

describe('assertDraftComplete: the check before the publish', () => {
  const expected = expectedAssets(RC);
  it('passes the ledger’s set, finished, with its digests', () => {
    expect(() => assertDraftComplete(expected, release(RC, { assets: [0, 1, 2].map((i) => uploaded(RC, i, 70 + i)) }))).not.toThrow();
  });
  it.each<[string, GithubAsset[], RegExp]>([
    ['one missing', [0, 1].map((i) => uploaded(RC, i, 70 + i)), /is missing/],
    ['one unfinished', [uploaded(RC, 0, 70), uploaded(RC, 1, 71), { ...uploaded(RC, 2, 72), state: 'starter' }], /never finished/],
    ['one of other bytes', [uploaded(RC, 0, 70), uploaded(RC, 1, 71), uploaded(RC, 2, 72, sha('x', 'y'))], /the ledger's is 2001 bytes/],
    [
      'one extra',
      [...[0, 1, 2].map((i) => uploaded(RC, i, 70 + i)), { id: 9, name: 'x.txt', size: 1, digest: `sha256:${sha('x', 'y')}`, state: 'uploaded' }],
      /x\.txt is not in the ledger/,
    ],
  ])('refuses %s with EDRAFTINCOMPLETE', (_name, assets, detail) => {
    const error = (() => {
      try {
        assertDraftComplete(expected, release(RC, { assets }));
      } catch (thrown) {
        return thrown as GlideError;
      }
      return undefined;
    })();
    expect(error?.code).toBe('EDRAFTINCOMPLETE');
    expect(error?.details.join('\n')).toMatch(detail);
  });
});

/**
 * What a mutation does to the world, as GitHub and the registry do it. `interrupted` is a
 * mutation cut off mid-way: an upload leaves an unfinished asset, anything else did not happen.
 */
function apply(world: PublishWorld, ledger: ReleaseLedger, mutation: Mutation, interrupted = false): PublishWorld {
  const releases = world.releases.map((r) => ({ ...r, assets: [...r.assets] }));
  const registryTags = new Map(world.registryTags);
  const resolve = (ref: number | typeof NEW_DRAFT) => releases.find((r) => (ref === NEW_DRAFT ? r.draft && r.tag === ledger.tag : r.id === ref))!;
  let { publishedTags, latestTag } = world;
  if (interrupted && mutation.kind !== 'upload-asset') return world;
  switch (mutation.kind) {
    case 'push-image':
    case 'move-image-tag':
      registryTags.set(mutation.ref.slice(REPOSITORY.length + 1), mutation.digest);
      break;
    case 'create-draft':
      releases.push({
        id: 100 + releases.length,
        tag: mutation.tag,
        name: mutation.name,
        body: mutation.body,
        draft: true,
        prerelease: mutation.prerelease,
        assets: [],
      });
      break;
    case 'update-draft':
      Object.assign(resolve(mutation.release), { name: mutation.name, body: mutation.body });
      break;
    case 'delete-asset': {
      const target = resolve(mutation.release);
      target.assets = target.assets.filter((asset) => asset.id !== mutation.asset);
      break;
    }
    case 'upload-asset': {
      const { name, size, sha256 } = mutation.asset;
      const target = resolve(mutation.release);
      const id = 1000 + target.assets.length;
      target.assets.push(interrupted ? { id, name, size: 0, state: 'starter' } : { id, name, size, digest: `sha256:${sha256}`, state: 'uploaded' });
      break;
    }
    case 'publish-release': {
      const target = resolve(mutation.release);
      assertDraftComplete(mutation.assets, target);
      Object.assign(target, { draft: false, prerelease: mutation.prerelease });
      publishedTags = [...publishedTags, target.tag];
      if (mutation.makeLatest) latestTag = target.tag;
      break;
    }
  }
  return { ...world, releases, registryTags, publishedTags, latestTag };
}

function run(world: PublishWorld, ledger: ReleaseLedger): PublishWorld {
  return planPublish(ledger, world, OPTIONS).mutations.reduce((current, mutation) => apply(current, ledger, mutation), world);
}

describe('planPublish: running again converges', () => {
  const start = emptyWorld({ publishedTags: ['0.0.3'], latestTag: '0.0.3', registryTags: registryAfter('0.0.3') });
  const finished = run(start, STABLE);

  it('a finished publish plans nothing more', () => {
    expect(planPublish(STABLE, finished, OPTIONS).mutations).toEqual([]);
    expect(finished.latestTag).toBe('0.1.0');
    expect(finished.registryTags.get('latest')).toBe(`sha256:${sha('0.1.0', 'alpine index')}`);
  });

  const steps = planPublish(STABLE, start, OPTIONS).mutations;
  it.each(
    steps.flatMap((mutation, n) => [
      { n, interrupted: false, kind: mutation.kind },
      { n, interrupted: true, kind: mutation.kind },
    ]),
  )('stopped after mutation $n ($kind, interrupted: $interrupted), the next run ends in the same world with nothing duplicated', ({ n, interrupted }) => {
    let crashed = steps.slice(0, n).reduce((current, mutation) => apply(current, STABLE, mutation), start);
    crashed = apply(crashed, STABLE, steps[n]!, interrupted);
    const rerun = run(crashed, STABLE);
    expect(planPublish(STABLE, rerun, OPTIONS).mutations).toEqual([]);
    // Release and asset ids differ by when they were made; what they hold must not.
    const content = (world: PublishWorld) => ({
      ...world,
      releases: world.releases.map(({ id: _id, assets, ...rest }) => ({
        ...rest,
        assets: assets.map(({ id: _assetId, ...asset }) => asset).sort((a, b) => a.name.localeCompare(b.name)),
      })),
    });
    expect(content(rerun)).toEqual(content(finished));
  });
});

describe('planPublish: the release cycle of the issue, step by step', () => {
  it('RCs and an older line’s stable never take "latest" from 0.1.0; each step, run again, plans nothing', () => {
    const seen: [string, string | undefined, string | undefined, boolean][] = [];
    let world = emptyWorld();
    for (const version of ['0.1.0-rc.1', '0.1.0-rc.2', '0.1.0', '0.1.1-rc.1', '0.0.4-rc.1', '0.0.4']) {
      const ledger = ledgerOf(version);
      world = run(world, ledger);
      expect(planPublish(ledger, world, OPTIONS).mutations).toEqual([]);
      const published = world.releases.find((r) => r.tag === version)!;
      seen.push([version, world.latestTag, world.registryTags.get('latest'), published.prerelease]);
    }
    const latestImage = `sha256:${sha('0.1.0', 'alpine index')}`;
    expect(seen).toEqual([
      ['0.1.0-rc.1', undefined, undefined, true],
      ['0.1.0-rc.2', undefined, undefined, true],
      ['0.1.0', '0.1.0', latestImage, false],
      ['0.1.1-rc.1', '0.1.0', latestImage, true],
      ['0.0.4-rc.1', '0.1.0', latestImage, true],
      ['0.0.4', '0.1.0', latestImage, false],
    ]);
    expect([...world.registryTags.keys()].filter((tag) => !/-(alpine|distroless)$/.test(tag)).sort()).toEqual(['0.0.4', '0.1.0', 'latest']);
    expect(world.releases.every((r) => !r.draft && r.assets.length === 3)).toBe(true);
  });
});

describe('formatMutations: the dry run', () => {
  it('prints one line per mutation, in order: method, URL or registry ref, digest', () => {
    const ledger = ledgerOf('0.1.0');
    const world = emptyWorld({
      publishedTags: ['0.0.3'],
      latestTag: '0.0.3',
      registryTags: new Map([...registryAfter('0.0.3'), ['0.1.0-alpine', `sha256:${sha('0.1.0', 'alpine index')}`]]),
      releases: [release(ledger, { id: 42, name: 'old', assets: [uploaded(ledger, 0, 70), { ...uploaded(ledger, 1, 71), state: 'starter' }] })],
    });
    const [, linux, windows] = expectedAssets(ledger);
    const uploads = 'https://uploads.github.com/repos/EinStack/glide/releases/42/assets';
    expect(formatMutations(planPublish(ledger, world, OPTIONS)).split('\n')).toEqual([
      `PUT ${REPOSITORY}:0.1.0-distroless sha256:${sha('0.1.0', 'distroless index')}`,
      'PATCH https://api.github.com/repos/EinStack/glide/releases/42 name "v0.1.0" and the release notes',
      `DELETE https://api.github.com/repos/EinStack/glide/releases/assets/71 ${linux!.name} (an upload that never finished)`,
      `POST ${uploads}?name=${linux!.name} sha256:${linux!.sha256} (2000 bytes)`,
      `POST ${uploads}?name=${windows!.name} sha256:${windows!.sha256} (2001 bytes)`,
      'PATCH https://api.github.com/repos/EinStack/glide/releases/42 draft=false prerelease=false make_latest=true (latest was 0.0.3)',
      `PUT ${REPOSITORY}:latest-alpine sha256:${sha('0.1.0', 'alpine index')} (was sha256:${sha('0.0.3', 'alpine index')})`,
      `PUT ${REPOSITORY}:latest sha256:${sha('0.1.0', 'alpine index')} (was sha256:${sha('0.0.3', 'alpine index')})`,
      `PUT ${REPOSITORY}:0.1.0 sha256:${sha('0.1.0', 'alpine index')}`,
      `PUT ${REPOSITORY}:latest-distroless sha256:${sha('0.1.0', 'distroless index')} (was sha256:${sha('0.0.3', 'distroless index')})`,
      '',
    ]);
  });

  it('names the new draft where its id is not known yet, and encodes asset names into the URL', () => {
    const plan: PublishPlan = {
      repo: 'EinStack/glide',
      tag: '0.1.0-rc.1',
      mutations: [
        { kind: 'create-draft', tag: '0.1.0-rc.1', commit: COMMIT, name: 'v0.1.0-rc.1', body: BODY, prerelease: true },
        { kind: 'upload-asset', release: NEW_DRAFT, asset: { name: 'a b+c.txt', path: '0.1.0-rc.1/a b+c.txt', size: 1, sha256: sha('a', 'b') } },
      ],
    };
    expect(formatMutations(plan, { api: 'http://127.0.0.1:1', uploads: 'http://127.0.0.1:2' })).toBe(
      `POST http://127.0.0.1:1/repos/EinStack/glide/releases draft "v0.1.0-rc.1" tag 0.1.0-rc.1 at ${COMMIT} prerelease=true\n` +
        `POST http://127.0.0.1:2/repos/EinStack/glide/releases/{id of the new draft}/assets?name=a%20b%2Bc.txt sha256:${sha('a', 'b')} (1 bytes)\n`,
    );
  });
});

describe("planPublish only: 'github': the GitHub release alone", () => {
  const GITHUB_ONLY = { ...OPTIONS, only: 'github' } as const;
  const { images: _images, ...withoutImages } = STABLE;

  it.each<[string, ReleaseLedger]>([
    ['a ledger with images: the registry is not planned on', STABLE],
    ['a ledger whose images were never built', withoutImages],
  ])('%s', (_name, ledger) => {
    const world = emptyWorld({ publishedTags: ['0.0.3'], latestTag: '0.0.3', registryTags: registryAfter('0.0.3') });
    expect(summary(planPublish(ledger, world, GITHUB_ONLY))).toEqual([
      'create-draft v0.1.0 prerelease=false',
      ...uploadsOf(STABLE, NEW_DRAFT),
      'publish-release new-draft prerelease=false make_latest=true',
    ]);
  });

  it('still refuses a snapshot', () => {
    const snapshot = { ...withoutImages, stage: 'snapshot' } as ReleaseLedger;
    expect(() => planPublish(snapshot, emptyWorld(), GITHUB_ONLY)).toThrow(/snapshots are never published/);
  });
});

describe('planPublish with the channels: appended after the moving tags, each one line, the planned-only ones marked', () => {
  const snap = { architecture: 'amd64', path: '0.1.0/snap/glide_0.1.0_amd64.snap', size: 10, sha3_384: 'c'.repeat(96) } as const;
  const channels: ChannelMutation[] = [
    {
      kind: 'push-chart',
      ref: 'oci://127.0.0.1:5000/charts/glide:0.1.0',
      manifest: `sha256:${'a'.repeat(64)}`,
      chart: `sha256:${'b'.repeat(64)}`,
      prerelease: false,
    },
    { kind: 'snap-upload', snap },
    { kind: 'snap-push', name: 'glide', snap, channels: ['latest/stable'], builtAt: '2024-07-09T10:00:00.000Z' },
    {
      kind: 'push-chocolatey',
      url: 'https://push.chocolatey.org/api/v2/package',
      fileName: 'glide.0.1.0.nupkg',
      version: '0.1.0',
      prerelease: false,
      sha256: 'd'.repeat(64),
      nupkg: Buffer.from('nupkg'),
    },
  ];

  it('orders them last, after the publish and the moving tags', () => {
    const plan = planPublish(STABLE, emptyWorld(), { ...OPTIONS, channels: channels.filter((mutation) => mutation.kind !== 'push-chocolatey') });
    const kinds = summary(plan).map((line) => line.split(' ')[0]);
    expect(kinds.slice(kinds.lastIndexOf('move-image-tag') + 1)).toEqual(['push-chart', 'snap-upload', 'snap-push']);
    expect(kinds.indexOf('publish-release')).toBeLessThan(kinds.indexOf('move-image-tag'));
  });

  it('prints the channels with their own formatters, Snap and Chocolatey marked planned only, the notes last', () => {
    const world = emptyWorld({ publishedTags: ['0.1.0'], releases: [], registryTags: registryAfter('0.1.0') });
    const published = release(STABLE, { draft: false, assets: expectedAssets(STABLE).map((_, i) => uploaded(STABLE, i, 10 + i)) });
    const plan = planPublish(STABLE, { ...world, releases: [published] }, { ...OPTIONS, channels });
    expect(formatMutations({ ...plan, notes: ['homebrew: nothing pushed: a reason'] }).split('\n')).toEqual([
      `helm: PUT oci://127.0.0.1:5000/charts/glide:0.1.0 manifest sha256:${'a'.repeat(64)} (chart sha256:${'b'.repeat(64)})`,
      `snap: POST https://storage.snapcraftcontent.com/unscanned-upload/ 0.1.0/snap/glide_0.1.0_amd64.snap sha3-384:${'c'.repeat(96)} (10 bytes) (planned only: not sent)`,
      `snap: POST https://dashboard.snapcraft.io/dev/api/snap-push/ name=glide updown_id={upload_id of the upload above} series=16 arch=amd64 sha3-384:${'c'.repeat(96)} binary_filesize=10 built_at=2024-07-09T10:00:00.000Z channels=latest/stable (planned only: not sent)`,
      `chocolatey: PUT https://push.chocolatey.org/api/v2/package glide.0.1.0.nupkg sha256:${'d'.repeat(64)} (multipart/form-data, X-NuGet-ApiKey: ***) (planned only: not sent)`,
      '# homebrew: nothing pushed: a reason',
      '',
    ]);
  });
});
