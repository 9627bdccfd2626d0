from _demo2_cap import crc32
