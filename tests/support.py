"""Helpers for the tests: where the reference datasets are, and how to say they are missing.

On a fresh clone neither ``../shared/datasets`` nor the ``neuralogic`` package exists, and
the tests that need them skip with the reason.  CI sets ``NLITE_REQUIRE_ALL=1``, which turns
those skips into failures.
"""
from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "datasets" / "neuralogic"
STRICT = os.environ.get("NLITE_REQUIRE_ALL") == "1"


def unavailable(reason: str) -> None:
    """Skip the test because something external is missing (fail instead under CI)."""
    if STRICT:
        pytest.fail(f"NLITE_REQUIRE_ALL=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def oracle_available() -> bool:
    return importlib.util.find_spec("neuralogic") is not None
