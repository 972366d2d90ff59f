/**
 * `release.json`: the one manifest every stage after the binaries (images, publish, verify)
 * reads. Its shape is a schema, checked on every read: a ledger that is missing a field,
 * holds a wrong one or was written under another schema number is refused by name (ELEDGER),
 * never half-used. Decision 0021.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod/mini';
import { en } from 'zod/locales';
import semver from 'semver';
import { archiveName, DISTROS, GlideError, parseTarget, RELEASE_LEDGER } from '#contract';
import { writeFileAtomic } from './files.js';
import type { ReleasePlan } from './plan.js';

// zod/mini carries no messages of its own: English, as the config's.
z.config(en());

/** Raised whenever the ledger's shape changes; a ledger of another number is refused, not guessed at. */
export const LEDGER_SCHEMA = 1;

const REBUILD = 'Rebuild the release with glide-release build (the same --tag and --out) to write it again.';

const sha256 = z.string().check(z.regex(/^[0-9a-f]{64}$/, 'not a sha256 (64 hex digits)'));
const digest = z.string().check(z.regex(/^sha256:[0-9a-f]{64}$/, 'not a sha256:<64 hex> digest'));
const size = z.int().check(z.minimum(0));
const text = z.string().check(z.minLength(1));

const fileFields = { path: text, size, sha256 };

const archiveSchema = z.strictObject({
  kind: z.literal('archive'),
  ...fileFields,
  target: text,
  format: text,
  /** The binary inside the archive: images and installers check they carry these same bytes. */
  binary: z.readonly(z.strictObject({ name: text, size, sha256 })),
  proof: z.readonly(z.strictObject({ header: text, ran: text, versionOutput: z.optional(z.string()) })),
  /**
   * A promoted stable's binary: the RC it re-stamps, whose bytes a rebuild with the RC's stamp
   * matched (decision 0038). Optional, so ledgers written before it still read at schema 1.
   */
  promotedFrom: z.optional(z.readonly(z.strictObject({ tag: text, binarySha256: sha256 }))),
});

const checksumsSchema = z.strictObject({ kind: z.literal('checksums'), ...fileFields });

const imagesSchema = z.strictObject({
  /** The OCI image layout: a folder of the release folder, named by itself. */
  layout: text.check(z.regex(/^(?!\.{1,2}$)[^/\\]+$/, 'a folder name inside the release folder')),
  repository: text,
  distros: z.readonly(
    z.array(
      z.readonly(
        z.strictObject({
          distro: z.enum(DISTROS),
          tag: text,
          index: digest,
          base: z.readonly(z.strictObject({ name: text, digest })),
          manifests: z.readonly(z.array(z.readonly(z.strictObject({ target: text, digest, caLayerAdded: z.boolean() })))),
          lacking: z.readonly(z.array(text)),
        }),
      ),
    ),
  ),
  digests: z.readonly(z.array(digest)),
});

/**
 * What marks a ledger as one share of a sharded build (`build --shard I/N` or `--targets`), and
 * what merge checks before it puts shares together. Optional: a release's ledger has none.
 */
const shareSchema = z.strictObject({
  /** `--shard I/N`; absent for an explicit `--targets` list. */
  index: z.optional(z.int().check(z.minimum(1))),
  count: z.optional(z.int().check(z.minimum(1))),
  /** This share's targets, in the matrix's order. */
  targets: z.readonly(z.array(text).check(z.minLength(1))),
  /** The plan's whole build matrix: the union of the shares must be exactly this. */
  matrix: z.readonly(z.array(text).check(z.minLength(1))),
  /** sha256 of the effective config: shares built under other configs are not merged. */
  config: sha256,
  /** The tag's date: merge writes it to `index.json`, which a share never touches. */
  releasedAt: z.iso.datetime(),
});

const ledgerSchema = z.strictObject({
  schema: z.literal(LEDGER_SCHEMA),
  repo: text,
  tag: text,
  version: text,
  /** No `invalid`: a tag that is no release version is never built. */
  stage: z.enum(['rc', 'stable', 'snapshot']),
  prerelease: z.boolean(),
  publishable: z.boolean(),
  commit: z.string().check(z.regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/, 'not a full commit id')),
  /** Commit time, ISO 8601. */
  date: z.iso.datetime(),
  goVersion: text,
  artifacts: z.readonly(z.array(z.readonly(z.discriminatedUnion('kind', [archiveSchema, checksumsSchema])))),
  skipped: z.readonly(z.array(z.readonly(z.strictObject({ target: text, reason: z.string() })))),
  /** Written by the images stage: the OCI layout beside the assets, and every index and manifest digest. */
  images: z.optional(z.readonly(imagesSchema)),
  share: z.optional(z.readonly(shareSchema)),
});

export type ReleaseLedger = Readonly<z.infer<typeof ledgerSchema>>;
export type LedgerArtifact = ReleaseLedger['artifacts'][number];
export type LedgerArchive = Extract<LedgerArtifact, { kind: 'archive' }>;
export type LedgerImages = NonNullable<ReleaseLedger['images']>;
export type LedgerStage = ReleaseLedger['stage'];
export type LedgerShare = NonNullable<ReleaseLedger['share']>;
/** The ledger of one share: it lists its archives, and no checksums file. */
export type ShareLedger = ReleaseLedger & { readonly share: LedgerShare };

