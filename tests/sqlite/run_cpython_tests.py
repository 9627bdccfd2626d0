"""Runs CPython's Lib/test/test_sqlite3 package and reports it per file, every outcome as it is.

Output, one line each: `SKIP <id> :: <reason>`, `FAIL <id>` (failures and errors, with the
traceback after it), then `FILE <name> run=N passed=N failed=N skipped=N` per file and a
`TOTAL` line of the same shape.
"""
import collections
import sys
import unittest

from test import support
from test.support import os_helper

support.verbose = False
counts = collections.defaultdict(collections.Counter)


def file_of(test):
    if isinstance(test, unittest.case._SubTest):
        test = test.test_case
    return type(test).__module__.rsplit(".", 1)[-1] if isinstance(test, unittest.TestCase) else str(test)


class Result(unittest.TestResult):
    def startTest(self, test):
        super().startTest(test)
        counts[file_of(test)]["run"] += 1

    def addSuccess(self, test):
        super().addSuccess(test)
        counts[file_of(test)]["passed"] += 1

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        counts[file_of(test)]["skipped"] += 1
        print(f"SKIP {test.id() if hasattr(test, 'id') else test} :: {reason}")

    def _failed(self, test, err):
        counts[file_of(test)]["failed"] += 1
        print(f"FAIL {test.id() if hasattr(test, 'id') else test}")
        print(self._exc_info_to_string(err, test) if isinstance(test, unittest.TestCase) else repr(err[1]))

    def addError(self, test, err):
        self._failed(test, err)

    def addFailure(self, test, err):
        self._failed(test, err)

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        counts[file_of(test)]["passed"] += 1

    def addUnexpectedSuccess(self, test):
        self._failed(test, (AssertionError, AssertionError("unexpected success"), None))

    def addSubTest(self, test, subtest, err):
        if err is not None:
            self._failed(subtest, err)


with os_helper.temp_cwd(None):  # a fresh directory under /tmp
    suite = unittest.defaultTestLoader.loadTestsFromName("test.test_sqlite3")
    suite.run(Result())

total = collections.Counter()
for name in sorted(counts):
    c = counts[name]
    total.update(c)
    print(f"FILE {name} run={c['run']} passed={c['passed']} failed={c['failed']} skipped={c['skipped']}")
print(f"TOTAL run={total['run']} passed={total['passed']} failed={total['failed']} skipped={total['skipped']}")
sys.stdout.flush()
