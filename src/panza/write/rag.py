"""Opening the RAG index for the writer: optional, and never silently broken."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from panza.errors import PanzaError
from panza.models.checkpoint import Checkpoint

log = logging.getLogger(__name__)


def rag_enabled(rag_cfg: Any, checkpoint: Checkpoint | None) -> bool:
    """``writer.rag.enabled``: true, false, or ``auto`` = as the model was trained.

    Why auto: a prompt with past emails in it is a different prompt from the one a model was
    fine-tuned on. Measured on panza-david.jsonl (bench quality, SmolLM2-135M): a LoRA model
    trained without RAG context fell from ROUGE-L 0.30 to 0.13 when drafted with RAG.
    """
    value = rag_cfg.get("enabled", "auto") if rag_cfg else False
    if isinstance(value, str) and value.strip().lower() == "auto":
        on = checkpoint is not None and checkpoint.trained_with_rag
        log.info("RAG %s (writer.rag.enabled=auto: the model was trained %s past emails in its prompts)",
                 "on" if on else "off", "with" if on else "without")
        return on
    if isinstance(value, str):
        from panza.config import parse_bool

        on = parse_bool(value.strip())
        if on is None:
            raise PanzaError(f"writer.rag.enabled={value}: use true, false or auto")
        return on
    return bool(value)


def open_index(rag_cfg: Any, checkpoint: Checkpoint | None = None) -> Any | None:
    """The past-email index when RAG is on (see :func:`rag_enabled`); ``None`` (with one warning) when there is none.

    A missing index just means drafts without RAG (e.g. before ``panza prepare``); an index that
    exists but cannot be read is an error, because quietly dropping it would change the drafts.
    """
    if not rag_cfg or not rag_enabled(rag_cfg, checkpoint):
        return None
    index_dir = Path(str(rag_cfg.get("index_dir"))).expanduser()
    if not index_dir.exists():
        log.warning(
            "no RAG index at %s: drafting without past emails (build it with `panza prepare`, "
            "or set writer.rag.enabled=false to silence this)",
            index_dir,
        )
        return None
    try:
        from panza.index import EmailIndex
    except ImportError:
        log.warning(
            "RAG is unavailable in this installation (panza.index cannot be imported): "
            "drafting without past emails"
        )
        return None
    try:
        return EmailIndex.load(index_dir)
    except PanzaError:
        raise
    except Exception as e:
        raise PanzaError(
            f"{index_dir}: the RAG index cannot be read ({type(e).__name__}: "
            f"{str(e).splitlines()[0] if str(e) else 'corrupt'}); rebuild it with `panza prepare` "
            "or set writer.rag.enabled=false"
        ) from None
