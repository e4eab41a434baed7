"""The kernels' on-disk cache is dropped when any module that compiles kernels changes (numba
alone would only notice a change to the file defining each kernel, not to its callees)."""
from __future__ import annotations

from pathlib import Path

import neuralogic_lite
from neuralogic_lite.jit import STAMP, cache_dir, fingerprint, jitted_modules, refresh

KERNEL = "from ..jit import njit\n\n\n@njit(cache=True)\ndef {name}(x):\n    return x + {body}\n"


def _package(root: Path) -> Path:
    package = root / "pkg"
    (package / "engine").mkdir(parents=True)
    (package / "engine" / "kernels.py").write_text(KERNEL.format(name="step", body="helper(x)"))
    (package / "engine" / "neuron.py").write_text(KERNEL.format(name="helper", body="1"))
    (package / "engine" / "plain.py").write_text("SCALE = 1\n")
    return package


def _cached(directory: Path) -> list[Path]:
    files = [directory / name for name in ("kernels.step-4.py311.nbi", "kernels.step-4.py311.1.nbc",
                                           "neuron.helper-4.py311.nbi", "neuron.helper-4.py311.1.nbc")]
    for file in files:
        file.write_bytes(b"compiled")
    return files


def test_an_edit_to_a_callee_drops_its_callers_cache(tmp_path):
    package = _package(tmp_path)
    assert [m.name for m in jitted_modules(package)] == ["kernels.py", "neuron.py"]
    refresh(package)
    directory = cache_dir(package / "engine" / "kernels.py")
    files = _cached(directory)
    bytecode = directory / "kernels.cpython-311.pyc"
    bytecode.write_bytes(b"bytecode")

    refresh(package)                                         # nothing changed
    assert all(f.exists() for f in files)
    (package / "engine" / "plain.py").write_text("SCALE = 2\n")
    refresh(package)                                         # no kernels there
    assert all(f.exists() for f in files)

    (package / "engine" / "neuron.py").write_text(KERNEL.format(name="helper", body="2"))
    refresh(package)                                         # the callee changed: the caller goes too
    assert not any(f.exists() for f in files)
    assert bytecode.exists()
    assert (directory / STAMP).read_text() == fingerprint(package, jitted_modules(package))


def test_the_installed_package_is_stamped():
    package = Path(neuralogic_lite.__file__).parent
    modules = jitted_modules(package)
    assert {"kernels.py", "neuron.py", "functions.py"} <= {m.name for m in modules}
    directory = cache_dir(package / "engine" / "kernels.py")
    if directory is not None:        # a read-only install has no cache of its own to keep
        assert (directory / STAMP).read_text() == fingerprint(package, modules)