/** What the ledger keeps of the plan of a release that was built. */
export type LedgerFacts = Pick<ReleasePlan, 'tag' | 'version' | 'prerelease' | 'publishable' | 'commit' | 'date' | 'goVersion' | 'skipped'> & {
  readonly stage: LedgerStage;
};

/** Pure: the ledger of a built plan, its artifacts in path order so a rebuild writes the same bytes. */
export function makeLedger(plan: LedgerFacts, repo: string, artifacts: readonly LedgerArtifact[]): ReleaseLedger {
  const { tag, version, stage, prerelease, publishable, commit, date, goVersion, skipped } = plan;
  return {
    schema: LEDGER_SCHEMA,
    repo,
    tag,
    version,
    stage,
    prerelease,
    publishable,
    commit,
    date,
    goVersion,
    artifacts: [...artifacts].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)).map(inWrittenOrder),
    skipped,
  };
}

/**
 * An artifact with its keys in the order build writes them, whatever order it was read in (a
 * read ledger has the schema's): merge writes a share's archives as the single build does.
 */
function inWrittenOrder(artifact: LedgerArtifact): LedgerArtifact {
  if (artifact.kind === 'checksums') return { kind: artifact.kind, path: artifact.path, size: artifact.size, sha256: artifact.sha256 };
  const { kind, path, target, format, size, sha256, binary, proof, promotedFrom } = artifact;
  return {
    kind,
    path,
    target,
    format,
    size,
    sha256,
    binary: { name: binary.name, size: binary.size, sha256: binary.sha256 },
    proof: { header: proof.header, ran: proof.ran, ...(proof.versionOutput !== undefined ? { versionOutput: proof.versionOutput } : {}) },
    ...(promotedFrom ? { promotedFrom: { tag: promotedFrom.tag, binarySha256: promotedFrom.binarySha256 } } : {}),
  };
}

/** Writes `{releaseDir}/release.json` whole (a rename), never half. */
export async function writeLedger(releaseDir: string, ledger: ReleaseLedger): Promise<void> {
  await writeFileAtomic(join(releaseDir, RELEASE_LEDGER), `${JSON.stringify(ledger, null, 2)}\n`);
}

/**
 * Reads and checks `{releaseDir}/release.json`. Undefined when there is none: what that means
 * (build the binaries first, build at all) is the calling stage's to say. Anything else that
 * is not a ledger of this schema is ELEDGER; the ledger of one share of a sharded build is
 * ESHAREFOLDER, since no stage after the build may take a share for the release.
 */
export async function readLedger(releaseDir: string): Promise<ReleaseLedger | undefined> {
  const ledger = await readLedgerFile(releaseDir);
  if (ledger?.share) {
    const { index, count } = ledger.share;
    throw new GlideError(
      'ESHAREFOLDER',
      `${releaseDir} holds one share${index ? ` (${index}/${count})` : ''} of ${ledger.tag}'s build (${ledger.share.targets.join(', ')}), not a release.`,
      ['Merge every share into a release folder first: glide-release merge --out DIR SHARE_DIR..., then pass that --out.'],
    );
  }
  return ledger;
}

/** Reads the ledger of one share (merge's input): undefined when there is none, or when it is a release's, not a share's. */
export async function readShareLedger(releaseDir: string): Promise<ShareLedger | undefined> {
  const ledger = await readLedgerFile(releaseDir);
  return ledger?.share ? (ledger as ShareLedger) : undefined;
}

async function readLedgerFile(releaseDir: string): Promise<ReleaseLedger | undefined> {
  const path = join(releaseDir, RELEASE_LEDGER);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new GlideError('ELEDGER', `${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).`, [
      'Check that it is a file this user may read, or move it away and rebuild.',
      REBUILD,
    ]);
  }
  return parseLedger(text, path);
}

/** Pure: the ledger in `text`, or ELEDGER naming what is wrong with it; `path` is only for the message. */
export function parseLedger(text: string, path: string): ReleaseLedger {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new GlideError('ELEDGER', `${path} is not valid JSON (${(error as Error).message}): it was cut short or edited.`, [REBUILD]);
  }
  const schema = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as { schema?: unknown }).schema : undefined;
  if (schema !== LEDGER_SCHEMA) {
    if (typeof schema !== 'number') {
      throw new GlideError('ELEDGER', `${path} is not a glide-release ledger: it has no "schema" number.`, [REBUILD]);
    }
    const newer = schema > LEDGER_SCHEMA;
    throw new GlideError(
      'ELEDGER',
      `${path} is a ledger of schema ${schema}, written by ${newer ? 'a newer' : 'an older'} glide-release; this one reads schema ${LEDGER_SCHEMA}.`,
      [newer ? 'Run the glide-release that built it, or rebuild the release with this one (the same --tag and --out).' : REBUILD],
    );
  }
  const result = ledgerSchema.safeParse(raw);
  const problems = result.success ? inconsistencies(result.data) : result.error.issues.map(describeIssue);
  if (problems.length > 0) {
    const shown = problems.slice(0, 5);
    if (problems.length > shown.length) shown.push(`… and ${problems.length - shown.length} more`);
    throw new GlideError('ELEDGER', `${path} is not a ledger glide-release wrote (schema ${LEDGER_SCHEMA}):`, [...shown, REBUILD]);
  }
  return result.data!;
}

