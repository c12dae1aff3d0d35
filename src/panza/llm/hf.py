"""Transformers and PEFT backends: any Hugging Face model folder or id, batched and streamed.

Batches are left-padded so every row's new tokens start at the same position; prompts are
rendered with the model's own chat template (``add_generation_prompt=True``), exactly as the
training side renders them (see :mod:`panza.write.prompting`).
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from panza.errors import PanzaError
from panza.llm.base import Conversation, Sampling, check_conversation
from panza.llm.embedded import resolve_model


@contextlib.contextmanager
def quiet_peft() -> Iterator[None]:
    """PEFT (0.21) reads transformers' deprecated ``is_gradient_checkpointing``: hide that one warning."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*", category=FutureWarning)
        yield

log = logging.getLogger(__name__)


def _looks_like_path(name: str) -> bool:
    return name.startswith(("/", ".", "~")) or Path(name).expanduser().exists() or name.count("/") > 1


def _check_model_ref(name: str, key: str) -> None:
    if _looks_like_path(name) and not Path(name).expanduser().exists():
        raise PanzaError(
            f"model path {name} does not exist; fix {key} (a model folder, a Hugging Face id or 'embedded')"
        )


def _pick_dtype(torch: Any, dtype: str | None, cuda: bool) -> Any:
    if dtype in (None, "", "auto"):
        return torch.bfloat16 if cuda else torch.float32
    try:
        return {
            "float32": torch.float32,
            "fp32": torch.float32,
            "bfloat16": torch.bfloat16,
            "bf16": torch.bfloat16,
            "float16": torch.float16,
            "fp16": torch.float16,
        }[str(dtype)]
    except KeyError:
        raise PanzaError(
            f"unknown dtype {dtype!r} (writer.llm.dtype): use auto, float32, bfloat16 or float16"
        ) from None


def load_tokenizer(path: str) -> Any:
    """The model's tokenizer set up for batched generation (left padding, a pad token)."""
    from transformers import AutoTokenizer

    try:
        tok = AutoTokenizer.from_pretrained(path)
    except (OSError, ValueError) as e:
        raise PanzaError(f"cannot load a tokenizer from {path}: {str(e).splitlines()[0]}") from None
    tok.padding_side = "left"
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    if not getattr(tok, "chat_template", None):
        raise PanzaError(
            f"model {path} has no chat template: pick an instruct/chat model, or add a "
            "'chat_template' to its tokenizer_config.json"
        )
    return tok


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
        cls, cfg: dict[str, Any], *, checkpoint: str | None = None, cache_dir: Path | str | None = None
    ) -> TransformersLLM:
        name = str(checkpoint or cfg.get("model") or "embedded")
        key = "checkpoint" if checkpoint else "writer.llm.model"
        _check_model_ref(name, key)
        path = resolve_model(name, cache_dir)
        if (Path(path) / "adapter_config.json").is_file():
            raise PanzaError(
                f"{path} holds a LoRA/PEFT adapter, not a full model: use writer/llm=peft "
                "(or merge it first with `panza merge`)"
            )
        tok = load_tokenizer(path)
        model = load_causal_lm(path, cfg)
        return cls(
            model,
            tok,
            Sampling.from_config(cfg.get("sampling")),
            batch_size=cfg.get("batch_size", 8),
            name=path,
        )

    # ---- generation ---------------------------------------------------------------------------
    def render(self, messages: Conversation) -> str:
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

    def _encode(self, batch: list[Conversation]) -> Any:
        texts = [self.render(m) for m in batch]
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
        return [_cut_at_stop(t, s.stop) for t in out]

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


def _cut_at_stop(text: str, stop: tuple[str, ...]) -> str:
    """HF keeps the matched stop string in the output; the other backends do not."""
    cut = min((i for i in (text.find(st) for st in stop if st) if i >= 0), default=-1)
    return text[:cut].rstrip() if cut >= 0 else text


