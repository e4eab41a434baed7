"""``Settings.threads``: the BLAS libraries (scipy's, which the planned products call, included)
run with at most that many threads inside ``blas_threads``, and as before outside it."""
from __future__ import annotations

from threadpoolctl import threadpool_info

from neuralogic_lite.engine.threads import blas_threads


def _blas_threads() -> dict[str, int]:
    return {info["filepath"]: info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"}


def test_limits_every_blas_library_and_restores():
    with blas_threads(1):                      # the first call loads scipy's BLAS if nothing had
        pass
    before = _blas_threads()
    with blas_threads(1):
        inside = _blas_threads()
    assert any("scipy" in path for path in inside)
    assert set(inside.values()) == {1}
    assert _blas_threads() == before
    with blas_threads(0):                      # 0: the library's default, untouched
        assert _blas_threads() == before
