"""The briefing pack's layout: a masthead instead of a title page, key figures computed from data and
decimal-aligned, key messages counted, long factor lists shortened with a pointer; in the PDF and in the DOCX (read
through LibreOffice)."""
from __future__ import annotations

import re
import subprocess
import zipfile
from pathlib import Path

import pytest

from tests.conftest import MINIMAL, ROOT, copy_project, docx_text
from tests.docx_checks import W, assert_valid_docx

MASTHEAD = ["VISION & GLOBAL TRENDS. INTERNATIONAL INSTITUTE FOR GLOBAL ANALYSES", "Briefing Pack",
            "Kazakhstan–Russia Relations in Modern Era",
            "15 January 2019 · From the report: Analytical Dossier – N. 3/2019, First Edition: January 2019"]
FIGURES = ["Russia’s exports to Kazakhstan", "Kazakhstan’s exports to Russia", "Russia’s share of Kazakhstan’s imports",
           "Investment, Russia to Kazakhstan", "Cash rubles sold in Kazakhstan", "Departures from Kazakhstan to Russia"]


@pytest.fixture(scope="module")
def brief(tmp_path_factory):
    from builder.commands.brief import build_brief
    project = copy_project(ROOT, tmp_path_factory.mktemp("brief") / "flagship")
    return build_brief(project, project / "build", ("pdf", "docx"))


@pytest.fixture(scope="module")
def brief_docx_pdf(brief, tmp_path_factory) -> Path:
    """The brief's DOCX as LibreOffice lays it out."""
    out = tmp_path_factory.mktemp("lo")
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{out}/profile", "--convert-to", "pdf",
                    "--outdir", str(out), str(brief.outputs["docx"])], capture_output=True, timeout=240, check=True)
    return out / brief.outputs["docx"].with_suffix(".pdf").name


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _page_one(pdf: Path) -> str:
    import pdfplumber
    with pdfplumber.open(str(pdf)) as doc:
        return doc.pages[0].extract_text()


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_masthead_on_page_one_then_the_text(brief, brief_docx_pdf, fmt: str) -> None:
    page = _squash(_page_one(brief.outputs["pdf"] if fmt == "pdf" else brief_docx_pdf))
    for line in MASTHEAD:
        assert _squash(line) in page, line
    assert "Keymessages" in page and "Keyfigures" in page  # the text begins under the masthead, on page 1
    assert "do not represent the views" not in page  # no title page (its disclaimer)


def test_docx_masthead_is_a_shaded_band_without_a_running_head(brief) -> None:
    from lxml import etree
    with zipfile.ZipFile(brief.outputs["docx"]) as z:
        body = etree.fromstring(z.read("word/document.xml")).find(f"{W}body")
    first = body.findall(f"{W}p")[:2]
    fills = [p.find(f"{W}pPr/{W}shd").get(f"{W}fill") for p in first]
    assert fills[0] == fills[1] and fills[0] != "auto"
    texts = ["".join(t.text for t in p.iter(f"{W}t")) for p in first]
    assert texts == [MASTHEAD[0], MASTHEAD[1]]
    assert body.find(f"{W}sectPr/{W}titlePg") is not None  # page 1 has its own (empty) header


def _decimal_points(pdf: Path, heads: tuple[str, str] = ("Value", "Unit"), sep: str = ".",
                    section: str = "Keyfigures") -> list[tuple[str, float]]:
    """(number, x of its decimal point) for each number of the key figures' Value column (for a whole number: the
    right edge of its last digit, where its point would stand)."""
    import pdfplumber
    with pdfplumber.open(str(pdf)) as doc:
        page = next(p for p in doc.pages if section in _squash(p.extract_text()))
        words = page.extract_words()
        chars = page.chars
    value, unit = next((v, u) for v in words for u in words  # the header row: "Value" and "Unit" side by side
                       if v["text"] == heads[0] and u["text"] == heads[1] and abs(u["top"] - v["top"]) < 2)
    numbers = [w for w in words if value["top"] < w["top"] < value["top"] + 200 and value["x0"] - 40 < w["x0"]
               and w["x1"] < unit["x0"] and re.fullmatch(r"[\d,.−]*\d[\d,.−]*", w["text"])]
    out = []
    for number in numbers:
        if sep in number["text"]:
            point = next(c for c in chars if c["text"] == sep and abs(c["top"] - number["top"]) < 2
                         and number["x0"] - 0.1 <= c["x0"] <= number["x1"])
            out.append((number["text"], point["x0"]))
        else:
            out.append((number["text"], number["x1"]))
    return out


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_key_figures_are_decimal_aligned(brief, brief_docx_pdf, fmt: str) -> None:
    points = _decimal_points(brief.outputs["pdf"] if fmt == "pdf" else brief_docx_pdf)
    assert [n for n, _x in points] == ["11,472.9", "4,515.2", "39.1", "565.7", "157,949", "25,682"]
    xs = [x for _n, x in points]
    assert max(xs) - min(xs) <= 0.5, points


