"""An Ollama ``Modelfile`` for an exported GGUF: FROM, a TEMPLATE equal to the model's chat template,
the sampling PARAMETERs and the stop tokens.

Why derive the template: Ollama speaks Go templates, models ship Jinja. Chat templates of the
families we export are "a fixed wrapper around each message + a generation prompt", so rendering
the Jinja template with marker strings reveals each wrapper; the Go template is rebuilt from them
and checked against a fresh Jinja rendering of a longer conversation before it is written. A
template that is not of that shape is left out (Ollama then falls back to its own detection).
"""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from panza.errors import PanzaError
from panza.jsonl import atomic_open

log = logging.getLogger(__name__)

_MARK = {"system": "\u27e6PANZA-SYSTEM\u27e7", "user": "\u27e6PANZA-USER\u27e7",
         "assistant": "\u27e6PANZA-ASSISTANT\u27e7"}


@dataclass(frozen=True)
class ChatShape:
    """A chat template as wrappers: ``prefix[role] + content + suffix[role]`` per message."""

    prefix: dict[str, str]
    suffix: dict[str, str]
    generation: str        # appended after the last message to start the answer
    default_system: str    # rendered before the messages when there is no system message

    def render(self, messages: list[dict[str, str]]) -> str:
        """What the Go template produces, for checking it against the Jinja one."""
        out = "" if any(m["role"] == "system" for m in messages) else self.default_system
        for m in messages:
            out += self.prefix[m["role"]] + m["content"] + self.suffix[m["role"]]
        return out + self.generation


def _jinja(tok: Any, messages: list[dict[str, str]], gen: bool) -> str:
    text = tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=gen)
    bos = getattr(tok, "bos_token", None)
    # A tokenizer that adds BOS itself (Llama 3) has it in the GGUF as add_bos_token: llama.cpp and
    # Ollama add it then, so the template must not repeat it. SmolLM2's BOS is <|im_start|>: kept.
    adds_bos = bos is not None and tok("x").input_ids[:1] == [tok.bos_token_id]
    return text[len(bos):] if adds_bos and text.startswith(bos) else text


def _wrapper(text: str, marker: str) -> tuple[str, str]:
    if text.count(marker) != 1:
        raise ValueError("marker not rendered exactly once")
    pre, post = text.split(marker)
    return pre, post


def chat_shape(tok: Any) -> ChatShape:
    """Read the per-role wrappers off the tokenizer's Jinja chat template (ValueError if it has none)."""
    m = {r: {"role": r, "content": c} for r, c in _MARK.items()}
    r_sys = _jinja(tok, [m["system"]], False)
    r_user = _jinja(tok, [m["system"], m["user"]], False)
    r_asst = _jinja(tok, [m["system"], m["user"], m["assistant"]], False)
    r_gen = _jinja(tok, [m["system"], m["user"]], True)
    r_alone = _jinja(tok, [m["user"]], False)
    if not (r_user.startswith(r_sys) and r_asst.startswith(r_user) and r_gen.startswith(r_user)):
        raise ValueError("the template does not render messages independently")
    prefix, suffix = {}, {}
    prefix["system"], suffix["system"] = _wrapper(r_sys, _MARK["system"])
    prefix["user"], suffix["user"] = _wrapper(r_user[len(r_sys):], _MARK["user"])
    prefix["assistant"], suffix["assistant"] = _wrapper(r_asst[len(r_user):], _MARK["assistant"])
    user_block = prefix["user"] + _MARK["user"] + suffix["user"]
    if not r_alone.endswith(user_block):
        raise ValueError("a lone user message is rendered differently")
    shape = ChatShape(prefix, suffix, r_gen[len(r_user):], r_alone[: -len(user_block)])
    check = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi\nthere"},
             {"role": "assistant", "content": "Hello!"}, {"role": "user", "content": "Write to Ana."}]
    for conv in (check, check[1:]):
        if shape.render(conv) != _jinja(tok, conv, True):
            raise ValueError("the rebuilt template renders a conversation differently")
    return shape


