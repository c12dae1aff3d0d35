"""llama.cpp's own GGUF quantizer (the code behind ``llama-quantize``), for the export and the embedded model.

One place for the native call and its quieting, so ``panza export gguf`` and the embedded model's
re-encoding (:func:`panza.models.embedded.llamacpp_gguf`) fail and log alike.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import logging
from collections.abc import Iterator
from pathlib import Path

from panza.errors import PanzaError

log = logging.getLogger(__name__)


@contextlib.contextmanager
def _quiet_native() -> Iterator[None]:
    """llama.cpp logs every tensor to stderr while quantizing: keep the terminal readable."""
    try:
        from llama_cpp._utils import suppress_stdout_stderr
    except ImportError:  # pragma: no cover - older llama-cpp-python
        yield
        return
    with suppress_stdout_stderr(disable=log.isEnabledFor(logging.DEBUG)):
        yield


def llama_quantize(src: Path, dst: Path, ftype: int, name: str, *, threads: int | None = None,
                   requantize: bool = False) -> Path:
    """Write ``src`` as llama.cpp file type ``ftype`` (``name`` for messages) to ``dst``.

    ``requantize``: also accept an already quantized ``src`` (llama.cpp refuses one by default).
    """
    try:
        import llama_cpp
    except ImportError:
        raise PanzaError("quantizing needs llama-cpp-python: pip install llama-cpp-python") from None
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = int(ftype)
    params.nthread = int(threads or 0)
    params.allow_requantize = bool(requantize)
    with _quiet_native():
        rc = llama_cpp.llama_model_quantize(str(src).encode(), str(dst).encode(), ctypes.byref(params))
    if rc != 0:
        raise OSError(errno.EIO, f"llama.cpp could not quantize {src.name} to {name} (code {rc})")
    return dst
