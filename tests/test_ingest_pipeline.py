"""The extraction run: filters with reasons, dedupe, accounting, parallelism, real and sample mail."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from panza.errors import PanzaError
from panza.ingest import extract
from panza.ingest.filters import REASONS
from panza.ingest.language import count_words, detect
from panza.ingest.pipeline import Options, _process
from panza.ingest.sources import RawMessage, Source

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures" / "mime"
ME = "alex@example.com"
LONG = (
    "thanks for the revised plan. I looked at the numbers and they make sense to me, "
    "so let us go ahead with the second phase in March."
)


def mail(
    body: str = f"Hi Maria,\n\n{LONG}\n\nBest,\nAlex",
    *,
    frm: str = f"Alex Example <{ME}>",
    mid: str | None = "1@x",
    subject: str = "Plan",
    extra: str = "",
) -> bytes:
    head = (
        f"From: {frm}\nTo: maria@partner.example\nSubject: {subject}\nDate: Tue, 05 Mar 2024 10:15:00 +0100\n"
    )
    if mid:
        head += f"Message-ID: <{mid}>\n"
    return (
        head + extra + "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n" + body + "\n"
    ).encode()


def write_mbox(path: Path, messages: list[bytes]) -> Path:
    with open(path, "wb") as fh:
        for m in messages:
            fh.write(b"From x@y Tue Mar  5 10:15:00 2024\n" + m.rstrip(b"\n") + b"\n\n")
    return path


def read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def discards(folder: Path) -> dict[str, list[dict]]:
    return {p.stem: read(p) for p in sorted(folder.glob("*.jsonl"))}


def run(tmp_path: Path, sources, emails=(ME,), **kw):
    out = tmp_path / "out" / "me_clean.jsonl"
    kw.setdefault("progress", False)
    res = extract(sources, emails, out_path=out, **kw)
    return res, read(out), discards(out.parent / "discarded")


def test_every_reason_and_the_accounting(tmp_path: Path) -> None:
    msgs = [
        mail(mid="keep@x"),
        mail(mid="other@x", frm="Maria <maria@partner.example>"),
        mail("Thanks, will do!", mid="short@x"),
        mail(
            "---------- Forwarded message ---------\nFrom: Maria <maria@partner.example>\n"
            "Date: Mon, 4 Mar 2024\nSubject: Plan\nTo: alex@example.com\n\n" + LONG,
            mid="fwd@x",
            subject="Fwd: Plan",
        ),
        mail("", mid="empty@x"),
        mail("-----BEGIN PGP MESSAGE-----\nhQEMA5\n-----END PGP MESSAGE-----", mid="pgp@x"),
        mail(mid="keep@x"),  # same Message-ID again
        mail(mid="copy@x"),  # same text, another id
        b"this is not an email message at all\n",
        mail(f"Hallo Maria,\n\n{LONG}", mid="nodate@x").replace(
            b"Date: Tue, 05 Mar 2024 10:15:00 +0100\n", b""
        ),
    ]
    res, kept, dropped = run(tmp_path, [Source("mbox", write_mbox(tmp_path / "m.mbox", msgs))])
    assert [r["message_id"] for r in kept] == ["<keep@x>", "<nodate@x>"]
    assert kept[1]["date"] is None  # mail without a Date is kept, with date null
    assert res.kept + res.discarded == res.total == len(msgs)
    assert {k: len(v) for k, v in dropped.items()} == {
        "other_sender": 1,
        "too_short": 1,
        "forward": 1,
        "empty": 1,
        "undecodable": 1,
        "duplicate": 2,
        "broken": 1,
    }
    assert {r["detail"] for r in dropped["duplicate"]} == {
        "same Message-ID as an earlier message",
        "same text, recipients and date as an earlier message",
    }
    for reason, recs in dropped.items():
        for r in recs:
            assert r["reason"] == reason
            assert set(r) == {"reason", "detail", "source", "message_id", "from", "subject", "date", "email"}
            assert r["source"].startswith(str(tmp_path / "m.mbox") + "#")
    assert dropped["too_short"][0]["email"] == "Thanks, will do!"
    rec = kept[0]
    assert set(rec) == {"email", "subject", "thread", "date", "message_id", "to", "in_reply_to", "language"}
    assert rec["to"] == ["maria@partner.example"] and rec["language"] == "en"
    assert rec["date"] == "2024-03-05T10:15:00+01:00"


def test_fixture_folder_every_message_accounted(tmp_path: Path) -> None:
    files = sorted(FIXTURES.glob("*.eml"))
    res, kept, dropped = run(tmp_path, [Source("eml_dir", FIXTURES)])
    assert res.total == len(files) == len(kept) + sum(len(v) for v in dropped.values())
    reasons = {Path(r["source"]).name: r["reason"] for v in dropped.values() for r in v}
    assert reasons["broken_boundary.eml"] == "broken"
    assert reasons["pgp_encrypted.eml"] == "undecodable"
    assert reasons["rfc822_forward.eml"] == "forward"
    assert {r["message_id"] for r in kept} >= {
        "<outlook1@example.com>",
        "<unknown1@example.com>",
        "<gmail1@example.com>",
        "<ja1@example.com>",
    }
    # fixtures that share their text with an earlier one are duplicates, named as such
    assert {r["message_id"] for r in dropped["duplicate"]} >= {"<wrong1@example.com>", "<zero1@example.com>"}


def test_sender_filter_uses_parsed_address_and_aliases(tmp_path: Path) -> None:
    msgs = [
        mail(mid="a@x", frm='"alex@example.com via Team" <team@lists.example>'),
        mail(f"Hi,\n\n{LONG} Alias.", mid="b@x", frm="Alex <ALEX@Work.Example>"),
        mail(f"Hi,\n\n{LONG} Main.", mid="c@x", frm="alex@example.com"),
    ]
    src = [Source("mbox", write_mbox(tmp_path / "m.mbox", msgs))]
    _, kept, dropped = run(tmp_path, src, emails=["Alex@Example.com", "alex@work.example"])
    assert [r["message_id"] for r in kept] == ["<b@x>", "<c@x>"]
    assert dropped["other_sender"][0]["message_id"] == "<a@x>"
    _, kept_all, _ = run(tmp_path, src, emails=(), any_sender=True)
    assert len(kept_all) == 3


def test_no_sender_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(PanzaError, match="no sender address: pass --email ADDR"):
        run(tmp_path, [Source("eml_dir", FIXTURES)], emails=())


def test_takeout_label_filter(tmp_path: Path) -> None:
    msgs = [
        mail(mid="s@x", extra="X-Gmail-Labels: Opened,Sent\n"),
        mail(f"Hi,\n\n{LONG} two", mid="i@x", extra="X-Gmail-Labels: Inbox,Important\n"),
        mail(f"Hi,\n\n{LONG} three", mid="n@x"),
    ]
    src = [Source("takeout", write_mbox(tmp_path / "t.mbox", msgs))]
    _, kept, dropped = run(tmp_path, src)
    assert [r["message_id"] for r in kept] == ["<s@x>"]
    assert [r["message_id"] for r in dropped["not_sent_label"]] == ["<i@x>", "<n@x>"]
    _, kept2, _ = run(tmp_path, src, takeout_labels=["Important"])
    assert [r["message_id"] for r in kept2] == ["<i@x>"]


def test_language_allowlist_and_detection(tmp_path: Path) -> None:
    msgs = [
        mail(mid="en@x"),
        mail(
            "Hallo Maria,\n\nvielen Dank für die überarbeiteten Pläne. Ich habe mir die Zahlen angesehen "
            "und sie ergeben für mich Sinn, also machen wir im März weiter.\n\nViele Grüße\nAlex",
            mid="de@x",
        ),
    ]
    src = [Source("mbox", write_mbox(tmp_path / "m.mbox", msgs))]
    _, kept, dropped = run(tmp_path, src, languages=["de"])
    assert [(r["message_id"], r["language"]) for r in kept] == [("<de@x>", "de")]
    assert dropped["language"][0]["detail"].startswith("language en")


def test_cjk_words_are_counted_per_character() -> None:
    ja = "ご連絡いただきありがとうございます。資料を拝見しました。"
    assert len(ja.split()) == 1
    assert count_words(ja) >= 10
    assert count_words("一二") == 1
    assert count_words("Hi there, how are you?") == 5
    assert detect(ja) == "ja"
    assert detect("12345 !!!") is None


def test_cjk_mail_is_not_too_short(tmp_path: Path) -> None:
    _res, kept, _ = run(tmp_path, [Source("eml_dir", FIXTURES)], min_words=10)
    assert any(r["language"] == "ja" for r in kept)


def test_missing_message_id_is_synthesized_stably(tmp_path: Path) -> None:
    src = [Source("mbox", write_mbox(tmp_path / "m.mbox", [mail(mid=None)]))]
    _, first, _ = run(tmp_path, src)
    _, second, _ = run(tmp_path, src)
    assert first[0]["message_id"] == second[0]["message_id"]
    assert first[0]["message_id"].startswith("<") and first[0]["message_id"].endswith("@panza.invalid>")


def test_several_sources_dedupe_across_them(tmp_path: Path) -> None:
    mbox = write_mbox(tmp_path / "m.mbox", [mail(mid="same@x")])
    emls = tmp_path / "emls"
    emls.mkdir()
    (emls / "a.eml").write_bytes(mail(mid="same@x"))
    (emls / "b.eml").write_bytes(mail(f"Hi,\n\n{LONG} Different.", mid="b@x"))
    res, kept, dropped = run(tmp_path, [Source("mbox", mbox), Source("eml_dir", emls)])
    assert [r["message_id"] for r in kept] == ["<same@x>", "<b@x>"]
    assert dropped["duplicate"][0]["source"].endswith("a.eml")
    assert res.total == 3


def test_stale_discard_files_are_removed(tmp_path: Path) -> None:
    src = [Source("mbox", write_mbox(tmp_path / "m.mbox", [mail(mid="k@x")]))]
    stale = tmp_path / "out" / "discarded" / "too_short.jsonl"
    stale.parent.mkdir(parents=True)
    stale.write_text('{"old": 1}\n')
    run(tmp_path, src)
    assert not stale.exists()


def test_parallel_output_equals_serial(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT))
    from bench.mailgen import generate

    path = generate(700, tmp_path / "gen.mbox", seed=5)
    outs = []
    for workers in (1, 2):
        out = tmp_path / f"w{workers}" / "me_clean.jsonl"
        res = extract(
            [Source("mbox", path)],
            [ME, "a.example@work.example"],
            out_path=out,
            workers=workers,
            progress=False,
        )
        assert res.workers == workers and res.total == 700
        outs.append(
            (out.read_bytes(), {p.name: p.read_bytes() for p in (out.parent / "discarded").glob("*")})
        )
    assert outs[0] == outs[1]
    assert outs[0][0].count(b"\n") > 400


def test_real_world_corpus_never_raises_and_is_accounted(tmp_path: Path, shared_data: Path) -> None:
    """Every real message goes through parsing and extraction without an exception (no catch-all)."""
    files = sorted((shared_data / "real-mail").glob("*.eml"))
    assert files
    opts = Options(any_sender=True)
    for p in files:
        outcome = _process(RawMessage(str(p), p.read_bytes(), False), opts)  # raises on any bug
        assert outcome[0] in ("k", "d")
        assert outcome[0] == "k" or outcome[1] in REASONS
    res, kept, dropped = run(
        tmp_path, [Source("eml_dir", shared_data / "real-mail")], emails=(), any_sender=True
    )
    assert res.total == len(files) == len(kept) + sum(len(v) for v in dropped.values())
    assert "other_sender" not in dropped
    assert len(kept) > len(files) / 2


def test_sample_mailbox_matches_ground_truth(tmp_path: Path, sample_mbox: Path) -> None:
    expected = read(sample_mbox.parent / "expected.jsonl")
    res, kept, dropped = run(
        tmp_path,
        [Source("mbox", sample_mbox)],
        emails=[
            "jen.weber@lindenmail.example",
            "jen@weber-landscapes.example",
            "JWeber@hafencity-planung.example",
        ],
    )
    assert res.total == len(expected)
    by_id = {r["message_id"]: r for r in kept}
    reasons = {r["message_id"]: r["reason"] for v in dropped.values() for r in v}
    want_kept = [e for e in expected if e["kept"]]
    assert {e["message_id"] for e in want_kept} == set(by_id)
    for e in expected:
        if not e["kept"]:
            assert reasons.get(e["message_id"]) == e["reason"] or e["reason"] == "duplicate", e["key"]
    exact = sum(by_id[e["message_id"]]["email"] == e["email"] for e in want_kept)
    assert exact / len(want_kept) >= 0.95, f"exact extraction {exact}/{len(want_kept)}"
    for e in want_kept:
        got = by_id[e["message_id"]]
        assert (got["subject"], got["date"], got["to"]) == (e["subject"], e["date"], e["to"]), e["key"]
    langs = sum(by_id[e["message_id"]]["language"] == e["language"] for e in want_kept)
    assert langs / len(want_kept) >= 0.95


def test_mapped_language_model_matches_the_packaged_one(tmp_path: Path, monkeypatch) -> None:
    """The memory-mapped copy of the py3langid model classifies exactly like the packaged loader."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    from panza.ingest import language

    monkeypatch.setenv("PANZA_CACHE_DIR", str(tmp_path / "cache"))
    mapped = language._mapped_model()
    assert isinstance(mapped.tk_nextmove, memoryview)  # really mapped, not inflated into memory
    packaged = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=False)
    texts = [
        LONG,
        "Hallo Maria, vielen Dank für die Pläne.",
        "ご連絡いただきありがとうございます。",
        "Merci beaucoup pour votre message.",
        "Привет, как дела?",
        "¿Podríamos hablar mañana?",
        "x",
        "",
    ]
    for t in texts:
        assert mapped.classify(t) == packaged.classify(t)
    assert language._mapped_model().classify(LONG)[0] == "en"  # second time: from the cache files


