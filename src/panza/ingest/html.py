"""HTML mail to the plain text its author typed, with quotes rendered the way mail clients quote.

selectolax (lexbor) parses; a small renderer walks the tree so that reply quotes come out as
``> ``-prefixed lines (``<blockquote>``, Gmail's ``div.gmail_quote``, Yahoo's ``yahoo_quoted``),
Outlook's ``divRplyFwdMsg`` header block as plain ``From:``/``Sent:`` lines and signature
containers behind a ``-- `` line: exactly the shapes the clean stage strips from plain text.
We measured inscriptis too (see the benchmark notes in the report): it lays out tables
beautifully but is ~10x slower and has no notion of quote prefixes.
"""

from __future__ import annotations

import re

_WS = re.compile(r"[ \t\n\r\f\v\u00a0\u200b\ufeff]+")
_BLANKS = re.compile(r"\n{3,}")
_FWD = re.compile(
    r"^\W*(-{2,}\s*)?(forwarded message|begin forwarded message|original message|"
    r"weitergeleitete nachricht|message transféré|mensaje reenviado)",
    re.I,
)

_SKIP = frozenset(
    {
        "head",
        "style",
        "script",
        "title",
        "meta",
        "link",
        "template",
        "svg",
        "object",
        "iframe",
        "img",
        "button",
        "select",
        "input",
        "textarea",
        "map",
        "audio",
        "video",
        "-comment",
        "_comment",
        "!comment",
        "#comment",
        "xml",
        "o:smarttagtype",
    }
)
_BLOCK = frozenset(
    {
        "div",
        "section",
        "article",
        "header",
        "footer",
        "main",
        "nav",
        "aside",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "ul",
        "ol",
        "dl",
        "dt",
        "dd",
        "table",
        "tbody",
        "thead",
        "tfoot",
        "tr",
        "form",
        "fieldset",
        "address",
        "center",
        "figure",
        "figcaption",
        "body",
        "html",
        "caption",
        "hr",
        "details",
        "summary",
        "dir",
        "menu",
    }
)
_QUOTE_CLASSES = ("yahoo_quoted", "protonmail_quote", "zmail_extra", "tutanota_quote")
_SIG_CLASSES = ("gmail_signature", "moz-signature")
_SIG_IDS = ("signature", "Signature", "x_Signature", "appleMailSignature")
_ENTER, _EXIT = 0, 1


