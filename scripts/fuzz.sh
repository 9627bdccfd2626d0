#!/usr/bin/env bash
# pyforge's fuzz targets (fuzz/fuzz_targets): libFuzzer on stable Rust. The targets are built
# with SanitizerCoverage (`-C passes=sancov-module`, what cargo-fuzz passes, minus its nightly
# `-Z` flags), for the host triple only (so build scripts stay uninstrumented), into
# target/fuzz.
#
#   scripts/fuzz.sh [TARGET…]     fuzz each target (all by default) for FUZZ_SECONDS (default
#                                 600) per target, starting from its committed corpus
#                                 fuzz/corpus/<target>; inputs that add coverage are merged
#                                 (minimised) back into it. FUZZ_JOBS targets at a time
#                                 (default: the number of cores).
#   scripts/fuzz.sh --replay      every committed corpus input once, then each target briefly
#                                 (FUZZ_SECONDS, default 20): what the tests run.
#
# A crash, panic or timeout stops with libFuzzer's report; the input is kept in
# target/fuzz/artifacts/<target>/ — add it to fuzz/corpus/<target>/ with the fix.
#
# compose_mutated, zlib_cap and sqlite_cap load built components (scripts/build.sh, and
# scripts/build-tests.sh for the zlib consumer); a target with a dictionary
# (fuzz/dict/<target>.dict) is given it.
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
ALL=(check_manifest check_project check_wit compose compose_mutated zlib_cap sqlite_cap)
replay=false
if [ "${1:-}" = "--replay" ]; then replay=true; shift; fi
targets=("$@"); [ ${#targets[@]} -gt 0 ] || targets=("${ALL[@]}")
seconds=${FUZZ_SECONDS:-$($replay && echo 20 || echo 600)}
host=$(rustc -vV | sed -n 's/^host: //p')

step "building the fuzz targets (SanitizerCoverage, the fuzz profile, $host)"
RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 -Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table -Cllvm-args=-sanitizer-coverage-trace-compares -Cdebug-assertions -Coverflow-checks --cfg fuzzing" \
  cargo build --locked --profile fuzz -p pyforge-fuzz --target "$host" --target-dir target/fuzz
bin=target/fuzz/$host/fuzz

fuzz_one() {
  local t=$1 corpus=fuzz/corpus/$1 work=target/fuzz/work/$1 artifacts=target/fuzz/artifacts/$1/
  mkdir -p "$corpus" "$work" "$artifacts"
  # A unit slower than this is a finding (a hang) in a campaign; the tests' replay allows more,
  # since CI's machine may be busier than the one the corpus was made on.
  local timeout=30; if $replay; then timeout=120; fi
  local opts=(-artifact_prefix="$artifacts" -max_len=65536 -timeout="$timeout" -rss_limit_mb=4096 -print_final_stats=1)
  if [ -f "fuzz/dict/$t.dict" ]; then opts+=(-dict="fuzz/dict/$t.dict"); fi
  if $replay; then
    "$bin/$t" "${opts[@]}" -runs=0 "$corpus"
    "$bin/$t" "${opts[@]}" -max_total_time="$seconds" "$work" "$corpus"
  else
    "$bin/$t" "${opts[@]}" -max_total_time="$seconds" "$work" "$corpus"
    "$bin/$t" -merge=1 "$corpus" "$work"
  fi
}

jobs=${FUZZ_JOBS:-$(nproc)}
pids=(); names=()
for t in "${targets[@]}"; do
  step "fuzzing $t for ${seconds} s ($($replay && echo 'after replaying its corpus' || echo 'corpus merged back'))"
  fuzz_one "$t" >"target/fuzz/$t.log" 2>&1 &
  pids+=($!); names+=("$t")
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do sleep 1; done
done
failed=0
for i in "${!pids[@]}"; do
  t=${names[$i]}
  if wait "${pids[$i]}"; then
    grep -h "stat::number_of_executed_units\|Done [0-9]* runs" "target/fuzz/$t.log" | tail -2 | sed "s/^/$t: /" >&2
  else
    failed=1
    echo "error: fuzz target $t failed; its log (target/fuzz/$t.log) ends:" >&2
    tail -40 "target/fuzz/$t.log" >&2
  fi
done
exit $failed
