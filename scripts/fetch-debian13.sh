#!/usr/bin/env bash
# Fetches packages of Debian 13 (trixie) and unpacks them under .cache/debian13/root, for the
# tools Debian 12 lacks (Go 1.24, …). Nothing is installed system-wide: apt runs with a private
# source list, state and cache. The archive is the machine's own Debian source with its suite
# swapped, so no host is written here; what is fetched is checked against Debian's keyring.
#
#   scripts/fetch-debian13.sh PKG…             unpacks each PKG once; prints the root folder on stdout
#   scripts/fetch-debian13.sh --print-sources  prints the private source list, fetches nothing
set -euo pipefail

SUITE=trixie
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
project=$(cd "$(dirname "$0")/.." && pwd)
base="$project/.cache/debian13"
root="$base/root"
# One file per unpacked package, holding its version: a package listed there is not fetched again.
unpacked="$base/unpacked"

say() { printf '%s\n' "$*" >&2; }
fail() {
  say "fetch-debian13: $1"
  exit "${2:-1}"
}

usage="usage: scripts/fetch-debian13.sh PKG… | --print-sources"

# The one-line source for trixie: the URI of the machine's Debian main archive (the entry of
# its own release with component main), as apt itself reads sources.list and sources.list.d.
private_source() {
  local codename uri
  # shellcheck source=/dev/null
  codename=$(. /etc/os-release && printf '%s' "${ID:-}:${VERSION_CODENAME:-}")
  [[ $codename == debian:?* ]] || fail "this machine is not Debian (/etc/os-release says ${codename%:*}); fetch Debian 13 packages on Debian 12 or 13."
  codename=${codename#debian:}
  # shellcheck disable=SC2016 # $(REPO_URI) is apt's format field, not the shell's
  uri=$(apt-get indextargets --no-release-info --format '$(REPO_URI)' 'Identifier: Packages' "Release: $codename" 'Component: main' | head -n 1)
  [ -n "$uri" ] || fail "apt has no source for Debian $codename main (see /etc/apt/sources.list and /etc/apt/sources.list.d/); add the Debian archive there."
  [ -r "$KEYRING" ] || fail "$KEYRING is missing: apt-get install debian-archive-keyring."
  printf 'deb [signed-by=%s] %s %s main\n' "$KEYRING" "$uri" "$SUITE"
}

[ "$#" -gt 0 ] || fail "$usage" 2
if [ "$1" = --print-sources ]; then
  [ "$#" -eq 1 ] || fail "$usage" 2
  private_source
  exit 0
fi
for package in "$@"; do
  # Debian's package name syntax; also keeps an argument from being read as an apt option.
  [[ $package =~ ^[a-z0-9][a-z0-9+.-]+$ ]] || fail "\"$package\" is not a Debian package name. $usage" 2
done

mkdir -p "$root" "$unpacked"
exec 9>"$base/.lock"
flock 9

missing=()
for package in "$@"; do
  if [ -f "$unpacked/$package" ]; then
    say "$package $(cat "$unpacked/$package"): already in $root"
  else
    missing+=("$package")
  fi
done

if [ "${#missing[@]}" -gt 0 ]; then
  apt_dir="$base/apt"
  mkdir -p "$apt_dir/state/lists/partial" "$apt_dir/cache/archives/partial"
  private_source >"$apt_dir/sources.list"
  apt_options=(
    -o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o "Dir::State=$apt_dir/state" -o Dir::State::status=/dev/null -o "Dir::Cache=$apt_dir/cache"
  )
  say "fetching ${missing[*]} from $(cut -d' ' -f3- "$apt_dir/sources.list")"
  apt-get "${apt_options[@]}" -qq update || fail "apt-get update of Debian $SUITE failed (above); check the network and the archive in $apt_dir/sources.list."
  downloads=$(mktemp -d "$base/download.XXXXXX")
  trap 'rm -rf "$downloads"' EXIT
  # apt downloads as the user _apt when run as root; the folder must be theirs to write.
  if [ "$(id -u)" -eq 0 ] && id _apt >/dev/null 2>&1; then chown _apt "$downloads"; fi
  (cd "$downloads" && apt-get "${apt_options[@]}" -qq download "${missing[@]}") ||
    fail "apt-get could not download ${missing[*]} (above); each must be a package of Debian $SUITE main."
  for deb in "$downloads"/*.deb; do
    package=$(dpkg-deb --field "$deb" Package)
    dpkg-deb --extract "$deb" "$root"
    # Written last: an interrupted unpack is redone by the next run.
    dpkg-deb --field "$deb" Version >"$unpacked/$package"
    say "$package $(cat "$unpacked/$package"): unpacked into $root"
  done
fi
printf '%s\n' "$root"
