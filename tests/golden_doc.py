"""A small Document that holds every node kind of the model, each inline with a word of its own ("w01" …)."""
from __future__ import annotations

from pathlib import Path

from builder.errors import Diagnostics
from builder.model import (Attrs, BulletList, Cell, Chart, Code, CrossRef, Definitions, DocMeta, Document, Emphasis, Figure,
                           FootnoteRef, Heading, LineBreak, Link, ListItem, OrderedList, PageBreak, Paragraph, Quote,
                           Strong, Superscript, Table, TableOfContents, TableRow, Text, TitlePage)
from builder.model.transforms import number_document


CHART = Path(__file__).parent / "golden" / "chart"  # a tiny chart: .svg for PDF and HTML, .png for DOCX
LEFT_OUT = ("left-out-1", "left-out-2")  # the caption and note of a chart left out for missing data: no writer prints them


def _t(n: int) -> Text:
    return Text(f"w{n:02d}")


def every_kind() -> Document:
    meta = DocMeta("Every kind", authors=())
    blocks = (
        TitlePage(meta),
        TableOfContents(),
        Heading(1, (_t(1), FootnoteRef("c:a"))),
        Paragraph((_t(2), Strong((_t(3),)), Emphasis((_t(4),)), Superscript((_t(5),)), Code("w06"), LineBreak(),
                   Link("https://example.org/?a=1&b=2", (_t(7),)), Text(" "), CrossRef("tab", "table"),
                   FootnoteRef("c:b"))),
        BulletList((ListItem((Paragraph((_t(8),)),
                              OrderedList((ListItem((Paragraph((_t(9),)),), label="1.1."),), start=3))),)),
        Definitions((("w10", "w11"),)),
        Quote((Paragraph((_t(12),)),)),
        Table("tab", (_t(13),), (TableRow((Cell("w14"), Cell("w15", note=FootnoteRef("c:c")))),),
              (TableRow((Cell("w16", colspan=2),), group=True),
               TableRow((Cell(2017, "year"), Cell(1.5, "number", 1))),
               TableRow((Cell("w24"), Cell(-2.5, "number", 1)), level=1, total=True)), citation="w17", headnote="w25"),
        Figure("fig", (_t(18),), Chart(str(CHART.with_suffix(".svg")), str(CHART.with_suffix(".png")), 2.0, 1.0,
                                       "a blue rectangle"), citation="w19"),
        Figure("gone", (Text(LEFT_OUT[0]),), None, missing_note=LEFT_OUT[1]),  # data missing: left out
        PageBreak(),
        Heading(2, (_t(20),), attrs=Attrs({"class": "unnumbered boxed", "lang": "kk"})),
    )
    notes = {"c:a": (_t(21),), "c:b": (_t(22), Text(" "), CrossRef("fig")), "c:c": (_t(23),)}
    return number_document(Document(meta, blocks, notes), Diagnostics())


WORDS = [f"w{n:02d}" for n in range(1, 26)]
