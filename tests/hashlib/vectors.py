# Published test vectors through hashlib/hmac (which use _hashlib, i.e. the hashlib cap, when it
# is there), and what unknown digests and bad parameters raise. The same script runs under
# native python3 (OpenSSL) for comparison: every line but the first must be the same.
import hashlib, hmac, _hashlib

print("_hashlib", "built-in" if _hashlib.__spec__.origin == "built-in" else "extension")

# RFC 6070: PBKDF2-HMAC-SHA1 (the 16,777,216-iteration vector is left to the benchmark).
rfc6070 = [
    (b"password", b"salt", 1, 20, "0c60c80f961f0e71f3a9b524af6012062fe037a6"),
    (b"password", b"salt", 2, 20, "ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957"),
    (b"password", b"salt", 4096, 20, "4b007901b765489abead49d926f721d065a429c1"),
    (b"passwordPASSWORDpassword", b"saltSALTsaltSALTsaltSALTsaltSALTsalt", 4096, 25,
     "3d2eec4fe41c849b80c8d83662c0e44a8b291a964cf2f07038"),
    (b"pass\0word", b"sa\0lt", 4096, 16, "56fa6aa75548099dcc37d7f03425e0c3"),
]
for password, salt, c, dklen, want in rfc6070:
    print("RFC 6070 c=%d" % c, hashlib.pbkdf2_hmac("sha1", password, salt, c, dklen).hex() == want)
# RFC 7914 section 11: PBKDF2-HMAC-SHA256.
print("RFC 7914 pbkdf2", hashlib.pbkdf2_hmac("sha256", b"passwd", b"salt", 1, 64).hex() ==
      "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
      "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783")
# RFC 7914 section 12: scrypt (the n=2**20 vector needs 1 GiB: left out).
rfc7914 = [
    (b"", b"", 16, 1, 1, "77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442"
     "fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906"),
    (b"password", b"NaCl", 1024, 8, 16, "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162"
     "2eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640"),
    (b"pleaseletmein", b"SodiumChloride", 16384, 8, 1, "7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2"
     "d5432955613f0fcf62d49705242a9af9e61e85dc0d651e40dfcf017b45575887"),
]
for password, salt, n, r, p, want in rfc7914:
    print("RFC 7914 scrypt n=%d" % n, hashlib.scrypt(password, salt=salt, n=n, r=r, p=p, dklen=64).hex() == want)
# RFC 4231 test case 2: HMAC-SHA-256 and -512, through hmac.new, hmac.digest and _hashlib.
msg, key = b"what do ya want for nothing?", b"Jefe"
print("RFC 4231", hmac.new(key, msg, "sha256").hexdigest() ==
      "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
      hmac.digest(key, msg, "sha512").hex() ==
      "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737",
      type(hmac.new(key, msg, "sha256")._hmac).__name__)
h = hmac.new(key, digestmod=hashlib.sha3_256)
h.update(msg)
print("hmac sha3 via constructor", h.name, h.digest_size, h.block_size, h.copy().hexdigest() == hmac.digest(key, msg, "sha3_256").hex())
# Objects and names.
x = hashlib.sha512(b"abc", usedforsecurity=False)
y = x.copy()
x.update(b"d")
print(type(x).__name__, x.name, y.hexdigest() == hashlib.sha512(b"abc").hexdigest(), x.hexdigest() == hashlib.sha512(b"abcd").hexdigest())
print("shake", hashlib.shake_256(b"").hexdigest(8), type(hashlib.shake_256()).__name__, hashlib.shake_128().digest_size)
print("sha512_224", hashlib.new("sha512_224", b"abc").hexdigest())
print("new('SHA256')", hashlib.new("SHA256", b"abc").hexdigest()[:16], hashlib.new("sha3-256", b"abc").name)
print("compare_digest", hmac.compare_digest(b"abc", b"abc"), hmac.compare_digest("abc", "abd"))
# Errors: the exception CPython raises, and the objects keep working.
def show(what, f):
    try:
        f()
        print(what, "-> no error")
    except Exception as e:
        print(what, "->", type(e).__name__, "(ValueError)" if isinstance(e, ValueError) else "")
show("new(spam)", lambda: hashlib.new("spam"))
show("_hashlib.new(spam)", lambda: _hashlib.new("spam"))
show("hmac_new(spam)", lambda: _hashlib.hmac_new(b"k", b"", "spam"))
show("hmac_digest(spam)", lambda: _hashlib.hmac_digest(b"k", b"", "spam"))
show("hmac.new(spam)", lambda: hmac.new(b"k", b"", "spam"))
show("pbkdf2(spam)", lambda: hashlib.pbkdf2_hmac("spam", b"p", b"s", 1))
show("pbkdf2(c=0)", lambda: hashlib.pbkdf2_hmac("sha256", b"p", b"s", 0))
show("pbkdf2(dklen=0)", lambda: hashlib.pbkdf2_hmac("sha256", b"p", b"s", 1, 0))
show("scrypt(n=3)", lambda: hashlib.scrypt(b"p", salt=b"s", n=3, r=8, p=1))
show("scrypt(memory)", lambda: hashlib.scrypt(b"p", salt=b"s", n=2**20, r=8, p=1))
show("scrypt(maxmem=-1)", lambda: hashlib.scrypt(b"p", salt=b"s", n=2, r=8, p=1, maxmem=-1))
show("sha256(str)", lambda: hashlib.sha256("text"))
print("after errors", hashlib.md5(b"").hexdigest(), hashlib.scrypt(b"p", salt=b"s", n=2, r=1, p=1, dklen=8).hex())
