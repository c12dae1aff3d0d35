"""Library notes that are not the user's business stay out of Panza's output."""

from __future__ import annotations

import subprocess
import sys

import pytest


def _stderr(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120).stderr


def test_bitsandbytes_kernel_warning_is_silenced() -> None:
    pytest.importorskip("bitsandbytes")
    loud = _stderr("import bitsandbytes")
    if "kernels-community" not in loud:
        pytest.skip("this CPU has no AVX512-BF16: bitsandbytes does not print the note here")
    quiet = _stderr("from panza.logs import quiet_libraries; quiet_libraries(); import peft, bitsandbytes")
    assert "kernels-community" not in quiet, quiet[-500:]
