#!/usr/bin/env bash
# Make a Debian (bookworm) machine ready to build and test pyforge. Idempotent.
#
# What it does, each step skipped when already done:
#   1. apt packages: clang-19, lld-19, llvm-19, compiler-rt for wasm32, make and gcc, and
#      Chromium (browser test), Node/npm when the machine has none
#   2. a private wasi-libc sysroot (wasm32-wasip1 + wasm32-wasip2) from the next Debian
#      release, fetched with a *private* apt configuration that reuses the mirror this machine
#      already uses (the system's apt sources are never edited)
#   3. a private clang resource dir that puts compiler-rt where clang-19 looks for wasm32-wasip*
#   4. rustup targets wasm32-wasip2 and wasm32-wasip1, `wasm-component-ld` on PATH
#   5. (nothing the tests alone need: scripts/test-tools.sh installs the wasmtime and wac CLIs)
#   6. writes `$PYFORGE_CACHE/env.sh`, which later scripts source
#   7. writes Cargo.lock from Cargo.lock.in with this machine's registry (scripts/lockfile.sh)
#
# Everything lives under $PYFORGE_CACHE (default: ~/.cache/pyforge), keyed by its inputs.
set -euo pipefail

CACHE="${PYFORGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pyforge}"
mkdir -p "$CACHE"
step() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"

# ---------------------------------------------------------------- 1. apt packages
# make/gcc/libc6-dev build CPython's native build Python for the kit.
APT_PKGS=(clang-19 lld-19 llvm-19 libclang-rt-19-dev-wasm32 xz-utils dpkg-dev bc make gcc libc6-dev)
# Debian's Chromium runs the browser test (web/, driven by playwright-core from npm).
APT_PKGS+=(chromium)
# Node runs the jco-transpiled tool (web/); use the machine's own if it has one.
command -v node >/dev/null && command -v npm >/dev/null || APT_PKGS+=(nodejs npm)
missing=()
for p in "${APT_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  step "installing apt packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  step "apt packages present"
fi

# ---------------------------------------------------------------- 2. private apt config (next release)
# The mirror comes from this machine's own apt configuration; nothing is hard-coded.
mirror_uri() {
  local u=""
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    u=$(awk '/^URIs:/ {print $2; exit}' "$f" | grep -v -- '-security' || true)
    [ -n "$u" ] && break
  done
  if [ -z "$u" ] && [ -f /etc/apt/sources.list ]; then
    u=$(awk '$1=="deb" && $0 !~ /security/ { for (i=2;i<=NF;i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' /etc/apt/sources.list)
  fi
  [ -n "$u" ] || die "could not find a Debian mirror in /etc/apt/sources.list{,.d}; configure apt first"
  echo "$u"
}
NEXT_SUITE="${PYFORGE_NEXT_SUITE:-trixie}"
APTDIR="$CACHE/apt-$NEXT_SUITE"
private_apt_opts() {
  echo -o Dir::Etc::sourcelist="$APTDIR/sources.list" -o Dir::Etc::sourceparts=/dev/null \
    -o Dir::State::Lists="$APTDIR/lists" -o Dir::Cache="$APTDIR/cache" \
    -o Dir::State::status="$APTDIR/status" -o Debug::NoLocking=1 -o APT::Sandbox::User="$(id -un)"
}
# shellcheck disable=SC2046
private_apt() { apt-get $(private_apt_opts) "$@"; }
# shellcheck disable=SC2046
private_apt_cache() { apt-cache $(private_apt_opts) "$@"; }
ensure_private_apt() {
  mkdir -p "$APTDIR/lists/partial" "$APTDIR/cache/archives/partial"
  touch "$APTDIR/status"
  if [ ! -s "$APTDIR/sources.list" ] || ! ls "$APTDIR/lists/"*_Packages* >/dev/null 2>&1; then
    local uri; uri=$(mirror_uri)
    local key=/usr/share/keyrings/debian-archive-$NEXT_SUITE-automatic.gpg
    [ -f "$key" ] || key=/usr/share/keyrings/debian-archive-keyring.gpg
    printf 'deb [signed-by=%s] %s %s main\ndeb-src [signed-by=%s] %s %s main\n' \
      "$key" "$uri" "$NEXT_SUITE" "$key" "$uri" "$NEXT_SUITE" >"$APTDIR/sources.list"
    step "updating private apt lists for $NEXT_SUITE"
    private_apt update -qq
  fi
}

