#!/usr/bin/env bash
# The main job on a machine with no Glide checkout: release the Go stand-in of Glide as Glide's
# CI would — a git repository tagged 0.0.1-rc.1, checked, planned and built into ./demo-mirror,
# a release mirror that any static file server can serve.
set -euo pipefail
cd "$(dirname "$0")/.."
project=$(pwd)
repo=$(mktemp -d)
trap 'rm -rf "$repo"' EXIT
cp -r test/fixtures/glide-standin/. "$repo"
cd "$repo"
export GIT_AUTHOR_NAME=demo GIT_AUTHOR_EMAIL=demo@example.invalid GIT_COMMITTER_NAME=demo GIT_COMMITTER_EMAIL=demo@example.invalid
git init -q -b main && git add -A && git commit -q -m "Glide stand-in"
git tag -a 0.0.1-rc.1 -m "0.0.1-rc.1"
cli="node $project/release/dist/glide-release.mjs"
$cli check
$cli plan
$cli build --out "$project/demo-mirror"
echo
echo "Release mirror in ./demo-mirror:"
ls -l "$project/demo-mirror/0.0.1-rc.1"
(cd "$project/demo-mirror/0.0.1-rc.1" && sha256sum -c --quiet glide_v0.0.1-rc.1_checksums.txt && echo "checksums: OK")
