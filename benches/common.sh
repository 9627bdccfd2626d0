# Sourced by the benches/*.sh scripts (from the repository root): where things are, and how a
# time is taken and summarised.
CACHE="${PYFORGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pyforge}"
PYFORGE="$PWD/target/debug/pyforge"
WASMTIME="$CACHE/bin/wasmtime"   # the wasmtime CLI, for the benches that compare with it
# need_wasmtime: stops with what to run when scripts/test-tools.sh has not installed it.
need_wasmtime() {
  [ -x "$WASMTIME" ] || { echo "error: run scripts/test-tools.sh first (the wasmtime CLI)" >&2; exit 1; }
}
[ -x "$PYFORGE" ] || { echo "error: run scripts/build.sh first ($PYFORGE is missing)" >&2; exit 1; }
now() { date +%s%N; }
ms() { echo "scale=1; ($2 - $1) / 1000000" | bc; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# For the "static" reference interpreters (benches/zlib.sh, benches/sqlite.sh): the kit's
# compile and link flags, the wasm C compiler, and a relink of the kit with one more built-in
# module. Needs KIT (the kit directory) and work (a scratch directory) set, and env.sh sourced.
kitvar() { python3 -c "import json,sys; print(' '.join(json.load(open('$KIT/kit.json'))['$1']))"; }
wasm_cc() { clang-19 --target=wasm32-wasip2 "--sysroot=$PYFORGE_SYSROOT" "-resource-dir=$PYFORGE_RESOURCE_DIR" "$@"; }
# static_python OUT "MODULE…" OBJECT…: python.wasm with each MODULE (PyInit_MODULE in the
# objects) added to the kit's inittab.
static_python() {
  local out=$1 modules=$2; shift 2
  local m decls=() entries=()
  for m in $modules; do
    decls+=(-e "/ADDMODULE MARKER 1/a extern PyObject* PyInit_$m(void);")
    entries+=(-e "/ADDMODULE MARKER 2/a {\"$m\", PyInit_$m},")
  done
  sed "${decls[@]}" "${entries[@]}" "$KIT/config.c.in" >"$work/config.c"
  # shellcheck disable=SC2046
  wasm_cc $(kitvar cflags) -DPy_BUILD_CORE -I"$KIT/include" -I"$KIT/include/internal" -c "$work/config.c" -o "$work/config.o"
  local archives
  archives=$(python3 -c "import json; print(' '.join('$KIT/'+a for a in json.load(open('$KIT/kit.json'))['archives']))")
  # shellcheck disable=SC2046,SC2086
  wasm_cc $(kitvar ldflags) -o "$out" "$KIT/obj/python.o" "$work/config.o" "$@" $archives $(kitvar libs)
}

# interleave DIR SCRIPT STATIC_WASM: runs benches/SCRIPT (which prints one JSON line of figures)
# in the default forge, in STATIC_WASM and in the native python3, PROCESSES times each (default
# 3), interleaved, appending the lines to DIR/cap.jsonl, DIR/static.jsonl and DIR/native.jsonl.
# A process's timings vary by 10-30% from one start to the next on a 2-core machine, more than
# the differences measured: benches/best_of.py keeps each figure's best over the processes.
interleave() {
  local dir=$1 script=$2 static=$3 _
  for _ in $(seq "${PROCESSES:-3}"); do
    "$PYFORGE" run "$script" >>"$dir/cap.jsonl"
    "$PYFORGE" run --wasm "$static" "$script" >>"$dir/static.jsonl"
    python3 "$script" >>"$dir/native.jsonl"
  done
}
