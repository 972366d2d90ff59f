// `glide-release build --only binaries,images` end to end: the bundled CLI, the Go stand-in
// released from a git tag, bases in a real registry on loopback, the layout read by skopeo.
import { createHash } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReleaseLedger } from '../../release/src/ledger.js';
import { pushBaseImages, TEST_CA_BUNDLE } from '../helpers/base-images.js';
import { startDockerEngine, type DockerEngine } from '../helpers/docker-engine.js';
import { startRegistry } from '../helpers/registry.js';
import { BUILD_TIMEOUT, StandinRepo } from '../helpers/repo.js';

let registry: Awaited<ReturnType<typeof startRegistry>>;
let repo: StandinRepo;
let out: string;

beforeAll(async () => {
  registry = await startRegistry();
  const bases = await pushBaseImages(registry.host);
  repo = await StandinRepo.create();
  out = await mkdtemp(join(tmpdir(), 'glide-images-out-'));
  const caFile = join(out, '..', `ca-${process.pid}.pem`);
  await writeFile(caFile, TEST_CA_BUNDLE);
  const config = {
    targets: { matrix: ['linux/amd64', 'linux/arm64', 'darwin/arm64'], skip: [] },
    images: {
      repository: `${registry.host}/glide`,
      distros: Object.fromEntries(Object.entries(bases).map(([distro, base]) => [distro, { base }])),
      caBundle: caFile,
    },
  };
  await repo.write('glide-release.config.json', `${JSON.stringify(config, null, 2)}\n`);
  await repo.commitAll('Release config with local bases', '2024-06-01T10:00:00Z');
  await repo.tag('0.0.2-rc.1', 1);
}, BUILD_TIMEOUT);

afterAll(async () => {
  await registry?.stop();
  await rm(out, { recursive: true, force: true });
  await rm(repo.dir, { recursive: true, force: true });
});

