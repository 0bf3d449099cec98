"""Keep-together rules, read back from built files: a source line is never alone at the top of a page, a list's
head never ends a page without its first item."""
from __future__ import annotations

import pdfplumber
import pytest

from builder.errors import Diagnostics
from builder.model import (BulletList, Cell, DocMeta, Document, Heading, ListItem, Paragraph, Table, TableRow, Text)
from builder.readers.style import load_style

FILLER = ("The cooperation of the two countries is reviewed here in a line of text that fills the page "
          "with words, and ")


def _doc(filler: int, rows: int, tail) -> Document:
    meta = DocMeta(title="Keep", short_title="Keep", language="en-GB", locale="en_GB")
    head = (TableRow((Cell("Year"), Cell("Exports"))),)
    body = tuple(TableRow((Cell(2000 + i, "year"), Cell(10.5 * i, "number", 1))) for i in range(rows))
    blocks = [Heading(1, (Text("Trade"),), "trade", "1"),
              Paragraph((Text(FILLER * filler),))]
    blocks += tail(head, body)
    blocks.append(Paragraph((Text("After it. " * 40),)))
    return Document(meta, tuple(blocks), {})


def _first_lines(path) -> list[str]:
    """The first line of each page's text area, below the running head; superscript marks skipped."""
    out = []
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            lines = [l for l in sorted(page.extract_text_lines(), key=lambda l: l["top"])
                     if l["top"] > 50 and not l["text"].strip().isdigit()]
            out.append(lines[0]["text"] if lines else "")
    return out


def _table(head, body):
    return [Table("t", (Text("Exports by year"),), head, body, number="1.1", source="Example statistics office",
                  notes="Estimates for the latest year.")]


@pytest.mark.parametrize("rows", [6, 90])
def test_a_source_line_never_starts_a_page(tmp_path, rows) -> None:
    """The table is moved down a line at a time past the page's end: at every position its source lines stay
    with its last rows."""
    from builder.writers import pdf
    style = load_style(tmp_path, "default", Diagnostics())
    seen_split = False
    for filler in range(8, 60, 3):
        out = tmp_path / f"t{filler}.pdf"
        pdf.write(_doc(filler, rows, _table), style, out, tagged=False)
        firsts = _first_lines(out)
        assert not [f for f in firsts if f.startswith(("Source", "Estimates"))], (filler, firsts)
        seen_split |= len(firsts) > 1 and firsts[1][:4] in ("2001", "2002", "2003") or any(
            f.startswith("Table 1.1 (continued)") for f in firsts)
    if rows == 90:
        assert seen_split  # the long table did run over a page break at some position


def test_a_list_head_stays_with_its_first_item(tmp_path) -> None:
    from builder.writers import pdf
    style = load_style(tmp_path, "default", Diagnostics())

    def listed(_head, _body):
        items = tuple(ListItem((Paragraph((Text(f"Factor {n}: a reason of some length for the relations."),)),))
                      for n in range(1, 6))
        return [Paragraph((Text("The following factors contribute:"),)), BulletList(items)]
    for filler in range(30, 70, 2):
        out = tmp_path / f"l{filler}.pdf"
        pdf.write(_doc(filler, 0, listed), style, out, tagged=False)
        with pdfplumber.open(out) as doc:
            pages = [p.extract_text() or "" for p in doc.pages]
        at = next(i for i, text in enumerate(pages) if "factors contribute" in text)
        assert "Factor 1:" in pages[at], filler
