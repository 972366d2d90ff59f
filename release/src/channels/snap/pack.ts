/**
 * Builds the snaps for real: each from a folder holding `meta/snap.yaml` and the ledger's binary,
 * packed by snapd's own `snap pack` (it needs no snapd daemon, only mksquashfs), which checks the
 * name, version and layout the store will check again.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, mkdir, mkdtemp, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { GlideError } from '#contract';
import { hashFile } from '../../files.js';
import { runGrouped, trackScratch } from '../../interrupt.js';
import type { ReleaseLedger } from '../../ledger.js';
import { unpackBinary } from '../../promote/rc-build.js';
import type { SnapConfig } from './config.js';
import { renderSnapYaml, snapFileName, snapTargets, type SnapArchitecture, type SnapTarget } from './render.js';

export interface PackedSnap {
  readonly architecture: SnapArchitecture;
  /** Relative to the `--out` folder, like the ledger's paths. */
  readonly path: string;
  readonly size: number;
  /** The digest the store names a snap revision by. */
  readonly sha3_384: string;
}

export interface PackOptions {
  /** The `--out` folder the ledger's paths are relative to. */
  readonly outDir: string;
  readonly signal: AbortSignal;
}

/** The folder of a release's snaps: `{out}/{tag}/snap`. */
export function snapDir(ledger: Pick<ReleaseLedger, 'tag'>): string {
  return join(ledger.tag, 'snap');
}

/** Packs one snap per snap architecture the ledger has an archive of, into `{out}/{tag}/snap/`. */
export async function packSnaps(ledger: ReleaseLedger, config: SnapConfig, options: PackOptions): Promise<PackedSnap[]> {
  const packed: PackedSnap[] = [];
  for (const target of snapTargets(ledger)) packed.push(await packSnap(ledger, config, target, options));
  return packed;
}

export async function packSnap(ledger: ReleaseLedger, config: SnapConfig, target: SnapTarget, options: PackOptions): Promise<PackedSnap> {
  // Checked before anything is unpacked: a bad version is named here, not by snap pack.
  const snapYaml = renderSnapYaml(ledger, config, target.architecture);
  const destination = join(options.outDir, snapDir(ledger));
  await mkdir(destination, { recursive: true });
  const work = await mkdtemp(join(destination, `.pack-${target.architecture}-`));
  // A second Ctrl-C exits without waiting: the scratch folder is removed then too.
  const forget = trackScratch(work);
  try {
    const root = join(work, 'root');
    await stageSnapRoot(ledger, target, join(options.outDir, target.archive.path), root, snapYaml);
    const built = join(work, 'built');
    await mkdir(built);
    await runSnapPack(root, built, ledger.date, options.signal);
    const name = snapFileName(config.name, ledger.version, target.architecture);
    const path = join(snapDir(ledger), name);
    await rename(join(built, name), join(options.outDir, path)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
      throw new GlideError('ESNAPPACK', `snap pack did not write ${name}.`, ['Check the snapd version (Debian 12 has 2.57) and run again.']);
    });
    const file = join(options.outDir, path);
    return { architecture: target.architecture, path, size: (await stat(file)).size, sha3_384: await sha3_384(file) };
  } finally {
    await rm(work, { recursive: true, force: true });
    forget();
  }
}

/**
 * `root/meta/snap.yaml` and `root/bin/glide`: the binary from an archive that hashes to the
 * ledger's sha256, unpacked by the installers' extractor (no entry name is ever a path here),
 * then checked to be the ledger's binary, since the archive was read twice.
 */
export async function stageSnapRoot(ledger: ReleaseLedger, target: SnapTarget, archivePath: string, root: string, snapYaml: string): Promise<void> {
  const { archive } = target;
  const rebuild = `Rebuild the release (glide-release build --tag ${ledger.tag}) so its files are the ledger's again.`;
  const file = await hashFile(archivePath);
  if (file.sha256 !== archive.sha256) {
    throw new GlideError(
      'ECHECKSUM',
      `${archivePath} hashes to ${file.sha256}, but the ledger of ${ledger.tag} says ${archive.sha256}; no snap was built from it.`,
      [rebuild],
    );
  }
  await mkdir(join(root, 'meta'), { recursive: true });
  await mkdir(join(root, 'bin'));
  const binary = join(root, 'bin', 'glide');
  await unpackBinary(archivePath, archive.format, archive.binary.name, binary);
  const unpacked = await hashFile(binary);
  if (unpacked.sha256 !== archive.binary.sha256) {
    throw new GlideError(
      'ECHECKSUM',
      `The ${archive.binary.name} in ${archivePath} hashes to ${unpacked.sha256}, but the ledger says ${archive.binary.sha256}; no snap was built from it.`,
      [rebuild],
    );
  }
  await chmod(binary, 0o755);
  await writeFile(join(root, 'meta', 'snap.yaml'), snapYaml, { mode: 0o644 });
}

/**
 * `snap pack ROOT OUT`, with every time in the squashfs set to the commit's (mksquashfs reads
 * SOURCE_DATE_EPOCH), so packing the same release twice gives the same bytes.
 */
export async function runSnapPack(root: string, outDir: string, commitDate: string, signal: AbortSignal): Promise<void> {
  const epoch = String(Math.floor(Date.parse(commitDate) / 1000));
  const result = await runGrouped('snap', ['pack', root, outDir], {
    cwd: outDir,
    env: { ...process.env, SOURCE_DATE_EPOCH: epoch } as Record<string, string>,
    signal,
    reject: false,
  });
  // Unrejected, a command that could not start comes back as a failed result carrying spawn's code.
  if ((result as { code?: string }).code === 'ENOENT') {
    throw new GlideError('ESNAPPACK', "snap is not installed: the snaps are built with snapd's snap pack.", [
      'Install it (Debian/Ubuntu: apt-get install snapd squashfs-tools; the snapd daemon need not run), or leave channels.snap out of the config.',
    ]);
  }
  if (result.exitCode !== 0) {
    throw new GlideError('ESNAPPACK', `snap pack refused ${root}:`, [
      String(result.all ?? '').trim() || `exit code ${result.exitCode}`,
      'Fix what it names in the channel config (channels.snap) and run again.',
    ]);
  }
}

export async function sha3_384(path: string): Promise<string> {
  const hash = createHash('sha3-384');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}