# ---------------------------------------------------------------- 2b. wasi-libc sysroot
SYSROOT_LINK="$CACHE/wasi-sysroot"
if [ ! -f "$SYSROOT_LINK/lib/wasm32-wasip2/libc.a" ] || [ ! -f "$SYSROOT_LINK/lib/wasm32-wasip1/libc.a" ]; then
  ensure_private_apt
  step "fetching wasi-libc from $NEXT_SUITE"
  ver=$(private_apt_cache show wasi-libc 2>/dev/null | awk '/^Version:/ {print $2; exit}')
  [ -n "$ver" ] || die "wasi-libc not found in $NEXT_SUITE"
  dest="$CACHE/wasi-libc-$ver"
  if [ ! -d "$dest" ]; then
    tmp=$(mktemp -d "$CACHE/.wasi-libc.XXXXXX")
    (cd "$tmp" && private_apt download "wasi-libc=$ver" >/dev/null && dpkg -x wasi-libc_*.deb root)
    mv "$tmp/root" "$dest.tmp" && mv "$dest.tmp" "$dest"; rm -rf "$tmp"
  fi
  # Debian ships the sysroot under usr/lib/wasi and headers per target under usr/include/<triple>
  # or as one tree; normalise to a classic sysroot layout with symlinks.
  root="$CACHE/wasi-sysroot-$ver"
  rm -rf "$root.tmp"; mkdir -p "$root.tmp/lib" "$root.tmp/include"
  for t in wasm32-wasip1 wasm32-wasip2 wasm32-wasi; do
    [ -d "$dest/usr/lib/$t" ] && ln -sfn "$dest/usr/lib/$t" "$root.tmp/lib/$t"
    [ -d "$dest/usr/include/$t" ] && ln -sfn "$dest/usr/include/$t" "$root.tmp/include/$t"
  done
  rm -rf "$root"; mv "$root.tmp" "$root"
  ln -sfn "$root" "$SYSROOT_LINK"
  [ -f "$SYSROOT_LINK/lib/wasm32-wasip2/libc.a" ] || die "wasi-libc $ver has no wasm32-wasip2 sysroot (looked in $dest)"
else
  step "wasi-libc sysroot present"
fi

# ---------------------------------------------------------------- 3. clang resource dir
RES="$CACHE/clang-19-resource"
real_res=$(clang-19 -print-resource-dir)
builtins="$real_res/lib/wasi/libclang_rt.builtins-wasm32.a"
[ -f "$builtins" ] || die "missing $builtins (apt-get install libclang-rt-19-dev-wasm32)"
mkdir -p "$RES/lib"
ln -sfn "$real_res/include" "$RES/include"
for t in wasm32-unknown-wasip1 wasm32-unknown-wasip2 wasm32-unknown-wasi wasi; do
  mkdir -p "$RES/lib/$t"
  ln -sf "$builtins" "$RES/lib/$t/libclang_rt.builtins.a"
  ln -sf "$builtins" "$RES/lib/$t/libclang_rt.builtins-wasm32.a"
done

# ---------------------------------------------------------------- 4. rust targets, wasm-component-ld
installed=$(rustup target list --installed)
for t in wasm32-wasip2 wasm32-wasip1; do
  grep -qx "$t" <<<"$installed" || { step "rustup target add $t"; rustup target add "$t"; }
done
mkdir -p "$CACHE/bin"
wcl="$(rustc --print sysroot)/lib/rustlib/$(rustc -vV | awk '/^host:/ {print $2}')/bin/wasm-component-ld"
[ -x "$wcl" ] || die "rustup did not ship wasm-component-ld at $wcl"
ln -sf "$wcl" "$CACHE/bin/wasm-component-ld"

# ---------------------------------------------------------------- 6. env file
cat >"$CACHE/env.sh.tmp" <<ENV
# written by scripts/setup.sh
export PYFORGE_CACHE="$CACHE"
export PATH="$CACHE/bin:\$PATH"
export PYFORGE_CC="\${PYFORGE_CC:-clang-19}"
export PYFORGE_SYSROOT="\${PYFORGE_SYSROOT:-$SYSROOT_LINK}"
export PYFORGE_RESOURCE_DIR="\${PYFORGE_RESOURCE_DIR:-$RES}"
ENV
mv "$CACHE/env.sh.tmp" "$CACHE/env.sh"

# ---------------------------------------------------------------- 7. Cargo.lock
"$(dirname "$0")/lockfile.sh"
step "ready: source $CACHE/env.sh"
