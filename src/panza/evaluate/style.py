"""Style: does the draft sound like the user?

* **attribution**: a small stylometric classifier (character 2–4-grams inside word boundaries
  plus function-word frequencies, logistic regression) trained on the user's *training* emails
  against other authors' mail. A draft's score is the probability it gives the user; the
  attribution rate is the share of drafts it assigns to the user. The same rate on the real test
  emails is the ceiling to read it against.
* **greeting / closing match**: the draft opens (``hi``, ``dear`` …) and signs off (``best
  regards`` …) the way the real email did; both absent counts as a match.
* **length ratio**: draft words over real-email words (1.0 = as long as the user writes).
* **centroid similarity**: cosine between the draft's sentence embedding and the mean embedding
  of the user's training emails.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from statistics import mean, median
from typing import Any

Embed = Callable[[list[str]], Any]  # texts -> (n, dim) unit vectors

GREETING = re.compile(
    r"^\s*(good (?:morning|afternoon|evening)|hi there|hello|hey|hiya|hi|dear|greetings|howdy|"
    r"hallo|ciao|bonjour|hola|guten tag|liebe|lieber)\b",
    re.IGNORECASE,
)
CLOSING = re.compile(
    r"^\s*((?:best|kind|warm|warmest|many|with|all the) (?:regards|wishes|best|thanks)|best|regards|cheers|"
    r"thanks(?: again| a lot| so much)?|thank you(?: very much| so much)?|many thanks|sincerely|"
    r"yours(?: sincerely| truly)?|talk soon|see you|take care|love|ciao|all the best|bests?|"
    r"best wishes|viele grüße|liebe grüße|grüße|saluti|cordialement)\s*[,.!]*\s*$",
    re.IGNORECASE,
)
_FUNCTION_WORDS = (
    "a about above after again all also although am an and any are as at be because been before being "
    "below between both but by can could did do does doing down during each either few for from further "
    "had has have having he her here hers him his how i if in into is it its itself just let me more most "
    "my myself neither no nor not now of off on once only or other our ours out over own same she should "
    "so some such than that the their theirs them then there these they this those though through to too "
    "under until up very was we were what when where which while who whom why will with would yet you "
    "your yours"
)
FUNCTION_WORDS = tuple(_FUNCTION_WORDS.split())


def _lines(text: str) -> list[str]:
    return [ln.strip() for ln in text.replace("\r", "").split("\n") if ln.strip()]


def greeting(text: str) -> str | None:
    """The greeting word of the first line (``hi``, ``dear`` …), lower-case, or ``None``."""
    lines = _lines(text)
    m = GREETING.match(lines[0]) if lines else None
    return m.group(1).lower() if m else None


def closing(text: str) -> str | None:
    """The sign-off phrase among the last three lines (``best regards``), lower-case, or ``None``."""
    for line in reversed(_lines(text)[-3:]):
        m = CLOSING.match(line)
        if m:
            return " ".join(m.group(1).lower().split())
    return None


def word_count(text: str) -> int:
    return len(re.findall(r"\w+", text))


def length_ratio(draft: str, golden: str) -> float | None:
    n = word_count(golden)
    return word_count(draft) / n if n else None


# ---- attribution ---------------------------------------------------------------------------------
def _function_words() -> Any:
    """Counts of the function words only: topic-free, so they carry habits, not subjects."""
    from sklearn.feature_extraction.text import CountVectorizer

    return CountVectorizer(vocabulary=FUNCTION_WORDS, lowercase=True, token_pattern=r"(?u)\b\w+\b")


@dataclass
class Attribution:
    """A fitted user-vs-others classifier; ``proba(texts)`` is P(user) per text."""

    model: Any
    n_user: int
    n_other: int

    def proba(self, texts: Sequence[str]) -> list[float]:
        if not texts:
            return []
        return [float(p) for p in self.model.predict_proba(list(texts))[:, 1]]


def fit_attribution(user_texts: Sequence[str], other_texts: Sequence[str], seed: int = 0) -> Attribution:
    """Train the classifier; both sides are needed (the user's training emails, others' mail)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, make_pipeline
    from sklearn.preprocessing import Normalizer

    if len(user_texts) < 2 or len(other_texts) < 2:
        raise ValueError("attribution needs at least two texts of the user and two of other authors")
    features = FeatureUnion(
        [
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True, min_df=2)),
            ("function_words", make_pipeline(_function_words(), Normalizer())),
        ]
    )
    model = make_pipeline(
        features, LogisticRegression(C=10.0, class_weight="balanced", max_iter=2000, random_state=seed)
    )
    texts = [*user_texts, *other_texts]
    labels = [1] * len(user_texts) + [0] * len(other_texts)
    model.fit(texts, labels)
    return Attribution(model, len(user_texts), len(other_texts))


