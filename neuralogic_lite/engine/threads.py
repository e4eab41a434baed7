"""How many threads run the planned products (``Settings.threads``, ``--threads``).

The plans' matrix products go to the BLAS library numpy and scipy load (OpenBLAS), which
starts one thread per core by default; everything else in the engine runs on one thread.
Limiting BLAS is what makes timings comparable with a peer limited to the same count.
"""
from __future__ import annotations

import contextlib
import functools
from typing import Iterator


@functools.lru_cache(maxsize=1)
def _controller():
    """threadpoolctl's view of the loaded BLAS libraries, found once per process (finding
    them scans every loaded library: about a millisecond, too much per ``fit`` call).  The
    kernels' products call scipy's BLAS, which scipy loads only with ``scipy.linalg``: it is
    loaded here first, or the scan would miss it."""
    import scipy.linalg.cython_blas  # noqa: F401  (the BLAS numba's np.dot calls)
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


@contextlib.contextmanager
def blas_threads(count: int) -> Iterator[None]:
    """Run the body with at most ``count`` BLAS threads (0: the library's default)."""
    if count <= 0:
        yield
        return
    with _controller().limit(limits=count, user_api="blas"):
        yield