describe('glide-release build --only images', () => {
  it('without binaries for the tag it says to build them first', async () => {
    const result = await repo.release(['build', '--only', 'images', '--out', out]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('error EBUILD: There are no built binaries for 0.0.2-rc.1');
    expect(result.stderr).toContain('--only binaries,images');
  });

  it('refuses to build images from a dirty tree, as it refuses binaries', async () => {
    await repo.write('glide-release.config.json', '{}\n');
    try {
      const result = await repo.release(['build', '--only', 'images', '--out', out]);
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toContain('error EDIRTY: 0.0.2-rc.1 cannot be built');
    } finally {
      await repo.git(['checkout', '--', 'glide-release.config.json']);
    }
  });

  it('builds binaries and images at once, and the ledger lists every image digest', { timeout: BUILD_TIMEOUT }, async () => {
    const result = await repo.release(['build', '--only', 'binaries,images', '--out', out]);
    expect(result.exitCode, result.all).toBe(0);
    expect(result.stdout).toContain('built 4 images of 0.0.2-rc.1');
    const ledger = JSON.parse(await readFile(join(out, '0.0.2-rc.1', 'release.json'), 'utf8')) as ReleaseLedger;
    expect(ledger.images?.distros.map((d) => d.tag).sort()).toEqual(['0.0.2-rc.1-alpine', '0.0.2-rc.1-distroless', '0.0.2-rc.1-redhat', '0.0.2-rc.1-ubuntu']);
    const alpine = ledger.images?.distros.find((d) => d.distro === 'alpine');
    const raw = await execa('skopeo', ['inspect', '--raw', `oci:${join(out, '0.0.2-rc.1', 'images')}:0.0.2-rc.1-alpine`]);
    const index = JSON.parse(raw.stdout) as { manifests: { digest: string; platform: { architecture: string } }[]; annotations: Record<string, string> };
    expect(index.manifests.map((m) => m.platform.architecture).sort()).toEqual(['amd64', 'arm64']);
    expect(index.manifests.map((m) => m.digest).sort()).toEqual(alpine?.manifests.map((m) => m.digest).sort());
    expect(index.annotations['org.opencontainers.image.version']).toBe('0.0.2-rc.1');
    expect(ledger.images?.digests).toContain(alpine?.index);
    // The stage reports what a base lacked (the redhat stand-in has no arm64).
    expect(result.stderr).toMatch(/image 0\.0\.2-rc\.1-redhat: linux\/amd64.*the base has no linux\/arm64/);
  });

  it('builds the images again from the base layers already in the layout, checking each digest, into the same images', { timeout: BUILD_TIMEOUT }, async () => {
    const layout = join(out, '0.0.2-rc.1', 'images');
    const ledgerOf = async () => (JSON.parse(await readFile(join(out, '0.0.2-rc.1', 'release.json'), 'utf8')) as ReleaseLedger).images;
    const before = await ledgerOf();
    // Damage one base layer of the kept layout: that one must be downloaded again, not copied.
    const blob = (digest: string) => join(layout, 'blobs', 'sha256', digest.replace('sha256:', ''));
    const alpine = before!.distros.find((d) => d.distro === 'alpine')!;
    const manifest = JSON.parse(await readFile(blob(alpine.manifests[0]!.digest), 'utf8')) as { layers: { digest: string }[] };
    await writeFile(blob(manifest.layers[0]!.digest), 'not the layer');

    const result = await repo.release(['build', '--only', 'images', '--out', out]);
    expect(result.exitCode, result.all).toBe(0);
    expect(result.stderr).toMatch(/base layers: 1 downloaded, [1-9]\d* reused from earlier layouts/);
    expect(await ledgerOf()).toEqual(before);
    const check = await execa('skopeo', ['inspect', '--raw', `oci:${layout}:0.0.2-rc.1-alpine`]);
    expect(JSON.parse(check.stdout).manifests.length).toBe(2);
    expect(
      createHash('sha256')
        .update(await readFile(blob(manifest.layers[0]!.digest)))
        .digest('hex'),
    ).toBe(manifest.layers[0]!.digest.replace('sha256:', ''));
  });

  it('publish --only images: the dry run lists the pushes and makes none; the run makes them; again, none', { timeout: BUILD_TIMEOUT }, async () => {
    const refused = await repo.release(['publish', '--only', 'binaries', '--out', out]);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain('publish --only takes images, github or channels, not "binaries"');

    const dry = await repo.release(['publish', '--only', 'images', '--dry-run', '--out', out]);
    expect(dry.exitCode, dry.all).toBe(0);
    expect(dry.stdout).toContain('would push  tag 0.0.2-rc.1-alpine');
    expect(dry.stdout).not.toMatch(/tag latest/);
    const tags = async () => (await execa('skopeo', ['list-tags', '--tls-verify=false', `docker://${registry.host}/glide`], { reject: false })).stdout;
    expect(await tags()).not.toContain('0.0.2-rc.1-alpine');

    const real = await repo.release(['publish', '--only', 'images', '--out', out]);
    expect(real.exitCode, real.all).toBe(0);
    // The real run made exactly the pushes the dry run listed.
    const pushes = (text: string) =>
      text
        .split('\n')
        .filter((line) => /^(would push|pushed) /.test(line))
        .map((line) => line.replace(/^(would push|pushed)\s+/, ''));
    expect(pushes(real.stdout)).toEqual(pushes(dry.stdout));
    const listed = JSON.parse(await tags()) as { Tags: string[] };
    // An RC gets its immutable tags and no moving one.
    expect(listed.Tags.sort()).toEqual(['0.0.2-rc.1-alpine', '0.0.2-rc.1-distroless', '0.0.2-rc.1-redhat', '0.0.2-rc.1-ubuntu']);

    const again = await repo.release(['publish', '--only', 'images', '--out', out]);
    expect(again.exitCode, again.all).toBe(0);
    expect(again.stdout).toMatch(/: 0 pushes, \d+ already there/);
  });
});

describe('the Docker engine pulls and runs what was published', () => {
  let engine: DockerEngine;
  let configDir: string;
  const ref = (distro: string) => `${registry.host}/glide:0.0.2-rc.1-${distro}`;

  beforeAll(async () => {
    engine = await startDockerEngine();
    // The images run as a non-root user: the mounted folder and config must be readable by it.
    configDir = await mkdtemp(join(tmpdir(), 'glide-docker-run-'));
    await chmod(configDir, 0o755);
    const config = (await readFile(join(repo.dir, 'config.yaml'), 'utf8')).replace('host: 127.0.0.1', 'host: 0.0.0.0');
    await writeFile(join(configDir, 'config.yaml'), config, { mode: 0o644 });
  }, 120_000);

  afterAll(async () => {
    await engine?.stop();
    if (configDir) await rm(configDir, { recursive: true, force: true });
  }, 60_000);

  it.each(['alpine', 'ubuntu', 'distroless', 'redhat'])(
    '%s: pulled from the registry, run with a mounted config, GET /v1/health/ answers 200',
    { timeout: 120_000 },
    async (distro) => {
      const pull = await engine.docker(['pull', ref(distro)]);
      expect(pull.exitCode, pull.all).toBe(0);
      const inspect = await engine.docker(['image', 'inspect', '--format', '{{json .Config}}|{{.Architecture}}', ref(distro)]);
      const [configJson, architecture] = inspect.stdout.split('|');
      const config = JSON.parse(configJson ?? '{}') as {
        User: string;
        Entrypoint: string[];
        WorkingDir: string;
        ExposedPorts: Record<string, unknown>;
        Labels: Record<string, string>;
      };
      expect(architecture).toBe('amd64');
      expect(config.Entrypoint).toEqual(['/bin/glide']);
      expect(config.WorkingDir).toBe('/bin');
      expect(Object.keys(config.ExposedPorts)).toEqual(['9099/tcp']);
      expect(config.User).not.toMatch(/^(|0|root)(:|$)/);
      expect(config.Labels['org.opencontainers.image.version']).toBe('0.0.2-rc.1');

      // Glide starts only with its provider key (a placeholder: no provider is called).
      const run = await engine.docker([
        'run',
        '-d',
        '-p',
        '127.0.0.1::9099',
        '-e',
        'OPENAI_API_KEY=sk-test-placeholder',
        '-v',
        `${configDir}:/config:ro`,
        ref(distro),
        '--config',
        '/config/config.yaml',
      ]);
      expect(run.exitCode, run.all).toBe(0);
      const container = run.stdout.trim();
      try {
        const port = (await engine.docker(['port', container, '9099/tcp'])).stdout.trim().split(':').pop();
        let status = 0;
        for (let attempt = 0; attempt < 100 && status !== 200; attempt++) {
          status = await fetch(`http://127.0.0.1:${port}/v1/health/`).then(
            (response) => response.status,
            () => 0,
          );
          if (status !== 200) await sleep(100);
        }
        const logs = await engine.docker(['logs', container]);
        expect(status, logs.all).toBe(200);
        // A CA bundle where Go looks for one (ubuntu's is the one the stage added; UBI's is reached through links).
        const bundlePath = distro === 'redhat' ? '/etc/pki/tls/certs/ca-bundle.crt' : '/etc/ssl/certs/ca-certificates.crt';
        expect(await engine.copyOut(container, bundlePath)).toEqual(TEST_CA_BUNDLE);
      } finally {
        await engine.docker(['rm', '-f', container]);
      }
    },
  );

  it('pulls the arm64 image for --platform linux/arm64', { timeout: 120_000 }, async () => {
    const pull = await engine.docker(['pull', '--platform', 'linux/arm64', ref('alpine')]);
    expect(pull.exitCode, pull.all).toBe(0);
    const inspect = await engine.docker(['image', 'inspect', '--format', '{{.Os}}/{{.Architecture}}', ref('alpine')]);
    expect(inspect.stdout.trim()).toBe('linux/arm64');
  });
});
