"""DB-API 2.0 interface to SQLite, with SQLite in the sqlite cap.

The names are CPython's ``_sqlite3`` module's (compiled against the cap) plus the standard
library's DB-API helpers below. User-defined functions, aggregates and window functions,
progress handlers, trace callbacks and the authorizer work as in the standard library: the cap
suspends the statement where SQLite calls them (or, for the authorizer, asks before it prepares
one), and Python runs them. ``Connection`` (and so ``connect``) differs from the standard
library's in one way: registering a collation, which SQLite calls from deep inside its
comparisons, raises ``NotSupportedError`` with ``NO_CALLBACKS`` as the reason. Clearing one (passing ``None`` where the standard library
clears) works: there is nothing to clear.
"""

import collections.abc
import datetime
import time
import warnings

import _sqlite3
from _sqlite3 import *
from _sqlite3 import _deprecated_version

_deprecated_names = frozenset({"version", "version_info"})

paramstyle = "qmark"
apilevel = "2.0"

Date = datetime.date
Time = datetime.time
Timestamp = datetime.datetime


def DateFromTicks(ticks):
    return Date(*time.localtime(ticks)[:3])


def TimeFromTicks(ticks):
    return Time(*time.localtime(ticks)[3:6])


def TimestampFromTicks(ticks):
    return Timestamp(*time.localtime(ticks)[:6])


_deprecated_version_info = tuple(map(int, _deprecated_version.split(".")))
sqlite_version_info = tuple(int(x) for x in sqlite_version.split("."))

Binary = memoryview
collections.abc.Sequence.register(Row)

NO_CALLBACKS = (
    "SQLite runs in the sqlite cap, a separate WebAssembly component, which can call back "
    "into Python for user-defined functions, aggregates, window functions, progress "
    "handlers, trace callbacks and the authorizer, not for collations"
)


def _no_callback(method, position, keyword, what, clears=True):
    """`method` of the connection, raising NotSupportedError when it would register a
    callback; with `clears`, None as the callback clears it (as in the standard library)."""
    base = getattr(_sqlite3.Connection, method)

    def guarded(self, /, *args, **kwargs):
        callback = args[position] if len(args) > position else kwargs.get(keyword)
        if clears and callback is None:
            return base(self, *args, **kwargs)
        self.total_changes  # a closed or foreign-thread connection raises as it would
        raise NotSupportedError(f"{what} is not supported: {NO_CALLBACKS}")

    guarded.__name__ = guarded.__qualname__ = method
    guarded.__doc__ = base.__doc__
    return guarded


class Connection(_sqlite3.Connection):
    __doc__ = _sqlite3.Connection.__doc__

    create_collation = _no_callback("create_collation", 1, "callable", "a user-defined collation")


Connection.__module__ = "sqlite3"

_CONNECT_PARAMS = (
    "timeout", "detect_types", "isolation_level", "check_same_thread", "factory", "cached_statements", "uri",
)


def connect(database, *args, **kwargs):
    if len(args) > _CONNECT_PARAMS.index("factory"):
        # The caller chose the factory: this is _sqlite3.connect's call as it was made.
        return _sqlite3.connect(database, *args, **kwargs)
    if args:
        warnings.warn(
            "Passing more than 1 positional argument to sqlite3.connect() is deprecated. "
            "Parameters 'timeout', 'detect_types', 'isolation_level', 'check_same_thread', "
            "'factory', 'cached_statements' and 'uri' will become keyword-only parameters "
            "in Python 3.15.",
            DeprecationWarning,
            stacklevel=2,
        )
        for name, value in zip(_CONNECT_PARAMS, args):
            if name in kwargs:
                raise TypeError(f"connect() got multiple values for argument '{name}'")
            kwargs[name] = value
    kwargs.setdefault("factory", Connection)
    return _sqlite3.connect(database, **kwargs)


connect.__doc__ = _sqlite3.connect.__doc__


def register_adapters_and_converters():
    from warnings import warn

    msg = (
        "The default {what} is deprecated as of Python 3.12; "
        "see the sqlite3 documentation for suggested replacement recipes"
    )

    def adapt_date(val):
        warn(msg.format(what="date adapter"), DeprecationWarning, stacklevel=2)
        return val.isoformat()

    def adapt_datetime(val):
        warn(msg.format(what="datetime adapter"), DeprecationWarning, stacklevel=2)
        return val.isoformat(" ")

    def convert_date(val):
        warn(msg.format(what="date converter"), DeprecationWarning, stacklevel=2)
        return datetime.date(*map(int, val.split(b"-")))

    def convert_timestamp(val):
        warn(msg.format(what="timestamp converter"), DeprecationWarning, stacklevel=2)
        datepart, timepart = val.split(b" ")
        year, month, day = map(int, datepart.split(b"-"))
        timepart_full = timepart.split(b".")
        hours, minutes, seconds = map(int, timepart_full[0].split(b":"))
        microseconds = int("{:0<6.6}".format(timepart_full[1].decode())) if len(timepart_full) == 2 else 0
        return datetime.datetime(year, month, day, hours, minutes, seconds, microseconds)

    register_adapter(datetime.date, adapt_date)
    register_adapter(datetime.datetime, adapt_datetime)
    register_converter("date", convert_date)
    register_converter("timestamp", convert_timestamp)


register_adapters_and_converters()
del register_adapters_and_converters


def __getattr__(name):
    if name in _deprecated_names:
        warnings.warn(f"{name} is deprecated and will be removed in Python 3.14", DeprecationWarning, stacklevel=2)
        return globals()[f"_deprecated_{name}"]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
