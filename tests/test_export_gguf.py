"""`panza export gguf`: our converter against llama.cpp's own SmolLM2 GGUF, token parity through llama.cpp,
LoRA/RoSA round trips, quantization, and bad input (not a model, other architecture, full disk, kill)."""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
gguf = pytest.importorskip("gguf")
llama_cpp = pytest.importorskip("llama_cpp")
pytest.importorskip("peft")

from panza.errors import PanzaError  # noqa: E402
from test_train_support import tiny_model_dir, train_cfg, write_data  # noqa: E402

N_TOKENS = 32


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_model_dir(str(tmp_path_factory.getbasetemp()))


@pytest.fixture(scope="module")
def embedded_hf() -> Path:
    from panza.models.embedded import hf_model_dir

    return hf_model_dir()


@pytest.fixture(scope="module")
def embedded_f16(embedded_hf: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from panza.export.gguf import convert_to_gguf

    return convert_to_gguf(embedded_hf, tmp_path_factory.mktemp("emb") / "smollm2-f16.gguf", quant="f16")


def _train(tiny: Path, tmp: Path, method: str, *extra: str) -> Path:
    from panza.train.trainer import train

    data = write_data(tmp / "data")
    return train(train_cfg(tiny, data, tmp / "ck", method, "finetuning.lr=1e-2", "finetuning.max_duration=4ba",
                           *extra))


def _fields(path: Path) -> dict:
    """Every metadata key of a GGUF with its value (arrays as lists)."""
    r = gguf.GGUFReader(str(path))
    out = {}
    for k, f in r.fields.items():
        if k.startswith("GGUF."):
            continue
        out[k] = f.contents()
    out["__tensors__"] = {t.name: tuple(int(x) for x in t.shape) for t in r.tensors}
    return out


def _llama(path: Path, **kw):
    from panza.export.gguf import no_extra_buffers

    # no AMX kernels: they crash with SIGILL for quantized weights on the VM these tests were written on
    with no_extra_buffers():
        return llama_cpp.Llama(model_path=str(path), n_ctx=512, n_threads=1, verbose=False, seed=0, **kw)


def _prompts(shared_data: Path, tok, n: int = 3) -> list[list[int]]:
    """Chat prompts built from real subjects of a real user's sent mail."""
    recs = [json.loads(x) for x in (shared_data / "panza-david.jsonl").read_text().splitlines()[:40]]
    subjects = [r["subject"] for r in recs if r.get("subject")][:n]
    system = "You are Panza, a private writing assistant that drafts emails on behalf of one person."
    return [tok.apply_chat_template([{"role": "system", "content": system},
                                     {"role": "user", "content": f"Write the email with the subject: {s}"}],
                                    add_generation_prompt=True, tokenize=True, return_dict=False)
            for s in subjects]


def _llama_greedy(llm, ids: list[int], n: int) -> list[int]:
    out: list[int] = []
    llm.reset()
    for t in llm.generate(ids, top_k=1, top_p=1.0, temp=0.0, repeat_penalty=1.0, reset=True):
        if t == llm.token_eos() or len(out) == n:
            break
        out.append(t)
    return out


def _hf_greedy(model, ids: list[int], n: int, eos: int):
    """Greedy tokens plus each step's margin between the two best logits (for explaining a difference)."""
    with torch.no_grad():
        g = model.generate(torch.tensor([ids]), max_new_tokens=n, do_sample=False, output_scores=True,
                           return_dict_in_generate=True, eos_token_id=eos, pad_token_id=eos)
    toks = g.sequences[0, len(ids):].tolist()
    margins = [float(s[0].topk(2).values[0] - s[0].topk(2).values[1]) for s in g.scores]
    if toks and toks[-1] == eos:
        toks = toks[:-1]
    return toks, margins


# --------------------------------------------------------------------------- converter vs llama.cpp's own file


@pytest.mark.slow
def test_converter_reproduces_llama_cpps_own_smollm2_gguf(embedded_f16: Path) -> None:
    """The embedded GGUF was written by llama.cpp's converter; ours must carry the same metadata."""
    from panza.models.embedded import gguf_path

    ref, ours = _fields(gguf_path()), _fields(embedded_f16)
    for key in ("tokenizer.ggml.tokens", "tokenizer.ggml.token_type", "tokenizer.ggml.merges",
                "tokenizer.ggml.model", "tokenizer.ggml.bos_token_id",
                "tokenizer.ggml.eos_token_id", "tokenizer.ggml.padding_token_id", "tokenizer.chat_template",
                "llama.context_length", "llama.embedding_length", "llama.feed_forward_length",
                "llama.block_count", "llama.attention.head_count", "llama.attention.head_count_kv",
                "llama.rope.freq_base", "llama.attention.layer_norm_rms_epsilon", "llama.rope.dimension_count",
                "llama.vocab_size", "general.architecture"):
        assert key in ours, key
        if key in ref:
            assert ours[key] == pytest.approx(ref[key]) if isinstance(ref[key], float) else ours[key] == ref[key], key
    assert ours["__tensors__"] == ref["__tensors__"]
    # transformers' GGUF import (how the embedded model became a HF folder) writes a plain ByteLevel
    # pre-tokenizer, without SmolLM's digit splitting; ours must follow the folder's tokenizer.json.
    assert ref["tokenizer.ggml.pre"] == "smollm" and ours["tokenizer.ggml.pre"] == "gpt-2"
    assert ours["general.file_type"] == int(gguf.LlamaFileType.MOSTLY_F16)


@pytest.mark.slow
def test_f16_gguf_greedy_tokens_equal_transformers(embedded_f16: Path, embedded_hf: Path, shared_data: Path) -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(embedded_hf)
    model = AutoModelForCausalLM.from_pretrained(embedded_hf, dtype=torch.float32).eval()
    llm = _llama(embedded_f16)
    for ids in _prompts(shared_data, tok):
        # llama.cpp must tokenize the rendered prompt exactly like transformers (special tokens included)
        assert llm.tokenize(tok.decode(ids).encode(), add_bos=False, special=True) == ids
        ref, margins = _hf_greedy(model, ids, N_TOKENS, tok.eos_token_id)
        got = _llama_greedy(llm, ids, N_TOKENS)
        if got != ref:  # only a float-rounding tie may make them part, never a real disagreement
            k = next(i for i, (a, b) in enumerate(zip(got, ref, strict=False)) if a != b)
            assert margins[k] < 0.05, (k, margins[k], got, ref)
        assert len(ref) >= 8


def _agreement(ref, other, prompts: list[list[int]]) -> tuple[int, int]:
    """Teacher-forced top-1 agreement: along ``ref``'s greedy text, how often ``other`` picks the same token.

    Why teacher-forced: free-running greedy texts part for good at the first near-tie, after which
    every later position "disagrees" although the two models would agree on the same prefix.
    """
    import numpy as np

    same = total = 0
    for ids in prompts:
        cont = _llama_greedy(ref, ids, N_TOKENS)
        other.reset()
        other.eval(ids + cont)
        picks = np.argmax(np.array(other.scores[len(ids) - 1: len(ids) - 1 + len(cont)]), axis=1).tolist()
        same += sum(int(a == b) for a, b in zip(picks, cont, strict=True))
        total += len(cont)
    return same, total


@pytest.mark.slow
@pytest.mark.parametrize(("quant", "min_agree"), [("q8_0", 0.9), ("q4_k_m", 0.6), ("iq4_nl", 0.6)])
def test_quantized_ggufs_mostly_agree(embedded_f16: Path, embedded_hf: Path, shared_data: Path,
                                      tmp_path: Path, quant: str, min_agree: float) -> None:
    from transformers import AutoTokenizer

    from panza.export.gguf import quantize

    out = quantize(embedded_f16, tmp_path / f"m-{quant}.gguf", quant)
    assert out.stat().st_size < 0.8 * embedded_f16.stat().st_size
    assert _fields(out)["general.file_type"] == int(getattr(gguf.LlamaFileType, f"MOSTLY_{quant.upper()}"))
    tok = AutoTokenizer.from_pretrained(embedded_hf)
    same, total = _agreement(_llama(embedded_f16), _llama(out, logits_all=True), _prompts(shared_data, tok))
    assert total >= 24 and same / total >= min_agree, (same, total)


# --------------------------------------------------------------------------- trained runs round-trip


def _gguf_logits(path: Path, ids: list[int]):
    llm = _llama(path, logits_all=True)
    llm.eval(ids)
    import numpy as np

    return torch.from_numpy(np.array(llm.scores[: len(ids)], dtype=np.float32))


@pytest.mark.slow
@pytest.mark.parametrize(("method", "extra"), [
    ("lora", ()),
    ("rosa", ("finetuning.rosa.mask_warmup_steps=2", "finetuning.rosa.spa_d=0.05")),
])
def test_trained_run_round_trips_through_gguf(tiny: Path, tmp_path: Path, method: str, extra: tuple) -> None:
    from transformers import AutoModelForCausalLM

    from panza.export.gguf import MANIFEST, export_gguf, sha256
    from panza.models.loading import load_adapted

    run = _train(tiny, tmp_path, method, *extra)
    res = export_gguf(run, quant="f16", sampling={"do_sample": False}, ollama_create=False)
    path = Path(res["path"])
    assert path.parent == run and path.name == "model-f16.gguf"
    ids = torch.randint(0, 2000, (24,), generator=torch.Generator().manual_seed(0)).tolist()
    with torch.no_grad():
        want = load_adapted(run)(input_ids=torch.tensor([ids])).logits[0]
        base = AutoModelForCausalLM.from_pretrained(tiny)(input_ids=torch.tensor([ids])).logits[0]
    got = _gguf_logits(path, ids)
    assert (want - base).abs().max() > 1e-3  # the adapter changed the model, and the GGUF has that change
    assert (got - want).abs().max() < 1e-2 < (got - base).abs().max()
    manifest = json.loads((run / MANIFEST).read_text())["exports"]["model-f16.gguf"]
    assert manifest["method"] == method and manifest["quant"] == "f16"
    assert manifest["base"] == str(tiny) and manifest["sha256"] == sha256(path)
    assert not list(run.glob(".export-merged.*")) and not list(run.glob(".*.tmp"))
    mf = Path(res["modelfile"]).read_text()
    assert mf.startswith("FROM ./model-f16.gguf\n") and 'PARAMETER stop "<|im_end|>"' in mf
    assert "PARAMETER temperature 0.0" in mf and "<|im_start|>" in mf
    if method == "lora":  # `panza run checkpoint=RUN` (default llamacpp backend) now drafts with the run's GGUF
        r = subprocess.run([sys.executable, "-m", "panza", "run", f"checkpoint={run}", "writer.rag.enabled=false",
                            "writer.llm.sampling.max_new_tokens=8", "writer.llm.n_threads=1"], input="thank Bob\n",
                           capture_output=True, text=True, timeout=300, cwd=tmp_path)
        assert r.returncode == 0, r.stderr[-2000:]
        assert "running its GGUF model-f16.gguf with llama.cpp" in r.stderr and "1 draft(s)" in r.stderr


@pytest.mark.slow
def test_cli_and_script_export_a_quantized_full_run(tiny: Path, tmp_path: Path, panza_cmd, repo_root: Path) -> None:
    run = _train(tiny, tmp_path, "full", "finetuning.lr=1e-4", "finetuning.max_duration=1ba")
    r = subprocess.run([*panza_cmd, "export", "gguf", f"checkpoint={run}", "export.quant=q8_0"],
                       capture_output=True, text=True, timeout=300, env={**os.environ, "PATH": "/usr/bin:/bin"})
    assert r.returncode == 0, r.stderr[-2000:]
    out = Path(r.stdout.strip().splitlines()[-1])
    assert out == run / "model-q8_0.gguf" and out.is_file()
    assert "ollama create panza-" in r.stderr and "model-q8_0.Modelfile" in r.stderr  # no ollama here: the command
    assert _fields(out)["general.file_type"] == int(gguf.LlamaFileType.MOSTLY_Q8_0)
    # the original's script keeps its usage (one path) and now calls the command
    env = {**os.environ, "PANZA": f"{sys.executable} -m panza", "GGUF_TYPE": "f16"}
    r = subprocess.run([str(repo_root / "scripts" / "merge_and_convert_to_gguf.sh"), str(run),
                        f"export.out={tmp_path / 'x.gguf'}"], capture_output=True, text=True, timeout=300, env=env)
    assert r.returncode == 0, r.stderr[-2000:]
    assert (tmp_path / "x.gguf").is_file() and (tmp_path / "x.Modelfile").is_file()


# --------------------------------------------------------------------------- bad input


def test_a_folder_without_a_model_is_refused(tmp_path: Path, panza_cmd) -> None:
    from panza.export.gguf import export_gguf

    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "notes.txt").write_text("not a model")
    with pytest.raises(PanzaError, match="holds no model"):
        export_gguf(tmp_path / "run")
    r = subprocess.run([*panza_cmd, "export", "gguf", f"checkpoint={tmp_path / 'run'}"], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 2 and "holds no model" in r.stderr and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert not list((tmp_path / "run").glob("*.gguf"))


def test_unsupported_architecture_is_named(tiny: Path, tmp_path: Path) -> None:
    from transformers import GPT2Config, GPT2LMHeadModel

    from panza.export.gguf import convert_to_gguf

    m = GPT2LMHeadModel(GPT2Config(n_layer=1, n_embd=32, n_head=2, vocab_size=100))
    m.save_pretrained(tmp_path / "gpt2")
    with pytest.raises(PanzaError, match=r"architecture GPT2LMHeadModel cannot be exported.*LlamaForCausalLM"):
        convert_to_gguf(tmp_path / "gpt2", tmp_path / "out.gguf")
    with pytest.raises(PanzaError, match="unknown quantization 'q3'"):
        convert_to_gguf(tiny, tmp_path / "out.gguf", quant="q3")
    assert not list(tmp_path.glob("*.gguf")) and not list(tmp_path.glob(".*.tmp"))


def _limit_file_size() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, 1 << 20))  # the disk "fills" at 1 MiB a file


