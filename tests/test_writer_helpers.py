"""The writers' table helpers are pure: they take a frozen context (what they read) and return what they made and
decided (flowables or the Word table, the landscape decision, the footnote marks to give bodies), without a writer."""
from __future__ import annotations

import dataclasses

import pytest

from builder.errors import Diagnostics
from builder.model import Cell, FootnoteRef, Table, TableRow, Text
from builder.model.labels import Labels
from builder.readers.style import load_style
from builder.writers.table_layout import table_metrics
from tests.conftest import MINIMAL


def _table(ncols: int, note: FootnoteRef | None = None) -> Table:
    head = TableRow((Cell("Item", note=note),) + tuple(Cell(str(2000 + i)) for i in range(ncols)))
    body = tuple(TableRow((Cell(f"Row {r}"),) + (Cell(1234567.8, "number", 1),) * ncols) for r in range(4))
    return Table("t", (Text("Trade"),), (head,), body, number="1.1", citation="Statistics office")


@pytest.fixture(scope="module")
def style():
    return load_style(MINIMAL, "default", Diagnostics())


def test_pdf_table_helper_returns_flowables_and_the_orientation(style) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import Paragraph

    from builder.writers import pdf
    from builder.writers.pdf_footnotes import FootnoteStore
    from builder.writers.pdf_tables import PagedTable, TableContext, build_table
    body, head = pdf.register_fonts(style)
    styles = pdf._Styles(style, body, head)
    ctx = TableContext(style, styles, Labels(), style.colour("accent"), FootnoteStore({}, styles.note), A4,
                       table_metrics(style, "en_GB"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        ctx.accent = "#000000"
    narrow, wide = build_table(ctx, _table(3)), build_table(ctx, _table(40))
    assert (narrow.landscape, wide.landscape) == (False, True)
    assert isinstance(narrow.paged, PagedTable) and narrow.flowables[-1] is narrow.paged
    caption = narrow.flowables[0]
    assert isinstance(caption, Paragraph) and "Table 1.1. Trade" in caption.getPlainText()
    assert [p.getPlainText() for p in narrow.paged.tail] == ["Source: Statistics office"]


def test_docx_table_helper_returns_the_table_and_its_header_notes(style) -> None:
    import docx

    from builder.writers.docx_tables import TableContext, build_table, table_layout
    document = docx.Document()
    ids = {s.name: s.style_id for s in document.styles} | {"Table Text": "TableText"}
    ctx = TableContext(style, ids, table_metrics(style, "en_GB"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        ctx.style_ids = {}
    note = FootnoteRef("c:n", 7)
    built = build_table(ctx, _table(3, note))
    assert built.element.tag.endswith("}tbl") and built.notes == (note,)
    assert 'w:id="7"' in built.element.xml  # the mark is in the header cell; the note's body is the writer's
    assert not table_layout(ctx, _table(3)).landscape and table_layout(ctx, _table(40)).landscape
