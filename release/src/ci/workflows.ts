/**
 * The GitHub Actions workflows `glide-release init-ci` writes: pure text builders, every fact
 * passed in, so the golden files and the linters see exactly what a repository gets.
 *
 * Two rules hold for every `run:` script: no `${{ … }}` expression appears in it (each value a
 * script needs reaches it through `env:`, so a crafted tag or input is data, never shell code),
 * and every action is pinned to a full commit SHA (a moved version tag cannot change the code
 * that holds the release's secrets).
 */

/** Each action by the commit of its release; the comment names the version the SHA is. */
export const PINNED_ACTIONS = {
  checkout: { uses: 'actions/checkout', sha: '3d3c42e5aac5ba805825da76410c181273ba90b1', version: 'v7.0.1' },
  setupGo: { uses: 'actions/setup-go', sha: 'b7ad1dad31e06c5925ef5d2fc7ad053ef454303e', version: 'v7.0.0' },
  setupNode: { uses: 'actions/setup-node', sha: '820762786026740c76f36085b0efc47a31fe5020', version: 'v7.0.0' },
  uploadArtifact: { uses: 'actions/upload-artifact', sha: 'bbbca2ddaa5d8feaa63e36b76fdaad77386f024f', version: 'v7.0.0' },
  downloadArtifact: { uses: 'actions/download-artifact', sha: '3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c', version: 'v8.0.1' },
} as const;

/** Pinned rather than ubuntu-latest, so a runner image change is a reviewed edit, not a surprise mid-release. */
export const RUNNER = 'ubuntu-24.04';

/** The Node the jobs run glide-release on: the active LTS line. */
export const CI_NODE_VERSION = '24';

export const WORKFLOW_FILES = { release: '.github/workflows/release.yml', promote: '.github/workflows/promote.yml' } as const;

export interface CiWorkflowInput {
  /** The glide-release every job runs with npx: the one that wrote the workflow. */
  readonly glideReleaseVersion: string;
  /** How many runners share the build matrix (`build --shard i/N`). */
  readonly shards: number;
  /** The file setup-go keys its module and build cache on: go.sum when the module has one. */
  readonly goCacheKeyFile: 'go.sum' | 'go.mod';
  /**
   * Registries other than ghcr.io that publish pushes to (images, Helm charts): glide-release
   * reads GLIDE_REGISTRY_USERNAME/PASSWORD for them; ghcr.io takes the job's GITHUB_TOKEN.
   */
  readonly otherRegistries: readonly string[];
  /** The variables the channels read their push tokens from (`channels.*.tokenEnv`), passed from secrets of the same names. */
  readonly channelTokenEnvs: readonly string[];
  /** Debian packages publish needs beyond the runner image (snap pack, xmllint for the channels the config names). */
  readonly publishPackages: readonly string[];
}

/** The RC's form, checked in the promote job before it is used at all: X.Y.Z-rc.N, no leading zeros, N ≥ 1. */
export const RC_PATTERN = String.raw`^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)-rc\.[1-9][0-9]*$`;

