"""The kernels' on-disk cache follows every source of the package: numba alone checks only the
file that defines a kernel, not the modules whose values it freezes in (``ops.Op`` numbers)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numba

import neuralogic_lite
from neuralogic_lite import jit

from support import ROOT

#: a kernel outside ops.py that compiles in a number of ops.Op, as the engine's kernels do
PROBE = "from .jit import njit\nfrom .ops import Op\n\n\n@njit(cache=True)\ndef code():\n    return Op.COSSIM + 0\n"
RUN = ("import json; from neuralogic_lite import jit, probe; "
       "print(json.dumps([probe.code(), sum(probe.code.stats.cache_hits.values()), str(jit._ROOT)]))")


def _run(install: Path, **env: str) -> tuple[int, int, Path]:
    """In a fresh process of ``install``: the probe's value, its cache hits, the cache folder."""
    environment = {k: v for k, v in os.environ.items() if k not in ("NUMBA_CACHE_DIR", "XDG_CACHE_HOME")}
    environment.update(PYTHONPATH=str(install), PYTHONDONTWRITEBYTECODE="1", **env)
    proc = subprocess.run([sys.executable, "-c", RUN], cwd=install, env=environment, capture_output=True,
                          text=True)
    assert proc.returncode == 0 and not proc.stderr, proc.stderr
    value, hits, root = json.loads(proc.stdout)
    return value, hits, Path(root)


def test_an_edit_to_ops_drops_the_kernels_compiled_from_it(tmp_path):
    install = tmp_path / "install"
    shutil.copytree(ROOT / "neuralogic_lite", install / "neuralogic_lite", ignore=shutil.ignore_patterns("__pycache__"))
    (install / "neuralogic_lite" / "probe.py").write_text(PROBE)
    ops = install / "neuralogic_lite" / "ops.py"
    assert "    COSSIM = 25\n" in ops.read_text()

    assert _run(install)[:2] == (25, 0)                     # compiled, and cached
    value, hits, old = _run(install)
    assert (value, hits) == (25, 1)                         # read from the cache
    assert old.is_relative_to(install / "neuralogic_lite" / "__pycache__")
    assert _run(install, NUMBA_CACHE_DIR=str(old)) == (25, 1, old)   # a child process: the same folder

    ops.write_text(ops.read_text().replace("    COSSIM = 25\n", "    COSSIM = 26\n"))
    value, hits, new = _run(install)
    assert (value, hits) == (26, 0) and new != old          # numba alone would have answered 25
    assert not [*old.rglob("*.nbi"), *old.rglob("*.nbc")]   # the stale kernels are gone
    assert _run(install)[:2] == (26, 1)


def test_the_installed_package_caches_in_a_folder_of_its_sources():
    package = Path(neuralogic_lite.__file__).parent
    if jit._ROOT is not None:        # no writable place at all: nothing is cached
        assert (jit._ROOT / jit.STAMP).read_text() == jit.fingerprint(package)
        assert os.environ["NUMBA_CACHE_DIR"] == str(jit._ROOT)


def test_sources_it_cannot_fingerprint_are_compiled_uncached_and_said_so(tmp_path):
    root, warning = jit.cache_root(tmp_path)
    assert root is None and warning.startswith("the kernels' cache cannot be kept in step with the sources")
    assert "compiled afresh in every run" in warning


def test_a_temporary_folder_others_may_write_is_not_used(tmp_path, monkeypatch):
    """Anyone could have made it and left machine code in it: caching is off (and says so)."""
    (tmp_path / "file").write_text("")
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "file" / "cache"))    # unwritable: under a file
    monkeypatch.setattr(jit.tempfile, "gettempdir", lambda: str(tmp_path))
    shared = tmp_path / f"neuralogic_lite-numba-cache-{os.getuid()}"
    shared.mkdir()
    try:
        shared.chmod(0o777)
        root, warning = jit.cache_root(Path(neuralogic_lite.__file__).parent)
        assert root is None and "compiled afresh in every run" in warning
        shared.chmod(0o700)
        root, warning = jit.cache_root(Path(neuralogic_lite.__file__).parent)
        assert root.is_relative_to(shared) and f"compiled kernels are cached in {shared}" in warning
    finally:
        monkeypatch.undo()
        numba.config.reload_config()
