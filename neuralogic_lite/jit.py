"""numba's ``njit``, with the on-disk cache kept in step with every source a kernel compiles from,
a writable place for that cache, and a count of the seconds spent compiling.

numba checks a cached kernel only against the file that defines it.  Our kernels call into
other modules (``kernels.train_epoch`` compiles ``neuron`` and ``functions`` into itself), so
after an edit to a callee alone the caller's cached machine code would still run the old code.
Every module with cached kernels imports ``njit`` from here.  The first import fingerprints
those modules and, where the fingerprint kept beside their cache differs, deletes their cache
files, so that numba compiles afresh once.

numba keeps the cache beside the sources, else in the user's cache directory; where neither can
be written (a read-only install, ``HOME`` unset or unwritable) it refuses to define a cached
kernel at all.  Then the cache moves to the temporary directory, or, failing that, kernels
compile in every process; one warning says which.

Compiling takes most of a first run (tens of seconds), so ``Compiling`` listens to numba's
compile events: callers can say that it is happening and keep it out of the times they report.
"""
from __future__ import annotations

import hashlib
import inspect
import os
import re
import tempfile
import threading
import time
import warnings
from pathlib import Path

import numba
from numba.core import event

from .errors import NeuraLogicLiteWarning

__all__ = ["njit", "refresh", "compiling", "compiled"]

STAMP = "neuralogic_lite-sources.sha256"
_USES_JIT = re.compile(r"^from \.+jit import", re.MULTILINE)


def jitted_modules(package: Path) -> list[Path]:
    """The package's modules that compile cached kernels (they import ``njit`` from here)."""
    return sorted(p for p in package.rglob("*.py") if _USES_JIT.search(p.read_text(encoding="utf-8")))


def fingerprint(package: Path, modules: list[Path]) -> str:
    digest = hashlib.sha256()
    for module in modules:
        digest.update(module.relative_to(package).as_posix().encode() + b"\0" + module.read_bytes() + b"\0")
    return digest.hexdigest()


def cache_dir(module: Path) -> Path | None:
    """The directory numba keeps ``module``'s kernels in, found as numba finds it."""
    from numba.core import caching

    implementation = getattr(caching, "CacheImpl", None) or caching._CacheImpl   # older numba: _CacheImpl
    for locator in implementation._locator_classes:
        found = locator.from_function(cache_dir, str(module))
        if found is not None:
            return Path(found.get_cache_path())
    return None


def compiled(kernel) -> bool:
    """Whether calling ``kernel`` (a cached njit function) needs no compiling: it is loaded in this
    process, or numba's cache holds it (for some signature)."""
    if kernel.signatures:
        return True
    source = Path(inspect.getfile(kernel.py_func))
    try:
        directory = cache_dir(source)
    except (OSError, ImportError, AttributeError):
        return False
    return directory is not None and any(directory.glob(f"{source.stem}.{kernel.py_func.__qualname__}-*.nbi"))


def refresh(package: Path = Path(__file__).parent) -> None:
    """Delete the cached kernels of ``package`` wherever they predate its current sources.
    (The path is the one numba sees, unresolved: its user-wide cache names directories by it.)"""
    try:
        modules = jitted_modules(package)
        current = fingerprint(package, modules)
        stems: dict[Path, list[str]] = {}
        for module in modules:
            directory = cache_dir(module)
            if directory is not None:
                stems.setdefault(directory, []).append(module.stem)
        for directory, names in stems.items():
            stamp = directory / STAMP
            if stamp.is_file() and stamp.read_text() == current:
                continue
            for name in names:
                for cached in directory.glob(f"{name}.*"):
                    if cached.suffix in (".nbi", ".nbc"):
                        cached.unlink(missing_ok=True)
            stamp.write_text(current)
    except (OSError, ImportError, AttributeError):   # a read-only cache, or a numba that locates
        pass                                          # its cache otherwise: numba's own check stays


def njit(*args, **options):
    """numba's ``njit``; ``cache=True`` holds only while some cache directory is writable."""
    if not _CACHING:
        options.pop("cache", None)
    return numba.njit(*args, **options)


def writable_cache(package: Path = Path(__file__).parent) -> tuple[bool, str | None]:
    """Make sure numba can cache every jitted module of ``package``: where it cannot (no
    writable directory beside the sources nor in the user's cache), point numba's cache at the
    temporary directory.  Whether some cache is writable, and what to warn of if it moved."""
    try:
        modules = jitted_modules(package)
        if all(cache_dir(module) is not None for module in modules):
            return True, None
    except (OSError, ImportError, AttributeError):
        return True, None             # a numba that locates its cache otherwise: leave it to numba
    user = os.getuid() if hasattr(os, "getuid") else 0
    fallback = Path(tempfile.gettempdir()) / f"neuralogic_lite-numba-cache-{user}"
    unwritable = numba.config.CACHE_DIR or "beside the installed package and in the user's cache directory"
    _use_cache_dir(str(fallback))
    if all(cache_dir(module) is not None for module in modules):
        return True, f"numba cannot write its cache {unwritable}; compiled kernels are cached in {fallback}"
    _use_cache_dir("")
    return False, f"numba cannot write its cache {unwritable} nor in {fallback}; kernels are compiled " \
                  "afresh in every run"


def _use_cache_dir(path: str) -> None:
    """Set numba's NUMBA_CACHE_DIR, through the environment: numba rereads it when the
    environment changes (and child processes inherit it)."""
    os.environ["NUMBA_CACHE_DIR"] = path
    numba.config.reload_config()


class Compiling(event.Listener):
    """Seconds spent compiling kernels in this process, from numba's compile events (a cache
    hit raises none).  When a compile begins while none is under way, ``hook()`` is called (if
    set); the first one also warns of a moved or missing cache (``cache_warning``)."""

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


_CACHING, _cache_warning = writable_cache()
refresh()
compiling = Compiling(_cache_warning)
event.register("numba:compile", compiling)
