/**
 * `publish` decides every mutation before the first one: same content → skipped, missing →
 * done, different → refused by name, before anything is written. Pure: the world comes in as
 * data (world.ts), so a dry run is this list and the real run performs exactly it; running
 * again after a failure plans only what is still missing.
 */
import { GlideError, imageTag, mayBeLatest, type Distro } from '#contract';
import { planImageTags } from '../images/tags.js';
import type { LedgerImages, ReleaseLedger } from '../ledger.js';
import { formatChannelMutation, type ChannelMutation } from './channels.js';
import { assetProblems, compareAssets, expectedAssets, type ExpectedAsset, type GithubRelease, type PublishWorld } from './world.js';

/** The draft `create-draft` makes: its id is known only once GitHub answers. */
export const NEW_DRAFT = 'new-draft';
export type ReleaseRef = number | typeof NEW_DRAFT;

export type Mutation =
  /** The image's blobs and manifests, then its immutable `{version}-{distro}` tag (images/publish.ts pushes them). */
  | { readonly kind: 'push-image'; readonly ref: string; readonly digest: string }
  | {
      readonly kind: 'create-draft';
      readonly tag: string;
      readonly commit: string;
      readonly name: string;
      readonly body: string;
      readonly prerelease: boolean;
    }
  | { readonly kind: 'update-draft'; readonly release: number; readonly name: string; readonly body: string }
  /** Only of a draft, and only an upload that never finished. */
  | { readonly kind: 'delete-asset'; readonly release: number; readonly asset: number; readonly name: string }
  | { readonly kind: 'upload-asset'; readonly release: ReleaseRef; readonly asset: ExpectedAsset }
  | {
      readonly kind: 'publish-release';
      readonly release: ReleaseRef;
      readonly prerelease: boolean;
      readonly makeLatest: boolean;
      /** What `/releases/latest` returned before: the plan says when "latest" moves. */
      readonly latestBefore: string | undefined;
      /** The set the draft must hold, read again, before it is published (assertDraftComplete). */
      readonly assets: readonly ExpectedAsset[];
    }
  /** `latest`, `latest-{distro}`, the bare `{version}`: after the release is public. */
  | { readonly kind: 'move-image-tag'; readonly ref: string; readonly digest: string; readonly previous: string | undefined }
  /** The package-manager channels (channels.ts): after the moving tags, since each points at the public release. */
  | ChannelMutation;

export interface PublishPlan {
  readonly repo: string;
  readonly tag: string;
  /** In the order they are performed: images by version tag, the draft and its assets, the publish, the moving tags, the channels. */
  readonly mutations: readonly Mutation[];
  /** Why an enabled channel gets nothing although the release is new to it: `# …` lines after the mutations. */
  readonly notes?: readonly string[];
}

export interface PublishOptions {
  readonly defaultDistro: Distro;
  /** The release notes (releaseNotes), already within GitHub's limit. */
  readonly body: string;
  /** `github`: the release alone (`publish --only github`); the images are `--only images`' and the registry is not read. */
  readonly only?: 'github';
  /** The enabled channels' mutations (planChannels), already planned against what each holds: appended last. */
  readonly channels?: readonly ChannelMutation[];
}

/** Glide's releases are titled `v{version}`, though the tags carry no `v`. */
export function releaseTitle(version: string): string {
  return `v${version}`;
}

export function planPublish(ledger: ReleaseLedger, world: PublishWorld, options: PublishOptions): PublishPlan {
  assertPublishable(ledger);
  const images = options.only === 'github' ? undefined : builtImages(ledger);
  assertTagIsLedgers(ledger, world.tagCommit);
  const pushes = images ? planImagePushes(ledger, images, world.registryTags) : [];
  const release = releaseOfTag(ledger.tag, world.releases);
  const expected = expectedAssets(ledger);
  const github = release?.draft === false ? assertPublishedComplete(release, expected) : planDraft(ledger, release, expected, world, options);
  const moves = images ? planMovingTags(ledger, images, world.registryTags, options.defaultDistro) : [];
  return { repo: ledger.repo, tag: ledger.tag, mutations: [...pushes, ...github, ...moves, ...(options.channels ?? [])] };
}

function assertPublishable(ledger: ReleaseLedger): void {
  if (ledger.stage === 'snapshot') {
    throw new GlideError('EBUILD', `${ledger.tag} is a snapshot: snapshots are never published.`, [
      'Tag a release (X.Y.Z-rc.N or X.Y.Z), build it with every gate passing, then publish it.',
    ]);
  }
}

