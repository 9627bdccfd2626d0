"""pyforge's embedded stdlib: the archive the interpreter carries, as a path hook.

The archive (read into memory by pyforge_python.c at snapshot init) holds the kit's stdlib and
the forge's overlays under their usual paths, e.g. `/usr/local/lib/python3.13/json/__init__.py`.
A path hook claims every directory of the archive, so `sys.path` keeps CPython's order
(script directory, PYTHONPATH, stdlib) and a module found here has the `__file__` it would have
with the stdlib mounted. Modules compile from source when first imported; the forge's warm
modules are already imported in the snapshot. `get_source` serves tracebacks and `linecache`;
`get_resource_reader` serves `importlib.resources`. A stdlib file opened by path (`open()` on a
name built from `__file__`) is not found: nothing is mounted.

This runs between CPython's core and main initialization, when only built-in and frozen
modules exist.
"""

import sys
import _pyforge
import _frozen_importlib as _bootstrap

_names = _pyforge.names()
_index = {name: i for i, name in enumerate(_names)}
_dirs = {}
for _name in _names:
    _child = _name
    _parent = _name.rpartition("/")[0]
    while _parent:
        _kids = _dirs.setdefault(_parent, set())
        if _child in _kids:
            break
        _kids.add(_child)
        _child, _parent = _parent, _parent.rpartition("/")[0]
del _name, _child, _parent, _kids


def _read(path):
    i = _index.get(path)
    if i is None:
        raise FileNotFoundError(2, "No such file or directory", path)
    return _pyforge.read(i)


class EmbeddedLoader:
    """Loads one module of the archive from its source."""

    def __init__(self, fullname, path):
        self.name = fullname
        self.path = path

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        code = self.get_code(module.__name__)
        _bootstrap._call_with_frames_removed(exec, code, module.__dict__)

    def get_code(self, fullname):
        # The kit's bytecode, when the archive has it (forge setting `bytecode`): compiled by
        # CPython's install from the same source, for optimization level 0.
        head, _, tail = self.path.rpartition("/")
        pyc = _index.get(f"{head}/__pycache__/{tail[:-3]}.{sys.implementation.cache_tag}.pyc")
        if pyc is not None and not sys.flags.optimize:
            import marshal
            from _frozen_importlib_external import MAGIC_NUMBER

            data = _pyforge.read(pyc)
            if data[:4] == MAGIC_NUMBER:
                return marshal.loads(memoryview(data)[16:])
        return compile(_read(self.path), self.path, "exec", dont_inherit=True)

    def get_source(self, fullname):
        from _frozen_importlib_external import decode_source

        return decode_source(_read(self.path))

    def get_data(self, path):
        return _read(path)

    def get_filename(self, fullname=None):
        return self.path

    def is_package(self, fullname):
        return self.path.endswith("/__init__.py")

    def get_resource_reader(self, fullname):
        if self.is_package(fullname):
            return EmbeddedReader(self.path.rpartition("/")[0])
        return None


class EmbeddedFinder:
    """Finds modules in one directory of the archive (a `sys.path` entry or a package)."""

    def __init__(self, path):
        self.path = path

    def find_spec(self, fullname, target=None):
        base = self.path + "/" + fullname.rpartition(".")[2]
        init = base + "/__init__.py"
        if init in _index:
            spec = _bootstrap.ModuleSpec(fullname, EmbeddedLoader(fullname, init), origin=init, is_package=True)
            spec.submodule_search_locations.append(base)
        elif base + ".py" in _index:
            spec = _bootstrap.ModuleSpec(fullname, EmbeddedLoader(fullname, base + ".py"), origin=base + ".py")
        elif base in _dirs:
            # A namespace package portion, as FileFinder reports one.
            spec = _bootstrap.ModuleSpec(fullname, None, is_package=True)
            spec.submodule_search_locations.append(base)
            return spec
        else:
            return None
        spec.has_location = True
        return spec

    def invalidate_caches(self):
        pass

    def __repr__(self):
        return f"EmbeddedFinder({self.path!r})"


