"""Each figure's best over the JSON lines of a file (benches/common.sh's `interleave`).

Keys ending in `_mib_s` are throughputs (the highest wins), other keys ending in `_s` or `_ns`
are times (the lowest wins); any other key (a version) is taken from the first line.
"""
import json


def best(path):
    """The best figures of the lines in `path`, and how many lines (processes) there were."""
    runs = [json.loads(line) for line in open(path)]

    def pick(key):
        values = [r[key] for r in runs]
        if key.endswith("_mib_s"):
            return max(values)
        if key.endswith(("_s", "_ns")):
            return min(values)
        return values[0]

    return {key: pick(key) for key in runs[0]}, len(runs)