/** The images `build --only images` recorded; the whole publish needs them. */
export function builtImages(ledger: ReleaseLedger): LedgerImages {
  if (!ledger.images) {
    throw new GlideError('EBUILD', `The images of ${ledger.tag} were not built.`, [
      'Run glide-release build --only images with the same --out first, or publish the GitHub release alone with --only github.',
    ]);
  }
  return ledger.images;
}

/** GitHub ties the release to the tag it has: a tag not pushed, or moved since the build, would publish other bytes under its name. */
function assertTagIsLedgers(ledger: ReleaseLedger, tagCommit: string | undefined): void {
  if (tagCommit === undefined) {
    throw new GlideError('ENOTAG', `The tag ${ledger.tag} is not on GitHub (${ledger.repo}); nothing was published.`, [
      `Push it first: git push origin ${ledger.tag}`,
    ]);
  }
  if (tagCommit !== ledger.commit) {
    throw new GlideError(
      'ERELEASECONFLICT',
      `The tag ${ledger.tag} on GitHub is commit ${tagCommit.slice(0, 12)}, but the release was built from ${ledger.commit.slice(0, 12)}; nothing was published.`,
      ['Build the commit the tag names on GitHub (fetch the tags, then glide-release build), or release a new version.'],
    );
  }
}

function planImagePushes(ledger: ReleaseLedger, images: LedgerImages, registryTags: ReadonlyMap<string, string>): Mutation[] {
  const clobbers: string[] = [];
  const pushes: Mutation[] = [];
  for (const image of images.distros) {
    const ref = `${images.repository}:${imageTag(ledger.version, image.distro)}`;
    const current = registryTags.get(imageTag(ledger.version, image.distro));
    if (current === undefined) pushes.push({ kind: 'push-image', ref, digest: image.index });
    else if (current !== image.index) clobbers.push(`${ref} is ${current}; this build's ${image.distro} image is ${image.index}.`);
  }
  if (clobbers.length > 0) {
    throw new GlideError(
      'ETAGCLOBBER',
      `Version tags are immutable, and ${clobbers.length === 1 ? 'one already names' : `${clobbers.length} already name`} a different image; nothing was published.`,
      [...clobbers, `Release the change as a new version (a new RC or patch) instead: a published ${ledger.version} is never overwritten.`],
    );
  }
  return pushes;
}

/** The release of the tag, if any; two (GitHub allows several drafts of one tag) leave no way to tell which is ours. */
function releaseOfTag(tag: string, releases: readonly GithubRelease[]): GithubRelease | undefined {
  const ofTag = releases.filter((release) => release.tag === tag);
  if (ofTag.length <= 1) return ofTag[0];
  throw new GlideError('ERELEASECONFLICT', `GitHub has ${ofTag.length} releases of the tag ${tag}; publish converges on one, and cannot tell which.`, [
    ...ofTag.map((release) => `release id ${release.id}: ${release.draft ? 'draft' : 'published'}, ${release.assets.length} assets`),
    'Delete the drafts you do not want on GitHub (Releases → the draft → Delete), then run publish again.',
  ]);
}

/** A published release is never uploaded to: complete is done, anything less is a version that cannot be fixed. */
function assertPublishedComplete(release: GithubRelease, expected: readonly ExpectedAsset[]): Mutation[] {
  // Extra assets (an SBOM attached by hand) are not ours to judge.
  const problems = assetProblems(compareAssets(expected, release.assets), ['missing', 'unfinished', 'different']);
  if (problems.length === 0) return [];
  throw new GlideError('ERELEASEBURNED', `${release.tag} is published on GitHub without the assets of this build: the version is burned.`, [
    ...problems,
    'A published release is never changed: people may have downloaded it. Release the next version (a new RC or patch) instead.',
  ]);
}

