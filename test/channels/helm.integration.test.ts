// The Helm chart pushed to a real registry (Debian's docker-registry) with our client, read
// back with the tools a user would point at it: skopeo and oras (Debian 13's, in .cache/).
import { constants } from 'node:fs';
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHelmChart, type BuiltChart } from '../../release/src/channels/helm/index.js';
import { applyHelm, helmPushTarget, planHelm, readHelmState, type HelmPushTarget } from '../../release/src/channels/helm/plan.js';
import { RegistryClient } from '../../src/registry/client.js';
import { ledgerOf } from '../helpers/publish-world.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { requireTools } from '../helpers/tools.js';

const ORAS = resolve('.cache/debian13/root/usr/bin/oras');
const FIXTURES = join(import.meta.dirname, '..', 'fixtures');
const VERSION = '0.1.0-rc.1';

let registry: TestRegistry;
let work: string;
let target: HelmPushTarget;
let config: { chart: string; distro: 'alpine'; registry: string };

beforeAll(async () => {
  requireTools('skopeo');
  await access(ORAS, constants.X_OK).catch(() => {
    throw new Error(`oras is not unpacked at ${ORAS}: run \`bash scripts/fetch-debian13.sh oras\` (scripts/setup.sh does).`);
  });
  registry = await startRegistry();
  work = await mkdtemp(join(tmpdir(), 'glide-helm-push-'));
  config = { chart: 'glide-chart', distro: 'alpine', registry: `${registry.host}/einstack/charts` };
  target = helmPushTarget(config, 'glide');
});

afterAll(async () => {
  await registry?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

const build = (changes: readonly string[] = ['First chart that follows the release']) =>
  buildHelmChart({ repoRoot: FIXTURES, config, ledger: ledgerOf(VERSION), changes });

/** Reads the registry, plans and applies: what publish will do for this channel. */
async function publish(built: BuiltChart): Promise<{ pushed: number; client: RegistryClient }> {
  const client = new RegistryClient({ registry: target.registry });
  const state = await readHelmState(client, target, built.artifact.tag);
  const mutations = planHelm(ledgerOf(VERSION), config, built, state);
  if (mutations.length > 0) await applyHelm(client, target, built.artifact);
  return { pushed: mutations.length, client };
}

const reference = () => `${registry.host}/${target.repository}:${VERSION}`;

describe('the chart on an OCI registry', () => {
  let built: BuiltChart;

  it('is pushed, and skopeo reads back the same manifest, config and .tgz', async () => {
    built = await build();
    expect((await publish(built)).pushed).toBe(1);

    const raw = await execa('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${reference()}`], { encoding: 'buffer' });
    expect(Buffer.from(raw.stdout)).toEqual(built.artifact.manifest.bytes);

    const dir = join(work, 'skopeo');
    await execa('skopeo', ['copy', '--src-tls-verify=false', `docker://${reference()}`, `dir:${dir}`]);
    const hex = (digest: string) => digest.slice('sha256:'.length);
    expect(await readFile(join(dir, hex(built.packaged.digest)))).toEqual(built.packaged.bytes);
    expect(await readFile(join(dir, hex(built.artifact.config.digest)))).toEqual(built.artifact.config.bytes);
  });

  it('is read back byte for byte by oras, as a chart', async () => {
    const layout = join(work, 'oras');
    await execa(ORAS, ['copy', '--from-plain-http', reference(), '--to-oci-layout', `${layout}:${VERSION}`]);
    const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string; mediaType: string }> };
    expect(index.manifests.map((m) => m.digest)).toEqual([built.artifact.manifest.digest]);
    const blob = (digest: string) => readFile(join(layout, 'blobs', 'sha256', digest.slice('sha256:'.length)));
    expect(await blob(built.packaged.digest)).toEqual(built.packaged.bytes);
    expect(await blob(built.artifact.manifest.digest)).toEqual(built.artifact.manifest.bytes);

    const fetched = await execa(ORAS, ['manifest', 'fetch', '--plain-http', reference()]);
    expect(JSON.parse(fetched.stdout)).toMatchObject({
      config: { mediaType: 'application/vnd.cncf.helm.config.v1+json' },
      layers: [{ mediaType: 'application/vnd.cncf.helm.chart.content.v1.tar+gzip', digest: built.packaged.digest }],
    });
  });

  it('is not pushed again when packaged again from the same release', async () => {
    const again = await build();
    const { pushed, client } = await publish(again);
    expect(pushed).toBe(0);
    expect(client.stats.manifestPuts).toBe(0);
    expect(client.stats.blobUploads).toBe(0);
  });

  it('is never overwritten by another chart of the same version', async () => {
    const other = await build(['A different changelog']);
    expect(other.artifact.manifest.digest).not.toBe(built.artifact.manifest.digest);
    await expect(publish(other)).rejects.toMatchObject({ code: 'EHELMCLOBBER', message: expect.stringContaining(built.artifact.manifest.digest) });
    const client = new RegistryClient({ registry: target.registry });
    expect(await client.manifestDigest(target.repository, VERSION)).toBe(built.artifact.manifest.digest);
  });
});
