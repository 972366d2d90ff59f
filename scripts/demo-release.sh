#!/usr/bin/env bash
# The main job on a machine with no Glide checkout: release the Go stand-in of Glide as Glide's
# CI would — a git repository tagged 0.0.1-rc.1, checked, planned and built into ./demo-mirror,
# a release mirror that any static file server can serve — then install it from that mirror
# with create-glide, as a user would, and start it.
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

echo
echo "create-glide from that mirror (cache in ./.cache/demo-glide, project in ./demo-app):"
cd "$project"
# Glide starts only with its provider's key: yours if set, else a placeholder (the stand-in calls no provider).
OPENAI_API_KEY="${OPENAI_API_KEY:-sk-demo-placeholder}" GLIDE_CACHE_DIR="$project/.cache/demo-glide" node create-glide/dist/create-glide.mjs demo-app --yes --overwrite \
  --glide-version rc --download-base-url ./demo-mirror
glide="$project/.cache/demo-glide/versions/0.0.1-rc.1/$(go env GOOS)_$(go env GOARCH)/glide"
"$glide" --version
(cd demo-app && exec "$glide" --config config.yaml --env .env) & pid=$!
for _ in $(seq 50); do curl -sf http://127.0.0.1:9099/v1/health/ && break; sleep 0.1; done
echo
kill -TERM "$pid" || true
wait "$pid" || true
