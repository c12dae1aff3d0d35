"""The layering contract (pyproject's import-linter contracts) holds, and really fails on a violation."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT = Path(sys.executable).with_name("lint-imports")


def _lint(src: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    return subprocess.run([str(LINT), "--config", str(ROOT / "pyproject.toml"), "--no-cache"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def lint() -> None:
    if not LINT.is_file():
        pytest.skip("import-linter is not installed (dev extra)")


def test_the_tree_keeps_its_layers(lint: None) -> None:
    res = _lint(ROOT / "src")
    assert res.returncode == 0, res.stdout[-3000:]
    assert "2 kept, 0 broken" in res.stdout


@pytest.mark.parametrize(("module", "line", "broken"), [
    ("models/checkpoint.py", "import panza.train.trainer", "Stages import only"),  # a lower stage imports up
    ("train/loss.py", "import panza.train.trainer", "No import cycles"),  # trainer -> loss -> trainer
])
def test_an_upward_import_or_a_cycle_breaks_the_contract(lint: None, tmp_path: Path, module: str, line: str,
                                                         broken: str) -> None:
    copy = tmp_path / "src"
    shutil.copytree(ROOT / "src" / "panza", copy / "panza")
    target = copy / "panza" / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{line}  # noqa\n", encoding="utf-8")
    res = _lint(copy)
    assert res.returncode != 0
    assert f"{broken}" in res.stdout and "BROKEN" in res.stdout