def test_language_model_falls_back_without_a_writable_cache(tmp_path: Path, monkeypatch) -> None:
    from panza.ingest import language

    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("PANZA_CACHE_DIR", str(blocker / "cache"))
    monkeypatch.setattr(language, "_identifier", None)
    assert language.detect(LONG) == "en"
    assert not isinstance(language._model().tk_nextmove, memoryview)
    monkeypatch.setattr(language, "_identifier", None)


def test_worker_count_policy(monkeypatch) -> None:
    from panza.ingest import pipeline

    monkeypatch.setattr(pipeline.os, "sched_getaffinity", lambda _pid: {0, 1}, raising=False)
    big = pipeline.PARALLEL_MIN_BYTES
    monkeypatch.setattr(pipeline.os, "getloadavg", lambda: (0.2, 0.2, 0.2))
    assert pipeline.resolve_workers("auto", big) == 2  # idle cores: use both
    assert pipeline.resolve_workers("auto", big - 1) == 1  # small input: a pool does not pay
    monkeypatch.setattr(pipeline.os, "getloadavg", lambda: (5.0, 5.0, 5.0))
    assert pipeline.resolve_workers("auto", big) == 1  # cores busy with other work: a pool is slower
    assert pipeline.resolve_workers(3, 0) == 3
    with pytest.raises(PanzaError, match=r"ingest\.workers"):
        pipeline.resolve_workers("many", big)
    with pytest.raises(PanzaError, match=r"ingest\.workers"):
        pipeline.resolve_workers(-1, big)


