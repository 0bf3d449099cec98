"""The one table layout: natural widths, the landscape decision, the header grid; and both writers following it."""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from builder.errors import Diagnostics
from builder.model import Cell, Table, TableRow, Text
from builder.readers.style import load_style
from builder.writers.table_layout import PAD, layout_table, table_metrics
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
    from builder.pipeline import build
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
        # the caption's page: the last line that starts with the label (the list of tables names it first)
        for number in re.findall(r"^Table (\d+(?:\.\d+)*)\. ", page.extract_text() or "", flags=re.M):
            out[number] = page.mediabox.width > page.mediabox.height
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
    start = xml.rindex("Language proficiency (by individual ethnic groups)")  # the caption, after the list
    tbl = xml[xml.index("<w:tbl>", start):xml.index("</w:tbl>", start)]
    assert len(re.findall(r"<w:gridCol ", tbl)) == 10
    first = re.search(r"<w:tr>.*?</w:tr>", tbl, flags=re.S).group(0)
    assert '<w:vMerge w:val="restart"/>' in first and '<w:gridSpan w:val="9"/>' in first
    assert len(re.findall(r"<w:tc>", first)) == 2


# ---- finishing: what the data becomes in the model -----------------------------------------------

def _data_table(meta: dict, rows: list[dict]):
    from builder.readers.data import DataTable, TableMeta
    return DataTable("d", TableMeta.model_validate({"title": "t", "source": {"text": "s"}, **meta}), rows,
                     "data/d.csv", "data/d.yaml", list(range(2, len(rows) + 2)))


def _block(table):
    from builder.model import FootnoteRef
    from builder.readers.objects import table_block
    return table_block(table, lambda text, ctx: (Text(text),), lambda text, ctx: FootnoteRef("n"), None)


def test_blank_columns_go_and_a_constant_column_becomes_the_headnote() -> None:
    rows = [{"region": f"R{i}", "seller": "Russia", "empty": None, "v": float(i)} for i in range(6)]
    t = _block(_data_table({"key": "region", "columns": [
        {"name": "region", "label": "Region", "type": "text"}, {"name": "seller", "label": "Seller", "type": "text"},
        {"name": "empty", "label": "Empty"}, {"name": "v", "label": "Value"}]}, rows))
    assert [c.value for c in t.header_rows[-1].cells] == ["Region", "Value"]
    assert t.headnote == "Seller: Russia"
    assert all(len(r.cells) == 2 for r in t.body_rows)


def test_a_short_table_keeps_its_constant_column() -> None:
    rows = [{"region": f"R{i}", "seller": "Russia", "v": float(i)} for i in range(3)]
    t = _block(_data_table({"key": "region", "columns": [
        {"name": "region", "type": "text"}, {"name": "seller", "type": "text"}, {"name": "v"}]}, rows))
    assert t.headnote == "" and len(t.header_rows[-1].cells) == 3


def test_transposed_sub_rows_totals_and_blank_years() -> None:
    rows = [{"year": 2010, "total": None, "part": None}, {"year": 2011, "total": 10.0, "part": 4.0},
            {"year": 2012, "total": 12.0, "part": None}]
    t = _block(_data_table({"key": "year", "transpose": True, "columns": [
        {"name": "year", "type": "year"}, {"name": "total", "label": "Exports, total", "total": True},
        {"name": "part", "label": "to Russia", "level": 1}]}, rows))
    assert [c.value for c in t.header_rows[0].cells] == ["Indicator", "2011", "2012"]  # 2010 is blank: left out
    assert [(r.total, r.level) for r in t.body_rows] == [(True, 0), (False, 1)]


def test_a_blank_stub_head_is_labelled() -> None:
    rows = [{"group": "Kazakhs", "v": 1.0}]
    t = _block(_data_table({"key": "group", "stub_label": "Ethnic group", "columns": [
        {"name": "group", "label": " ", "type": "text"}, {"name": "v", "label": "Share"}]}, rows))
    assert t.header_rows[-1].cells[0].value == "Ethnic group"


def test_negative_numbers_take_a_true_minus() -> None:
    from builder.model.formatting import format_cell
    assert format_cell(Cell(-1234.5, "number", 1), "en_GB") == "\u22121,234.5"
    assert format_cell(Cell(-3, "number", 0, uncertain=True), "en_GB") == "(\u22123)"


