"""MAUVE between the drafts and the real emails, computed locally.

The original loaded MAUVE from the hub (``evaluate.load("mauve")``), which featurizes with
GPT-2 large downloaded at run time. Here the ``mauve-text`` package gets features we compute:
the sentence embeddings of the embedded all-MiniLM-L6-v2 (the model RAG already uses). Why that
model and not the embedded SmolLM2's hidden states: MiniLM is trained so that its vectors place
texts by meaning and wording, its mean pooling sees the whole email (an LM's last-token state
mostly describes the last few tokens), it is already loaded for the centroid similarity, and it
embeds a test set in seconds on a CPU. MAUVE figures are therefore comparable between Panza runs,
not with the paper's GPT-2-large numbers.

Like the original, every draft is one sample of P and every golden one sample of Q. MAUVE
quantizes the features into ``n/10`` clusters (at least 2): below some tens of samples per side it
is noisy, so the sample counts are reported beside the score, and below ``MIN_SAMPLES`` it is not
computed (``null``).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from typing import Any

MIN_SAMPLES = 10  # below this MAUVE has 2 clusters and says next to nothing


@contextlib.contextmanager
def _quiet_native_stderr() -> Iterator[None]:
    """faiss' k-means prints a C++ warning per call for small sets; keep it off the user's terminal."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def mauve_from_features(p_features: Any, q_features: Any, seed: int = 25, **options: Any) -> float | None:
    """MAUVE of two feature matrices (``None`` when a side has fewer than ``MIN_SAMPLES`` rows)."""
    import numpy as np

    p, q = np.asarray(p_features, dtype="float32"), np.asarray(q_features, dtype="float32")
    if len(p) < MIN_SAMPLES or len(q) < MIN_SAMPLES:
        return None
    try:
        from mauve.compute_mauve import compute_mauve
    except ImportError:
        from panza.errors import PanzaError

        raise PanzaError("MAUVE needs mauve-text and scikit-learn: pip install mauve-text scikit-learn") from None
    with _quiet_native_stderr():
        out = compute_mauve(p_features=p, q_features=q, seed=seed, verbose=False, **options)
    return float(out.mauve)
