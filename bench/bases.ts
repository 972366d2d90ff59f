// The seeded bases as the benches use them: at the real ones' weight, and read back from their
// registry (their layers' diff_ids, a reference per platform).
import { join } from 'node:path';
import type { Distro } from '#contract';
import { DOCKER_MANIFEST_LIST, OCI_INDEX, RegistryClient } from '../src/registry/client.js';
import { parseImageReference } from '../src/registry/reference.js';
import type { DockerEngine } from '../test/helpers/docker-engine.js';

/**
 * The compressed weight of each real base's Linux image (as their registries served them in
 * 2024), so the seeded stand-ins (test/helpers/base-images.ts `fillerBytes`) weigh what the
 * engine and the registry would really move.
 */
export const REAL_BASE_BYTES: Readonly<Record<Distro, number>> = {
  alpine: 3.4e6,
  ubuntu: 29e6,
  distroless: 0.7e6,
  redhat: 7e6,
};

export interface ImageJson {
  readonly manifests?: Array<{ readonly digest: string }>;
  readonly config?: { readonly digest: string };
  readonly layers?: Array<{ readonly digest: string }>;
  readonly rootfs?: { readonly diff_ids?: readonly string[] };
  readonly architecture?: string;
}
export const parsedImage = (bytes: Buffer) => JSON.parse(bytes.toString('utf8')) as ImageJson;

export interface Bases {
  /** The uncompressed digests (diff_ids) of every base layer. */
  readonly diffIds: Set<string>;
  /** Each base's image for one platform, by its manifest's digest. */
  readonly platformRefs: Record<Distro, Record<string, string>>;
}

/** The bases as their registry holds them: their layers' diff_ids (from their configs) and a reference per platform. */
export async function readBases(bases: Record<Distro, string>): Promise<Bases> {
  const read: Bases = { diffIds: new Set(), platformRefs: {} as Bases['platformRefs'] };
  const host = parseImageReference(Object.values(bases)[0]!).registry;
  const client = new RegistryClient({ registry: host });
  try {
    for (const [distro, ref] of Object.entries(bases) as Array<[Distro, string]>) {
      const { repository, digest } = parseImageReference(ref);
      read.platformRefs[distro] = {};
      const collect = async (reference: string): Promise<void> => {
        const manifest = await client.getManifest(repository, reference);
        const image = parsedImage(manifest.bytes);
        if (manifest.mediaType === OCI_INDEX || manifest.mediaType === DOCKER_MANIFEST_LIST) {
          for (const child of image.manifests ?? []) await collect(child.digest);
          return;
        }
        const config = parsedImage(await client.getBlob(repository, image.config!.digest));
        for (const diffId of config.rootfs?.diff_ids ?? []) read.diffIds.add(diffId);
        read.platformRefs[distro][config.architecture!] = `${host}/${repository}@${manifest.digest}`;
      };
      await collect(digest!);
    }
  } finally {
    await client.close();
  }
  return read;
}

/** Throws unless the engine's image `ref` is for `arch`: a baseline built for the wrong platform would be measured as if right. */
export async function expectArchitecture(engine: DockerEngine, ref: string, arch: string): Promise<void> {
  const built = (await engine.docker(['image', 'inspect', '--format', '{{.Architecture}}', ref])).stdout.trim();
  if (built !== arch) throw new Error(`docker build --platform linux/${arch} made ${ref} for ${built || 'no platform'}`);
}

/**
 * `docker build` arguments of one distro × platform of the baseline: FROM the base's manifest for
 * that platform (`baseRef`), since given the index Docker 20.10's classic builder reuses whichever
 * platform it pulled first. `contexts` holds `Dockerfile.{distro}` and a context folder per arch.
 */
export function platformBuildArgs(contexts: string, distro: Distro, arch: string, baseRef: string | undefined, ref: string): string[] {
  if (baseRef === undefined) throw new Error(`the ${distro} base has no linux/${arch} image to build FROM`);
  return [
    'build',
    '-q',
    '--platform',
    `linux/${arch}`,
    '--build-arg',
    `BASE=${baseRef}`,
    '-f',
    join(contexts, `Dockerfile.${distro}`),
    '-t',
    ref,
    join(contexts, arch),
  ];
}
