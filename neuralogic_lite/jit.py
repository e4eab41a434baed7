"""numba's ``njit``, with the on-disk cache kept in step with every source a kernel compiles from.

numba checks a cached kernel only against the file that defines it.  Our kernels call into
other modules (``kernels.train_epoch`` compiles ``neuron`` and ``functions`` into itself), so
after an edit to a callee alone the caller's cached machine code would still run the old code.
Every module with cached kernels imports ``njit`` from here.  The first import fingerprints
those modules and, where the fingerprint kept beside their cache differs, deletes their cache
files, so that numba compiles afresh once.
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

from numba import njit

__all__ = ["njit", "refresh"]

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


refresh()
