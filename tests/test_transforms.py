"""Numbering of chapters, sections, tables and figures; cross-references; footnotes in order of their marks."""
from __future__ import annotations

import pytest

from builder.errors import BuildError, Diagnostics
from builder.model import (Attrs, CrossRef, Document, DocMeta, Figure, FootnoteRef, Heading, Paragraph, Table, Text)
from builder.model.transforms import number_document


def _doc(*blocks, footnotes=None) -> Document:
    return Document(DocMeta("T"), tuple(blocks), footnotes or {})


def _table(table_id: str) -> Table:
    return Table(table_id, (Text("caption"),), (), ())


def test_numbers_follow_chapters_and_sections() -> None:
    doc = number_document(_doc(
        Heading(1, (Text("Intro"),), attrs=Attrs({"class": "unnumbered"})), Heading(1, (Text("One"),)), _table("a"),
        Heading(2, (Text("One.One"),)), _table("b"), _table("c"), Heading(2, (Text("One.Two"),)), _table("d"),
        Figure("f", (Text("fig"),), None), Heading(2, (Text("One.Three"),))), Diagnostics())
    numbers = [(type(b).__name__, b.number) for b in doc.blocks]
    assert numbers == [("Heading", ""), ("Heading", "1"), ("Table", "1.1"), ("Heading", "1.1"), ("Table", "1.1.1"),
                       ("Table", "1.1.2"), ("Heading", "1.2"), ("Table", "1.2.1"), ("Figure", "1"),
                       ("Heading", "1.3")]


def test_a_chart_left_out_for_missing_data_takes_no_figure_number() -> None:
    doc = number_document(_doc(Figure("a", (Text("a"),), None), Figure("gone", (Text("g"),), None,
                                                                     missing_note="no data"),
                               Figure("b", (Text("b"),), None), Paragraph((CrossRef("b"),))), Diagnostics())
    assert [b.number for b in doc.blocks[:3]] == ["1", "", "2"]
    assert doc.blocks[3].inlines == (CrossRef("b", "Figure 2"),)
    with pytest.raises(BuildError, match="left out"):
        number_document(_doc(Figure("gone", (Text("g"),), None, missing_note="no data"),
                             Paragraph((CrossRef("gone"),))), Diagnostics())


def test_cross_references_take_the_target_number() -> None:
    doc = number_document(_doc(Heading(1, (Text("One"),)), Heading(2, (Text("S"),)), _table("x"), _table("y"),
                               Paragraph((Text("See "), CrossRef("y", "table"), Text(" and "), CrossRef("x")))),
                          Diagnostics())
    assert doc.blocks[-1].inlines == (Text("See "), CrossRef("y", "table 1.1.2"), Text(" and "),
                                      CrossRef("x", "Table 1.1.1"))


def test_cross_reference_to_unknown_id_is_an_error() -> None:
    with pytest.raises(BuildError) as e:
        number_document(_doc(Paragraph((CrossRef("nope"),))), Diagnostics())
    assert "unknown table or figure '#nope'" in e.value.message


def test_footnotes_numbered_in_order_of_marks() -> None:
    doc = number_document(_doc(Paragraph((FootnoteRef("c:b"), FootnoteRef("c:a"))),
                               footnotes={"c:a": (Text("A"),), "c:b": (Text("B"),), "c:z": (Text("Z"),)}),
                          diag := Diagnostics())
    assert doc.blocks[0].inlines == (FootnoteRef("c:b", 1), FootnoteRef("c:a", 2))
    assert list(doc.footnotes) == ["c:b", "c:a"]
    assert [w.kind for w in diag.warnings] == ["footnote"]


def _chapter_doc(minimal, text: str) -> Document:
    """The minimal project with its chapter replaced by `text`, read and numbered as a build does."""
    from builder.pipeline import assemble, render_all
    from builder.readers.data import load_dataset
    from builder.readers.project import load_project
    (minimal / "chapters" / "01-overview.md").write_text(text, encoding="utf-8")
    diag = Diagnostics()
    project = load_project(minimal, diag)
    dataset = load_dataset(project.root, diag)
    return number_document(assemble(project, render_all(project, dataset), dataset), diag)