def test_key_figures_carry_unit_year_source_and_report_table(brief) -> None:
    from builder.readers.brief_helpers import short_source
    text = _squash(docx_text(brief.outputs["docx"]))
    assert _squash("Russia’s exports to Kazakhstan11,472.9million US dollars2017"
                   "International Trade CentreTable 6.1.2") in text
    assert _squash("Departures from Kazakhstan to Russia25,682people2015"
                   "Demographic Yearbook of KazakhstanTable 9.4.2") in text
    assert short_source("International Trade Centre. International trade in goods") == "International Trade Centre"
    assert _squash("Latest year with data.") in text


def test_brief_docx_validates(brief) -> None:
    assert_valid_docx(brief.outputs["docx"])


def _project(tmp_path: Path, template: str) -> Path:
    project = copy_project(MINIMAL, tmp_path / "m")
    (project / "data" / "empty.csv").write_text("year,x\n2022,\n2023,\n", encoding="utf-8")
    (project / "data" / "empty.yaml").write_text(
        "title: Nothing yet\nsource:\n  text: A survey. Not yet published\nkey: year\n"
        "columns:\n  - {name: year, type: year}\n  - {name: x, type: number, decimals: 1}\n", encoding="utf-8")
    (project / "chapters" / "brief.md").write_text(template, encoding="utf-8")
    return project


def test_count_of_key_messages_missing_figures_and_long_lists_are_warned(tmp_path) -> None:
    from builder.commands.brief import prepare_brief
    template = ("## Key messages {-}\n\n"
                "{{ key_messages(['Exports grew. They did.', 'Imports fell.']) }}\n\n"
                "```{keyfigures}\n"
                "{{ key_figure('trade', 'exports', 'Exports') }}\n"
                "{{ key_figure('empty', 'x', 'Nothing') }}\n"
                "{{ key_figure('trade', 'share', 'Share') }}\n"
                "```\n\n"
                "{{ short_list('findings', 1) }}\n")
    result = prepare_brief(_project(tmp_path, template), draw=False)
    warnings = {(str(w.source), w.message) for w in result.diagnostics.warnings if w.kind == "brief"}
    assert ("chapters/brief.md:3", "the brief has 2 key messages; a brief has 3 to 5") in warnings
    assert any(where == "chapters/brief.md:7" and "key figure 'Nothing' left out" in m for where, m in warnings)
    assert ("chapters/brief.md:6", "the brief shows 2 key figures; a brief shows 3 to 6") in warnings
    assert any(where == "chapters/brief.md:11" and "list 'findings' shortened" in m for where, m in warnings)
    from builder.model import BulletList, Table, inline_text, walk
    blocks = list(walk(result.document.blocks))
    table = next(b for b in blocks if isinstance(b, Table))
    assert [r.cells[0].value for r in table.body_rows] == ["Exports", "Share"]  # the missing figure left out
    assert [(r.cells[1].value, r.cells[1].kind, r.cells[3].value) for r in table.body_rows] == \
        [(1750, "number", 2023), (61.4, "number", 2023)]
    lists = [b for b in blocks if isinstance(b, BulletList)]
    assert [inline_text(i.blocks[0].inlines) for i in lists[0].items] == ["Exports grew.", "Imports fell."]
    shortened = [inline_text(i.blocks[0].inlines) for i in lists[-1].items]
    assert shortened[0].startswith("Economic:") and shortened[-1].startswith("… and 2 more (see")


def test_three_to_five_messages_are_not_warned(tmp_path) -> None:
    from builder.commands.brief import prepare_brief
    template = "{{ key_messages(['One.', 'Two.', 'Three.']) }}\n"
    result = prepare_brief(_project(tmp_path, template), draw=False)
    assert not [w for w in result.diagnostics.warnings if w.kind == "brief"]


