"""Inline model nodes → ReportLab paragraph markup (`<b>`, `<i>`, `<super>`, links, footnote marks): shared by the
PDF writer's paragraphs and its table captions (pdf_tables.py)."""
from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from builder.model import (Code, CrossRef, Emphasis, FootnoteRef, Inline, LineBreak, Link, Strong, Superscript,
                           Text)
from builder.writers.pdf_footnotes import mark_markup


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
