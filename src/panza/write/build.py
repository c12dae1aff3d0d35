"""The writer built from a ``panza run`` config: checkpoint, backend, preambles and RAG, resolved once.

Order matters for a good failure: cheap checks (checkpoint, preambles) come before the model is
loaded, so a typo costs a second, not a model load.
"""

from __future__ import annotations

from omegaconf import DictConfig

from panza.config import cache_dir
from panza.errors import PanzaError
from panza.llm.base import backend_for, load_llm, plain
from panza.models.checkpoint import Checkpoint
from panza.prompt import load_preambles, warn_placeholder
from panza.write.channel import load_channel_template
from panza.write.rag import open_index
from panza.write.writer import PanzaWriter, WriterOptions


def resolve_checkpoint(cfg: DictConfig) -> Checkpoint | None:
    """``checkpoint=`` of the config: a model folder, a GGUF file, a run name, ``latest`` or none."""
    return Checkpoint.resolve(cfg.get("checkpoint"), cfg.get("checkpoint_dir"))


def interactive(value: object) -> str:
    """``writer.interactive``: ``checked`` or ``greedy``; anything else is a one-line error."""
    v = str(value).strip().lower()
    if v not in ("checked", "greedy"):
        raise PanzaError(f"writer.interactive={value!r}: use checked (the checked draft, sent once chosen) or "
                         "greedy (the greedy draft, token by token)")
    return v


def build_writer(cfg: DictConfig) -> PanzaWriter:
    checkpoint = resolve_checkpoint(cfg)
    preambles = load_preambles(cfg, warn=False)
    w = cfg.writer
    channel = bool(w.channel)
    template = load_channel_template(w.channel_prompt_path) if channel else None
    rag_cfg, thread_cfg = w.rag, w.thread
    llm_cfg = backend_for(plain(w.get("llm")), checkpoint)
    llm = load_llm(llm_cfg, checkpoint=checkpoint, cache_dir=cache_dir(cfg))
    # Warnings only once the model is up, so a run that fails prints its one-line error alone.
    index = open_index(rag_cfg, checkpoint)
    warn_placeholder(preambles, cfg.user.get("user_preamble_path"))
    options = WriterOptions(  # values from configs/panza_writer.yaml (writer.rag.*, writer.thread.*)
        rag_k=int(rag_cfg.k),
        rag_threshold=float(rag_cfg.threshold),
        thread_enabled=bool(thread_cfg.enabled),
        thread_max_emails=int(thread_cfg.max_emails),
        thread_max_chars=int(thread_cfg.max_chars),
        best_of=max(1, int(w.best_of)),
        retries=max(0, int(w.retries)),
        retry_missing=bool(w.retry_missing),
        retry_hint=bool(w.retry_hint),
        cut_made_up=bool(w.cut_made_up),
        temperature=float(w.candidates.temperature),
        top_p=float(w.candidates.top_p),
        consensus=bool(w.consensus),
        channel=channel,
        direct_weight=float(w.direct_weight),
        length_weight=float(w.length_weight),
        seed=int(cfg.get("seed") or 0),
        interactive=interactive(w.interactive),
    )
    writer = PanzaWriter(llm, preambles, index, options, channel_template=template)
    model = checkpoint.path if checkpoint else llm_cfg.get("model") or llm_cfg.get("model_path") or "embedded"
    if checkpoint is not None and llm_cfg.get("backend") == "llamacpp":
        model = checkpoint.gguf_file or model
    writer.info = {
        "backend": llm_cfg.get("backend"),
        "model": str(model),
        "checkpoint": str(checkpoint.path) if checkpoint else None,
        "rag": index is not None,
    }
    return writer