def test_brief_pdf_structure_is_complete(brief) -> None:
    """The masthead is tagged (its band a paragraph, the title the H1 the sections nest under; the rule an
    artifact) and the key figures are a table with a header row, by the same PDF/UA checks as the report."""
    from collections import Counter

    from tests.test_tagged_pdf import Structure, assert_complete
    s = Structure(brief.outputs["pdf"])
    assert_complete(s)
    types = Counter(t for t, _e, _d in s.elements)
    assert types["H1"] == 1 and types["Table"] == 1 and types["H2"] >= 3
    assert s.struct_text().index("INTERNATIONAL INSTITUTE") < s.struct_text().index("Key messages")


def test_german_brief_masthead_and_decimal_commas(tmp_path) -> None:
    """The other-language example: the masthead in German from the labels catalogue, the date in the locale, and
    the key figures aligned on the decimal comma (the thousands point is not the separator)."""
    from builder.commands.brief import build_brief
    project = copy_project(ROOT / "examples" / "jahresbericht", tmp_path / "j")
    result = build_brief(project, tmp_path / "out", ("pdf",))
    page = _squash(_page_one(result.outputs["pdf"]))
    for line in ("INSTITUT FÜR WIRTSCHAFTSSTATISTIK (BEISPIEL)", "Kurzinformation",
                 "15. Januar 2010 · Aus dem Bericht: Jahresberichte – Nr. 1/2010, Erste Ausgabe: Januar 2010",
                 "Indikator", "Im Bericht"):
        assert _squash(line) in page, line
    assert "Inflationbei\u22120,2%." in page and "-0,2" not in page  # a key message's number: a true minus
    points = _decimal_points(result.outputs["pdf"], ("Wert", "Einheit"), ",", "Kennzahlen")
    assert [n for n, _x in points] == ["12.990,3", "9.256,0", "5,8", "−0,2", "1,2"]
    xs = [x for _n, x in points]
    assert max(xs) - min(xs) <= 0.5, points


def test_pdf_band_bleeds_from_the_top_edge_across_the_page(brief) -> None:
    import pdfplumber
    with pdfplumber.open(str(brief.outputs["pdf"])) as doc:
        page = doc.pages[0]
        band = max(page.rects, key=lambda r: r["width"] * r["height"])
        assert abs(band["top"]) < 0.5 and abs(band["x0"]) < 0.5 and abs(band["x1"] - page.width) < 0.5
        assert 80 < band["height"] < 90  # 30 mm
        kicker = next(w for w in page.extract_words() if w["text"] == "Briefing")
        assert kicker["bottom"] < band["bottom"]  # set in the band


def test_text_in_a_keyfigures_fence_is_an_error_at_its_line(tmp_path) -> None:
    from tests.conftest import run_cli
    template = ("## Key figures {-}\n\n```{keyfigures}\n{{ key_figure('trade', 'exports', 'Exports') }}\n"
                "Imports 1000\n```\n")
    run = run_cli("brief", str(_project(tmp_path, template)), "--format", "pdf")
    assert run.returncode == 2, run.stderr
    assert "chapters/brief.md:5" in run.stderr and "one key_figure(…) call a line" in run.stderr
    assert "Traceback" not in run.stderr


def test_unknown_table_or_list_is_an_error_at_its_line(tmp_path) -> None:
    from tests.conftest import run_cli
    template = "```{keyfigures}\n{{ key_figure('trad', 'exports', 'Exports') }}\n```\n"
    run = run_cli("brief", str(_project(tmp_path, template)), "--format", "pdf")
    assert run.returncode == 2 and "chapters/brief.md:2" in run.stderr and "unknown table 'trad'" in run.stderr
    (tmp_path / "m" / "chapters" / "brief.md").write_text("\n{{ short_list('finding') }}\n", encoding="utf-8")
    run = run_cli("brief", str(tmp_path / "m"), "--format", "pdf")
    assert run.returncode == 2 and "chapters/brief.md:2" in run.stderr and "unknown list 'finding'" in run.stderr


