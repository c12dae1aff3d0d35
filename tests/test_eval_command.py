"""`panza eval` end to end through the real command: the embedded model drafts, every system is scored,
the report folder is the last stdout line, a second run resumes without drafting and gives the same numbers."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

# The transformers backend runs the embedded SmolLM2: this machine's llama.cpp build dies with SIGILL
# (AMX instructions the VM does not allow) on prompts longer than a few tokens.
FAST = ["writer/llm=transformers", "writer.llm.sampling.max_new_tokens=16", "eval.batch_size=4"]
TRAIN = [
    ("Thank Anna for the lunch.", "Hi Anna,\n\nthanks a lot for lunch today!\n\nBest,\nJen"),
    ("Ask Bob for the quarterly report.", "Hi Bob,\n\ncould you send me the quarterly report?\n\nBest,\nJen"),
    ("Decline the party invitation from Tom.", "Dear Tom,\n\nsorry, I can't make it on Saturday.\n\nCheers,\nJen"),
    ("Tell the team the office is closed on Monday.", "Hi all,\n\nthe office is closed on Monday.\n\nBest,\nJen"),
    ("Confirm the dentist appointment.", "Hi,\n\nI confirm the appointment on Tuesday at 9.\n\nBest,\nJen"),
]
TEST = [
    ("Reply to Anna to confirm the meeting on Friday at 3pm.", "Hi Anna,\n\nFriday at 3pm works for me.\n\nBest,\nJen"),
    ("Thank Bob for the report he sent yesterday.", "Hi Bob,\n\nmany thanks for the report!\n\nBest,\nJen"),
    ("Ask Carla whether the 20 chairs arrived in Vienna.", "Hi Carla,\n\ndid the 20 chairs arrive in Vienna?\n\nCheers,\nJen"),
]
OTHERS = [
    "Please find attached the revised schedule for the Q4 audit. Regards, Mark Taylor, Finance",
    "The build is broken again on trunk, see the log below and fix it before the release.",
    "FYI the gas desk numbers are in the spreadsheet. Call me if you have questions. Vince",
    "Kindly process the attached invoice at your earliest convenience. Sincerely, Accounts",
]


def _jsonl(path: Path, rows: list[dict[str, str]]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


@pytest.fixture()
def ws(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    _jsonl(data / "train.jsonl", [{"summary": s, "email": e} for s, e in TRAIN])
    _jsonl(data / "test.jsonl", [{"summary": s, "email": e} for s, e in TEST])
    _jsonl(tmp_path / "others.jsonl", [{"email": t} for t in OTHERS])
    (tmp_path / "me.txt").write_text("My name is Jen. I write short, friendly emails.", encoding="utf-8")
    return tmp_path


def _eval(cmd: list[str], ws: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*cmd, "eval", "--data", str(ws / "data"), f"user.user_preamble_path={ws / 'me.txt'}",
         f"eval.style.other_authors=[{ws / 'others.jsonl'}]", *args],
        capture_output=True, text=True, cwd=ws, timeout=900, env={**os.environ, "PANZA_WORKSPACE": str(ws)},
    )


def _metrics(folder: Path, system: str) -> dict[str, object]:
    d = json.loads((folder / f"{system}.json").read_text(encoding="utf-8"))
    return {"aggregate": d["aggregate_metrics"], "panza": d["panza_metrics"], "responses": d["responses"]}


@pytest.mark.slow
def test_eval_drafts_scores_reports_and_resumes(panza_cmd: list[str], ws: Path) -> None:
    res = _eval(panza_cmd, ws, *FAST)
    assert res.returncode == 0, res.stderr[-3000:]
    out = Path(res.stdout.strip().splitlines()[-1])
    assert out == ws / "data" / "eval"
    for name in ("report.md", "report.html", "base.json", "floor-template.json", "floor-nearest.json"):
        assert (out / name).is_file(), name
    for png in ("chart_overlap.png", "chart_adherence.png", "chart_style.png"):
        assert (out / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    base = json.loads((out / "base.json").read_text(encoding="utf-8"))
    assert [r["prompt"] for r in base["responses"]] == [s for s, _ in TEST]
    for r in base["responses"]:
        assert len(r["panza_responses"]) == 1 and r["golden_responses"]
        assert len(r["scores"]["BLEU"]) == 1 and "rougeLsum_recall" in r["scores"]["ROUGE"][0]
    agg = base["aggregate_metrics"]
    assert set(agg) == {"BLEU", "ROUGE", "MAUVE"} and len(agg["ROUGE"]) == 12
    assert 0 <= agg["BLEU"] <= 1 and agg["MAUVE"] is None  # 3 drafts: too few for MAUVE
    assert base["run"]["model"] == "embedded" and base["run"]["kind"] == "model"
    assert base["panza_metrics"]["style"]["attribution_rate"] is not None
    template = json.loads((out / "floor-template.json").read_text(encoding="utf-8"))
    assert {d for r in template["responses"] for d in r["panza_responses"]} == {"Hi,\n\nBest,\nJen"}
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "data:image/png;base64," in html and "http://" not in html and "https://" not in html
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "floor-template (floor)" in md and "| base |" in md and "Reply to Anna" in md
    assert "base: BLEU" in res.stderr and "floor-nearest: BLEU" in res.stderr  # a summary line per system

    before = {s: _metrics(out, s) for s in ("base", "floor-template", "floor-nearest")}
    again = _eval(panza_cmd, ws, *FAST)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "drafted" not in again.stderr  # the model is not even loaded: every draft is on disk
    assert {s: _metrics(out, s) for s in before} == before  # resumed: the same drafts, the same numbers


def test_drafts_of_another_model_are_never_mixed(tmp_path: Path) -> None:
    from panza.evaluate.command import _load_drafts

    path = tmp_path / "base.drafts.jsonl"
    lines = [
        {"key": "a", "model_id": "m1", "panza_responses": ["from m1"]},
        {"key": "b", "model_id": "m2", "panza_responses": ["from m2"]},
    ]
    path.write_text("".join(json.dumps(x) + "\n" for x in lines) + '{"key": "c", "mod', encoding="utf-8")
    assert list(_load_drafts(path, "m1")) == ["a"]
    assert list(_load_drafts(path, "m2")) == ["b"]


def test_model_identity_changes_with_what_changes_the_drafts() -> None:
    from panza.config import compose
    from panza.evaluate.command import System, model_identity

    cfg = compose("eval", [])
    base = model_identity(cfg, System("base", "model"))
    assert base == model_identity(compose("eval", ["writer.llm.n_threads=3"]), System("base", "model"))
    assert base != model_identity(cfg, System("base+rag", "model", rag=True))
    assert base != model_identity(cfg, System("x", "model", checkpoint="/runs/lora"))
    assert base != model_identity(compose("eval", ["writer.llm.sampling.max_new_tokens=7"]), System("base", "model"))


@pytest.mark.slow
def test_scores_existing_json_outputs_without_loading_a_model(panza_cmd: list[str], ws: Path) -> None:
    out_file = ws / "lora_drafts.json"
    out_file.write_text(
        json.dumps({"responses": [{"prompt": s, "panza_responses": [e]} for s, e in TEST[:2]], "run": {"model": "x"}}),
        encoding="utf-8",
    )
    res = _eval(panza_cmd, ws, "eval.base=false", "eval.floors=false", f"eval.score_files=[{out_file}]")
    assert res.returncode == 0, res.stderr[-3000:]
    out = Path(res.stdout.strip().splitlines()[-1])
    d = json.loads((out / "lora_drafts.json").read_text(encoding="utf-8"))
    assert d["aggregate_metrics"]["BLEU"] == pytest.approx(1.0)  # the drafts are the real emails
    assert d["aggregate_metrics"]["ROUGE"]["rougeL_fmeasure"] == pytest.approx(1.0)
    assert d["panza_metrics"]["n_prompts"] == 2 and "1 test instruction(s) have no draft" in res.stderr


def test_missing_test_split_is_one_line(panza_cmd: list[str], tmp_path: Path) -> None:
    res = subprocess.run([*panza_cmd, "eval", "--data", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert res.returncode == 2 and "Traceback" not in res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "test.jsonl not found" in lines[0] and "panza prepare" in lines[0]


def test_several_checkpoints_become_one_system_each(tmp_path: Path) -> None:
    from panza.cli import _repeated_to_list
    from panza.config import compose
    from panza.evaluate.command import plan_systems

    runs = []
    for name in ("lora-run", "rosa-run"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "adapter_config.json").write_text("{}", encoding="utf-8")
        runs.append(str(tmp_path / name))
    overrides = _repeated_to_list([f"checkpoint={runs[0]}", "seed=1", f"checkpoint={runs[1]}"], "checkpoint")
    assert overrides == ["seed=1", f"checkpoint=['{runs[0]}','{runs[1]}']"]
    cfg = compose("eval", [*overrides, f"user.data_dir={tmp_path}"])
    systems = plan_systems(cfg)  # no RAG index in tmp_path: no base+rag
    assert [(s.name, s.kind, s.checkpoint) for s in systems] == [
        ("base", "model", None),
        ("lora-run", "model", runs[0]),
        ("rosa-run", "model", runs[1]),
        ("floor-template", "floor", None),
        ("floor-nearest", "floor", None),
    ]