class _Writer:
    """Accumulates lines; ``quote`` is the current ``> `` depth applied when a line is emitted."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.cur: list[str] = []
        self.quote = 0
        self.pre = 0

    def text(self, s: str) -> None:
        if self.pre:
            parts = s.replace("\r\n", "\n").split("\n")
            for i, p in enumerate(parts):
                if i:
                    self.newline(force=True)
                self.cur.append(p.replace("\u00a0", " "))
            return
        s = _WS.sub(" ", s)
        if not s:
            return
        if not self.cur or self.cur[-1].endswith(" "):
            s = s.lstrip()
        if s:
            self.cur.append(s)

    def space(self) -> None:
        if self.cur and not self.cur[-1].endswith(" "):
            self.cur.append(" ")

    def newline(self, force: bool = False) -> None:
        line = "".join(self.cur).rstrip() if not self.pre else "".join(self.cur).rstrip("\n")
        self.cur = []
        if line == "--":
            line = "-- "  # the signature delimiter keeps its space
        if line or force:
            prefix = "> " * self.quote
            self.lines.append((prefix + line).rstrip() if prefix and line != "-- " else prefix + line)

    def block(self) -> None:
        if self.cur and "".join(self.cur).strip():
            self.newline()
        else:
            self.cur = []

    def blank(self) -> None:
        self.block()
        if self.lines and self.lines[-1].strip("> "):
            self.lines.append(("> " * self.quote).rstrip())

    def result(self) -> str:
        self.block()
        text = "\n".join(self.lines).strip("\n")
        return _BLANKS.sub("\n\n", text)


def _hidden(attrs: dict) -> bool:
    style = attrs.get("style")
    if style and "none" in style and _DISPLAY_NONE.search(style):
        return True
    return "hidden" in attrs


_DISPLAY_NONE = re.compile(r"display\s*:\s*none", re.I)


def html_to_text(html: str) -> str:
    """Render an HTML mail body as plain text; never raises (falls back to tag stripping)."""
    if not html or not html.strip():
        return ""
    try:
        return _render(html)
    except Exception:  # a parser or renderer failure still yields readable text
        return _WS.sub(" ", re.sub(r"<[^>]*>", " ", html)).strip()


def _render(html: str) -> str:
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(html)
    root = tree.body or tree.root
    if root is None:
        return ""
    w = _Writer()
    stack: list[tuple[int, object, str]] = [(_ENTER, root, "")]
    while stack:
        phase, node, action = stack.pop()
        if phase == _EXIT:
            _leave(w, node, action)
            continue
        tag = node.tag or "_"
        if tag == "-text":
            w.text(node.text_content or "")
            continue
        if tag in _SKIP or tag[0] in "!#_":
            continue
        attrs = node.attributes if tag not in _PLAIN else _NO_ATTRS
        if attrs and _hidden(attrs):
            continue
        action = _enter(w, node, tag, attrs)
        stack.append((_EXIT, node, action))
        stack.extend([(_ENTER, kid, "") for kid in node.iter(include_text=True)][::-1])
    return w.result()


_PLAIN = frozenset({"br", "b", "i", "u", "em", "strong", "font", "o:p", "small", "big", "sup", "sub"})
_NO_ATTRS: dict = {}


def _enter(w: _Writer, node, tag: str, attrs: dict) -> str:
    """Open an element; returns what to do when it closes."""
    if tag == "br":
        w.newline(force=True)
        return ""
    if tag in ("td", "th"):
        w.space()
        return "space"
    if tag == "blockquote":
        w.block()
        w.quote += 1
        return "unquote"
    if tag == "p":
        w.block()
        return "msoline" if "Mso" in (attrs.get("class") or "") else "para"
    if tag == "pre":
        w.block()
        w.pre += 1
        return "unpre"
    if tag == "li":
        w.block()
        w.cur.append("- ")
        return "block"
    if tag == "div" or tag == "span":
        cls = attrs.get("class") or ""
        ident = attrs.get("id") or ""
        if "gmail_quote" in cls and tag == "div" and "gmail_quote_container" not in cls:
            w.block()
            if node.css_first("blockquote") is None and not _FWD.match((node.text() or "")[:200].strip()):
                w.quote += 1
                return "unquote"
            return "block"
        if any(c in _QUOTE_CLASSES for c in cls.split()):
            w.block()
            w.quote += 1
            return "unquote"
        if any(c in _SIG_CLASSES for c in cls.split()) or ident in _SIG_IDS:
            w.block()
            after_delimiter = bool(w.lines) and w.lines[-1].rstrip().endswith("--")
            if not after_delimiter and not (node.text() or "").lstrip().startswith("--"):
                w.lines.append(("> " * w.quote) + "-- ")
            return "block"
        if ident == "divRplyFwdMsg" or "OutlookMessageHeader" in cls:
            w.block()
            return "block"
        if tag == "div":
            w.block()
            return "block"
        return ""
    if tag in _BLOCK:
        w.block()
        return "block"
    return ""


def _leave(w: _Writer, node, action: str) -> None:
    if action == "block":
        w.block()
    elif action == "space":
        w.space()
    elif action == "unquote":
        w.block()
        w.quote = max(0, w.quote - 1)
    elif action == "para":
        w.blank()
    elif action == "msoline":
        w.newline(force=True)
    elif action == "unpre":
        w.newline()
        w.pre = max(0, w.pre - 1)