# ---- finishing: both formats ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def finishing_build(tmp_path_factory):
    from builder.pipeline import build
    project = copy_project(MINIMAL, tmp_path_factory.mktemp("finish") / "p")
    rows = "\n".join(f"R{i},Russia R: Kazakhstan,{-1.5 * i if i % 2 else ''},{'(est.)' if i == 0 else 'x'}"
                     for i in range(60))
    (project / "data" / "deals.csv").write_text("region,seller,balance,flag\n" + rows + "\n", encoding="utf-8")
    (project / "data" / "deals.yaml").write_text(
        "title: Deals by region\nsource: {text: Test}\nkey: region\ncolumns:\n"
        "  - {name: region, label: Region, type: text}\n  - {name: seller, label: Seller, type: text}\n"
        "  - {name: balance, label: Balance, type: number, decimals: 1}\n  - {name: flag, label: Flag, type: text}\n",
        encoding="utf-8")
    chapter = project / "chapters" / "01-overview.md"
    chapter.write_text(chapter.read_text(encoding="utf-8").replace(
        "## Findings", "## Deals\n\n```{table} deals\n```\n\n## Findings"), encoding="utf-8")
    return build(project, project / "out")


def test_missing_negative_and_headnote_in_both_formats(finishing_build) -> None:
    from pypdf import PdfReader
    pages = [p.extract_text() for p in PdfReader(str(finishing_build.outputs["pdf"])).pages]
    deal_pages = [text for text in pages if "Deals by region" in text or "(continued)" in text]
    text = "\n".join(deal_pages)
    assert len(deal_pages) >= 2  # 60 rows run over a page
    assert "\u221258.5" in text and "-58.5" not in text  # row 39: -1.5 * 39
    assert "\u2013" in text  # even rows have no balance
    # the seller is said once per page, in the headnote (repeated under "(continued)"), not in 60 cells
    assert [page.count("Russia R: Kazakhstan") for page in deal_pages] == [1] * len(deal_pages)
    assert all("Seller: Russia R: Kazakhstan" in page and "Balance" in page for page in deal_pages)
    with zipfile.ZipFile(finishing_build.outputs["docx"]) as z:
        xml = z.read("word/document.xml").decode()
    assert "\u221258.5" in xml and ">\u2013<" in xml
    assert xml.count("Russia R: Kazakhstan") == 1 and "Seller: Russia R: Kazakhstan" in xml


def test_flagship_turns_the_page_for_the_same_tables_in_both_formats(flagship_build, metrics) -> None:
    layouts = _layouts(flagship_build, metrics)
    pdf = _pdf_orientation(flagship_build.outputs["pdf"])
    docx = _docx_orientation(flagship_build.outputs["docx"])
    decided = {number: layout.landscape for number, layout in layouts.values()}
    assert len(decided) == 34
    assert decided == {n: pdf[n] for n in decided} == {n: docx[n] for n in decided}
    # set landscape before without need (issue: 6.5.1, 9.2.3 and 9.4.2 fit a portrait page at the smallest size)
    assert not any(decided[n] for n in ("6.5.1", "9.2.3", "9.4.2"))
    assert decided["6.1.1"]  # twelve years of six-digit values do not fit a portrait page


def test_a_total_row_is_set_off() -> None:
    rows = [{"year": "2016", "v": 1.0}, {"year": "2017", "v": 2.0}, {"year": "Total", "v": 3.0}]
    t = _block(_data_table({"key": "year", "columns": [{"name": "year", "label": "Year", "type": "text"},
                                                        {"name": "v", "label": "USD"}]}, rows))
    assert [r.total for r in t.body_rows] == [False, False, True]


def test_total_rows_are_measured_in_bold(metrics) -> None:
    t = _table(["Item", "2020"], [["a", 8982.9], ["b", 1.0]])
    rows = (t.body_rows[0].__class__(t.body_rows[0].cells, total=True),) + t.body_rows[1:]
    from dataclasses import replace
    bold = layout_table(replace(t, body_rows=rows), metrics)
    assert bold.widths[1] == pytest.approx(metrics.width("8,982.9", True) * metrics.size + 2 * PAD + 1, abs=0.01)
    assert bold.widths[1] > layout_table(t, metrics).widths[1]


def test_native_dump_shows_headnote_totals_and_sub_rows() -> None:
    from builder.model import DocMeta, Document
    from builder.writers.native import dump
    rows = (TableRow((Cell("Exports, total"), Cell(10.0, "number", 1)), total=True),
            TableRow((Cell("to Russia"), Cell(-4.0, "number", 1)), level=1),
            TableRow((Cell("to China"), Cell(None, "missing"))))
    table = Table("t", (Text("Trade"),), (TableRow((Cell("Indicator"), Cell("2020"))),), rows, number="1.1",
                  headnote="Seller: Russia")
    text = dump(Document(DocMeta("T"), (table,)))  # typed values, as the model holds them
    assert "headnote='Seller: Russia'" in text
    assert "TableRow([Cell('Exports, total'), Cell(10.0, kind='number', decimals=1)], total=True)" in text
    assert "TableRow([Cell('to Russia'), Cell(-4.0, kind='number', decimals=1)], level=1)" in text
    assert "TableRow([Cell('to China'), Cell(None, kind='missing')])" in text