def test_same_text_to_other_people_is_kept_only_copies_go(tmp_path: Path) -> None:
    """Twenty "Thanks, will do!" answers are twenty messages; a Takeout copy (same text, To and Date) is one."""
    thanks = "Thanks, will do!"
    msgs = [
        mail(thanks, mid="t1@x"),
        mail(thanks, mid="t2@x").replace(b"To: maria@partner.example", b"To: jonas@partner.example"),
        mail(thanks, mid="t3@x").replace(b"05 Mar 2024 10:15:00", b"06 Mar 2024 09:00:00"),
        mail(thanks, mid="t4@x"),  # same text, recipients and date as t1: a second copy of it
        mail(thanks, mid="t1@x").replace(b"To: maria@partner.example", b"To: other@partner.example"),
    ]
    res, kept, dropped = run(tmp_path, [Source("mbox", write_mbox(tmp_path / "m.mbox", msgs))], min_words=0)
    assert [r["message_id"] for r in kept] == ["<t1@x>", "<t2@x>", "<t3@x>"]
    assert [(r["message_id"], r["detail"]) for r in dropped["duplicate"]] == [
        ("<t4@x>", "same text, recipients and date as an earlier message"),
        ("<t1@x>", "same Message-ID as an earlier message"),
    ]
    assert res.same_text_kept == 2 and res.kept + res.discarded == len(msgs)


