"""Shared helpers for the training tests: a tiny random-init Llama with the real SmolLM2 tokenizer.

Why tiny: the tests check real training behaviour (losses, gradients, files) and must run in seconds
on two shared CPU cores; the tokenizer and chat template are the real embedded model's.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest

EMAILS = [
    ("Ask Maria to move the budget meeting to Thursday.",
     "Hi Maria,\n\nCould we move the budget meeting to Thursday? Wednesday got busy.\n\nThanks,\nDavid"),
    ("Thank Tom for the slides.", "Hi Tom,\n\nThanks a lot for the slides, they look great.\n\nBest,\nDavid"),
    ("Tell Ana I will be late.", "Ana,\n\nRunning 10 minutes late, start without me.\n\nDavid"),
    ("Confirm the dinner reservation for Friday.",
     "Hello,\n\nI confirm our reservation for four people on Friday at 8pm.\n\nRegards,\nDavid"),
    ("Ask the team for their status updates.",
     "Hi all,\n\nPlease send me your status updates by end of day.\n\nThanks,\nDavid"),
    ("Decline the conference invitation politely.",
     "Dear organisers,\n\nThank you for the kind invitation. Unfortunately I cannot attend this year.\n\n"
     "Best regards,\nDavid Miller"),
    ("Send the report to Lisa.", "Hi Lisa,\n\nAttached is the quarterly report.\n\nBest,\nDavid"),
    ("Reply yes to the lunch invitation.", "Sounds good, see you at noon!\n\nDavid"),
]


@functools.lru_cache(maxsize=1)
def _tokenizer_dir(root: str) -> Path:
    from transformers import AutoTokenizer

    from panza.models.embedded import gguf_path

    try:
        g = gguf_path()
    except Exception as e:  # the package is part of the ml extra
        pytest.skip(f"embedded model package not installed: {e}")
    out = Path(root) / "smollm2-tokenizer"
    if not (out / "tokenizer_config.json").is_file():
        tok = AutoTokenizer.from_pretrained(g.parent, gguf_file=g.name)
        tok.save_pretrained(out)
    return out


@functools.lru_cache(maxsize=4)
def tiny_model_dir(root: str, name: str = "tiny-llama") -> Path:
    """A 2-layer, hidden-64 Llama (random init, seed 0) saved with the real SmolLM2 tokenizer."""
    import shutil

    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    tok_dir = _tokenizer_dir(root)
    out = Path(root) / name
    if (out / "config.json").is_file():
        return out
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tok_dir)
    cfg = LlamaConfig(vocab_size=len(tok), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                      num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=1024,
                      tie_word_embeddings=True, bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id,
                      pad_token_id=tok.pad_token_id)
    torch.manual_seed(0)
    model = LlamaForCausalLM(cfg)
    model.save_pretrained(out, safe_serialization=True)
    for f in tok_dir.iterdir():
        shutil.copy(f, out / f.name)
    return out


def write_data(data_dir: Path, n_train: int = 8, n_test: int = 2, *, raft: bool = False) -> Path:
    """A prepared-data folder: train.jsonl / test.jsonl (and raft.jsonl) in the prepare format."""
    data_dir.mkdir(parents=True, exist_ok=True)
    recs = []
    for i in range(n_train + n_test):
        summary, email = EMAILS[i % len(EMAILS)]
        recs.append({"summary": summary, "email": email, "subject": None, "thread": [], "date": None,
                     "message_id": f"<m{i}@x>", "to": [], "in_reply_to": None, "language": "en"})
    with (data_dir / "train.jsonl").open("w") as fh:
        fh.writelines(json.dumps(r) + "\n" for r in recs[:n_train])
    with (data_dir / "test.jsonl").open("w") as fh:
        fh.writelines(json.dumps(r) + "\n" for r in recs[n_train:])
    if raft:
        with (data_dir / "raft.jsonl").open("w") as fh:
            for i in range(n_train):
                fh.write(json.dumps({"message_id": f"<m{i}@x>",
                                     "related": [f"<m{(i + 1) % n_train}@x>", f"<m{(i + 2) % n_train}@x>"]}) + "\n")
    return data_dir


def train_cfg(model_dir: Path, data_dir: Path, ckpt: Path, method: str, *extra: str):
    """The composed `panza train` config for a tiny, fast, single-threaded run."""
    from panza.config import compose

    return compose("train", [f"finetuning={method}", f"model={model_dir}", f"user.data_dir={data_dir}",
                             f"checkpoint_dir={ckpt}", "finetuning.num_cpu_threads=1", "finetuning.batch_size=4",
                             "finetuning.max_seq_len=256", "finetuning.warmup=0", "user.username=test",
                             *extra])
