"""numba's ``njit``, with the on-disk cache kept in step with the package's sources, a writable
place for that cache, and a count of the seconds spent compiling.

numba checks a cached kernel only against the file that defines it.  A kernel also freezes
into its machine code the functions it calls from other modules (``kernels.train_epoch``
compiles ``neuron`` and ``functions`` into itself) and the constants it reads from them (the
numbers of ``ops.Op`` and ``network.graph.Kind``): after an edit to those alone, numba would run
the old machine code.  So the cache goes in a folder named by a fingerprint of every Python
source of the package, given to numba through its public setting ``NUMBA_CACHE_DIR`` (set in
this process's environment, which child processes inherit): changed sources find an empty
folder and compile afresh.  The kernels cached for older sources are deleted (their folders
stay: a process still running those sources may yet write there, harmlessly).

The folder lies under the user's ``NUMBA_CACHE_DIR`` if set, else in the package's
``__pycache__``, else in the user's cache directory; where none of them can be written (a
read-only install, ``HOME`` unset or unwritable) it moves to the temporary directory (in a folder
only this user may write), or, failing that, kernels compile in every process.  One warning says
so, and what else could not be done.

Compiling takes most of a first run (tens of seconds), so ``Compiling`` listens to numba's
compile events: callers can say that it is happening and keep it out of the times they report.
"""
from __future__ import annotations

import hashlib
import inspect
import os
import tempfile
import threading
import time
import warnings
from pathlib import Path

import numba
from numba.core import event

from .errors import NeuraLogicLiteWarning

__all__ = ["njit", "compiling", "compiled"]

#: the file in a cache folder that names the sources its kernels were compiled from
STAMP = "neuralogic_lite-sources.sha256"


def fingerprint(package: Path) -> str:
    """A digest of every Python source of ``package``: what any kernel can compile from."""
    modules = sorted(package.rglob("*.py"))
    if not modules:                 # not a folder of sources (a zip, a frozen program)
        raise FileNotFoundError(f"no Python sources in {package}")
    digest = hashlib.sha256()
    for module in modules:
        digest.update(module.relative_to(package).as_posix().encode() + b"\0" + module.read_bytes() + b"\0")
    return digest.hexdigest()


def _places(package: Path) -> list[Path]:
    """Where the cache folders of ``package`` may go, in order of preference.  A shared place is
    divided by the package's path, so that two checkouts keep their caches apart."""
    checkout = hashlib.sha256(str(package).encode()).hexdigest()[:12]
    user = os.getuid() if hasattr(os, "getuid") else 0
    temporary = Path(tempfile.gettempdir()) / f"neuralogic_lite-numba-cache-{user}" / checkout
    chosen = os.environ.get("NUMBA_CACHE_DIR")
    if chosen:
        return [Path(chosen) / f"neuralogic_lite-{checkout}", temporary]
    try:
        home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "neuralogic_lite" / checkout
    except RuntimeError:          # no home directory to be found
        return [package / "__pycache__" / "numba", temporary]
    return [package / "__pycache__" / "numba", home, temporary]


def _made(root: Path, current: str) -> bool:
    """Whether ``root`` is (now) a writable cache folder for sources of fingerprint ``current``."""
    try:
        root.mkdir(parents=True, exist_ok=True)
        (root / STAMP).write_text(current)
    except OSError:
        return False
    return True


def _private(folder: Path) -> bool:
    """Make ``folder`` if need be; whether it is this user's alone.  In a shared temporary
    directory anyone may make a folder of that name first and leave machine code in it."""
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        status = folder.stat()
    except OSError:
        return False
    return not hasattr(os, "getuid") or (status.st_uid == os.getuid() and not status.st_mode & 0o022)


def _stamp(folder: Path) -> str | None:
    """The fingerprint of the sources whose kernels ``folder`` caches, if it is such a folder."""
    try:
        return (folder / STAMP).read_text()
    except OSError:
        return None


