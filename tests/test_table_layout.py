"""The one table layout: natural widths, the landscape decision, the header grid; and both writers following it."""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from builder.errors import Diagnostics
from builder.model import Cell, Table, TableRow, Text
from builder.style import load_style
from builder.table_layout import PAD, layout_table, table_metrics
from tests.conftest import MINIMAL, copy_project


@pytest.fixture(scope="module")
def metrics(tmp_path_factory):
    style = load_style(tmp_path_factory.mktemp("style"), "default", Diagnostics())
    return table_metrics(style, "en_GB")


def _table(head: list[str], rows: list[list], header_rows: tuple[TableRow, ...] = ()) -> Table:
    def cell(v):
        if v is None:
            return Cell(None, "missing")
        return Cell(v, "text") if isinstance(v, str) else Cell(v, "number", 1)
    header = header_rows + (TableRow(tuple(Cell(h) for h in head)),)
    return Table("t", (Text("t"),), header, tuple(TableRow(tuple(cell(v) for v in r)) for r in rows))


def test_three_columns_at_natural_width(metrics) -> None:
    t = _table(["Country", "2020", "2021"], [["Kazakhstan", 12.5, 13.25], ["Russia", 1250.0, 980.0]])
    layout = layout_table(t, metrics)
    assert not layout.landscape and layout.size == metrics.size
    assert layout.width < 0.5 * metrics.portrait  # not stretched to the measure
    size = metrics.size
    widest = {0: metrics.width("Kazakhstan", False), 1: metrics.width("1,250.0", False),
              2: metrics.width("980.0", False)}
    for c, want in widest.items():  # each column is its widest content (or head) plus padding, no more
        head = metrics.width(["Country", "2020", "2021"][c], True)
        assert layout.widths[c] == pytest.approx(max(want, head) * size + 2 * PAD + 1, abs=0.01)
    assert layout.numeric == (False, True, True) and layout.stub == 0


def test_landscape_only_when_the_smallest_size_cannot_fit_portrait(metrics) -> None:
    def numbers(ncols: int) -> Table:
        return _table(["Item"] + [str(2000 + i) for i in range(ncols)], [["Total"] + [1234567.8] * ncols] * 3)
    fits = [n for n in range(4, 30) if not layout_table(numbers(n), metrics).landscape]
    widest_portrait = layout_table(numbers(max(fits)), metrics)
    first_landscape = layout_table(numbers(max(fits) + 1), metrics)
    assert first_landscape.landscape and first_landscape.width <= metrics.landscape + 0.01
    assert widest_portrait.width <= metrics.portrait + 0.01
    # the widest portrait table needed the smallest size; narrower ones keep the style's size
    assert widest_portrait.size < metrics.size and first_landscape.size >= metrics.min_size
    assert layout_table(numbers(4), metrics).size == metrics.size
    # at the smallest size, unconstrained, the first landscape table is wider than the portrait measure
    from dataclasses import replace
    unbounded = replace(metrics, size=metrics.min_size, portrait=1e6)
    assert layout_table(numbers(max(fits) + 1), unbounded).width > metrics.portrait


def test_header_grid_spans_and_vertical_merges(metrics) -> None:
    groups = (TableRow((Cell(""), Cell("Kazakh", colspan=2), Cell("", colspan=0))),)
    t = _table(["", "oral", "written"], [["Whole population", 74.0, 62.0]], groups)
    layout = layout_table(t, metrics)
    heads = {(h.row, h.col): (h.rowspan, h.colspan, h.text) for h in layout.head}
    assert layout.columns == 3  # the grid is the data columns: no phantom column for the span
    assert heads == {(0, 0): (2, 1, ""), (0, 1): (1, 2, "Kazakh"), (1, 1): (1, 1, "oral"),
                     (1, 2): (1, 1, "written")}


def test_a_head_with_nothing_above_spans_down(metrics) -> None:
    groups = (TableRow((Cell("Group"), Cell(""), Cell("Russian", colspan=2), Cell("", colspan=0))),)
    t = _table(["Group", "oral speech", "read", "write"], [["A", 1.0, 2.0, 3.0]], groups)
    heads = {(h.row, h.col): (h.rowspan, h.colspan) for h in layout_table(t, metrics).head}
    assert heads[(0, 1)] == (2, 1) and (1, 1) not in heads  # "oral speech" merged with the empty cell above


def test_missing_values_print_the_marker(metrics) -> None:
    layout = layout_table(_table(["A", "B"], [["x", None]]), metrics)
    assert layout.body_texts[0][1] == "\u2013"


# ---- both writers follow the layout -------------------------------------------------------------

def _wide_table(name: str, ncols: int) -> dict[str, str]:
    cols = [f"c{i}" for i in range(ncols)]
    csv = "item," + ",".join(cols) + "\n" + "\n".join(f"row {r}," + ",".join(f"{1234567.8 + r}" for _ in cols)
                                                       for r in range(4))
    meta = (f"title: {name}\nsource: {{text: Test}}\nkey: item\ncolumns:\n  - {{name: item, label: Item, type: text}}\n"
            + "".join(f"  - {{name: {c}, label: '{2000 + i}', type: number, decimals: 1}}\n"
                      for i, c in enumerate(cols)))
    return {f"data/{name}.csv": csv, f"data/{name}.yaml": meta}