/** `.github/workflows/release.yml`: plan (gates) → build, one job per share → publish. */
export function releaseWorkflow(input: CiWorkflowInput): string {
  const shards = Array.from({ length: input.shards }, (_, index) => `${index + 1}/${input.shards}`);
  const npx = glideRelease(input);
  return [
    ...header(input, 'release'),
    'name: release',
    '',
    'on:',
    '  push:',
    '    # Glide tags X.Y.Z and X.Y.Z-rc.N, no "v" prefix. A glob cannot say "semver" exactly:',
    "    # these let through e.g. 01.2.3 or 1.2.3-rc.0, and the plan job's gates refuse those",
    '    # (ENOTSEMVER, EPRERELEASEFORM) before anything is built.',
    '    tags:',
    "      - '[0-9]+.[0-9]+.[0-9]+'",
    "      - '[0-9]+.[0-9]+.[0-9]+-rc.[0-9]+'",
    '',
    ...workflowDefaults('release-${{ github.ref_name }}', 'One release of a tag at a time.'),
    'env:',
    '  # A script reads the tag from here, never from an expression inside it.',
    '  TAG: ${{ github.ref_name }}',
    '',
    'jobs:',
    '  plan:',
    '    runs-on: ' + RUNNER,
    '    timeout-minutes: 15',
    '    outputs:',
    '      shards: ${{ steps.shards.outputs.shards }}',
    '    steps:',
    ...checkoutStep({ persistCredentials: false }),
    ...toolchainSteps(input),
    '      - name: Plan (every gate must pass)',
    `        run: ${npx} plan --tag "$TAG" --json`,
    '      - name: Shard matrix',
    '        id: shards',
    '        env:',
    `          SHARDS: '${JSON.stringify(shards)}'`,
    '        run: echo "shards=$SHARDS" >> "$GITHUB_OUTPUT"',
    '',
    '  build:',
    '    name: build ${{ matrix.shard }}',
    '    needs: plan',
    '    runs-on: ' + RUNNER,
    '    timeout-minutes: 60',
    '    strategy:',
    '      matrix:',
    '        shard: ${{ fromJSON(needs.plan.outputs.shards) }}',
    '    steps:',
    ...checkoutStep({ persistCredentials: false }),
    ...toolchainSteps(input),
    ...aptStep('qemu-user-static (runs each foreign binary to prove its version)', ['qemu-user-static']),
    '      - name: Build this share',
    '        env:',
    '          SHARD: ${{ matrix.shard }}',
    `        run: ${npx} build --tag "$TAG" --shard "$SHARD" --out "$RUNNER_TEMP/shard"`,
    `      - uses: ${uses('uploadArtifact')}`,
    '        with:',
    '          name: shard-${{ strategy.job-index }}',
    '          path: ${{ runner.temp }}/shard',
    '          if-no-files-found: error',
    '          retention-days: 7',
    '',
    '  publish:',
    '    needs: [plan, build]',
    '    runs-on: ' + RUNNER,
    '    timeout-minutes: 60',
    '    # The only job that writes: the GitHub release (contents) and the images (packages).',
    '    permissions:',
    '      contents: write',
    '      packages: write',
    '    steps:',
    ...checkoutStep({ persistCredentials: false }),
    ...toolchainSteps(input),
    ...(input.publishPackages.length > 0 ? aptStep('Tools of the channels', input.publishPackages) : []),
    `      - uses: ${uses('downloadArtifact')}`,
    '        with:',
    '          pattern: shard-*',
    '          path: ${{ runner.temp }}/shards',
    '      - name: Merge the shares',
    `        run: ${npx} merge --out "$RUNNER_TEMP/dist" "$RUNNER_TEMP"/shards/shard-*`,
    '      - name: Images',
    `        run: ${npx} build --only images --tag "$TAG" --out "$RUNNER_TEMP/dist"`,
    '      - name: Publish (images, GitHub release, channels)',
    ...publishEnv(input),
    `        run: ${npx} publish --tag "$TAG" --out "$RUNNER_TEMP/dist"`,
  ].join('\n');
}

/** `.github/workflows/promote.yml`: a manual promote of an RC to its stable, the RC given as an input. */
export function promoteWorkflow(input: CiWorkflowInput): string {
  const npx = glideRelease(input);
  return [
    ...header(input, 'promote'),
    'name: promote',
    '',
    'on:',
    '  workflow_dispatch:',
    '    inputs:',
    '      rc:',
    "        description: 'The RC to promote, X.Y.Z-rc.N: its GitHub release published and soaked'",
    '        required: true',
    '        type: string',
    '',
    ...workflowDefaults('promote', 'One promote at a time: two RCs of one version would race to publish the same stable.'),
    'jobs:',
    '  promote:',
    '    runs-on: ' + RUNNER,
    '    timeout-minutes: 90',
    '    # Pushes the stable tag, the GitHub release (contents) and the images (packages).',
    '    permissions:',
    '      contents: write',
    '      packages: write',
    '    env:',
    '      # The input reaches scripts as data, checked first; never as an expression inside one.',
    '      RC: ${{ inputs.rc }}',
    '    steps:',
    '      - name: Check the RC',
    '        run: |',
    `          if [[ ! "$RC" =~ ${RC_PATTERN} ]]; then`,
    '            echo "::error::rc must be X.Y.Z-rc.N, for example 0.1.0-rc.2" >&2',
    '            exit 1',
    '          fi',
    '          echo "STABLE=${RC%-rc.*}" >> "$GITHUB_ENV"',
    // The job pushes the stable tag with this checkout's token.
    ...checkoutStep({ persistCredentials: true }),
    '      - name: Check out the RC',
    '        run: git checkout --detach "refs/tags/$RC"',
    ...toolchainSteps(input),
    ...aptStep('Tools (qemu-user-static runs each foreign binary to prove its version)', ['qemu-user-static', ...input.publishPackages]),
    '      - name: Gates of the stable (nothing is changed)',
    '        env:',
    '          GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}',
    `        run: ${npx} promote "$RC" --dry-run --out "$RUNNER_TEMP/dist"`,
    '      # promote stops until GitHub has the stable tag; pushed with the job token, it starts no',
    '      # release workflow (GitHub runs none for its own token), so the stable is published once, here.',
    '      - name: Tag the stable on the RC and push the tag',
    '        run: |',
    '          if ! git rev-parse --quiet --verify "refs/tags/$STABLE" > /dev/null; then',
    "            git -c user.name='github-actions[bot]' -c user.email='41898282+github-actions[bot]@users.noreply.github.com' \\",
    '              tag --annotate --message "Release $STABLE" "$STABLE" HEAD',
    '          fi',
    '          git push origin "refs/tags/$STABLE"',
    '      - name: Promote (build proven from the RC, then publish)',
    ...publishEnv(input),
    `        run: ${npx} promote "$RC" --out "$RUNNER_TEMP/dist"`,
  ].join('\n');
}

