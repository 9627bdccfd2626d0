#!/usr/bin/env bash
# The tools only the tests need, installed once into the cache (scripts/test.sh runs this after
# scripts/setup.sh; the main job never waits for them):
#   * a pinned wasmtime CLI (48.0.8, minimal features + `serve` for HTTP apps): the tests run what pyforge
#     builds under stock `wasmtime run`, the way users will;
#   * the wac CLI (0.12.0), the reference composer the tests compare `pyforge compose` with.
# Each is keyed by its version and features under $PYFORGE_CACHE/tools; `$PYFORGE_CACHE/bin`
# (on PATH through env.sh) links to them.
set -euo pipefail
CACHE="${PYFORGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pyforge}"
step() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
mkdir -p "$CACHE/bin"

# ---------------------------------------------------------------- wasmtime CLI
WASMTIME_VERSION=48.0.8
# `serve` runs HTTP apps (wasi:http/proxy). Upstream quirk: wasmtime-cli 48.0.8's `serve` does not
# compile without `component-model-async` (serve.rs names `ProxyPre::P3` and `futures`
# unconditionally), so that feature comes along. Without `pooling-allocator`, `serve` needs
# `-O pooling-allocator=n` (the tests pass it).
WASMTIME_FEATURES="run,serve,component-model-async,compile,cranelift,component-model,parallel-compilation,cache"
key=$(printf '%s %s' "$WASMTIME_VERSION" "$WASMTIME_FEATURES" | sha256sum | cut -c1-12)
WT="$CACHE/tools/wasmtime-cli-$WASMTIME_VERSION-$key"
if ! "$WT/bin/wasmtime" --version 2>/dev/null | grep -q "$WASMTIME_VERSION"; then
  step "installing wasmtime CLI $WASMTIME_VERSION (once; 10-25 min on 2 cores)"
  rm -rf "$WT.tmp"
  cargo install wasmtime-cli --version "$WASMTIME_VERSION" --locked --no-default-features \
    --features "$WASMTIME_FEATURES" --root "$WT.tmp"
  rm -rf "$WT"; mv "$WT.tmp" "$WT"
fi
ln -sf "$WT/bin/wasmtime" "$CACHE/bin/wasmtime"

# ---------------------------------------------------------------- wac CLI (the reference composer)
# The tests check that `pyforge compose` gives the same bytes as `wac plug` where wac applies.
WAC_VERSION=0.12.0
WAC="$CACHE/tools/wac-cli-$WAC_VERSION"
if ! "$WAC/bin/wac" --version 2>/dev/null | grep -q "$WAC_VERSION"; then
  step "installing wac CLI $WAC_VERSION (once; about 5 min on 2 cores)"
  rm -rf "$WAC.tmp"
  cargo install wac-cli --version "$WAC_VERSION" --locked --no-default-features --root "$WAC.tmp"
  rm -rf "$WAC"; mv "$WAC.tmp" "$WAC"
fi
ln -sf "$WAC/bin/wac" "$CACHE/bin/wac"

