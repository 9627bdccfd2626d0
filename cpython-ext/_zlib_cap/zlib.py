"""The zlib module: compression compatible with gzip.

pyforge's facade over `_zlib_cap`: the stdlib `zlib` API, with zlib itself running in a
separate component (the zlib cap, `pyforge:zlib/deflate`). The stream logic is CPython's
(`Modules/zlibmodule.c`), ported into the cap; this file holds the Python surface.

For the compression functions below, data is any bytes-like object.
"""

from operator import index as _index

import _zlib_cap as _c

__all__ = [
    "adler32", "compress", "compressobj", "crc32", "decompress", "decompressobj", "error",
]

error = _c.error

DEFLATED = 8
DEF_BUF_SIZE = 16384
DEF_MEM_LEVEL = 8
MAX_WBITS = 15
Z_NO_COMPRESSION = 0
Z_BEST_SPEED = 1
Z_BEST_COMPRESSION = 9
Z_DEFAULT_COMPRESSION = -1
Z_FILTERED = 1
Z_HUFFMAN_ONLY = 2
Z_RLE = 3
Z_FIXED = 4
Z_DEFAULT_STRATEGY = 0
Z_NO_FLUSH = 0
Z_PARTIAL_FLUSH = 1
Z_SYNC_FLUSH = 2
Z_FULL_FLUSH = 3
Z_FINISH = 4
Z_BLOCK = 5
Z_TREES = 6



def __getattr__(name):
    # The versions come from the cap, asked on first use rather than at import, so a forge that
    # stubs the cap can still `import zlib` (the cap is the library: the version it was built
    # against is the one it runs).
    if name in ("ZLIB_VERSION", "ZLIB_RUNTIME_VERSION"):
        version = _c.version()
        globals().update(ZLIB_VERSION=version, ZLIB_RUNTIME_VERSION=version)
        return version
    raise AttributeError(f"module 'zlib' has no attribute {name!r}")


# The checksums are the C functions themselves: no Python frame on this hot path.
adler32 = _c.adler32
crc32 = _c.crc32


def compress(data, /, level=Z_DEFAULT_COMPRESSION, wbits=MAX_WBITS):
    """Returns a bytes object containing compressed data."""
    return _c.compress(data, level, wbits)


def decompress(data, /, wbits=MAX_WBITS, bufsize=DEF_BUF_SIZE):
    """Returns a bytes object containing the uncompressed data."""
    bufsize = _index(bufsize)
    if bufsize < 0:
        raise ValueError("bufsize must be non-negative")
    return _c.decompress(data, wbits, bufsize)


def _dict_arg(zdict, empty_is_none=True):
    """`zdict` for the cap: None for no dictionary. For decompression an empty one is none
    (it is the default); a compressor is given even an empty one, as CPython does."""
    if zdict is None:
        return None
    try:
        size = len(memoryview(zdict))
    except TypeError:
        raise TypeError("zdict argument must support the buffer protocol") from None
    return zdict if size or not empty_is_none else None


class _NoPickle:
    __slots__ = ()

    def __reduce__(self):
        raise TypeError(f"cannot pickle {type(self).__qualname__!r} object")


class Compress(_NoPickle):
    """A compression object (made by zlib.compressobj)."""

    __slots__ = ("_h",)
    __module__ = "zlib"

    def __init__(self, *args, **kwargs):
        raise TypeError("cannot create 'zlib.Compress' instances")

    @classmethod
    def _new(cls, handle):
        self = object.__new__(cls)
        self._h = handle
        return self

    def compress(self, data, /):
        """Returns a bytes object containing compressed data."""
        return _c.c_compress(self._h, data)

    def flush(self, mode=Z_FINISH, /):
        """Return a bytes object containing any remaining compressed data."""
        return _c.c_flush(self._h, mode)

    def copy(self):
        """Return a copy of the compression object."""
        return Compress._new(_c.c_copy(self._h))

    def __copy__(self):
        return self.copy()

    def __deepcopy__(self, memo):
        return self.copy()


class Decompress(_NoPickle):
    """A decompression object (made by zlib.decompressobj)."""

    __slots__ = ("_h", "_unused", "_tail", "_eof")
    __module__ = "zlib"

    def __init__(self, *args, **kwargs):
        raise TypeError("cannot create 'zlib.Decompress' instances")

    @classmethod
    def _new(cls, handle, unused=b"", tail=b"", eof=False):
        self = object.__new__(cls)
        self._h = handle
        self._unused = unused
        self._tail = tail
        self._eof = eof
        return self

    @property
    def unused_data(self):
        """Data found after the end of the compressed stream."""
        return self._unused

    @property
    def unconsumed_tail(self):
        """Input not yet decompressed because of the max_length limit."""
        return self._tail

    @property
    def eof(self):
        """True once the end of the compressed stream has been reached."""
        return self._eof

    def _update(self, result):
        data, tail, unused, eof = result
        self._tail = tail
        if unused:
            self._unused += unused
        self._eof = eof
        return data

    def decompress(self, data, /, max_length=0):
        """Return a bytes object containing the decompressed version of the data."""
        max_length = _index(max_length)
        if max_length < 0:
            raise ValueError("max_length must be non-negative")
        return self._update(_c.d_decompress(self._h, data, max_length))

    def flush(self, length=DEF_BUF_SIZE, /):
        """Return a bytes object containing any remaining decompressed data."""
        length = _index(length)
        if length <= 0:
            raise ValueError("length must be greater than zero")
        return self._update(_c.d_flush(self._h, self._tail, length))

    def copy(self):
        """Return a copy of the decompression object."""
        return Decompress._new(_c.d_copy(self._h), self._unused, self._tail, self._eof)

    def __copy__(self):
        return self.copy()

    def __deepcopy__(self, memo):
        return self.copy()


def compressobj(level=Z_DEFAULT_COMPRESSION, method=DEFLATED, wbits=MAX_WBITS,
                memLevel=DEF_MEM_LEVEL, strategy=Z_DEFAULT_STRATEGY, zdict=None):
    """Return a compressor object."""
    return Compress._new(_c.compressobj(level, method, wbits, memLevel, strategy, _dict_arg(zdict, empty_is_none=False)))


def decompressobj(wbits=MAX_WBITS, zdict=b""):
    """Return a decompressor object."""
    return Decompress._new(_c.decompressobj(wbits, _dict_arg(zdict)))


class _ZlibDecompressor(_NoPickle):
    """Create a decompressor object for decompressing data incrementally."""

    __slots__ = ("_h", "_eof", "_needs_input", "_unused")
    __module__ = "zlib"

    def __init__(self, wbits=MAX_WBITS, zdict=b""):
        self._h = _c.zd_new(wbits, _dict_arg(zdict))
        self._eof = False
        self._needs_input = True
        self._unused = b""

    @property
    def eof(self):
        """True if the end-of-stream marker has been reached."""
        return self._eof

    @property
    def needs_input(self):
        """True if more input is needed before more decompressed data can be produced."""
        return self._needs_input

    @property
    def unused_data(self):
        """Data found after the end of the compressed stream."""
        return self._unused

    def decompress(self, data, max_length=-1):
        """Decompress data, returning at most max_length bytes (all when negative)."""
        out, eof, needs_input, unused = _c.zd_decompress(self._h, data, max_length)
        self._eof = eof
        self._needs_input = needs_input
        if eof and unused:
            self._unused = unused
        return out