def _drop_stale(root: Path) -> str | None:
    """Delete the kernels cached beside ``root`` for other sources; what stopped that, if anything."""
    try:
        for other in root.parent.iterdir():
            if other != root and _stamp(other) is not None:
                for cached in [*other.rglob("*.nbi"), *other.rglob("*.nbc"), other / STAMP]:
                    cached.unlink(missing_ok=True)
    except OSError as error:
        return f"the kernels cached for older sources beside {root} could not be deleted ({error})"
    return None


def cache_root(package: Path = Path(__file__).parent) -> tuple[Path | None, str | None]:
    """Settle where numba caches the kernels of ``package`` and point ``NUMBA_CACHE_DIR`` there:
    the folder (None: kernels are not cached) and what to warn of, if anything."""
    try:
        current = fingerprint(package)
    except OSError as error:
        return None, f"the kernels' cache cannot be kept in step with the sources ({error}); kernels are " \
                     "compiled afresh in every run"
    inherited = os.environ.get("NUMBA_CACHE_DIR")
    if inherited and _stamp(Path(inherited)) == current:
        return Path(inherited), None              # set by the process that started this one
    *places, temporary = _places(package)
    unwritable = inherited or "beside the installed package and in the user's cache directory"
    for place in [*places, temporary]:
        root = place / current[:16]
        if (place == temporary and not _private(place.parent)) or not _made(root, current):
            continue
        problems = [_drop_stale(root)]
        if place == temporary:
            problems.insert(0, f"numba cannot write its cache {unwritable}; compiled kernels are cached in {place}")
        os.environ["NUMBA_CACHE_DIR"] = str(root)
        numba.config.reload_config()              # numba rereads its settings from the environment
        if Path(numba.config.CACHE_DIR) != root:
            problems.append(f"numba did not take {root} as its cache folder; kernels are compiled afresh in "
                            "every run")
            root = None
        return root, "; ".join(p for p in problems if p) or None
    return None, f"numba cannot write its cache {unwritable} nor in {temporary}; kernels are compiled afresh " \
                 "in every run"


def compiled(kernel) -> bool:
    """Whether calling ``kernel`` (a cached njit function) needs no compiling: it is loaded in this
    process, or the cache holds it for some signature (numba names its index files
    ``<module>.<function>-<line>...nbi``; should that change, this only answers False)."""
    if kernel.signatures:
        return True
    if _ROOT is None:
        return False
    source = Path(inspect.getfile(kernel.py_func))
    return any(_ROOT.rglob(f"{source.stem}.{kernel.py_func.__qualname__}-*.nbi"))


def njit(*args, **options):
    """numba's ``njit``; ``cache=True`` holds only while some cache directory is writable."""
    if _ROOT is None:
        options.pop("cache", None)
    return numba.njit(*args, **options)


class Compiling(event.Listener):
    """Seconds spent compiling kernels in this process, from numba's compile events (a cache
    hit raises none).  When a compile begins while none is under way, ``hook()`` is called (if
    set); the first one also warns of what the cache could not be given (``cache_warning``)."""

    #: seconds a first run compiles, measured on the benchmarks' 2-core machine (docs/cli.md)
    FIRST_RUN_S = 20

    def __init__(self, cache_warning: str | None = None):
        self.seconds = 0.0
        self.hook = None
        self.cache_warning = cache_warning
        self._local = threading.local()

    def on_start(self, ev) -> None:
        depth = getattr(self._local, "depth", 0)
        self._local.depth = depth + 1
        if depth == 0:
            self._local.started = time.perf_counter()
            if self.cache_warning is not None:
                warnings.warn(self.cache_warning, NeuraLogicLiteWarning, stacklevel=2)
                self.cache_warning = None
            if self.hook is not None:
                self.hook()

    def on_end(self, ev) -> None:
        self._local.depth -= 1
        if self._local.depth == 0:
            self.seconds += time.perf_counter() - self._local.started


_ROOT, _cache_warning = cache_root()
compiling = Compiling(_cache_warning)
event.register("numba:compile", compiling)
