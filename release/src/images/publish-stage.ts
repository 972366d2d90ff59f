/**
 * `glide-release publish --only images`: pushes the OCI layout `build --only images` wrote
 * for this tag, and nothing else. Credentials from the environment or Docker's config.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { GlideError } from '#contract';
import { assertLedgerOf, readLedger, type ReleaseLedger } from '../ledger.js';
import type { PreparedRelease } from '../prepare.js';
import { publishImages, type PublishImagesReport } from './publish.js';
import { RegistryClient } from '../../../src/registry/client.js';
import { registryCredentials } from '../../../src/registry/credentials.js';
import { parseImageReference } from '../../../src/registry/reference.js';

export interface PublishImagesOptions {
  readonly dryRun: boolean;
  readonly env: NodeJS.ProcessEnv;
  readonly log: (line: string) => void;
  readonly signal: AbortSignal;
}

export async function runPublishImages(prepared: PreparedRelease, options: PublishImagesOptions): Promise<PublishImagesReport> {
  const { plan, outDir, config } = prepared;
  const releaseDir = join(outDir, plan.tag);
  const ledger = await readPublishableLedger(prepared);
  if (!ledger.images) {
    throw new GlideError('EBUILD', `The images of ${plan.tag} were not built.`, ['Run glide-release build --only images with the same --out first.']);
  }
  const client = await registryClientFor(ledger.images.repository, options);
  try {
    return await publishImages({
      layout: join(releaseDir, ledger.images.layout),
      repository: ledger.images.repository,
      version: ledger.version,
      defaultDistro: config.images.defaultDistro,
      client,
      dryRun: options.dryRun,
    });
  } finally {
    await client.close();
  }
}

/** A client for the registry of `repository`, with the credentials the environment or Docker's config gives it (said in the log, never the secret). */
export async function registryClientFor(repository: string, options: Pick<PublishImagesOptions, 'env' | 'log' | 'signal'>): Promise<RegistryClient> {
  const { registry } = parseImageReference(repository);
  const found = registryCredentials(registry, { env: options.env, dockerConfig: await readDockerConfig(options.env) });
  // Read in a dry run too: the line says who the registry sees, not that anything is pushed.
  options.log(`registry ${repository}: ${found ? `as ${found.credentials.username} (from ${found.source})` : 'without credentials'}`);
  return new RegistryClient({ registry, signal: options.signal, ...(found ? { credentials: found.credentials } : {}) });
}

/** The ledger `build` wrote for the prepared tag, checked to be this tag's and no snapshot: what every publish stage starts from. */
export async function readPublishableLedger(prepared: PreparedRelease): Promise<ReleaseLedger> {
  const releaseDir = join(prepared.outDir, prepared.plan.tag);
  const ledger = await readLedger(releaseDir);
  if (!ledger) {
    throw new GlideError('EBUILD', `Nothing was built for ${prepared.plan.tag} in ${releaseDir}.`, [
      'Run glide-release build --only binaries,images with the same --out first.',
    ]);
  }
  assertLedgerOf(ledger, prepared.plan, releaseDir);
  // A ledger is publishable exactly when it is no snapshot (readLedger refuses one that says otherwise).
  if (ledger.stage === 'snapshot') {
    throw new GlideError('EBUILD', `${prepared.plan.tag} is a snapshot: snapshots are never published.`, [
      'Tag a release (X.Y.Z-rc.N or X.Y.Z), build it with every gate passing, then publish it.',
    ]);
  }
  return ledger;
}

async function readDockerConfig(env: NodeJS.ProcessEnv): Promise<unknown> {
  const file = join(env.DOCKER_CONFIG || join(env.HOME || homedir(), '.docker'), 'config.json');
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch {
    return undefined;
  }
}