def test_full_disk_leaves_nothing_behind(tiny: Path, tmp_path: Path, panza_cmd) -> None:
    """A real write failure from the OS (file-size limit: EFBIG, what a full disk looks like to a writer)."""
    out = tmp_path / "out"
    r = subprocess.run([*panza_cmd, "export", "gguf", f"checkpoint={tiny}", f"export.out={out}",
                        "export.ollama_create=false"], capture_output=True, text=True, timeout=300,
                       preexec_fn=_limit_file_size)
    assert r.returncode == 2, r.stderr[-2000:]
    assert "disk filled up" in r.stderr and "Traceback" not in r.stderr
    assert not list(out.glob("*.gguf")) and not list(out.glob(".*"))
    assert not (tiny / "gguf_manifest.json").exists()


@pytest.mark.slow
def test_killed_export_leaves_no_gguf_and_the_next_run_cleans_up(embedded_hf: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    code = ("import sys; from pathlib import Path; from panza.export.gguf import convert_to_gguf; "
            "convert_to_gguf(Path(sys.argv[1]), Path(sys.argv[2]), quant='f16')")
    p = subprocess.Popen([sys.executable, "-c", code, str(embedded_hf), str(out / "m.gguf")])
    deadline = time.time() + 120
    while not any(f.stat().st_size > (8 << 20) for f in out.glob(".m.gguf.*.tmp")):
        assert p.poll() is None and time.time() < deadline, "the export ended before it could be killed"
        time.sleep(0.01)
    p.send_signal(signal.SIGKILL)
    p.wait()
    assert not list(out.glob("*.gguf"))  # a reader globbing for GGUFs finds nothing half-written
    from panza.export.gguf import clean_stale

    clean_stale(out)
    assert not list(out.iterdir())