def test_summary_table_says_how_many_same_text_messages_were_kept(tmp_path: Path) -> None:
    import io

    from panza.ingest.pipeline import print_summary

    msgs = [mail("Thanks, will do!", mid=f"t{i}@x").replace(b"maria@", f"p{i}@".encode()) for i in range(3)]
    res, _, _ = run(tmp_path, [Source("mbox", write_mbox(tmp_path / "m.mbox", msgs))], min_words=0)
    buf = io.StringIO()
    print_summary(res, file=buf)
    row = next(line for line in buf.getvalue().splitlines() if "same text" in line)
    assert row.split("│")[2].strip() == "2"


def test_body_only_message_is_cleaned_under_any_sender(tmp_path: Path) -> None:
    """A message saved without its header (a bare body) is the user's text in a Sent-only export; a first
    body line that looks like a field ("Ronald: …") is not a header."""
    bare = b"Ronald:\n\nActually we reindex every night.\n\nOn Mon, Jan 8, 2024 at 10:02 AM Anna <a@b.org> wrote:\n> Do you?\n"
    mbox = write_mbox(tmp_path / "m.mbox", [bare, b"this is not an email message at all\n"])
    _, kept, dropped = run(tmp_path, [Source("mbox", mbox)], emails=(), any_sender=True, min_words=0)
    assert [r["email"] for r in kept] == [
        "Ronald:\n\nActually we reindex every night.",
        "this is not an email message at all",
    ]
    assert (
        kept[0]["subject"] is None
        and kept[0]["to"] == []
        and kept[0]["message_id"].endswith("@panza.invalid>")
    )
    # with a sender filter there is no From to match: still discarded, with the reason
    _, kept, dropped = run(tmp_path, [Source("mbox", mbox)], allow_empty=True)
    assert (
        not kept
        and [r["detail"] for r in dropped["broken"]] == ["no header fields: not an email message"] * 2
    )


