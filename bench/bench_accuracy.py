"""Extraction accuracy on the blind corpus: how often ``panza extract`` returns exactly what the user wrote.

The corpus (tests/fixtures/blind/) was written without looking at panza's cleaning code or its fixtures:
real client layouts (Gmail, Outlook, Apple Mail, Thunderbird, Yahoo, Proton, webmails) in 18 languages,
each with a sidecar of the exact expected text. Every message goes through the real ingest path
(``panza.ingest.pipeline.process_message``, what ``panza extract --any-sender`` runs per message).
The baseline, measured in the same run, is a naive extractor that cuts the decoded body at the first
``>`` line or ``wrote:`` line, so the printed ratio shows what the cleaner adds. Target: >= 0.90.

Run: .venv/bin/python bench/bench_accuracy.py [--fixtures DIR] [--failures]   (or: python -m bench accuracy)
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "blind"
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


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fixtures", type=Path, default=FIXTURES)
    ap.add_argument("--failures", action="store_true", help="also print each failing case with a diff")
    args = ap.parse_args(argv)
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
