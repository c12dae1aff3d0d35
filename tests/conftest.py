"""Shared test set-up: offline, network-guarded, with paths to the shared real data."""

from __future__ import annotations

import os
import runpy
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GUARD_DIR = Path(__file__).resolve().parent / "netguard"
SHARED_DATA = ROOT.parent / "shared" / "data"

# Every process the tests start (subprocesses included) is offline and network-guarded.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["TOKENIZERS_PARALLELISM"] = "false"
os.environ["PANZA_NETGUARD"] = "1"
os.environ["PYTHONPATH"] = os.pathsep.join(
    p for p in (str(GUARD_DIR), os.environ.get("PYTHONPATH", "")) if p
)
runpy.run_path(str(GUARD_DIR / "sitecustomize.py"))  # installs the guard in this process too


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data beside the checkout; tests that need it skip with the reason when absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data folder not found at {SHARED_DATA} (it sits beside the checkout)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def sample_mbox() -> Path:
    path = ROOT / "sample" / "jen" / "sent.mbox"
    assert path.is_file(), f"the bundled sample mailbox is missing: {path}"
    return path


@pytest.fixture()
def panza_cmd() -> list[str]:
    """The real `panza` command of this environment, for subprocess tests of the CLI contracts."""
    return [sys.executable, "-m", "panza"]