function planDraft(
  ledger: ReleaseLedger,
  draft: GithubRelease | undefined,
  expected: readonly ExpectedAsset[],
  world: PublishWorld,
  options: PublishOptions,
): Mutation[] {
  const name = releaseTitle(ledger.version);
  const publish = {
    kind: 'publish-release',
    prerelease: ledger.prerelease,
    // The one "latest" rule: only a stable at least as high as every stable published.
    makeLatest: mayBeLatest(ledger.version, world.publishedTags),
    latestBefore: world.latestTag,
    assets: expected,
  } as const;
  if (draft === undefined) {
    return [
      { kind: 'create-draft', tag: ledger.tag, commit: ledger.commit, name, body: options.body, prerelease: ledger.prerelease },
      ...expected.map((asset): Mutation => ({ kind: 'upload-asset', release: NEW_DRAFT, asset })),
      { ...publish, release: NEW_DRAFT },
    ];
  }
  const comparison = compareAssets(expected, draft.assets);
  const { missing, unfinished } = comparison;
  const conflicts = assetProblems(comparison, ['different', 'extra']);
  if (conflicts.length > 0) {
    throw new GlideError('ERELEASECONFLICT', `The draft release ${ledger.tag} (id ${draft.id}) holds assets this build did not make; nothing was published.`, [
      ...conflicts,
      'Publish from the --out folder that built the draft, or delete those assets (or the whole draft) on GitHub and run again.',
    ]);
  }
  return [
    ...(draft.name !== name || draft.body !== options.body ? [{ kind: 'update-draft', release: draft.id, name, body: options.body } as const] : []),
    ...unfinished.map(({ asset }): Mutation => ({ kind: 'delete-asset', release: draft.id, asset: asset.id, name: asset.name })),
    ...[...unfinished.map(({ expected: want }) => want), ...missing].map((asset): Mutation => ({ kind: 'upload-asset', release: draft.id, asset })),
    { ...publish, release: draft.id },
  ];
}

/** After the release is public: the moving tags the image rule gives, each where it does not already name this image. */
function planMovingTags(ledger: ReleaseLedger, images: LedgerImages, registryTags: ReadonlyMap<string, string>, defaultDistro: Distro): Mutation[] {
  return images.distros.flatMap((image) =>
    planImageTags({ version: ledger.version, distro: image.distro, defaultDistro, registryTags: [...registryTags.keys()] }).moving.flatMap(
      (tag): Mutation[] => {
        const previous = registryTags.get(tag);
        return previous === image.index ? [] : [{ kind: 'move-image-tag', ref: `${images.repository}:${tag}`, digest: image.index, previous }];
      },
    ),
  );
}

export interface GithubOrigins {
  readonly api: string;
  readonly uploads: string;
}

export const GITHUB_ORIGINS: GithubOrigins = { api: 'https://api.github.com', uploads: 'https://uploads.github.com' };

/** `--dry-run`'s output: one line per mutation (method, URL or registry ref, digest), in order, and nothing else. */
export function formatMutations(plan: PublishPlan, origins: GithubOrigins = GITHUB_ORIGINS): string {
  const releases = `${origins.api}/repos/${plan.repo}/releases`;
  const releaseId = (ref: ReleaseRef) => (ref === NEW_DRAFT ? '{id of the new draft}' : String(ref));
  return plan.mutations
    .map((mutation) => {
      switch (mutation.kind) {
        case 'push-image':
          return `PUT ${mutation.ref} ${mutation.digest}`;
        case 'create-draft':
          return `POST ${releases} draft "${mutation.name}" tag ${mutation.tag} at ${mutation.commit} prerelease=${mutation.prerelease}`;
        case 'update-draft':
          return `PATCH ${releases}/${mutation.release} name "${mutation.name}" and the release notes`;
        case 'delete-asset':
          return `DELETE ${releases}/assets/${mutation.asset} ${mutation.name} (an upload that never finished)`;
        case 'upload-asset':
          return `POST ${origins.uploads}/repos/${plan.repo}/releases/${releaseId(mutation.release)}/assets?name=${encodeURIComponent(mutation.asset.name)} sha256:${mutation.asset.sha256} (${mutation.asset.size} bytes)`;
        case 'publish-release':
          return `PATCH ${releases}/${releaseId(mutation.release)} draft=false prerelease=${mutation.prerelease} make_latest=${mutation.makeLatest}${mutation.makeLatest && mutation.latestBefore !== plan.tag ? ` (latest was ${mutation.latestBefore ?? 'none'})` : ''}`;
        case 'move-image-tag':
          return `PUT ${mutation.ref} ${mutation.digest}${mutation.previous ? ` (was ${mutation.previous})` : ''}`;
        default:
          return formatChannelMutation(mutation);
      }
    })
    .concat((plan.notes ?? []).map((note) => `# ${note}`))
    .map((line) => `${line}\n`)
    .join('');
}
