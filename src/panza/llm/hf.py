"""Transformers and PEFT backends: any Hugging Face model folder or id, batched and streamed.

Batches are left-padded so every row's new tokens start at the same position; prompts are
rendered with the model's own chat template (``add_generation_prompt=True``), exactly as the
training side renders them (see :mod:`panza.prompt`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from panza.errors import PanzaError
from panza.llm.base import Conversation, Sampling, check_conversation, cut_at_stop, join_prefill
from panza.models.checkpoint import Checkpoint
from panza.models.loading import (
    adapter_base,
    load_adapter,
    load_causal_lm,
    load_tokenizer,
    model_path,
    pick_dtype,
)

log = logging.getLogger(__name__)


class TransformersLLM:
    """A causal LM run with ``transformers`` (CPU fp32 by default, bf16 on GPU, optional 4-bit)."""

    def __init__(
        self, model: Any, tokenizer: Any, sampling: Sampling, *, batch_size: int = 8, name: str = ""
    ) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.sampling = sampling
        self.batch_size = max(1, int(batch_size))
        self.name = name

    # ---- construction -------------------------------------------------------------------------
    @classmethod
    def from_config(
        cls, cfg: dict[str, Any], *, checkpoint: Checkpoint | None = None, cache_dir: Path | str | None = None
    ) -> TransformersLLM:
        if checkpoint is not None and checkpoint.is_adapter:
            raise PanzaError(
                f"{checkpoint.path} holds a LoRA/RoSA adapter, not a full model: use writer/llm=peft "
                "(or merge it first with `panza merge`)"
            )
        if checkpoint is not None:
            path = str(checkpoint.path)
        else:
            path = model_path(str(cfg.get("model") or "embedded"), cache_dir, key="writer.llm.model")
        tok = load_tokenizer(path, for_generation=True)
        model = _to_device(load_model(path, cfg), cfg)
        return cls(model, tok, Sampling.from_config(cfg.get("sampling")), batch_size=cfg.get("batch_size", 8),
                   name=path)

    # ---- generation ---------------------------------------------------------------------------
    def prompt_text(self, messages: Conversation) -> str:
        """The prompt text the model sees for ``messages`` (chat template + generation prompt)."""
        check_conversation(messages)
        return self.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)

    def _gen_kwargs(self, s: Sampling) -> dict[str, Any]:
        kw: dict[str, Any] = {
            "max_new_tokens": s.max_new_tokens,
            "do_sample": s.do_sample,
            "repetition_penalty": s.repetition_penalty,
            "pad_token_id": self.tokenizer.pad_token_id,
        }
        if s.do_sample:
            kw.update(temperature=s.temperature, top_p=s.top_p, top_k=s.top_k)
        else:  # silence "temperature is set but do_sample=False" warnings from generation_config
            kw.update(temperature=None, top_p=None, top_k=None)
        if s.stop:
            kw.update(stop_strings=list(s.stop), tokenizer=self.tokenizer)
        return kw

    def _loop_stop(self, enc: Any) -> Any:
        """Stop each sequence once it loops (the writer would cut the loop anyway)."""
        from transformers import StoppingCriteriaList

        from panza.llm.loops import LoopStop

        return StoppingCriteriaList([LoopStop(self.tokenizer, enc["input_ids"].shape[1])])

    def _encode(self, batch: list[Conversation], prefills: list[str] | None = None) -> Any:
        texts = [self.prompt_text(m) + (p if prefills else "") for m, p in zip(batch, prefills or batch, strict=True)]
        # The chat template already holds any BOS token; adding special tokens again would double it.
        enc = self.tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False)
        return enc.to(self.model.device)

    def generate(self, batch: list[Conversation], **sampling: Any) -> list[str]:
        import torch

        s = self.sampling.with_overrides(**sampling)
        if s.seed is not None:
            torch.manual_seed(s.seed)
        out: list[str] = []
        for i in range(0, len(batch), self.batch_size):
            enc = self._encode(batch[i : i + self.batch_size])
            with torch.inference_mode():
                ids = self.model.generate(**enc, **self._gen_kwargs(s), stopping_criteria=self._loop_stop(enc))
            new = ids[:, enc["input_ids"].shape[1] :]
            out.extend(t.strip() for t in self.tokenizer.batch_decode(new, skip_special_tokens=True))
        return [cut_at_stop(t, s.stop) for t in out]

    def complete_chat(self, batch: list[Conversation], prefills: list[str], **sampling: Any) -> list[str]:
        """Continue each chat's assistant turn from ``prefill``: prefill + continuation."""
        import torch

        s = self.sampling.with_overrides(**sampling)
        if s.seed is not None:
            torch.manual_seed(s.seed)
        out: list[str] = []
        for i in range(0, len(batch), self.batch_size):
            enc = self._encode(batch[i : i + self.batch_size], prefills[i : i + self.batch_size])
            with torch.inference_mode():
                ids = self.model.generate(**enc, **self._gen_kwargs(s))
            out.extend(self.tokenizer.batch_decode(ids[:, enc["input_ids"].shape[1] :], skip_special_tokens=True))
        return [join_prefill(p, cut_at_stop(t, s.stop, strip=False)) for p, t in zip(prefills, out, strict=True)]

    def score(self, batch: list[Conversation], continuations: Sequence[str]) -> list[tuple[float, int]]:
        """(log-probability, tokens) of each continuation as the assistant's reply, one text per forward pass."""
        import torch

        out = []
        for m, c in zip(batch, continuations, strict=True):
            prompt = self.tokenizer(self.prompt_text(m), add_special_tokens=False)["input_ids"]
            cont = self.tokenizer(c, add_special_tokens=False)["input_ids"]
            if not prompt or not cont:
                out.append((0.0, len(cont)))
                continue
            ids = torch.tensor([prompt + cont], device=self.model.device)
            with torch.inference_mode():
                logits = self.model(input_ids=ids).logits[0, len(prompt) - 1 : -1].float()
            lp = torch.log_softmax(logits, dim=-1).gather(1, ids[0, len(prompt) :, None]).sum()
            out.append((float(lp), len(cont)))
        return out

    def stream(self, messages: Conversation, **sampling: Any) -> Iterator[str]:
        import torch
        from transformers import TextIteratorStreamer

        s = self.sampling.with_overrides(**sampling)
        if s.seed is not None:
            torch.manual_seed(s.seed)
        enc = self._encode([messages])
        streamer = TextIteratorStreamer(self.tokenizer, skip_prompt=True, skip_special_tokens=True)
        errors: list[BaseException] = []

        def work() -> None:
            try:
                with torch.inference_mode():
                    self.model.generate(**enc, **self._gen_kwargs(s), streamer=streamer,
                                        stopping_criteria=self._loop_stop(enc))
            except BaseException as e:  # surfaced in the consumer thread below
                errors.append(e)
                streamer.end()

        t = threading.Thread(target=work, daemon=True)
        t.start()
        yield from (piece for piece in streamer if piece)
        t.join()
        if errors:
            raise errors[0]