@pytest.fixture(scope="module")
def orientation_build(tmp_path_factory):
    from builder.build import build
    project = copy_project(MINIMAL, tmp_path_factory.mktemp("orient") / "p")
    files = {**_wide_table("narrow", 3), **_wide_table("medium", 9), **_wide_table("wide", 14),
             **_wide_table("narrow-again", 2)}
    for rel, text in files.items():
        (project / rel).write_text(text, encoding="utf-8")
    chapter = project / "chapters" / "01-overview.md"
    extra = "\n## Orientation\n\n" + "".join(f"```{{table}} {n}\n```\n\nText after {n}.\n\n"
                                            for n in ("narrow", "medium", "wide", "narrow-again"))
    chapter.write_text(chapter.read_text(encoding="utf-8").replace("## Findings", extra + "## Findings"),
                       encoding="utf-8")
    return build(project, project / "out")


def _layouts(result, metrics):
    from builder.model import walk
    return {t.id: (t.number, layout_table(t, metrics)) for t in walk(result.document.blocks)
            if isinstance(t, Table) and t.id}


def _pdf_orientation(pdf: Path) -> dict[str, bool]:
    from pypdf import PdfReader
    out = {}
    for page in PdfReader(str(pdf)).pages:
        for number in re.findall(r"Table (\d+(?:\.\d+)*)\.", page.extract_text() or ""):
            out.setdefault(number, page.mediabox.width > page.mediabox.height)
    return out


def _docx_orientation(docx: Path) -> dict[str, bool]:
    """Each caption's section: the next sectPr in document order (a paragraph's sectPr ends its section)."""
    with zipfile.ZipFile(docx) as z:
        xml = z.read("word/document.xml").decode()
    out, pending = {}, []
    for m in re.finditer(r'<w:sectPr\b.*?</w:sectPr>|<w:p\b.*?</w:p>', xml, flags=re.S):
        part = m.group(0)
        text = "".join(re.findall(r"<w:t[^>]*>([^<]*)</w:t>", part))
        caption = re.match(r"Table (\d+(?:\.\d+)*)\.", text)
        if caption:
            pending.append(caption.group(1))
        section = re.search(r'<w:pgSz [^>]*w:w="(\d+)"[^>]*w:h="(\d+)"', part)
        if section:
            for number in pending:
                out[number] = int(section.group(1)) > int(section.group(2))
            pending = []
    return out


def test_landscape_in_docx_exactly_where_the_pdf_turns_the_page(orientation_build, metrics) -> None:
    layouts = _layouts(orientation_build, metrics)
    pdf = _pdf_orientation(orientation_build.outputs["pdf"])
    docx = _docx_orientation(orientation_build.outputs["docx"])
    decided = {number: layout.landscape for number, layout in layouts.values()}
    assert decided == {n: pdf[n] for n in decided} == {n: docx[n] for n in decided}
    assert layouts["wide"][1].landscape and not layouts["medium"][1].landscape
    assert not layouts["narrow"][1].landscape and not layouts["narrow-again"][1].landscape


def test_docx_tables_are_word_tables(orientation_build, metrics) -> None:
    """Grid = data columns, every row fills the grid exactly, header rows repeat, rows never split,
    widths are the layout's."""
    layouts = {n: lay for n, lay in _layouts(orientation_build, metrics).values()}
    with zipfile.ZipFile(orientation_build.outputs["docx"]) as z:
        xml = z.read("word/document.xml").decode()
    tables = re.findall(r"<w:tbl>.*?</w:tbl>", xml, flags=re.S)
    captions = re.findall(r"Table (\d+(?:\.\d+)*)\.", "".join(re.findall(r"<w:t[^>]*>([^<]*)</w:t>", xml)))
    assert len(tables) >= 6
    for number, tbl in zip(captions, tables):
        layout = layouts[number]
        grid = [int(w) for w in re.findall(r'<w:gridCol w:w="(\d+)"/>', tbl)]
        assert grid == [round(w * 20) for w in layout.widths]
        rows = re.findall(r"<w:tr>.*?</w:tr>", tbl, flags=re.S)
        assert len(rows) == layout.header_rows + len(layout.body_texts)
        for r, row in enumerate(rows):
            cells = re.findall(r"<w:tc>.*?</w:tc>", row, flags=re.S)
            spans = [int(m.group(1)) if (m := re.search(r'<w:gridSpan w:val="(\d+)"/>', c)) else 1 for c in cells]
            assert sum(spans) == len(grid), (number, r)
            assert "<w:cantSplit/>" in row
            assert ("<w:tblHeader/>" in row) == (r < layout.header_rows)
        assert 'w:fill="DFE7F0"' in rows[0]  # header shading as in the PDF


def test_docx_header_merges_follow_the_layout(flagship_build) -> None:
    """The flagship's language table: a three-level head over nine columns, set on a grid of ten."""
    with zipfile.ZipFile(flagship_build.outputs["docx"]) as z:
        xml = z.read("word/document.xml").decode()
    start = xml.index("Language proficiency (by individual ethnic groups)")
    tbl = xml[xml.index("<w:tbl>", start):xml.index("</w:tbl>", start)]
    assert len(re.findall(r"<w:gridCol ", tbl)) == 10
    first = re.search(r"<w:tr>.*?</w:tr>", tbl, flags=re.S).group(0)
    assert '<w:vMerge w:val="restart"/>' in first and '<w:gridSpan w:val="9"/>' in first
    assert len(re.findall(r"<w:tc>", first)) == 2
