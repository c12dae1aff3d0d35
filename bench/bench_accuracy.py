"""Extraction accuracy on the blind corpus: how often ``panza extract`` returns exactly what the user wrote.

The corpus (tests/fixtures/blind/) was written without looking at panza's cleaning code or its fixtures:
real client layouts (Gmail, Outlook, Apple Mail, Thunderbird, Yahoo, Proton, webmails) in 18 languages,
each with a sidecar of the exact expected text. Every message goes through the real ingest path
(``panza.ingest.pipeline.process_message``, what ``panza extract --any-sender`` runs per message).
The baseline, measured in the same run, is a naive extractor that cuts the decoded body at the first
``>`` line or ``wrote:`` line, so the printed ratio shows what the cleaner adds. Target: >= 0.90.

Second corpus, ``--zones``: ../shared/data/zones-dev (720 real annotated messages, Enron corporate mail and
Apache mailing lists; read in place, never copied). Scored by its README's rule (line by line after
whitespace normalisation) both on ``panza.clean.extract_reply`` and through ``panza extract`` itself
(``min_words=0``, a dropped message counts as empty), per corpus and per fixed split: ``dev`` (~70%) to
develop rules on, ``held`` (~30%, chosen by a hash of the message id) kept aside to see whether they generalise.

Run: .venv/bin/python bench/bench_accuracy.py [--fixtures DIR] [--failures] [--zones [--dump FILE]]
(or: python -m bench accuracy)
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import json
import re
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "blind"
ZONES = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "zones-dev" / "cases.jsonl"
TARGET = 0.90
FORWARD = "<discard: forward>"
_NAME = re.compile(r"^(\d+)-([a-z_]+)-([a-z]{2})-([a-z_]+)$")


@dataclass(frozen=True)
class Sample:
    name: str
    client: str
    lang: str
    kind: str
    data: bytes
    expected: str  # normalized text, or FORWARD for a pure forward


@dataclass(frozen=True)
class Outcome:
    sample: Sample
    got: str

    @property
    def ok(self) -> bool:
        return self.got == self.sample.expected


def normalize(text: str) -> str:
    """Only trailing whitespace and runs of blank lines are forgiven: the rest must match exactly."""
    out: list[str] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        line = line.rstrip()
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip("\n")


def load(fixtures: Path = FIXTURES) -> list[Sample]:
    """Every ``<nn>-<client>-<lang>-<kind>.eml`` with its ``.expected.txt`` or ``.expected.json``."""
    samples = []
    for eml in sorted(fixtures.glob("*.eml")):
        m = _NAME.match(eml.stem)
        if not m:
            raise ValueError(f"{eml.name}: name is not <nn>-<client>-<lang>-<kind>.eml")
        txt, js = eml.with_suffix(".expected.txt"), eml.with_suffix(".expected.json")
        if txt.exists():
            expected = normalize(txt.read_text(encoding="utf-8"))
        elif js.exists():
            spec = json.loads(js.read_text(encoding="utf-8"))
            if spec != {"discard": "forward"}:
                raise ValueError(f"{js.name}: only {{'discard': 'forward'}} is supported")
            expected = FORWARD
        else:
            raise ValueError(f"{eml.name}: no .expected.txt or .expected.json beside it")
        _, client, lang, kind = m.groups()
        samples.append(Sample(eml.stem, client, lang, kind, eml.read_bytes(), expected))
    return samples


def panza_extract(samples: Iterable[Sample]) -> list[str]:
    """What ``panza extract --any-sender`` keeps for each message (min_words=0: measure extraction only)."""
    from panza.ingest.pipeline import Options, process_batch
    from panza.ingest.sources import RawMessage

    opts = Options(any_sender=True, min_words=0)
    samples = list(samples)
    results = process_batch([RawMessage(s.name, s.data, False) for s in samples], opts)
    out = []
    for res in results:
        if res[0] == "k":
            out.append(normalize(json.loads(res[1])["email"]))
        else:
            rec = json.loads(res[2])
            reason = rec["reason"]
            if reason == "forward":
                out.append(FORWARD)
            elif rec.get("email"):  # too_short / language discards still carry the extracted text
                out.append(normalize(rec["email"]))
            else:
                out.append(f"<discard: {reason}: {rec.get('detail')}>")
    return out


_NAIVE_CUT = re.compile(r"^\s*>|wrote:\s*$")


def naive_extract(samples: Iterable[Sample]) -> list[str]:
    """Baseline: the decoded body up to the first ``>`` line or ``... wrote:`` line, nothing else."""
    from panza.ingest import mime

    out = []
    for s in samples:
        text = mime.body(mime.parse(s.data)).text or ""
        kept = []
        for line in text.replace("\r\n", "\n").split("\n"):
            if _NAIVE_CUT.search(line):
                break
            kept.append(line)
        got = normalize("\n".join(kept))
        out.append(got if got else FORWARD)
    return out


def run(extractor: Callable[[Iterable[Sample]], list[str]], samples: list[Sample]) -> list[Outcome]:
    return [Outcome(s, g) for s, g in zip(samples, extractor(samples), strict=True)]


def accuracy(outcomes: list[Outcome]) -> float:
    return sum(o.ok for o in outcomes) / len(outcomes) if outcomes else 0.0


def table(outcomes: list[Outcome], baseline: list[Outcome] | None = None) -> str:
    """Per-category exact-match accuracy (client, language, case kind), then overall."""
    lines = []
    base = {o.sample.name: o.ok for o in baseline} if baseline else None
    for label, key in (("client", "client"), ("language", "lang"), ("case", "kind")):
        groups: dict[str, list[Outcome]] = defaultdict(list)
        for o in outcomes:
            groups[getattr(o.sample, key)].append(o)
        head = f"{label:<16} {'n':>4} {'panza':>7}" + (f" {'naive':>7}" if base is not None else "")
        lines += ["", head, "-" * len(head)]
        for g in sorted(groups):
            os_ = groups[g]
            row = f"{g:<16} {len(os_):>4} {accuracy(os_):>7.2f}"
            if base is not None:
                row += f" {sum(base[o.sample.name] for o in os_) / len(os_):>7.2f}"
            lines.append(row)
    overall = accuracy(outcomes)
    lines += [
        "",
        f"overall exact match: {sum(o.ok for o in outcomes)}/{len(outcomes)} = {overall:.3f} "
        f"(target {TARGET:.2f})",
    ]
    if baseline:
        b = accuracy(baseline)
        ratio = f"{overall / b:.2f}x" if b else "inf"
        lines.append(
            f"naive baseline:      {sum(o.ok for o in baseline)}/{len(baseline)} = {b:.3f}  "
            f"-> panza/naive = {ratio}"
        )
    return "\n".join(lines)


def failures(outcomes: list[Outcome], context: int = 0) -> str:
    """Each miss with a short unified diff (expected -> got)."""
    out = []
    for o in outcomes:
        if o.ok:
            continue
        diff = difflib.unified_diff(
            o.sample.expected.split("\n"), o.got.split("\n"), "expected", "got", n=context, lineterm=""
        )
        body = [ln for ln in diff if not ln.startswith(("---", "+++"))][:14]
        out.append(f"FAIL {o.sample.name}\n" + "\n".join("    " + ln for ln in body))
    return "\n".join(out)


# ------------------------------------------------------------------ zones-dev (real annotated mail)

_WS = re.compile(r"[\s\u00a0\u200b\u200c\u200d\ufeff]+")
_ALNUM = re.compile(r"[^\W_]")


@dataclass(frozen=True)
class Case:
    id: str
    corpus: str
    split: str  # "dev" or "held"
    raw: str
    raw_format: str
    body: str
    accepted: tuple[str, ...]


def zone_lines(text: str | None) -> list[str]:
    """The README's scoring form: whitespace runs -> one space, stripped, blank and trailing symbol lines gone."""
    out = [
        _WS.sub(" ", ln).strip() for ln in (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    ]
    out = [ln for ln in out if ln]
    while out and not _ALNUM.search(out[-1]):
        out.pop()
    return out


def split_of(case_id: str) -> str:
    """Fixed ~70/30 split by a hash of the id, so every run and every developer holds out the same cases."""
    return "held" if hashlib.sha1(case_id.encode()).digest()[0] % 10 < 3 else "dev"


def load_zones(path: Path = ZONES) -> list[Case]:
    cases = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            c = json.loads(line)
            cases.append(
                Case(
                    c["id"],
                    c["corpus"],
                    split_of(c["id"]),
                    c["raw"],
                    c["raw_format"],
                    c["body"],
                    tuple(c["accepted"]),
                )
            )
    return cases


def zone_ok(case: Case, got: str | None) -> bool:
    g = zone_lines(got)
    return got is not None and any(zone_lines(a) == g for a in case.accepted)


def zones_extract_reply(cases: list[Case]) -> list[str | None]:
    """``panza.clean.extract_reply`` on each decoded body (what the hook scores)."""
    from panza.clean import extract_reply

    return [extract_reply(c.body).text for c in cases]


def _as_rfc822(case: Case, i: int) -> bytes:
    if case.raw_format == "rfc822":
        return case.raw.replace("\r\n", "\n").encode("utf-8")
    # List mail given as a body only: minimal headers of our own around it.
    head = (
        f"From: sender{i}@lists.example\nTo: list@lists.example\nSubject: zones case {i}\n"
        f"Message-ID: <zones-{i}@zones-dev.invalid>\nDate: Mon, 1 Jan 2001 00:00:00 +0000\n"
        "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n"
    )
    return head.encode() + case.raw.encode("utf-8")


def zones_panza_extract(cases: list[Case]) -> list[str | None]:
    """``panza extract`` (the library call behind the CLI) on an mbox of all cases; dropped -> ""."""
    import mailbox

    from panza.ingest.pipeline import extract

    with tempfile.TemporaryDirectory() as tmp:
        mbox_path = Path(tmp) / "zones.mbox"
        box = mailbox.mbox(str(mbox_path))
        for i, c in enumerate(cases):
            box.add(_as_rfc822(c, i))
        box.flush()
        box.close()
        ids = [m["Message-ID"] for m in mailbox.mbox(str(mbox_path))]
        out = Path(tmp) / "out" / "zones_clean.jsonl"
        extract([("mbox", mbox_path)], out_path=out, any_sender=True, min_words=0, workers=1, progress=False)
        kept = {}
        for line in out.read_text(encoding="utf-8").splitlines():
            rec = json.loads(line)
            kept[rec["message_id"]] = rec["email"]
    return [kept.get((mid or "").strip(), "") for mid in ids]


def zones_table(cases: list[Case], results: dict[str, list[str | None]]) -> str:
    """Exact share per corpus and split, one column per extractor."""
    names = list(results)
    oks = {n: [zone_ok(c, g) for c, g in zip(cases, results[n], strict=True)] for n in names}
    head = f"{'corpus':<8} {'split':<6} {'n':>4} " + " ".join(f"{n:>15}" for n in names)
    lines = [head, "-" * len(head)]
    groups = sorted({(c.corpus, c.split) for c in cases}) + [
        (k, "all") for k in sorted({c.corpus for c in cases})
    ]
    groups += [("all", "dev"), ("all", "held"), ("all", "all")]
    for corpus, split in groups:
        idx = [i for i, c in enumerate(cases) if corpus in ("all", c.corpus) and split in ("all", c.split)]
        row = f"{corpus:<8} {split:<6} {len(idx):>4} "
        row += " ".join(f"{sum(oks[n][i] for i in idx) / len(idx):>15.3f}" for n in names)
        lines.append(row)
    return "\n".join(lines)


def zones_failures(cases: list[Case], got: list[str | None], split: str | None = "dev") -> str:
    """Each miss: id, the expected and the extracted lines as a diff, then the body (for reading)."""
    out = []
    for c, g in zip(cases, got, strict=True):
        if zone_ok(c, g) or (split and c.split != split):
            continue
        diff = difflib.unified_diff(
            zone_lines(c.accepted[0]), zone_lines(g), "expected", "got", n=1, lineterm=""
        )
        body = "\n".join("    | " + ln for ln in c.body.split("\n")[:80])
        out.append(
            f"===== {c.id} ({c.corpus}, {c.split})\n" + "\n".join(list(diff)[2:]) + "\n--- body:\n" + body
        )
    return "\n".join(out)


def main_zones(args: argparse.Namespace) -> int:
    if not ZONES.is_file():
        print(f"zones-dev not found at {ZONES} (the shared data folder sits beside the checkout)")
        return 1
    cases = load_zones()
    results = {"extract_reply": zones_extract_reply(cases), "panza extract": zones_panza_extract(cases)}
    print(f"zones-dev: {len(cases)} real annotated messages from {ZONES}")
    print(zones_table(cases, results))
    if args.dump:
        args.dump.write_text(zones_failures(cases, results["extract_reply"], args.split), encoding="utf-8")
        print(f"failures of extract_reply ({args.split or 'all'} split) -> {args.dump}")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fixtures", type=Path, default=FIXTURES)
    ap.add_argument("--failures", action="store_true", help="also print each failing case with a diff")
    ap.add_argument("--zones", action="store_true", help="score ../shared/data/zones-dev instead")
    ap.add_argument("--dump", type=Path, help="with --zones: write the failures of one split to this file")
    ap.add_argument("--split", default="dev", help="with --dump: dev, held or '' for all")
    args = ap.parse_args(argv)
    if args.zones:
        return main_zones(args)
    samples = load(args.fixtures)
    if not samples:
        print(f"no .eml fixtures under {args.fixtures}")
        return 1
    outcomes = run(panza_extract, samples)
    baseline = run(naive_extract, samples)
    print(f"blind corpus: {len(samples)} messages from {args.fixtures}")
    print(table(outcomes, baseline))
    if args.failures:
        print()
        print(failures(outcomes) or "no failures")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
