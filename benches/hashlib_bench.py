"""The hashlib workload of benches/hashlib.sh, run by the cap-composed interpreter and by native
python3 (OpenSSL); prints one JSON object of times in seconds.

* the key derivations the issue names: PBKDF2-HMAC-SHA256 with 600,000 rounds (OWASP's
  recommendation) and scrypt with n=2**14, r=8, p=1;
* SHA-256 of 16 MiB, and a 64-byte message hashed per call (the fixed cost of an object's
  cap crossings), through hashlib — `_hashlib` where it exists — and through CPython's own
  built-in `_sha2` (HACL*), compiled into the same interpreter;
* HMAC-SHA256 of 64 bytes per call through `hmac.digest` (one cap call).
"""
import hashlib
import hmac
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from workload import best  # noqa: E402

try:
    from _sha2 import sha256 as builtin_sha256  # CPython 3.12+
except ImportError:
    from _sha256 import sha256 as builtin_sha256  # 3.11 and older

CALLS = 20_000
big = os.urandom(16 << 20)
small = b"m" * 64
out = {"python": sys.version.split()[0], "platform": sys.platform, "hashlib_sha256": type(hashlib.sha256()).__module__
       + "." + type(hashlib.sha256()).__name__}
out["pbkdf2_s"], key = best(lambda: hashlib.pbkdf2_hmac("sha256", b"correct horse", b"NaCl-pyforge", 600_000), 2)
out["scrypt_s"], _ = best(lambda: hashlib.scrypt(b"correct horse", salt=b"NaCl-pyforge", n=2**14, r=8, p=1), 3)
out["sha256_16mib_s"], _ = best(lambda: hashlib.sha256(big).digest(), 3)
out["sha256_16mib_builtin_s"], _ = best(lambda: builtin_sha256(big).digest(), 3)
out["sha256_64b_us"] = best(lambda: [hashlib.sha256(small).digest() for _ in range(CALLS)], 3)[0] / CALLS * 1e6
out["sha256_64b_builtin_us"] = best(lambda: [builtin_sha256(small).digest() for _ in range(CALLS)], 3)[0] / CALLS * 1e6
out["hmac_64b_us"] = best(lambda: [hmac.digest(key, small, "sha256") for _ in range(CALLS)], 3)[0] / CALLS * 1e6
print(json.dumps(out))