def load_other_authors(paths: Sequence[str], min_words: int = 5, limit: int | None = None) -> list[str]:
    """Texts of other authors from JSONL files (field ``email``, ``expected`` or ``text`` of each line)."""
    import json
    from pathlib import Path

    from panza.errors import PanzaError

    out: list[str] = []
    for p in paths:
        path = Path(str(p)).expanduser()
        if not path.is_file():
            raise PanzaError(
                f"other authors' mail {path} not found; give JSONL files with an 'email' field "
                "(eval.style.other_authors=[...]) or eval.style.other_authors=[] to skip attribution"
            )
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                raise PanzaError(f"{path}:{n}: not valid JSON; each line must be one JSON object") from None
            text = next((rec[k] for k in ("email", "expected", "text") if isinstance(rec.get(k), str)), None)
            if text and word_count(text) >= min_words:
                out.append(text)
    return out[:limit] if limit else out


# ---- centroid ------------------------------------------------------------------------------------
def centroid(vectors: Any) -> Any:
    """The unit-length mean of unit vectors: the direction of the user's typical email."""
    import numpy as np

    c = np.asarray(vectors, dtype="float64").mean(axis=0)
    norm = float(np.linalg.norm(c))
    return c / norm if norm else c


def centroid_similarity(vectors: Any, center: Any) -> list[float]:
    import numpy as np

    if len(vectors) == 0:
        return []
    return [float(x) for x in np.asarray(vectors, dtype="float64") @ center]


# ---- per draft and aggregate -----------------------------------------------------------------------
def _strip_punct(s: str | None) -> str | None:
    return s.translate(str.maketrans("", "", string.punctuation)).strip() if s else s


def style_scores(draft: str, goldens: Sequence[str]) -> dict[str, Any]:
    """Greeting/closing match against any golden and the length ratio to the first one."""
    g = greeting(draft)
    c = _strip_punct(closing(draft))
    return {
        "greeting": g,
        "closing": c,
        "greeting_match": any(g == greeting(x) for x in goldens) if goldens else None,
        "closing_match": any(c == _strip_punct(closing(x)) for x in goldens) if goldens else None,
        "length_ratio": length_ratio(draft, goldens[0]) if goldens else None,
    }


def _rate(values: Sequence[Any]) -> float | None:
    vals = [v for v in values if v is not None]
    return sum(bool(v) for v in vals) / len(vals) if vals else None


def _mean(values: Sequence[Any]) -> float | None:
    vals = [v for v in values if v is not None]
    return mean(vals) if vals else None


def aggregate(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Rates and means over per-draft style records (``None`` where nothing was measured)."""
    ratios = [r["length_ratio"] for r in records if r.get("length_ratio") is not None]
    return {
        "attribution_rate": _rate([None if r.get("p_user") is None else r["p_user"] > 0.5 for r in records]),
        "attribution_p_user": _mean([r.get("p_user") for r in records]),
        "greeting_match": _rate([r.get("greeting_match") for r in records]),
        "closing_match": _rate([r.get("closing_match") for r in records]),
        "length_ratio_median": median(ratios) if ratios else None,
        "centroid_similarity": _mean([r.get("centroid_similarity") for r in records]),
    }
