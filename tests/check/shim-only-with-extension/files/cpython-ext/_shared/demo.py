"""The Python face of `_demo_cap`."""
from _demo_cap import crc32

__all__ = ["crc32"]
