"""Inline model nodes → ReportLab paragraph markup (`<b>`, `<i>`, `<super>`, links, footnote marks): shared by the
PDF writer's paragraphs and its table captions (pdf_tables.py), with where ReportLab may break a web address."""
from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from builder.model import (Code, CrossRef, Emphasis, FootnoteRef, Inline, LineBreak, Link, Strong, Superscript,
                           Text)
from builder.writers.pdf_footnotes import mark_markup


MIN_URL_TAIL = 5  # an address carries fewer characters to the next line ("xls") only when nothing else fits
_TAILS: dict[str, list[int]] = {}  # the rest of an address already broken once → where it may break again


def forget_addresses() -> None:
    """Start a write with no remembered address: a word breaks the same whatever was written before it."""
    _TAILS.clear()


def _url_split_pairs(word):
    """Where ReportLab may break a web address at a line end (its `_uri_split_pairs`, in the order it tries them:
    the first head that fits is taken): after a `/` or a `.`, never inside a percent-escape
    (typography.url_breaks); a break that carries only a few characters over comes after those, and a break
    before a hyphen (for a piece longer than a line) last. The text and the link stay whole. ReportLab asks again
    for the rest of the word on the next line, which no longer looks like an address: the rests of every address
    seen are remembered with their own break points, so an address breaks as often as it needs to."""
    from builder.readers.typography import url_breaks
    word = word.decode("utf8") if isinstance(word, bytes) else word
    cuts = _TAILS.get(word)
    if cuts is None:
        cuts = url_breaks(word)
        if cuts:  # before a hyphen, as the last resort: the hyphen opens the next line, it is not a hyphenation
            cuts = sorted(set(cuts) | {i for i in range(cuts[0], len(word) - 1) if word[i] == "-"})
    if len(_TAILS) > 100_000:
        _TAILS.clear()
    for i in cuts:
        _TAILS.setdefault(word[i:], [c - i for c in cuts if c > i])
    cuts = sorted(cuts, key=lambda i: (word[i] == "-", len(word) - i < MIN_URL_TAIL, -i))
    return [(word[:i], word[i:]) for i in cuts] or None


from reportlab.platypus import paragraph as _rl_paragraph  # noqa: E402

_rl_paragraph._uri_split_pairs = _url_split_pairs


def markup(inlines: tuple[Inline, ...], accent: str = "#1f4e79") -> str:
    out = []
    for k, node in enumerate(inlines):
        if isinstance(node, FootnoteRef) and k and isinstance(inlines[k - 1], FootnoteRef):
            out.append("<super>,</super>")  # adjacent marks: "44,45", not "4445"
        match node:
            case Text(text=t):
                out.append(escape(t, {'"': "&quot;"}))
            case Strong(children=c):
                out.append(f"<b>{markup(c, accent)}</b>")
            case Emphasis(children=c):
                out.append(f"<i>{markup(c, accent)}</i>")
            case Superscript(children=c):
                out.append(f"<super>{markup(c, accent)}</super>")
            case Code(text=t):
                out.append(escape(t))
            case LineBreak():
                out.append("<br/>")
            case Link(url=url, children=c):
                out.append(f'<a href={quoteattr(url)} color="{accent}">{markup(c, accent)}</a>')
            case FootnoteRef(id=i, number=n):
                out.append(mark_markup(i, n))
            case CrossRef(target=t, text=txt):
                out.append(f'<a href="#{escape(t)}" color="{accent}">{escape(txt)}</a>')
            case _:
                raise TypeError(f"unhandled inline {node!r}")
    return "".join(out)