def test_aligned_numbers_keep_the_table_within_its_width() -> None:
    """Aligning on the point widens a number column (a long whole number beside a short fraction); the table
    keeps its width, the widest text column gives the room."""
    from builder.model import Cell, Table, TableRow
    from builder.writers.brief_layout import align_decimals
    from builder.writers.table_layout import TableMetrics, layout_table
    metrics = TableMetrics(200.0, 300.0, 9.0, 7.0, lambda text, bold: 0.5 * len(text))
    rows = (TableRow((Cell("a long label that wraps " * 4), Cell(11472.9, "number", 1))),
            TableRow((Cell("b"), Cell(157949, "number", 0))))
    table = Table("", (), (TableRow((Cell("Indicator"), Cell("Value"))),), rows)
    layout = layout_table(table, metrics)
    aligned = align_decimals(table, layout, metrics)
    assert aligned.widths[1] > layout.widths[1] and abs(aligned.width - layout.width) < 1e-6
    # the point of 11,472.9 and the end of 157,949 (where its point would be) line up
    right = aligned.widths[1]
    point_1 = right - 3 - aligned.hangs(1, rows[0].cells[1]) - 0.5 * 9 * len(".9")
    point_2 = right - 3 - aligned.hangs(1, rows[1].cells[1])
    assert abs(point_1 - point_2) < 1e-6


def test_a_key_figure_whose_table_is_not_in_the_report_points_at_its_figure_or_is_a_dash(tmp_path) -> None:
    """"In the report" names the report's table; for a table the report does not print, the figure that draws the
    column (numbered as in the full report), and an en dash when the report shows the number nowhere."""
    import json

    from builder.commands.brief import reference_helpers, report_index
    from builder.pipeline import load_inputs
    from builder.readers.brief_helpers import BriefHelpers
    project = copy_project(ROOT / "examples" / "jahresbericht", tmp_path / "j")
    inputs = load_inputs(project)
    index = report_index(inputs.project, inputs.dataset)
    labels = inputs.project.meta.labels
    refs = reference_helpers(index, labels)
    helpers = BriefHelpers(inputs.dataset, labels, inputs.project.spec.locale, refs["ref"], refs["see"])
    figure = index["figure:bip-quartale"].label
    assert "table:quartale" not in index and figure.startswith("Abbildung ")
    cells = {column: json.loads(helpers.key_figure("quartale" if column in ("bip", "konsum") else "jahre", column,
                                                   column))["ref"] for column in ("bip", "konsum", "inflation")}
    assert cells == {"bip": figure, "konsum": "\u2013", "inflation": index["table:jahre"].label}


def test_docx_band_bleeds_from_the_top_edge_across_the_page(brief, brief_docx_pdf) -> None:
    """The DOCX masthead's shaded paragraphs stop at the margins; a band anchored to the page's corner lies behind
    them, as wide as the page: through LibreOffice it starts at the top edge and spans the page."""
    import pdfplumber
    from lxml import etree
    with zipfile.ZipFile(brief.outputs["docx"]) as z:
        body = etree.fromstring(z.read("word/document.xml")).find(f"{W}body")
    wp = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"
    anchor = body.findall(f"{W}p")[0].find(f".//{wp}anchor")
    assert anchor is not None and anchor.get("behindDoc") == "1"
    for axis in ("H", "V"):
        position = anchor.find(f"{wp}position{axis}")
        assert position.get("relativeFrom") == "page" and position.find(f"{wp}posOffset").text == "0"
    assert int(anchor.find(f"{wp}extent").get("cx")) == int(body.find(f"{W}sectPr/{W}pgSz").get(f"{W}w")) * 635
    with pdfplumber.open(str(brief_docx_pdf)) as doc:
        page = doc.pages[0]
        band = max(page.images, key=lambda i: i["width"] * i["height"])
        assert abs(band["top"]) < 1 and abs(band["x0"]) < 1 and abs(band["x1"] - page.width) < 1, band
        kicker = next(w for w in page.extract_words() if w["text"] == "Briefing")
        assert kicker["bottom"] < band["bottom"]  # set in the band


def test_docx_masthead_has_one_rule_under_the_dateline(brief) -> None:
    """The Title style draws a rule under the title; in the masthead it is turned off, so the only rule is the one
    under the dateline, as in the PDF."""
    from lxml import etree
    with zipfile.ZipFile(brief.outputs["docx"]) as z:
        body = etree.fromstring(z.read("word/document.xml")).find(f"{W}body")
    paragraphs = body.findall(f"{W}p")[:6]
    rules = [p.find(f"{W}pPr/{W}pBdr/{W}bottom") for p in paragraphs]
    texts = ["".join(t.text for t in p.iter(f"{W}t")) for p in paragraphs]
    kinds = {text: rule.get(f"{W}val") for text, rule in zip(texts, rules) if rule is not None}
    assert kinds == {MASTHEAD[2]: "nil", MASTHEAD[3]: "single"}
