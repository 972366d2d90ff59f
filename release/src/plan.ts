import {
  archiveFormat,
  archiveName,
  binaryName,
  checksumsName,
  formatTarget,
  MIRROR_INDEX,
  mirrorAssetPath,
  DISTROS,
  imageTag,
  RELEASE_LEDGER,
  type Distro,
  type Target,
} from '#contract';
import { planImageTags } from './images/tags.js';
import type { SkippedTarget } from './targets.js';
import type { GateResult } from './version/gates.js';

/** The folder of the release where the images stage writes its OCI image layout. */
export const IMAGES_LAYOUT = 'images';

/** `invalid`: the tag is no release version (the version gate says why), so nothing would be built. */
export type Stage = 'rc' | 'stable' | 'snapshot' | 'invalid';

export interface PlannedArtifact {
  readonly kind: 'archive' | 'checksums' | 'ledger' | 'index';
  /** Path inside the output folder (the mirror). */
  readonly path: string;
  readonly target?: string;
  readonly format?: string;
  readonly binary?: string;
}

/** What the images stage writes (`build --only images`) and `publish --only images` pushes. */
export interface PlannedImages {
  /** The OCI image layout, inside the output folder: `{tag}/images/`. */
  readonly layout: string;
  readonly repository: string;
  readonly distros: readonly PlannedImage[];
}

export interface PlannedImage {
  readonly distro: Distro;
  readonly base: string;
  /** `{version}-{distro}`: the layout's ref, and the tag publish puts once and never moves. */
  readonly tag: string;
  /** One manifest per Linux target, less those the base has no image for (known when it is read). */
  readonly platforms: readonly string[];
  /** `{repository}:{tag}` publish pushes (a stable's bare version too, after the release); none for a snapshot, which is never published. */
  readonly pushes: readonly string[];
  /** Moving tags publish points here only if this version is then the highest stable in the registry; never for an RC. */
  readonly movesIfHighestStable: readonly string[];
}

export interface ImagesConfig {
  readonly repository: string;
  readonly defaultDistro: Distro;
  readonly distros: Readonly<Partial<Record<Distro, { readonly base: string }>>>;
}

export interface ReleasePlan {
  readonly tag: string;
  readonly version: string;
  readonly stage: Stage;
  readonly prerelease: boolean;
  /** Whether a later `publish` may ship it: never a snapshot, never with a failed gate. */
  readonly publishable: boolean;
  readonly commit: string;
  /** Commit time, ISO 8601: the build date injected and every archive entry's mtime. */
  readonly date: string;
  /** When the tag was made (annotated tag date, else the commit time): the mirror's published_at. */
  readonly releasedAt: string;
  readonly goVersion: string;
  readonly gates: readonly GateResult[];
  readonly targets: readonly string[];
  readonly skipped: readonly SkippedTarget[];
  /** What the binaries stage writes. */
  readonly artifacts: readonly PlannedArtifact[];
  /** What the images stage writes and publish pushes; none for a tag that is no release version. */
  readonly images?: PlannedImages;
}

export interface PlanInput {
  readonly tag: string;
  readonly version: string;
  readonly stage: Stage;
  readonly commit: string;
  readonly date: Date;
  readonly releasedAt?: Date;
  readonly goVersion: string;
  readonly gates: readonly GateResult[];
  readonly targets: readonly Target[];
  readonly skipped: readonly SkippedTarget[];
  readonly images: ImagesConfig;
}

/** Pure: everything `build` will write, decided before anything is built. */
export function makePlan(input: PlanInput): ReleasePlan {
  const archives: PlannedArtifact[] = (input.stage === 'invalid' ? [] : input.targets).map((target) => ({
    kind: 'archive',
    path: mirrorAssetPath(input.tag, archiveName(input.version, target)),
    target: formatTarget(target),
    format: archiveFormat(target.os),
    binary: binaryName(target.os),
  }));
  const artifacts: PlannedArtifact[] =
    input.stage === 'invalid'
      ? []
      : [
          ...archives,
          { kind: 'checksums', path: mirrorAssetPath(input.tag, checksumsName(input.version)) },
          { kind: 'ledger', path: mirrorAssetPath(input.tag, RELEASE_LEDGER) },
        ];
  if (input.stage === 'rc' || input.stage === 'stable') artifacts.push({ kind: 'index', path: MIRROR_INDEX });
  return {
    tag: input.tag,
    version: input.version,
    stage: input.stage,
    prerelease: input.stage !== 'stable',
    publishable: (input.stage === 'rc' || input.stage === 'stable') && input.gates.every((gate) => gate.ok),
    commit: input.commit,
    date: input.date.toISOString(),
    releasedAt: (input.releasedAt ?? input.date).toISOString(),
    goVersion: input.goVersion,
    gates: input.gates,
    targets: input.targets.map(formatTarget),
    skipped: input.skipped,
    artifacts,
    ...(input.stage === 'invalid' ? {} : { images: planImages(input, archives) }),
  };
}

/** The images of every configured distro, in the order the images stage builds them, on the platforms of the Linux archives. */
function planImages(input: PlanInput, archives: readonly PlannedArtifact[]): PlannedImages {
  const { repository, defaultDistro, distros } = input.images;
  const platforms = archives
    .filter((archive) => archive.target?.startsWith('linux/'))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .map((archive) => archive.target!);
  const published = input.stage === 'rc' || input.stage === 'stable';
  return {
    layout: `${mirrorAssetPath(input.tag, IMAGES_LAYOUT)}/`,
    repository,
    distros: DISTROS.flatMap((distro) => {
      const base = distros[distro]?.base;
      if (base === undefined) return [];
      // With no tag in the registry yet, the rule says what a publish would move were this the highest stable.
      const tags = published ? planImageTags({ version: input.version, distro, defaultDistro, registryTags: [] }) : { immutable: [], moving: [] };
      return [
        {
          distro,
          base,
          tag: imageTag(input.version, distro),
          platforms,
          // A stable's bare version is put whatever the line; the latest tags only for the highest stable.
          pushes: [...tags.immutable, ...tags.moving.filter((tag) => tag === input.version)].map((tag) => `${repository}:${tag}`),
          movesIfHighestStable: tags.moving.filter((tag) => tag !== input.version).map((tag) => `${repository}:${tag}`),
        },
      ];
    }),
  };
}