/** What the schema cannot say about one field alone: every file lies in the tag's folder, and only a release is publishable. */
function inconsistencies(ledger: ReleaseLedger): string[] {
  const problems = ledger.artifacts
    .filter((artifact) => !isAssetOf(ledger.tag, artifact.path))
    .map((artifact) => `${artifact.path} is not a file of ${ledger.tag}/`);
  const stage = STAGE_NAMES[ledger.stage];
  if (ledger.stage !== 'stable') {
    for (const artifact of ledger.artifacts) {
      if (artifact.kind === 'archive' && artifact.promotedFrom)
        problems.push(`${artifact.path} is promoted from ${artifact.promotedFrom.tag}, but only a stable release is promoted`);
    }
  }
  if (ledger.share) problems.push(...shareInconsistencies(ledger, ledger.share));
  const release = ledger.stage !== 'snapshot';
  if (ledger.publishable !== release) problems.push(`publishable is ${ledger.publishable}, but ${stage} is ${release ? 'always' : 'never'} publishable`);
  const prerelease = ledger.stage !== 'stable';
  if (ledger.prerelease !== prerelease) problems.push(`prerelease is ${ledger.prerelease}, but ${stage} ${prerelease ? 'is' : 'is not'} a pre-release`);
  return problems;
}

/** A share lists exactly the archives of its targets (the checksums file is merge's to write), all of the matrix. */
function shareInconsistencies({ tag, version, artifacts }: ReleaseLedger, share: LedgerShare): string[] {
  const problems: string[] = [];
  // merge names the files it writes from these (a share comes from another machine): a version, and the contract's names only.
  if (!semver.valid(tag) || version !== tag) problems.push(`share: tag ${tag} and version ${version} are not one version`);
  for (const artifact of artifacts) {
    if (artifact.kind === 'archive' && artifact.path !== `${tag}/${archiveNameOf(version, artifact.target)}`)
      problems.push(`${artifact.path} is not the archive name of ${artifact.target}`);
  }
  if ((share.index === undefined) !== (share.count === undefined)) problems.push('share: index and count go together');
  if (share.index !== undefined && share.count !== undefined && share.index > share.count) problems.push(`share: ${share.index}/${share.count} is no share`);
  const archived = artifacts.flatMap((artifact) => (artifact.kind === 'archive' ? [artifact.target] : []));
  if (archived.length !== artifacts.length) problems.push('share: a share lists archives only (merge writes the checksums file)');
  if ([...archived].sort().join() !== [...share.targets].sort().join())
    problems.push(`share: its archives (${archived.join(', ')}) are not those of its targets (${share.targets.join(', ')})`);
  const outside = share.targets.filter((target) => !share.matrix.includes(target));
  if (outside.length > 0) problems.push(`share: ${outside.join(', ')} is not in its matrix`);
  return problems;
}

function archiveNameOf(version: string, target: string): string | undefined {
  try {
    return archiveName(version, parseTarget(target));
  } catch {
    return undefined;
  }
}

const STAGE_NAMES: Readonly<Record<LedgerStage, string>> = { rc: 'an RC', stable: 'a stable release', snapshot: 'a snapshot' };

function isAssetOf(tag: string, path: string): boolean {
  const asset = path.startsWith(`${tag}/`) ? path.slice(tag.length + 1) : '';
  return asset !== '' && asset !== '.' && asset !== '..' && !/[/\\]/.test(asset);
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const where = issue.path.length > 0 ? issue.path.map(String).join('.') : '(top level)';
  if (issue.code === 'unrecognized_keys') return `${where}: unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`;
  return `${where}: ${issue.message}`;
}

/**
 * The ledger in a tag's folder belongs to the release being run: the same tag, and the same
 * commit (a tag moved since the build leaves a ledger of other bytes behind).
 */
export function assertLedgerOf(ledger: ReleaseLedger, plan: Pick<ReleasePlan, 'tag' | 'commit'>, releaseDir: string): void {
  const path = join(releaseDir, RELEASE_LEDGER);
  if (ledger.tag !== plan.tag) {
    throw new GlideError('ELEDGER', `${path} is the ledger of ${ledger.tag}, not of ${plan.tag}.`, [REBUILD]);
  }
  if (ledger.commit !== plan.commit) {
    throw new GlideError(
      'ELEDGER',
      `${path} was built from commit ${ledger.commit.slice(0, 12)}, but ${plan.tag} is now commit ${plan.commit.slice(0, 12)}: the tag moved after the build.`,
      [REBUILD],
    );
  }
}
