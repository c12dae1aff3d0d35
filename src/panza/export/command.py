"""``panza export <step> checkpoint=RUN``: the home of export steps; ``panza merge`` is ``export merged``.

The checkpoint is resolved once (a run directory, a run name or ``latest``) and handed to the step;
the path it writes is printed as the last line of stdout (a stable contract for scripts).
"""

from __future__ import annotations

import importlib
import logging
import sys
from typing import Any

from panza.errors import PanzaError
from panza.export import STEPS
from panza.models.checkpoint import Checkpoint


def export(step: str, cfg: Any) -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    if step not in STEPS:
        raise PanzaError(f"unknown export {step!r}; choose one of: {', '.join(STEPS)} (panza export <step>)")
    value = cfg.get("checkpoint")
    if value in (None, ""):
        raise PanzaError("no checkpoint given: pass checkpoint=<run directory> or checkpoint=latest")
    ckpt = Checkpoint.resolve(value, cfg.get("checkpoint_dir"))
    assert ckpt is not None
    out = importlib.import_module(STEPS[step]).run(ckpt, cfg)
    print(out, flush=True)
    return 0


def main(cfg: Any) -> int:
    """``panza export``: the step comes from the command line (``export_step``)."""
    return export(str(cfg.get("export_step") or ""), cfg)


def merge_main(cfg: Any) -> int:
    """``panza merge``: kept as the original's name for ``panza export merged``."""
    return export("merged", cfg)
