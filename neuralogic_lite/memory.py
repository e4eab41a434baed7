"""Memory management for big inputs: a limit on what grounding and the weights may take,
freed memory back to the system, and no cycle collection while a build makes millions of
small acyclic objects.

The limit: a template can ask for more memory than the machine has (a weight ``{100000,100000}``,
a rule joining five unrelated variables); the stages that allocate by the template estimate
the size first and stop with a message naming the rule, instead of letting the system kill
the process or swap for an hour.  ``max_memory`` (bytes, or a size like ``"4G"``; 0: half of
the physical memory) bounds each such allocation.

Freed memory: large arrays get pages of their own, and the heap is trimmed.

glibc's allocator serves an array from its heap unless it is larger than a threshold that
grows each time a large block is freed; building a big graph frees many large temporaries,
after which even the largest arrays come from the heap, and the heap, fragmented by the
small objects between them, is never returned: the resident size stays at the peak.  Fixing
the threshold (1 MiB) keeps large arrays in their own mappings, which return to the system
when freed.  Elsewhere than glibc both calls do nothing.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import gc
import os
import re
import sys
import threading
from functools import lru_cache

from .errors import MemoryLimitError, NeuraLogicLiteError

M_MMAP_THRESHOLD = -3

#: units of a written size: powers of 1024, as ``free -h`` and numpy's messages count
_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
_SIZE = re.compile(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*([KMGT]?)(?:I?B)?\s*", re.I)


def parse_size(text: str) -> int:
    """Bytes of a size written like ``4G``, ``500M``, ``1.5GiB`` or ``1000000`` (bytes)."""
    match = _SIZE.fullmatch(text)
    size = int(float(match.group(1)) * _UNITS[match.group(2).upper()]) if match else 0
    if size <= 0:
        raise NeuraLogicLiteError(f"a memory size is a positive number of bytes, or one with a unit "
                                  f"K, M, G or T (like 4G or 500M); not '{text}'")
    return size


def size_text(size: int) -> str:
    """A byte count as people read it: ``74.5 GiB``."""
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024:
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TiB"


def physical_memory() -> int | None:
    """Bytes of physical memory (None when the system does not say)."""
    try:
        pages = os.sysconf("SC_PHYS_PAGES")
        if pages > 0:
            return os.sysconf("SC_PAGE_SIZE") * pages
    except (AttributeError, ValueError, OSError):
        pass
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def memory_limit(max_memory: int | str = 0) -> int:
    """The limit in bytes that ``Settings.max_memory`` stands for: bytes, a size like ``"4G"``,
    or 0 for half of the physical memory (no limit when the system does not say how much)."""
    if isinstance(max_memory, str):
        return parse_size(max_memory)
    if max_memory < 0:
        raise NeuraLogicLiteError(f"max_memory is a number of bytes (0: half of the physical memory), "
                                  f"not {max_memory}")
    if max_memory:
        return int(max_memory)
    physical = physical_memory()
    return physical // 2 if physical else sys.maxsize


def over_limit(what: str, size: int, limit: int, location=None, rule: str | None = None) -> MemoryLimitError:
    """The error for ``what`` (a sentence ending in 'need' or so) needing ``size`` bytes, more than ``limit``."""
    return MemoryLimitError(f"{what} about {size_text(size)} ({size:,} bytes), more than the memory limit of "
                            f"{size_text(limit)} (--max-memory, Settings.max_memory)", location, rule)


@lru_cache(maxsize=None)
def _libc():
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
        return libc if libc is not None and hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None
    except OSError:
        return None


def large_arrays_apart() -> None:
    """Serve every allocation of 1 MiB or more from its own mapping (once per process)."""
    libc = _libc()
    if libc is not None:
        libc.mallopt(M_MMAP_THRESHOLD, 1 << 20)


def trim() -> None:
    """Return the heap's free pages to the system."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)


class _CollectorPause:
    """Who has Python's cycle collector paused.  The collector is the process's, so pauses
    are counted: it is switched off when the first one starts and back on (if it was on)
    when the last one ends, however they nest or overlap in threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.holders = 0
        self.was_enabled = False

    def __enter__(self) -> None:
        with self.lock:
            if self.holders == 0:
                self.was_enabled = gc.isenabled()
                gc.disable()
            self.holders += 1

    def __exit__(self, *exc) -> None:
        with self.lock:
            self.holders -= 1
            if self.holders == 0 and self.was_enabled:
                gc.enable()


_COLLECTOR_PAUSE = _CollectorPause()


def cycle_collection_paused() -> _CollectorPause:
    """Python's cycle collector off for the block (for the whole process: see ``_CollectorPause``).
    Grounding and neuralizing make many small objects and no reference cycles; the collector,
    triggered by the allocations, walks the live objects, the samples' included, again and
    again: a tenth or more of a build of 10k molecules beside 5.7 million live objects.
    (Parsing leaves the collector alone, at a cost measured at up to a quarter of a Lark
    parse and under a tenth of the scanner's.)"""
    return _COLLECTOR_PAUSE
