#!/usr/bin/env bash
# Installs what glide-release and the tests need on a Debian/Ubuntu machine (run as root or with sudo).
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
missing=0
for command in go qemu-aarch64-static git python3 tinyproxy tmux openssl curl docker-registry skopeo htpasswd dockerd nginx shellcheck docker-compose; do
  command -v "$command" >/dev/null || missing=1
done
if [ "$missing" -eq 1 ]; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends golang-go qemu-user-static git \
    ca-certificates python3 tinyproxy tmux openssl curl docker-registry skopeo apache2-utils docker.io cgroupfs-mount nginx shellcheck \
    docker-compose >/dev/null
fi
# ruby: `ruby -c` and a Formula DSL harness check the rendered Homebrew formula (test/channels/homebrew*).
command -v ruby >/dev/null || { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends ruby >/dev/null; }
# xmllint (libxml2-utils): validates the Chocolatey nuspec against NuGet's nuspec.xsd (test/channels).
if ! command -v xmllint >/dev/null; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends libxml2-utils >/dev/null
fi
# Go's sprig and yaml.v2 sources: the test-only renderer of the Helm chart's templates (test/channels/helm-render).
if [ ! -d /usr/share/gocode/src/github.com/Masterminds/sprig ] || [ ! -d /usr/share/gocode/src/gopkg.in/yaml.v2 ]; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends golang-github-masterminds-sprig-dev golang-gopkg-yaml.v2-dev >/dev/null
fi
# snapd + squashfs-tools: the Snap channel's snaps are built with the real `snap pack` (no snapd daemon needed).
if ! command -v snap >/dev/null || ! command -v mksquashfs >/dev/null; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends snapd squashfs-tools >/dev/null
fi
# graphviz (dot) + fonts-dejavu-core: docs/diagrams/*.svg are rendered from their .dot sources (npm run docs:diagrams, test/docs).
if ! command -v dot >/dev/null || [ ! -d /usr/share/fonts/truetype/dejavu ]; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends graphviz fonts-dejavu-core >/dev/null
fi
# Debian 13's Go 1.24 for the tests on a current Go, unpacked into .cache/ (nothing installed).
# Without it (not Debian, no network) those tests fail, saying to run this script again.
bash scripts/fetch-debian13.sh golang-1.24-go golang-1.24-src >/dev/null ||
  echo "setup: Go 1.24 was not fetched (above); the tests on a current Go (npm run test:e2e) will fail until it is." >&2
# Compose v2 (Debian 13's plugin, unpacked into .cache/) beside Debian 12's v1 above, for the Docker tests.
bash scripts/fetch-debian13.sh docker-compose >/dev/null ||
  echo "setup: Compose v2 was not fetched (above); the Docker tests (test/docker) will fail until it is." >&2
# oras (Debian 13's), unpacked into .cache/: reads the pushed Helm chart back in test/channels.
bash scripts/fetch-debian13.sh oras >/dev/null ||
  echo "setup: oras was not fetched (above); the Helm chart's integration test (test/channels) will fail until it is." >&2
npm ci --no-audit --no-fund
