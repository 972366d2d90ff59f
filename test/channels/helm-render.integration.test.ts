// The packaged chart's templates rendered as `helm template` would (Go templates + Debian's
// sprig, test/channels/helm-render/main.go), and what they render checked against Kubernetes'
// schemas (kubernetes-models). No `helm` binary exists here: this is the nearest check.
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { buildHelmChart, type BuiltChart } from '../../release/src/channels/helm/index.js';
import { ledgerOf } from '../helpers/publish-world.js';
import { requireTools } from '../helpers/tools.js';

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const FIXTURES = join(import.meta.dirname, '..', 'fixtures');
const DEBIAN_GOPATH = '/usr/share/gocode';
const SPRIG = `${DEBIAN_GOPATH}/src/github.com/Masterminds/sprig`;

let work: string;
let renderer: string;

/**
 * GOPATH mode, offline: Debian's Go sources under /usr/share/gocode. Sprig v3 and semver v3 are
 * imported as `…/v3`, which GOPATH mode only finds in a folder of that name: a link supplies it.
 */
beforeAll(async () => {
  requireTools('go');
  work = await mkdtemp(join(tmpdir(), 'glide-helm-render-'));
  const gopath = join(work, 'gopath');
  for (const name of ['sprig', 'semver']) {
    await mkdir(join(gopath, 'src/github.com/Masterminds', name), { recursive: true });
    await symlink(`${DEBIAN_GOPATH}/src/github.com/Masterminds/${name}`, join(gopath, 'src/github.com/Masterminds', name, 'v3'));
  }
  const source = join(gopath, 'src/helmrender');
  await mkdir(source, { recursive: true });
  await copyFile(join(import.meta.dirname, 'helm-render', 'main.go'), join(source, 'main.go'));
  renderer = join(work, 'helm-render');
  await run('go', ['build', '-o', renderer, '.'], {
    cwd: source,
    env: { ...process.env, GO111MODULE: 'off', GOPATH: `${gopath}:${DEBIAN_GOPATH}`, GOFLAGS: '', GOPROXY: 'off' },
  }).catch((error: Error) => {
    throw new Error(`the test renderer did not build (is golang-github-masterminds-sprig-dev installed? ${SPRIG}): ${error.message}`);
  });
}, 180_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
}

/** `helm template demo <chart> [--set …]`: every rendered document, parsed. */
async function render(chart: BuiltChart, values: (values: Record<string, unknown>) => void = () => {}): Promise<Manifest[]> {
  const files = chart.rendered.files;
  const templates = Object.fromEntries(
    [...files].filter(([path]) => path.startsWith('templates/')).map(([path, bytes]) => [`${chart.name}/${path}`, bytes.toString('utf8')]),
  );
  const valuesObject = parseYaml(files.get('values.yaml')!.toString('utf8')) as Record<string, unknown>;
  values(valuesObject);
  const metadata = chart.rendered.metadata as { name: string; version: string; appVersion: string };
  const request = {
    templates,
    values: valuesObject,
    chart: { Name: metadata.name, Version: metadata.version, AppVersion: metadata.appVersion },
    release: { Name: 'demo', Namespace: 'default', Service: 'Helm' },
  };
  const child = execFile(renderer);
  const output = new Promise<string>((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: string) => (stdout += chunk));
    child.stderr!.on('data', (chunk: string) => (stderr += chunk));
    child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(stderr))));
  });
  child.stdin!.end(JSON.stringify(request));
  const rendered = JSON.parse(await output) as Record<string, string>;
  return Object.values(rendered).map((text) => parseYaml(text) as Manifest);
}

/** Kubernetes' schema of the object's kind (kubernetes-models); the problems, or [] when valid. */
function kubernetesProblems(manifest: Manifest): string[] {
  // The models are laid out by apiVersion: `kubernetes-models/v1/Service`, `kubernetes-models/apps/v1/Deployment`.
  const Model = (require(`kubernetes-models/${manifest.apiVersion}/${manifest.kind}`) as Record<string, new (value: unknown) => { validate(): void }>)[
    manifest.kind
  ]!;
  try {
    new Model(manifest).validate();
    return [];
  } catch (error) {
    return [`${manifest.kind}: ${(error as Error).message}`];
  }
}

describe('the packaged chart, rendered', () => {
  let chart: BuiltChart;
  beforeAll(async () => {
    chart = await buildHelmChart({ repoRoot: FIXTURES, config: { chart: 'glide-chart', distro: 'alpine' }, ledger: ledgerOf('0.1.0-rc.1'), changes: [] });
  });

  it('gives a Deployment, a Service and a ConfigMap that Kubernetes’ schemas accept', async () => {
    const manifests = await render(chart);
    expect(manifests.map((m) => m.kind).sort()).toEqual(['ConfigMap', 'Deployment', 'Service']);
    expect(manifests.flatMap(kubernetesProblems)).toEqual([]);
  });

  it('runs the release’s image, probed on /v1/health/ at port 9099, with Glide’s config bound to 0.0.0.0', async () => {
    const manifests = await render(chart);
    const deployment = manifests.find((m) => m.kind === 'Deployment') as unknown as {
      spec: { template: { spec: { containers: Array<Record<string, unknown>> } } };
    };
    const [container] = deployment.spec.template.spec.containers;
    expect(container).toMatchObject({
      image: 'ghcr.io/einstack/glide:0.1.0-rc.1-alpine',
      args: ['--config=/etc/glide/config.yaml'],
      ports: [{ name: 'http', containerPort: 9099 }],
      livenessProbe: { httpGet: { path: '/v1/health/', port: 'http' } },
      readinessProbe: { httpGet: { path: '/v1/health/', port: 'http' } },
      securityContext: { readOnlyRootFilesystem: true },
    });
    const configMap = manifests.find((m) => m.kind === 'ConfigMap')!;
    expect(parseYaml(configMap.data!['config.yaml']!)).toMatchObject({ api: { http: { host: '0.0.0.0', port: 9099 } } });
  });

  it('reads the API key from the named Secret when one is given', async () => {
    const manifests = await render(chart, (values) => ((values.glide as Record<string, unknown>).apiKeySecret = 'glide-keys'));
    expect(manifests.flatMap(kubernetesProblems)).toEqual([]);
    const deployment = manifests.find((m) => m.kind === 'Deployment') as unknown as { spec: { template: { spec: { containers: Array<{ env: unknown }> } } } };
    expect(deployment.spec.template.spec.containers[0]!.env).toEqual([
      { name: 'OPENAI_API_KEY', valueFrom: { secretKeyRef: { name: 'glide-keys', key: 'OPENAI_API_KEY' } } },
    ]);
  });

  it('finds an object Kubernetes would refuse (the check can fail)', async () => {
    const manifests = await render(chart, (values) => ((values.service as Record<string, unknown>).port = 'http'));
    expect(manifests.flatMap(kubernetesProblems).join('\n')).toMatch(/containerPort must be integer/);
  });
});
