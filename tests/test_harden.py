"""Issue #15: every stage against bad input and faults, through the real command and real files.

Each test is one defect of the issue: data loss (an output over an input, an empty result over a
good one, stale derived files), OS errors (a file for --out, a read-only bind mount, a full tmpfs,
a folder where the output goes), bad JSONL, a server that answers with an HTML page, UTF-16/32
bodies without a BOM, misleading success, truncated and NUL-laden text, the data-folder lock with
two real processes and SIGKILL, and the privacy guards.
"""

from __future__ import annotations

import json
import os
import re
import signal
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from panza.errors import PanzaError
from panza.ingest.pipeline import Options, _process
from panza.ingest.sources import RawMessage, Source, iter_source
from panza.jsonl import read_jsonl

ME = "alex@example.com"
TEXT = (
    "Hi Maria,\n\nthanks for the revised plan. I looked at the numbers and they make sense to me, "
    "so let us go ahead with phase {n}.\n\nBest,\nAlex"
)
POSTMARK = b"From x@y Tue Mar  5 10:15:00 2024\n"


def mail(n: int, frm: str = ME, body: str | None = None) -> bytes:
    return (
        f"From: {frm}\nTo: maria@partner.example\nSubject: s{n}\nMessage-ID: <{n}@x>\n"
        f"Date: Tue, 05 Mar 2024 10:15:00 +0100\n\n{body or TEXT.format(n=n)}\n"
    ).encode()


def write_mbox(path: Path, messages: list[bytes]) -> Path:
    path.write_bytes(b"".join(POSTMARK + m + b"\n" for m in messages))
    return path