class EmbeddedResource:
    """An `importlib.resources.abc.Traversable` over the archive."""

    def __init__(self, path):
        self._path = path

    @property
    def name(self):
        return self._path.rpartition("/")[2]

    def is_dir(self):
        return self._path in _dirs

    def is_file(self):
        return self._path in _index

    def iterdir(self):
        return iter([EmbeddedResource(p) for p in sorted(_dirs.get(self._path, ()))])

    def joinpath(self, *descendants):
        path = self._path
        for part in descendants:
            for segment in str(part).split("/"):
                if segment and segment != ".":
                    path = path + "/" + segment
        return EmbeddedResource(path)

    __truediv__ = joinpath

    def _bytes(self):
        # A file the archive leaves out (pip's wheel, see embed.rs) may still be on the
        # filesystem at the same path, when the stdlib is mounted there too.
        if self._path in _index:
            return _read(self._path)
        import _io

        with _io.open(self._path, "rb") as f:
            return f.read()

    def open(self, mode="r", *args, **kwargs):
        import io

        data = io.BytesIO(self._bytes())
        return data if "b" in mode else io.TextIOWrapper(data, *args, **kwargs)

    def read_bytes(self):
        return self._bytes()

    def read_text(self, encoding=None, errors=None):
        with self.open(encoding=encoding, errors=errors) as f:
            return f.read()

    def __str__(self):
        return self._path

    def __repr__(self):
        return f"EmbeddedResource({self._path!r})"


class EmbeddedReader:
    """The resource reader of a package in the archive."""

    def __init__(self, path):
        self.path = path

    def files(self):
        # When the stdlib is also on the filesystem (mounted, as `pyforge run --with-tests`
        # does), its files are the archive's: serve real paths then, as an installed CPython
        # does (`importlib.resources.as_file` gives them as they are, not as temporary copies).
        import posix

        try:
            on_disk = bool(posix.stat(self.path).st_mode & 0o040000)
        except OSError:
            on_disk = False
        if on_disk:
            import pathlib

            return pathlib.Path(self.path)
        return EmbeddedResource(self.path)


def hook(path):
    """The path hook: claims the archive's directories."""
    if isinstance(path, str) and path in _dirs:
        return EmbeddedFinder(path)
    raise ImportError("not a directory of pyforge's embedded stdlib", path=path)


def install():
    sys.path_hooks.insert(0, hook)


def place_overlay():
    """Puts the forge's overlay directory on `sys.path` right before the stdlib, where
    `pyforge run` puts it with PYTHONPATH in the mounted shape."""
    root = sys.prefix + "/lib/pyforge"
    if root not in _dirs or root in sys.path:
        return
    stdlib = sys.prefix + "/lib/python"
    at = next((i for i, p in enumerate(sys.path) if p.startswith(stdlib)), len(sys.path))
    sys.path.insert(at, root)


# An application (`pyforge componentize`): its directories in the archive, and its export
# objects, made before the snapshot.
APP_ROOTS = []
APP_EXPORTS = {}


def _place_app():
    for i, root in enumerate(APP_ROOTS):
        if root not in sys.path:
            sys.path.insert(i, root)


def _load_app(module, exports):
    """Imports the app and instantiates its export classes, as componentize-py does."""
    __import__(module)
    app = sys.modules[module]
    for name in exports:
        cls = getattr(app, name, None)
        if not isinstance(cls, type):
            raise ImportError(
                f"the app module `{module}` ({app.__file__}) has no class `{name}`: the world exports "
                f"it, so define `class {name}(exports.{name})` there (componentize-py's convention)"
            )
        APP_EXPORTS[name] = cls()


def snapshot_init():
    """The end of the snapshot's init: import the warm modules and the application, then leave
    no init state."""
    import gc
    import os

    warm = [m for m in os.environ.get("PYFORGE_WARM", "").split(",") if m]
    for name in warm:
        __import__(name)
    app = os.environ.get("PYFORGE_APP")
    if app:
        APP_ROOTS.extend(p for p in os.environ.get("PYFORGE_APP_PATH", "").split(":") if p)
        _place_app()
        _load_app(app, [e for e in os.environ.get("PYFORGE_APP_EXPORTS", "").split(",") if e])
    # The run's environment replaces the init's (run_refresh); the init's must not linger.
    os.environ._data.clear()
    sys.path_importer_cache.clear()
    gc.collect()
    gc.freeze()


def run_refresh():
    """The start of a run on the snapshot: what Python copied from the init run."""
    import os

    data = os.environ._data
    data.clear()
    data.update(_pyforge.environ())
    place_overlay()
    _place_app()
    random = sys.modules.get("random")
    if random is not None:
        random._inst.seed()
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None and stream.isatty() and not stream.line_buffering:
                stream.reconfigure(line_buffering=True)
        except (AttributeError, OSError, ValueError):
            pass


def run_exit():
    """The end of a run on the snapshot: atexit callbacks and flushed stdio, as finalization
    would do them, without tearing the interpreter down."""
    import atexit

    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            pass