def test_cross_reference_in_a_footnote_resolves(minimal) -> None:
    doc = _chapter_doc(minimal, "# One\n\nText.[^n]\n\n```{table} trade\n```\n\n[^n]: As [table](#trade) shows.\n")
    (note,) = doc.footnotes.values()
    assert note == (Text("As "), CrossRef("trade", "table 1.1"), Text(" shows."))


def test_unknown_cross_reference_in_a_footnote_is_an_error_at_its_line(minimal) -> None:
    with pytest.raises(BuildError) as e:
        _chapter_doc(minimal, "# One\n\nText.[^n]\n\n```{table} trade\n```\n\n[^n]: As [table](#nope) shows.\n")
    assert "unknown table or figure '#nope'" in e.value.message
    assert (e.value.source.path, e.value.source.line) == ("chapters/01-overview.md", 8)


def test_unknown_cross_reference_is_an_error_at_its_paragraph(minimal) -> None:
    with pytest.raises(BuildError) as e:
        _chapter_doc(minimal, "# One\n\nFirst.\n\nSee\n[the table](#nope).\n")
    assert (e.value.source.path, e.value.source.line) == ("chapters/01-overview.md", 5)


def test_blocks_inside_lists_and_quotes_are_numbered() -> None:
    from builder.model import BulletList, ListItem, Quote
    doc = number_document(_doc(
        Heading(1, (Text("One"),)), BulletList((ListItem((_table("a"), Figure("f", (Text("fig"),), None))),)),
        Quote((_table("b"), Paragraph((CrossRef("b"),)))), Figure("g", (Text("fig"),), None)), Diagnostics())
    listed, quoted = doc.blocks[1].items[0].blocks, doc.blocks[2].blocks
    assert (listed[0].number, listed[1].number, quoted[0].number, doc.blocks[3].number) == ("1.1", "1", "1.2", "2")
    assert quoted[1].inlines == (CrossRef("b", "Table 1.2"),)


def test_footnote_marks_in_table_cells_and_notes_are_numbered() -> None:
    from builder.model import Cell, TableRow
    table = Table("t", (Text("cap"), FootnoteRef("c:b")), (TableRow((Cell("h", note=FootnoteRef("c:c")),)),), ())
    doc = number_document(_doc(Paragraph((FootnoteRef("c:a"),)), table,
                               footnotes={"c:a": (Text("A"), FootnoteRef("c:d")), "c:b": (Text("B"),),
                                          "c:c": (Text("C"),), "c:d": (Text("D"),)}), Diagnostics())
    assert doc.blocks[1].caption[1].number == 2 and doc.blocks[1].header_rows[0].cells[0].note.number == 3
    assert doc.footnotes["c:a"][1].number == 4 and list(doc.footnotes) == ["c:a", "c:b", "c:c", "c:d"]


def test_a_heading_before_the_contents_is_a_warning_at_its_line() -> None:
    from builder.model import Source, TableOfContents
    diag = Diagnostics()
    number_document(_doc(Heading(1, (Text("Abstract"),), source=Source("chapters/00-front.md", 1)),
                         TableOfContents(), Heading(1, (Text("One"),))), diag)
    [warning] = [w for w in diag.warnings if w.kind == "contents"]
    assert "'Abstract'" in warning.message and warning.source.path == "chapters/00-front.md"
    diag = Diagnostics()
    number_document(_doc(TableOfContents(), Heading(1, (Text("Abstract"),)), Heading(1, (Text("One"),))), diag)
    assert not [w for w in diag.warnings if w.kind == "contents"]


def test_flagship_contents_list_no_page_before_their_own(flagship_build) -> None:
    """Every entry of the flagship's contents is on a page after the contents' first page (PDF)."""
    import re

    import pdfplumber
    assert not [w for w in flagship_build.diagnostics.warnings if w.kind == "contents"]
    with pdfplumber.open(flagship_build.outputs["pdf"]) as pdf:
        texts = [page.extract_text() or "" for page in pdf.pages[:12]]
    start = next(i for i, t in enumerate(texts) if "\nTable of contents\n" in t) + 1
    pages = [int(m) for t in texts[start - 1:start + 1] for m in re.findall(r"\.\s*(\d+)\s*$", t, re.M)]
    assert len(pages) > 20 and min(pages) > start, (start, sorted(pages)[:5])
