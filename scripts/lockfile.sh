#!/usr/bin/env bash
# Cargo.lock without a package registry's address in the repository.
#
# The committed lockfile is `Cargo.lock.in`: cargo's `Cargo.lock` (every version and checksum
# pinned) with each registry source identifier replaced by `@registry@`. The identifier is
# derived here from this machine's own cargo (its configuration and registry), by resolving a
# one-dependency probe project, and `Cargo.lock` is written from the template. So builds stay
# `--locked` and reproducible, and no registry host is written into a commit.
#
#   scripts/lockfile.sh          write Cargo.lock when it is missing or older than Cargo.lock.in
#                                (scripts/setup.sh and scripts/build.sh run this)
#   scripts/lockfile.sh save     write Cargo.lock.in from Cargo.lock, after dependencies changed
#   scripts/lockfile.sh check    fail when Cargo.lock and Cargo.lock.in disagree (scripts/test.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
PLACEHOLDER='@registry@'

# cargo's identifier of the default registry, as this machine's cargo writes it.
registry_id() {
  local probe
  probe=$(mktemp -d)
  mkdir "$probe/src" && : >"$probe/src/lib.rs"
  printf '[package]\nname = "probe"\nversion = "0.0.0"\nedition = "2021"\n\n[dependencies]\ncfg-if = "1"\n' >"$probe/Cargo.toml"
  (cd "$probe" && { cargo generate-lockfile --offline -q 2>/dev/null || cargo generate-lockfile -q; })
  sed -n 's/^source = "\(registry+.*\)"$/\1/p' "$probe/Cargo.lock" | head -1
  rm -rf "$probe"
}

scrub() { sed 's/^source = "registry+[^"]*"$/source = "'"$PLACEHOLDER"'"/' "$1"; }

case "${1:-write}" in
  write)
    [ -f Cargo.lock.in ] || { echo "error: Cargo.lock.in is missing" >&2; exit 1; }
    if [ ! -f Cargo.lock ] || [ Cargo.lock.in -nt Cargo.lock ]; then
      id=$(registry_id)
      [ -n "$id" ] || { echo "error: could not learn the registry identifier from cargo" >&2; exit 1; }
      sed "s|^source = \"$PLACEHOLDER\"\$|source = \"$id\"|" Cargo.lock.in >Cargo.lock.tmp
      mv Cargo.lock.tmp Cargo.lock
    fi ;;
  save)
    n=$(grep '^source = "' Cargo.lock | grep -v '^source = "registry+' | grep -c . || true)
    [ "$n" = 0 ] || { echo "error: Cargo.lock has $n sources that are not a registry; extend scripts/lockfile.sh" >&2; exit 1; }
    scrub Cargo.lock >Cargo.lock.in.tmp && mv Cargo.lock.in.tmp Cargo.lock.in ;;
  check)
    scrub Cargo.lock | cmp -s - Cargo.lock.in || {
      echo "error: Cargo.lock and Cargo.lock.in disagree: run scripts/lockfile.sh save after changing dependencies" >&2
      exit 1
    } ;;
  *) echo "usage: scripts/lockfile.sh [write|save|check]" >&2; exit 2 ;;
esac