def panza(cmd: list[str], *args: str, cwd: Path, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PANZA_WORKSPACE": str(cwd)}
    r = subprocess.run([*cmd, *args], cwd=cwd, env=env, capture_output=True, timeout=300, input=stdin)
    r.stderr = r.stderr.decode("utf-8", "replace")  # type: ignore[assignment]
    return r


def one_line_error(r: subprocess.CompletedProcess, *needles: str) -> str:
    """The run failed with exit 2 and one ``panza X: error:`` line containing ``needles``, no traceback."""
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr, r.stderr
    errors = [ln for ln in r.stderr.splitlines() if ": error: " in ln]
    assert len(errors) == 1, r.stderr
    for n in needles:
        assert n in errors[0], errors[0]
    return errors[0]


@pytest.fixture()
def good(panza_cmd: list[str], tmp_path: Path) -> tuple[Path, Path, Path]:
    """(mbox, out folder, clean file) after one successful extract of 3 of the user's emails."""
    mbox = write_mbox(tmp_path / "sent.mbox", [mail(1), mail(2), mail(3)])
    out = tmp_path / "out"
    r = panza(panza_cmd, "extract", "--mbox", str(mbox), "--email", ME, "--out", str(out), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    return mbox, out, out / "alex_clean.jsonl"


# ---- 1. data loss --------------------------------------------------------------------------------


def test_mbox_pointing_at_the_output_is_refused_and_untouched(panza_cmd, tmp_path, good) -> None:
    _, out, clean = good
    before = clean.read_bytes()
    r = panza(panza_cmd, "extract", "--mbox", str(clean), "--email", ME, "--out", str(out), cwd=tmp_path)
    one_line_error(r, str(clean), "output", "overwritten")
    assert clean.read_bytes() == before


def test_a_run_that_keeps_nothing_never_empties_a_good_clean_file(panza_cmd, tmp_path, good) -> None:
    mbox, out, clean = good
    before = clean.read_bytes()
    discards = sorted(p.name for p in (out / "discarded").iterdir())
    # a typo in the domain: every message is "other_sender"; the error names who the mail is from
    args = ["extract", "--mbox", str(mbox), "--email", "alex@exampel.com", "--out", str(out)]
    line = one_line_error(panza(panza_cmd, *args, cwd=tmp_path), "kept no email of 3", "alex@example.com (3)",
                          "--email", "--force")
    assert "left as it was" in line
    assert clean.read_bytes() == before and sorted(p.name for p in (out / "discarded").iterdir()) == discards
    r = panza(panza_cmd, *args, "--force", cwd=tmp_path)  # explicit: the empty result is written
    assert r.returncode == 0, r.stderr
    assert clean.read_bytes() == b""


def test_prepare_invalidates_derived_files_before_a_stage_reruns(panza_cmd, tmp_path, good) -> None:
    """The clean file changed and playback then fails on it: no train.jsonl/raft.jsonl from the old mail
    survives, rag/ is set aside (a hidden .tmp: reused by the rebuild, or cleaned by the next run)."""
    _, out, clean = good
    for name in ("train.jsonl", "test.jsonl", "raft.jsonl", "alex_clean_summarized.jsonl"):
        (out / name).write_text('{"email": "old", "summary": "old"}\n')
    (out / "rag").mkdir()
    (out / "rag" / "manifest.json").write_text("{}")
    with clean.open("ab") as fh:
        fh.write(b'{"email": "\xff"}\n')
    r = panza(panza_cmd, "prepare", "--email", ME, "--out", str(out), cwd=tmp_path)
    one_line_error(r, "alex_clean.jsonl:4: not UTF-8")
    left = sorted(p.name for p in out.iterdir())
    assert "train.jsonl" not in left and "raft.jsonl" not in left and "rag" not in left, left
    assert (out / ".rag.previous.tmp" / "manifest.json").is_file()


def test_train_refuses_a_split_made_from_an_older_clean_file(tmp_path: Path) -> None:
    from panza.layout import DataLayout

    layout = DataLayout(tmp_path, "alex", tmp_path / "rag", tmp_path / "raft.jsonl")
    layout.clean.write_text('{"email": "one"}\n')
    layout.train.write_text('{"email": "one", "summary": "s"}\n')
    layout.record_derived()
    layout.check_current()  # unchanged: fine
    layout.clean.write_text('{"email": "two"}\n')  # `panza extract` ran again since `panza prepare`
    with pytest.raises(PanzaError, match=r"train\.jsonl was made from an older alex_clean\.jsonl.*panza prepare"):
        layout.check_current()


# ---- 3. OS errors: one line naming the path and the fix ---------------------------------------------


def test_out_is_a_file(panza_cmd, tmp_path: Path) -> None:
    mbox = write_mbox(tmp_path / "sent.mbox", [mail(1)])
    (tmp_path / "afile").write_text("x")
    r = panza(panza_cmd, "extract", "--mbox", str(mbox), "--email", ME, "--out", str(tmp_path / "afile"),
              cwd=tmp_path)
    one_line_error(r, str(tmp_path / "afile"), "is a file")


def test_output_name_is_a_folder_writes_nothing(panza_cmd, tmp_path: Path) -> None:
    mbox = write_mbox(tmp_path / "sent.mbox", [mail(1), mail(2, "bob@x.example")])
    out = tmp_path / "out"
    (out / "alex_clean.jsonl").mkdir(parents=True)
    r = panza(panza_cmd, "extract", "--mbox", str(mbox), "--email", ME, "--out", str(out), cwd=tmp_path)
    one_line_error(r, str(out / "alex_clean.jsonl"), "is a folder")
    assert not (out / "discarded").exists()  # checked before any write: no discard files either


def _mount(*args: str) -> None:
    r = subprocess.run(["mount", *args], capture_output=True, text=True)
    if r.returncode:
        pytest.skip(f"mount is not permitted here ({r.stderr.strip()}): needs root in a namespace with mounts")


@pytest.fixture()
def mounted(tmp_path: Path) -> Iterator[Path]:
    point = tmp_path / "mnt"
    point.mkdir()
    yield point
    subprocess.run(["umount", "-l", str(point)], capture_output=True)


def test_read_only_file_system(panza_cmd, tmp_path: Path, mounted: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    _mount("--bind", str(src), str(mounted))
    _mount("-o", "remount,bind,ro", str(mounted))
    mbox = write_mbox(tmp_path / "sent.mbox", [mail(1)])
    r = panza(panza_cmd, "extract", "--mbox", str(mbox), "--email", ME, "--out", str(mounted / "out"),
              cwd=tmp_path)
    one_line_error(r, str(mounted), "read-only")
    r = panza(panza_cmd, "prepare", "--mbox", str(mbox), "--email", ME, "--out", str(mounted / "out"),
              cwd=tmp_path)
    one_line_error(r, str(mounted), "read-only")


def test_full_disk_leaves_no_partial_file(panza_cmd, tmp_path: Path, mounted: Path) -> None:
    _mount("-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mounted))
    long = " ".join(f"word{i}" for i in range(60))
    mbox = write_mbox(tmp_path / "sent.mbox", [mail(i, body=f"Hi Maria, {i} {long}\n\nAlex") for i in range(400)])
    r = panza(panza_cmd, "extract", "--mbox", str(mbox), "--email", ME, "--out", str(mounted), cwd=tmp_path)
    one_line_error(r, str(mounted), "disk is full")
    assert not list(mounted.rglob("*.tmp")) and not (mounted / "alex_clean.jsonl").exists()


# ---- 4. bad JSONL -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "needle"),
    [(b'{"email": "a"}\n[1, 2]\n', "a JSON list, not an object"), (b'{"email": "a"}\n{"email": "\xff\xfe"}\n',
                                                                   "not UTF-8 text (byte 0xff")],
)
def test_bad_jsonl_is_one_line_naming_file_and_line(tmp_path: Path, content: bytes, needle: str) -> None:
    path = tmp_path / "train.jsonl"
    path.write_bytes(content)
    with pytest.raises(PanzaError, match=rf"train\.jsonl:2: {re.escape(needle)}") as e:
        read_jsonl(path)
    assert "\n" not in str(e.value)


def test_prepare_on_a_non_utf8_clean_file(panza_cmd, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "alex_clean.jsonl").write_bytes(b'{"email": "caf\xe9 au lait"}\n')
    r = panza(panza_cmd, "prepare", "--email", ME, "--out", str(out), cwd=tmp_path)
    one_line_error(r, "alex_clean.jsonl:1: not UTF-8")


# ---- 5. a server that is not the LLM server ---------------------------------------------------------


class HtmlPage(BaseHTTPRequestHandler):
    code = 200

    def log_message(self, *args: object) -> None:
        pass

    def _page(self) -> None:
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            self.rfile.read(n)
        body = b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n<body>nginx</body></html>\n"
        self.send_response(self.code)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_HEAD = _page


@pytest.fixture(params=[200, 502])
def html_server(request) -> Iterator[str]:
    handler = type("Page", (HtmlPage,), {"code": request.param})
    srv = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()


def test_ollama_backend_on_an_html_page(html_server: str) -> None:
    from panza.llm.base import Sampling
    from panza.llm.ollama_backend import OllamaLLM

    llm = OllamaLLM("panza", html_server, Sampling(max_new_tokens=4), timeout=5)
    for call in (lambda: llm.generate([[{"role": "user", "content": "hi"}]]),
                 lambda: list(llm.stream([{"role": "user", "content": "hi"}])), llm._existing):
        with pytest.raises(PanzaError) as e:
            call()
        msg = str(e.value)
        assert html_server in msg and "\n" not in msg and len(msg) < 400, msg


def test_openai_backend_on_an_html_page(html_server: str) -> None:
    from panza.llm.base import Sampling
    from panza.llm.openai_compat import OpenAILLM

    llm = OpenAILLM("m", html_server + "/v1", None, Sampling(max_new_tokens=4), timeout=5)
    for call in (lambda: llm.generate([[{"role": "user", "content": "hi"}]]),
                 lambda: list(llm.stream([{"role": "user", "content": "hi"}]))):
        with pytest.raises(PanzaError) as e:
            call()
        msg = str(e.value)
        assert html_server in msg and "\n" not in msg and len(msg) < 400, msg


# ---- 6. UTF-16/32 bodies without a BOM --------------------------------------------------------------


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
@pytest.mark.parametrize("declared", ["", "; charset=us-ascii"])
def test_wide_bodies_without_bom_are_kept(codec: str, declared: str) -> None:
    text = TEXT.format(n=7).replace("Best", "Grüße")
    head = f"From: {ME}\nSubject: x\nMessage-ID: <w@x>\nContent-Type: text/plain{declared}\n\n".encode()
    outcome = _process(RawMessage("t", head + text.encode(codec), False), Options(emails=frozenset({ME})))
    assert outcome[0] == "k", outcome
    assert "go ahead with phase 7" in json.loads(outcome[1])["email"]


# ---- 7. misleading success --------------------------------------------------------------------------


def test_random_bytes_fail_with_a_reason(panza_cmd, tmp_path: Path) -> None:
    junk = tmp_path / "junk.bin"
    junk.write_bytes(os.urandom(20000).replace(b"\n", b" "))
    r = panza(panza_cmd, "extract", "--mbox", str(junk), "--email", ME, "--out", str(tmp_path / "o"), cwd=tmp_path)
    one_line_error(r, "kept no email", "none of it reads as email")


@pytest.mark.parametrize("bad", ["alex", "Alex Smith", "alex@", "@example.com", "a b@example.com"])
def test_email_must_be_an_address(panza_cmd, tmp_path: Path, bad: str) -> None:
    mbox = write_mbox(tmp_path / "sent.mbox", [mail(1)])
    r = panza(panza_cmd, "extract", "--mbox", str(mbox), "--email", bad, "--out", str(tmp_path / "o"), cwd=tmp_path)
    one_line_error(r, "not an email address")


def test_mbox_from_a_pipe(panza_cmd, tmp_path: Path) -> None:
    data = write_mbox(tmp_path / "m.mbox", [mail(1), mail(2)]).read_bytes()
    out = tmp_path / "o"
    r = panza(panza_cmd, "extract", "--mbox", "/dev/stdin", "--email", ME, "--out", str(out), cwd=tmp_path,
              stdin=data)
    assert r.returncode == 0, r.stderr
    assert [x["message_id"] for x in read_jsonl(out / "alex_clean.jsonl")] == ["<1@x>", "<2@x>"]


# ---- 8. bad text kept silently ----------------------------------------------------------------------


def test_truncated_last_message_is_discarded_and_nul_bytes_removed(tmp_path: Path) -> None:
    nul = mail(1, body="Hi Maria,\x00\x00 thanks for the plan, let us go ahead with phase one next week.\n\nAlex")
    cut = mail(2)[:-25]  # cut off mid-word, no final newline
    path = tmp_path / "m.mbox"
    path.write_bytes(POSTMARK + nul + b"\n" + POSTMARK + cut)
    raws = [raw for raw, _ in iter_source(Source("mbox", path))]
    assert [r.truncated for r in raws] == [False, True]
    opts = Options(emails=frozenset({ME}), min_words=3)
    kept, dropped = (_process(r, opts) for r in raws)
    assert kept[0] == "k" and "\x00" not in json.loads(kept[1])["email"]
    assert dropped[:2] == ("d", "broken") and "truncated" in json.loads(dropped[2])["detail"]


# ---- 9. one run per data folder; a killed run's temporary files ------------------------------------


HOLD = "import sys, time\nfrom panza.jsonl import folder_lock\nwith folder_lock(sys.argv[1], 't'):\n" \
       "    print('locked', flush=True)\n    time.sleep(60)\n"


def test_second_concurrent_run_fails_and_sigkill_frees_the_lock(panza_cmd, tmp_path: Path) -> None:
    mbox = write_mbox(tmp_path / "sent.mbox", [mail(1)])
    out = tmp_path / "out"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(out)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        r = panza(panza_cmd, "extract", "--mbox", str(mbox), "--email", ME, "--out", str(out), cwd=tmp_path)
        one_line_error(r, str(out), "another panza run")
        assert not (out / "alex_clean.jsonl").exists()
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    r = panza(panza_cmd, "extract", "--mbox", str(mbox), "--email", ME, "--out", str(out), cwd=tmp_path)
    assert r.returncode == 0, r.stderr


def test_sigkilled_extract_leaves_old_files_and_its_tmp_files_are_cleaned(panza_cmd, tmp_path, good) -> None:
    mbox, out, clean = good
    before = clean.read_bytes()
    long = " ".join(f"word{i}" for i in range(40))
    big = write_mbox(tmp_path / "big.mbox", [mail(i, body=f"Hi Maria, {i} {long}\n\nAlex") for i in range(40000)])
    env = {**os.environ, "PANZA_WORKSPACE": str(tmp_path)}
    p = subprocess.Popen([*panza_cmd, "extract", "--mbox", str(big), "--email", ME, "--out", str(out),
                          "ingest.workers=1"], cwd=tmp_path, env=env, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not list(out.glob(".alex_clean.jsonl.*.tmp")) and time.monotonic() < deadline and p.poll() is None:
        time.sleep(0.05)
    time.sleep(0.3)
    p.send_signal(signal.SIGKILL)
    p.wait()
    leftovers = list(out.rglob(".*.tmp"))
    assert leftovers, "the kill came too late to leave temporary files"
    assert clean.read_bytes() == before  # the killed run changed nothing that was there
    r = panza(panza_cmd, "extract", "--mbox", str(mbox), "--email", ME, "--out", str(out), "--force",
              cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert not list(out.rglob(".*.tmp"))  # cleaned under the lock by the next run


# ---- 10. privacy -----------------------------------------------------------------------------------


def test_derived_files_are_private(panza_cmd, tmp_path, good) -> None:
    _, out, clean = good
    for p in [clean, out / "discarded", *(out / "discarded").iterdir()]:
        mode = stat.S_IMODE(p.stat().st_mode)
        assert mode & 0o077 == 0, f"{p}: {oct(mode)}"
    from panza.playback.cache import PlaybackCache

    cache = PlaybackCache(tmp_path / "pb" / "cache.jsonl")
    cache.append([{"key": "k", "summary": "s"}])
    assert stat.S_IMODE(cache.path.stat().st_mode) == 0o600


def test_faiss_index_is_private(tmp_path: Path) -> None:
    from panza.index import EmailIndex

    class Emb:
        name = "fake-3d"
        dim = 3

        def encode(self, texts):  # the real embedder is covered in test_index; here only the files matter
            import numpy as np

            return np.ones((len(texts), 3), dtype="float32")

    idx = EmailIndex.build([{"email": "hello there", "message_id": "<1@x>"}], Emb())
    target = idx.save(tmp_path / "rag")
    assert stat.S_IMODE(target.stat().st_mode) == 0o700
    for f in target.iterdir():
        assert stat.S_IMODE(f.stat().st_mode) & 0o077 == 0, f


def test_offline_unless_allowed_and_telemetry_off(monkeypatch) -> None:
    from omegaconf import OmegaConf

    from panza.cli import _privacy
    from panza.models.loading import model_path

    for k in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_HUB_DISABLE_TELEMETRY"):
        monkeypatch.delenv(k, raising=False)
    _privacy(OmegaConf.create({"allow_download": False}))
    assert os.environ["HF_HUB_OFFLINE"] == "1" and os.environ["HF_HUB_DISABLE_TELEMETRY"] == "1"
    with pytest.raises(PanzaError, match=r"model=someone/not-here-model is not on this machine.*allow_download=true"):
        model_path("someone/not-here-model")
    _privacy(OmegaConf.create({"allow_download": True}))
    assert os.environ["HF_HUB_OFFLINE"] == "0" and os.environ["HF_HUB_DISABLE_TELEMETRY"] == "1"


def test_remote_llm_endpoint_warns_once(capsys) -> None:
    from panza.llm.base import Sampling, is_loopback
    from panza.llm.openai_compat import OpenAILLM

    assert is_loopback("http://127.0.0.1:8000/v1") and is_loopback("http://localhost:1") and is_loopback("[::1]:5")
    assert not is_loopback("http://10.1.2.3:8000/v1") and not is_loopback("https://api.example.com/v1")
    # 192.0.2.0/24 is TEST-NET: nothing is contacted, only the client object is made
    for _ in range(2):
        OpenAILLM("m", "http://192.0.2.7:8000/v1", None, Sampling())
    err = capsys.readouterr().err
    assert err.count("192.0.2.7:8000/v1 is not this machine") == 1

