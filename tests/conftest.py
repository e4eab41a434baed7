"""Shared fixtures: the reference datasets, the reference engine (oracle), and the seed."""
from __future__ import annotations

from pathlib import Path

import pytest

from support import SHARED, oracle_available, unavailable


@pytest.fixture(scope="session")
def shared() -> Path:
    """The reference engine's datasets (``../shared/datasets/neuralogic``)."""
    if not SHARED.is_dir():
        unavailable(f"the shared reference datasets are not at {SHARED}")
    return SHARED


@pytest.fixture(scope="session")
def oracle_installed() -> None:
    """Skip unless the reference engine (``pip install '.[oracle]'``) is installed."""
    if not oracle_available():
        unavailable("the reference engine is not installed (pip install '.[oracle]')")


@pytest.fixture
def seed() -> int:
    return 0
