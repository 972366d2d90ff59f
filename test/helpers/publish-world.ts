/** Ledgers and GitHub/registry worlds as publish reads them, without git, Go or a network: for the pure publish tests. */
import { archiveName, checksumsName, formatTarget, parseTarget } from '#contract';
import { makeLedger, parseLedger, type LedgerArtifact, type ReleaseLedger } from '../../release/src/ledger.js';
import type { PublishWorld } from '../../release/src/publish/world.js';

export const COMMIT = '0123456789abcdef0123456789abcdef01234567';
export const OTHER_COMMIT = 'fedcba9876543210fedcba9876543210fedcba98';
export const REPOSITORY = 'ghcr.io/einstack/glide';

/** A distinct, valid sha256 per (version, what): two builds of one version differ only where a test says so. */
export function sha(version: string, what: string): string {
  let hex = '';
  for (const char of `${version}/${what}`) hex += char.charCodeAt(0).toString(16).padStart(2, '0');
  return hex.padEnd(64, '0').slice(0, 64);
}

const TARGETS = ['linux/amd64', 'windows/amd64'];

/** A built, publishable ledger of `version` with two archives, the checksums file and alpine + distroless images, checked by the ledger's own reader. */
export function ledgerOf(version: string, commit = COMMIT, targets: readonly string[] = TARGETS): ReleaseLedger {
  const stable = !version.includes('-');
  const archives: LedgerArtifact[] = targets.map(parseTarget).map((target, i) => ({
    kind: 'archive',
    path: `${version}/${archiveName(version, target)}`,
    target: formatTarget(target),
    format: target.os === 'windows' ? 'zip' : 'tar.gz',
    size: 2000 + i,
    sha256: sha(version, archiveName(version, target)),
    binary: { name: target.os === 'windows' ? 'glide.exe' : 'glide', size: 5000 + i, sha256: sha(version, `binary ${i}`) },
    proof: { header: 'ELF', ran: 'native' },
  }));
  const checksums: LedgerArtifact = { kind: 'checksums', path: `${version}/${checksumsName(version)}`, size: 300, sha256: sha(version, 'checksums') };
  const ledger = makeLedger(
    {
      tag: version,
      version,
      stage: stable ? 'stable' : 'rc',
      prerelease: !stable,
      publishable: true,
      commit,
      date: '2024-07-09T10:00:00.000Z',
      goVersion: 'go1.22.5',
      skipped: [],
    },
    'EinStack/glide',
    [...archives, checksums],
  );
  const images = {
    layout: 'images',
    repository: REPOSITORY,
    distros: (['alpine', 'distroless'] as const).map((distro) => ({
      distro,
      tag: `${version}-${distro}`,
      index: `sha256:${sha(version, `${distro} index`)}`,
      base: { name: `${distro}-base`, digest: `sha256:${sha('base', distro)}` },
      manifests: [{ target: 'linux/amd64', digest: `sha256:${sha(version, `${distro} amd64`)}`, caLayerAdded: false }],
      lacking: [],
    })),
    digests: [],
  };
  return parseLedger(JSON.stringify({ ...ledger, images }), `${version}/release.json`);
}

/** Nothing published, the tag pushed on COMMIT. */
export function emptyWorld(overrides: Partial<PublishWorld> = {}): PublishWorld {
  return { releases: [], tagCommit: COMMIT, publishedTags: [], latestTag: undefined, registryTags: new Map(), ...overrides };
}
