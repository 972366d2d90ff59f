import { spawnSync } from 'node:child_process';

/**
 * The tools the integration and e2e tiers run, each with the Debian package that brings it
 * (scripts/setup.sh and .ci/run install them all). A missing tool fails those tiers with this
 * message instead of skipping: a skipped test passes without having run (decision 0023).
 */
const PACKAGES = {
  go: 'golang-go',
  'qemu-aarch64-static': 'qemu-user-static',
  'qemu-s390x-static': 'qemu-user-static',
  skopeo: 'skopeo',
  tmux: 'tmux',
  openssl: 'openssl',
  curl: 'curl',
  python3: 'python3',
  ruby: 'ruby',
  shellcheck: 'shellcheck',
  'apt-get': 'apt',
  docker: 'docker.io',
  'docker-compose': 'docker-compose',
  dot: 'graphviz',
} as const;

export type Tool = keyof typeof PACKAGES;

/** Throws, naming the missing tools and how to install them; call it in a beforeAll so the whole file fails and says why. */
export function requireTools(...tools: Tool[]): void {
  const missing = tools.filter((tool) => spawnSync('sh', ['-c', 'command -v "$1"', 'sh', tool], { stdio: 'ignore' }).status !== 0);
  if (missing.length === 0) return;
  const packages = [...new Set(missing.map((tool) => PACKAGES[tool]))];
  throw new Error(`${missing.join(', ')} not found on PATH: run \`bash scripts/setup.sh\` (or \`apt-get install ${packages.join(' ')}\`)`);
}
