"""How many threads run the planned products (``Settings.threads``, ``--threads``).

The plans' matrix products go to the BLAS library numpy and scipy load (OpenBLAS), which
starts one thread per core by default; everything else in the engine runs on one thread.
Limiting BLAS is what makes timings comparable with a peer limited to the same count.
"""
from __future__ import annotations

import contextlib
from typing import Iterator


@contextlib.contextmanager
def blas_threads(count: int) -> Iterator[None]:
    """Run the body with at most ``count`` BLAS threads (0: the library's default)."""
    if count <= 0:
        yield
        return
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=count, user_api="blas"):
        yield