def test_batched_detection_answers_like_py3langid(shared_data: Path) -> None:
    """``detect_many`` (vectorised scoring) gives py3langid's own answer for every text, in and out of a batch."""
    import json

    from panza.ingest import language

    texts = [
        LONG, "Hallo Maria, vielen Dank für die Pläne.", "ご連絡いただきありがとうございます。", "Привет, как дела?",
        "¿Podríamos hablar mañana?", "THANKS, SEE YOU MONDAY", "x", "", "12 34 56", "see https://a.example/x y@z.example",
        "Merci beaucoup pour votre message.", "谢谢你的来信，我们明天见。", "שלום, מה שלומך?", "Dziękuję bardzo za pomoc!",
    ]  # fmt: skip
    zones = shared_data / "zones-dev" / "cases.jsonl"
    if zones.is_file():  # real mail of many sources, when the shared data is there
        texts += [json.loads(line)["body"] for line in zones.read_text(encoding="utf-8").splitlines()[:300]]
    model = language._model()

    def reference(t: str) -> str | None:
        sample = language._sample(t)
        return None if sample is None else str(model.classify(sample)[0])

    want = [reference(t) for t in texts]
    assert len(set(want)) >= 8  # the texts really exercise several languages
    got = [x for i in range(0, len(texts), 64) for x in language.detect_many(texts[i : i + 64])]
    assert got == want
    assert [language.detect(t) for t in texts[:14]] == want[:14]
    assert language.detect_many([]) == []


def test_subject_with_a_raw_line_break_keeps_headers_out_of_the_text(tmp_path: Path) -> None:
    """A CR LF left inside a Subject ended the header block: the rest of the headers became text."""
    cut = mail(subject="Plan\r\n", mid="cut@x")
    assert b"Subject: Plan\r\n\n" in cut  # the damage, as a real writer left it
    box = write_mbox(tmp_path / "sent.mbox", [cut, mail(mid="fine@x", body=f"Hi Tom,\n\n{LONG}\n\nAlex")])
    res, kept, dropped = run(tmp_path, [Source("mbox", box)])
    assert res.total == 2 and not any(dropped.values())
    assert {r["message_id"] for r in kept} == {"<cut@x>", "<fine@x>"}
    cut_rec = next(r for r in kept if r["message_id"] == "<cut@x>")
    assert "Date:" not in cut_rec["email"] and "Content-Type" not in cut_rec["email"]
    assert LONG in cut_rec["email"]