def load_model(path: str, cfg: dict[str, Any]) -> Any:
    """A causal LM for inference: dtype and 4-bit from the backend config, eval mode."""
    cuda = _use_cuda(cfg)
    if cfg.get("load_in_4bit") and not cuda:
        raise PanzaError("writer.llm.load_in_4bit needs a CUDA GPU; set it to false on CPU")
    model = load_causal_lm(path, dtype=pick_dtype(cfg.get("dtype"), cuda), load_in_4bit=bool(cfg.get("load_in_4bit")))
    model.eval()
    return model


def _use_cuda(cfg: dict[str, Any]) -> bool:
    import torch

    return torch.cuda.is_available() and str(cfg.get("device", "auto")) != "cpu"


def _to_device(model: Any, cfg: dict[str, Any]) -> Any:
    if _use_cuda(cfg) and not cfg.get("load_in_4bit"):
        model = model.to("cuda")
    return model


class PeftLLM(TransformersLLM):
    """A base model plus a trained LoRA or RoSA adapter (``checkpoint`` = the run folder)."""

    @classmethod
    def from_config(
        cls, cfg: dict[str, Any], *, checkpoint: Checkpoint | None = None, cache_dir: Path | str | None = None
    ) -> PeftLLM:
        if checkpoint is None and cfg.get("adapter"):
            checkpoint = Checkpoint.from_path(str(cfg["adapter"]))
        if checkpoint is None:
            raise PanzaError(
                "the peft backend needs an adapter folder: checkpoint=<run dir> (or writer.llm.adapter=<dir>)"
            )
        if not checkpoint.is_adapter:
            raise PanzaError(
                f"{checkpoint.path} has no adapter_config.json or rosa_config.json; point checkpoint= at an "
                "adapter folder (or use writer/llm=transformers for a full model)"
            )
        base = adapter_base(checkpoint, cfg.get("model"))
        base_path = model_path(base, cache_dir, key="writer.llm.model")
        tok = load_tokenizer(str(checkpoint.tokenizer_dir or base_path), for_generation=True)
        model = _to_device(load_adapter(load_model(base_path, cfg), checkpoint, base_path), cfg)
        return cls(model, tok, Sampling.from_config(cfg.get("sampling")), batch_size=cfg.get("batch_size", 8),
                   name=f"{checkpoint.kind}:{base_path}+{checkpoint.path}")
