"""Memory management for big inputs: freed memory back to the system, and no cycle collection
while millions of small acyclic objects are made.

Freed memory: large arrays get pages of their own, and the heap is trimmed.

glibc's allocator serves an array from its heap unless it is larger than a threshold that
grows each time a large block is freed; building a big graph frees many large temporaries,
after which even the largest arrays come from the heap, and the heap, fragmented by the
small objects between them, is never returned: the resident size stays at the peak.  Fixing
the threshold (1 MiB) keeps large arrays in their own mappings, which return to the system
when freed.  Elsewhere than glibc both calls do nothing.
"""
from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import gc
from functools import lru_cache

M_MMAP_THRESHOLD = -3


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


@contextlib.contextmanager
def cycle_collection_paused():
    """Python's cycle collector off for the block.  Parsing, grounding and neuralizing make many
    small objects (tokens, a list per query) and no reference cycles; the collector, triggered
    by the allocations, would walk every parsed sample again and again (a third of the time on
    a knowledge base of 50k queries)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
