#!/usr/bin/env bash
# hashlib through the hashlib cap (RustCrypto in wasm, behind CPython's own _hashopenssl.c)
# against native python3 with OpenSSL: PBKDF2-HMAC-SHA256 with 600,000 rounds, scrypt
# (n=2**14, r=8, p=1), SHA-256 of 16 MiB and per call, HMAC per call — and, in the same
# composed interpreter, CPython's built-in `_sha2` (HACL*, compiled into python.wasm), which
# hashlib used before `_hashlib` existed (benches/hashlib_bench.py). About 30 seconds.
#
#   benches/hashlib.sh       (after scripts/build.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=benches/common.sh
source benches/common.sh

"$PYFORGE" build >/dev/null
"$PYFORGE" run -c pass >/dev/null 2>&1
# cap and native alternate, twice each, and each row keeps the better run: a slow spell of this
# (shared) machine then cannot land on one side only
cap1=$("$PYFORGE" run benches/hashlib_bench.py)
native1=$(python3 benches/hashlib_bench.py)
cap2=$("$PYFORGE" run benches/hashlib_bench.py)
native2=$(python3 benches/hashlib_bench.py)

python3 - "$cap1" "$cap2" "$native1" "$native2" <<'PY'
import json, os, sys
runs = [json.loads(x) for x in sys.argv[1:]]
best = lambda a, b: {k: (min(a[k], b[k]) if k.endswith(("_s", "_us")) else a[k]) for k in a}
cap, native = best(runs[0], runs[1]), best(runs[2], runs[3])
print(f"hashlib through the cap (wasm, {cap['hashlib_sha256']}) vs native python3 {native['python']} (OpenSSL); best of 2-3 per run, each side run twice alternately; {os.cpu_count()} cores")
print(f"{'':34}{'cap':>12}{'native':>12}{'cap/native':>12}{'built-in _sha2 (wasm)':>24}")
rows = [("pbkdf2_s", "pbkdf2_hmac sha256 600k (s)", None), ("scrypt_s", "scrypt n=2**14 r=8 p=1 (s)", None),
        ("sha256_16mib_s", "sha256 of 16 MiB (s)", "sha256_16mib_builtin_s"),
        ("sha256_64b_us", "sha256(64 B).digest() (us)", "sha256_64b_builtin_us"),
        ("hmac_64b_us", "hmac.digest sha256 64 B (us)", None)]
for key, label, builtin in rows:
    c, n = cap[key], native[key]
    extra = f"{cap[builtin]:14.3f} (cap {c / cap[builtin]:.2f}x)" if builtin else ""
    print(f"{label:34}{c:12.3f}{n:12.3f}{c / n:11.2f}x{extra:>24}")
PY
