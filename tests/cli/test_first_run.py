"""A first run: numba compiles the kernels (said on a terminal, kept out of the training time),
and where its cache cannot be written, the commands still work, with one warning."""
from __future__ import annotations

import os
import pty
import shutil
import subprocess
import sys
from pathlib import Path

import numba

from neuralogic_lite import jit

from support import ROOT

XOR = [str(ROOT / "templates" / "xor.txt"), str(ROOT / "datasets" / "xor" / "examples.txt")]


def _on_a_terminal(arguments: list[str], env: dict) -> tuple[int, str]:
    """Run ``nlite`` with stderr on a pseudo-terminal: (exit code, what the terminal showed)."""
    controller, terminal = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "neuralogic_lite.cli", *arguments], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=terminal)
    os.close(terminal)
    shown = b""
    while True:
        try:
            chunk = os.read(controller, 4096)
        except OSError:          # the process closed the terminal
            break
        if not chunk:
            break
        shown += chunk
    os.close(controller)
    return proc.wait(), shown.decode(errors="replace")


def test_a_first_compile_is_announced_once_and_not_again(tmp_path):
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "cache")}
    command = ["ground", *XOR, "--lift", "none"]
    code, shown = _on_a_terminal(command, env)
    assert code == 0, shown
    assert shown.count("compiling kernels for this machine (first run only") == 1, shown
    code, shown = _on_a_terminal(command, env)
    assert code == 0 and "compiling" not in shown, shown


def test_compiling_is_counted_apart_from_training():
    """The listener counts the seconds of a compile (numba's compile events), and tells the hook
    when one starts; a cached or compiled kernel raises no event."""
    told = []
    jit.compiling.hook = lambda: told.append(1)
    before = jit.compiling.seconds

    @numba.njit
    def fresh(x):
        return x * 2 + 1

    try:
        assert fresh(3) == 7 and fresh(4) == 9
    finally:
        jit.compiling.hook = None
    assert told == [1] and jit.compiling.seconds > before


def _unwritable_install(tmp_path: Path) -> Path:
    """A copy of the package whose folders cannot hold a ``__pycache__`` (a file is in the way:
    what a read-only install is to numba, also for root)."""
    copy = tmp_path / "install"
    shutil.copytree(ROOT / "neuralogic_lite", copy / "neuralogic_lite",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "grammars", copy / "neuralogic_lite" / "grammars")   # where an install keeps it
    for folder in [copy / "neuralogic_lite", *(p for p in (copy / "neuralogic_lite").rglob("*") if p.is_dir())]:
        (folder / "__pycache__").write_text("")
    return copy


def test_an_unwritable_cache_falls_back_with_one_warning(tmp_path):
    """HOME unusable and the install read-only: kernels are cached in the temporary folder."""
    install = _unwritable_install(tmp_path)
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("NUMBA_CACHE_DIR", "XDG_CACHE_HOME")}
    env.update(HOME=str(tmp_path / "file" / "home"), TMPDIR=str(temporary), PYTHONPATH=str(install),
               PYTHONDONTWRITEBYTECODE="1")
    (tmp_path / "file").write_text("")      # HOME lies under a file: nothing can be made there
    proc = subprocess.run([sys.executable, "-m", "neuralogic_lite.cli", "train", *XOR, "--epochs", "2", "--quiet"],
                          cwd=tmp_path, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stderr.count("warning: numba cannot write its cache") == 1, proc.stderr
    assert str(temporary) in proc.stderr
    assert any(temporary.rglob("*.nbi"))     # the kernels are cached there for the next run


def test_without_any_writable_cache_kernels_compile_uncached(tmp_path, monkeypatch):
    """Where not even the temporary folder takes the cache, caching is off (and says so)."""
    install = _unwritable_install(tmp_path)
    (tmp_path / "file").write_text("")
    monkeypatch.setenv("HOME", str(tmp_path / "file" / "home"))
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    monkeypatch.setattr(jit.tempfile, "gettempdir", lambda: str(tmp_path / "file" / "tmp"))
    try:
        root, warning = jit.cache_root(install / "neuralogic_lite")
        assert root is None and "compiled afresh in every run" in warning
    finally:
        monkeypatch.undo()
        numba.config.reload_config()