function header(input: CiWorkflowInput, which: keyof typeof WORKFLOW_FILES): string[] {
  return [
    `# Written by glide-release ${input.glideReleaseVersion} init-ci. To change it, change glide-release.config`,
    `# or the init-ci options and run \`npx @einstack/glide-release@${input.glideReleaseVersion} init-ci\` again:`,
    `# it shows how ${WORKFLOW_FILES[which]} would change, and writes only with --force.`,
  ];
}

/** Read-only unless a job says otherwise; one run per group, never cancelled halfway through a publish; bash with pipefail. */
function workflowDefaults(concurrencyGroup: string, why: string): string[] {
  return [
    'permissions:',
    '  contents: read',
    '',
    `# ${why} A running publish is never cancelled halfway.`,
    'concurrency:',
    `  group: ${concurrencyGroup}`,
    '  cancel-in-progress: false',
    '',
    'defaults:',
    '  run:',
    '    shell: bash',
    '',
  ];
}

function glideRelease(input: CiWorkflowInput): string {
  return `npx --yes @einstack/glide-release@${input.glideReleaseVersion}`;
}

function uses(action: keyof typeof PINNED_ACTIONS): string {
  const pinned = PINNED_ACTIONS[action];
  return `${pinned.uses}@${pinned.sha} # ${pinned.version}`;
}

function checkoutStep(options: { readonly persistCredentials: boolean }): string[] {
  return [
    `      - uses: ${uses('checkout')}`,
    '        with:',
    '          # Every tag and the release branch: the gates compare the tag with both.',
    '          fetch-depth: 0',
    `          persist-credentials: ${options.persistCredentials}`,
  ];
}

/** Go from go.mod (its toolchain line, else its go line) with the module and build cache, and Node for npx. */
function toolchainSteps(input: CiWorkflowInput): string[] {
  return [
    `      - uses: ${uses('setupGo')}`,
    '        with:',
    '          go-version-file: go.mod',
    '          cache: true',
    `          cache-dependency-path: ${input.goCacheKeyFile}`,
    `      - uses: ${uses('setupNode')}`,
    '        with:',
    `          node-version: '${CI_NODE_VERSION}'`,
  ];
}

function aptStep(name: string, packages: readonly string[]): string[] {
  return [
    `      - name: ${name}`,
    '        run: |',
    '          sudo apt-get update',
    `          sudo apt-get install -y --no-install-recommends ${packages.join(' ')}`,
  ];
}

/** The secrets, in the steps that publish only. */
function publishEnv(input: CiWorkflowInput): string[] {
  const secrets = [
    'GITHUB_TOKEN',
    ...(input.otherRegistries.length > 0 ? ['GLIDE_REGISTRY_USERNAME', 'GLIDE_REGISTRY_PASSWORD'] : []),
    ...input.channelTokenEnvs.filter((name) => name !== 'GITHUB_TOKEN'),
  ];
  return ['        env:', ...[...new Set(secrets)].map((name) => `          ${name}: \${{ secrets.${name} }}`)];
}