def load_causal_lm(path: str, cfg: dict[str, Any]) -> Any:
    """Load a causal LM for inference on the best device, with a clear one-line error."""
    import torch
    from transformers import AutoModelForCausalLM

    cuda = torch.cuda.is_available() and str(cfg.get("device", "auto")) != "cpu"
    kw: dict[str, Any] = {"dtype": _pick_dtype(torch, cfg.get("dtype"), cuda)}
    if cfg.get("load_in_4bit"):
        if not cuda:
            raise PanzaError("writer.llm.load_in_4bit needs a CUDA GPU; set it to false on CPU")
        from transformers import BitsAndBytesConfig

        kw["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True,
            bnb_4bit_compute_dtype=torch.bfloat16,
            bnb_4bit_quant_type="nf4",
            bnb_4bit_use_double_quant=True,
        )
        kw["device_map"] = "auto"
    try:
        model = AutoModelForCausalLM.from_pretrained(path, **kw)
    except (OSError, ValueError) as e:
        raise PanzaError(f"cannot load model {path}: {str(e).splitlines()[0]}") from None
    if cuda and not cfg.get("load_in_4bit"):
        model = model.to("cuda")
    model.eval()
    return model


class PeftLLM(TransformersLLM):
    """A base model plus a LoRA/PEFT adapter (``checkpoint`` = the adapter folder)."""

    @classmethod
    def from_config(
        cls, cfg: dict[str, Any], *, checkpoint: str | None = None, cache_dir: Path | str | None = None
    ) -> PeftLLM:
        adapter = checkpoint or cfg.get("adapter")
        if not adapter:
            raise PanzaError(
                "the peft backend needs an adapter folder: checkpoint=<run dir> (or writer.llm.adapter=<dir>)"
            )
        adapter_dir = Path(str(adapter)).expanduser()
        from panza.train.rosa import is_rosa_dir

        # RoSA (LoRA + sparse adapter) has its own loader; generation is the same code either way.
        load = _load_rosa if is_rosa_dir(adapter_dir) else _load_peft
        model, tok, name = load(adapter_dir, cfg, cache_dir)
        return cls(
            model,
            tok,
            Sampling.from_config(cfg.get("sampling")),
            batch_size=cfg.get("batch_size", 8),
            name=name,
        )


def _load_rosa(adapter_dir: Path, cfg: dict[str, Any], cache_dir: Path | str | None) -> tuple[Any, Any, str]:
    import torch

    from panza.train.rosa import load_rosa_model

    model = load_rosa_model(adapter_dir, cache_dir=cache_dir)
    if torch.cuda.is_available() and str(cfg.get("device", "auto")) != "cpu":
        model = model.to("cuda")
    has_tok = (adapter_dir / "tokenizer_config.json").is_file()
    tok = load_tokenizer(str(adapter_dir) if has_tok else str(model.config.name_or_path))
    return model, tok, f"rosa:{adapter_dir}"


def _load_peft(adapter_dir: Path, cfg: dict[str, Any], cache_dir: Path | str | None) -> tuple[Any, Any, str]:
    conf_file = adapter_dir / "adapter_config.json"
    if not conf_file.is_file():
        raise PanzaError(
            f"{adapter_dir} has no adapter_config.json; point checkpoint= at a PEFT adapter "
            "folder (or use writer/llm=transformers for a full model)"
        )
    try:
        adapter_conf = json.loads(conf_file.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise PanzaError(f"{conf_file}: unreadable ({e}); re-save the adapter") from None
    base = adapter_conf.get("base_model_name_or_path")
    if not base or (_looks_like_path(base) and not Path(base).expanduser().exists()):
        base = cfg.get("model") or "embedded"  # adapters trained elsewhere: fall back to the config
    _check_model_ref(str(base), "writer.llm.model")
    base_path = resolve_model(str(base), cache_dir)
    tok_src = str(adapter_dir) if (adapter_dir / "tokenizer_config.json").is_file() else base_path
    tok = load_tokenizer(tok_src)
    model = load_causal_lm(base_path, cfg)
    from peft import PeftModel

    try:
        with quiet_peft():
            model = PeftModel.from_pretrained(model, str(adapter_dir))
    except (OSError, ValueError, RuntimeError) as e:
        raise PanzaError(
            f"cannot apply adapter {adapter_dir} to {base_path}: {str(e).splitlines()[0]}"
        ) from None
    model.eval()
    return model, tok, f"{base_path}+{adapter_dir}"
