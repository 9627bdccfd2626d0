#!/usr/bin/env bash
# The cap components of this repository, discovered (never listed by hand): one line per
# `caps/<name>/Cargo.toml`, its package name. scripts/build.sh builds them, scripts/test.sh
# lints them; a new cap directory is picked up with nothing else to edit here.
#
#   scripts/caps.sh            package names, one per line (pyforge-zlib-cap, …)
#   scripts/caps.sh --cargo    the same as cargo arguments (-p pyforge-zlib-cap -p …)
set -euo pipefail
cd "$(dirname "$0")/.."
for manifest in caps/*/Cargo.toml; do
  name=$(sed -n 's/^name = "\(.*\)"$/\1/p' "$manifest" | head -1)
  [ -n "$name" ] || { echo "error: $manifest has no package name" >&2; exit 1; }
  if [ "${1:-}" = --cargo ]; then printf -- '-p %s\n' "$name"; else printf '%s\n' "$name"; fi
done
