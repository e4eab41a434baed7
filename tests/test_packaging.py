"""An installed (non-editable) package finds its grammar from any directory."""
from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

from support import ROOT


def test_wheel_carries_the_grammar_and_parses_from_elsewhere(tmp_path: Path):
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(wheels), str(ROOT)],
                   check=True, cwd=tmp_path, capture_output=True)
    (wheel,) = wheels.glob("neuralogic_lite-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "neuralogic_lite/grammars/neuralogic.lark" in names
    packages = {p.parent.relative_to(ROOT).as_posix() for p in (ROOT / "neuralogic_lite").rglob("__init__.py")}
    missing = [p for p in packages if f"{p}/__init__.py" not in names]
    assert not missing, f"setup.cfg does not list these packages: {missing}"

    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target),
                    str(wheel)], check=True, capture_output=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    probe = ("import neuralogic_lite as n, neuralogic_lite.language.parser as p; "
             "print(n.__file__); print(p.grammar_path()); print(n.parse_template('a :- b.').rules[0])")
    env = {**os.environ, "PYTHONPATH": str(target)}
    out = subprocess.run([sys.executable, "-c", probe], check=True, cwd=elsewhere, env=env,
                         capture_output=True, text=True).stdout.splitlines()
    assert out[0].startswith(str(target)) and out[1].startswith(str(target))
    assert out[2] == "a :- b."
