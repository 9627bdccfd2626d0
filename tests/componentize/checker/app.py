import sys

from wit_world import exports
from wit_world.imports import checksum


class Run(exports.Run):
    def run(self) -> None:
        data = " ".join(sys.argv[1:]).encode()
        print(checksum.crc32(data, 0))
        try:
            checksum.crc32("not bytes", 0)
        except TypeError as e:
            print("TypeError:", e)
        try:
            checksum.crc32(b"", 2**32)
        except OverflowError as e:
            print("OverflowError:", e)
