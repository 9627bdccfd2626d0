import json
import os
import sys

from componentize_py_types import Err
from wit_world import exports


class Run(exports.Run):
    def run(self) -> None:
        print(json.dumps({"argv": sys.argv[1:], "env": os.environ.get("GREETING")}))
        if sys.argv[1:2] == ["email"]:
            import email.policy  # not imported at build time: from the embedded stdlib

            print("email ok", email.policy.default.max_line_length)
        if sys.argv[1:2] == ["fail"]:
            raise Err(None)
        if sys.argv[1:2] == ["cat"]:
            with open(sys.argv[2]) as f:  # a file of a directory the host grants (`--dir`)
                print(f.read().strip())
        if sys.argv[1:2] == ["boom"]:
            raise ValueError("boom")