def go_template(shape: ChatShape) -> str:
    """The Ollama (Go text/template) equivalent of ``shape``; no whitespace trimming, so text is exact."""
    parts = []
    if shape.default_system:
        parts.append(f"{{{{ if not .System }}}}{shape.default_system}{{{{ end }}}}")
    parts.append("{{ range .Messages }}")
    for i, role in enumerate(("system", "user", "assistant")):
        parts.append(f'{{{{ {"if" if i == 0 else "else if"} eq .Role "{role}" }}}}'
                     f"{shape.prefix[role]}{{{{ .Content }}}}{shape.suffix[role]}")
    parts.append("{{ end }}{{ end }}")
    parts.append(shape.generation)
    return "".join(parts)


def stop_tokens(tok: Any, shape: ChatShape | None) -> list[str]:
    """End-of-turn strings: the EOS token and the special token closing an assistant message."""
    stops = []
    special = set(getattr(tok, "all_special_tokens", []) or [])
    if shape is not None:
        end = shape.suffix["assistant"].strip()
        if end and (end in special or re.fullmatch(r"<[^<>\s]+>", end)):
            stops.append(end)
    eos = getattr(tok, "eos_token", None)
    if eos and eos not in stops:
        stops.append(eos)
    return stops


def _quote(value: str) -> str:
    if '"""' in value:
        raise ValueError('a template containing """ cannot be written to a Modelfile')
    return f'"""{value}"""'


def modelfile_text(gguf_file: Path, *, sampling: dict[str, Any], template: str | None,
                   stops: list[str], relative_to: Path | None = None) -> str:
    """``FROM`` (relative to the Modelfile when beside it), ``TEMPLATE``, ``PARAMETER`` lines."""
    from panza.llm.base import Sampling
    from panza.llm.ollama_backend import ollama_options

    src = str(gguf_file)
    if relative_to is not None and gguf_file.parent.resolve() == relative_to.resolve():
        src = f"./{gguf_file.name}"
    lines = [f"FROM {src}"]
    if template is not None:
        lines.append(f"TEMPLATE {_quote(template)}")
    opts = ollama_options(Sampling.from_config({k: v for k, v in sampling.items() if k != "stop"}))
    opts.pop("num_predict", None)  # a draft's length is a per-request choice, not the model's
    for key, value in opts.items():
        lines.append(f"PARAMETER {key} {value}")
    for s in dict.fromkeys([*stops, *(sampling.get("stop") or [])]):
        lines.append(f'PARAMETER stop "{s}"')
    return "\n".join(lines) + "\n"


def write_modelfile(gguf_file: Path, out_dir: Path, *, sampling: dict[str, Any], tokenizer: Any,
                    name: str | None = None) -> Path:
    """Write ``<gguf stem>.Modelfile`` into ``out_dir`` (atomically) and return its path."""
    try:
        shape: ChatShape | None = chat_shape(tokenizer)
        template = go_template(shape)
    except (ValueError, TypeError, AttributeError) as e:
        log.warning("the chat template could not be turned into an Ollama TEMPLATE (%s); the Modelfile "
                    "leaves it to Ollama", e)
        shape, template = None, None
    text = modelfile_text(gguf_file, sampling=sampling, template=template,
                          stops=stop_tokens(tokenizer, shape), relative_to=out_dir)
    path = Path(out_dir) / f"{name or Path(gguf_file).stem}.Modelfile"
    with atomic_open(path) as fh:
        fh.write(text)
    return path


def ollama_name(text: str) -> str:
    """A valid Ollama model name (lower case letters, digits, ``-_.``) from a run name."""
    return re.sub(r"[^a-z0-9._-]+", "-", text.lower()).strip("-._")[:80] or "panza"


def create_command(name: str, modelfile: Path) -> list[str]:
    return ["ollama", "create", name, "-f", str(modelfile)]


def ollama_create(name: str, modelfile: Path, *, timeout: float = 1800) -> bool:
    """Run ``ollama create`` when an ``ollama`` binary is on PATH; False (nothing done) otherwise."""
    exe = shutil.which("ollama")
    if exe is None:
        return False
    cmd = create_command(name, modelfile)
    r = subprocess.run([exe, *cmd[1:]], capture_output=True, text=True, timeout=timeout, cwd=modelfile.parent)
    if r.returncode != 0:
        last = (r.stderr or r.stdout).strip().splitlines()[-1:] or ["no output"]
        raise PanzaError(f"`{' '.join(cmd)}` failed: {last[0][:200]}; is `ollama serve` running?")
    return True
