#!/usr/bin/env bash
# Installs what glide-release and the tests need on a Debian/Ubuntu machine (run as root or with sudo).
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
if ! command -v go >/dev/null || ! command -v qemu-aarch64-static >/dev/null; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends golang-go qemu-user-static git ca-certificates python3 >/dev/null
fi
npm ci --no-audit --no-fund
