"""The sqlite3 package (DB-API 2.0, PEP 249) — the standard library's, with SQLite in a cap.

In this interpreter SQLite runs in the sqlite cap, a separate WebAssembly component, and
CPython's own ``_sqlite3`` module reaches it through SQLite's C API as the cap serves it.
Everything behaves as in the standard library, user-defined functions, aggregates, window
functions, progress handlers, trace callbacks and the authorizer included (a component cannot
call into the one that imports it, so the cap suspends the statement where SQLite calls one, and
Python runs it), except collations, which SQLite calls from deep inside its comparisons: those
raise ``NotSupportedError`` saying so.

    import sqlite3
    cx = sqlite3.connect("test.db")  # a file under the directories the host gave Python
    cx.execute("create table lang(name, first_appeared)")
    cx.execute("insert into lang values (?, ?)", ("C", 1972))
    for row in cx.execute("select * from lang"):
        print(row)
    cx.close()
"""

import os as _os

from sqlite3.dbapi2 import *
from sqlite3.dbapi2 import _deprecated_names, _deprecated_version, _deprecated_version_info

# The rest of the standard library's package (`sqlite3.dump`, which `iterdump` imports, and
# the `python -m sqlite3` shell) is used as it is: its directory comes after this one.
__path__.append(_os.path.join(_os.path.dirname(_os.__file__), "sqlite3"))


def __getattr__(name):
    if name in _deprecated_names:
        from warnings import warn

        warn(f"{name} is deprecated and will be removed in Python 3.14", DeprecationWarning, stacklevel=2)
        return globals()[f"_deprecated_{name}"]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
