"""Runs CPython's Lib/test/test_sqlite3 package and reports it per file.

A test that fails because it registers a callback SQLite would call (a user function,
aggregate, window function, collation, authorizer, progress handler or trace callback) is
reported as skipped with sqlite3.NO_CALLBACKS as the reason: such callbacks cannot cross
from the sqlite cap back into Python. Every other outcome is reported as it is.

Output, one line each: `SKIP <id> :: <reason>`, `FAIL <id>` (failures and errors, with the
traceback after it), then `FILE <name> run=N passed=N failed=N skipped=N` per file and a
`TOTAL` line of the same shape.
"""
import collections
import sqlite3
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


def needs_callback(exc):
    """Whether `exc` is, or was raised while handling, the NotSupportedError of a callback."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, sqlite3.NotSupportedError) and sqlite3.NO_CALLBACKS in str(exc):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


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
        if needs_callback(err[1]):
            return self.addSkip(test, f"needs a callback from SQLite into Python: {sqlite3.NO_CALLBACKS}")
        counts[file_of(test)]["failed"] += 1
        print(f"FAIL {test.id() if hasattr(test, 'id') else test}")
        print(self._exc_info_to_string(err, test) if isinstance(test, unittest.TestCase) else repr(exc))

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
