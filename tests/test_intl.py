"""Reports in other languages and looks: labels from gettext catalogues, the document language in both formats,
locale numbers, the style's cover, charts of statistical series, and the German example project."""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import ROOT, copy_project, docx_text, pdf_text, run_cli

ENGLISH_LABELS = ("Table of contents", "Table 1", "Figure 1", "Source:")


def _docx_xml(path: Path, part: str) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read(part).decode("utf-8")


def test_new_project_in_german_with_a_dataframe(tmp_path: Path) -> None:
    """`dossier new`, switched to German, data from a DataFrame, both formats: German labels, de-DE, de_DE."""
    from pypdf import PdfReader

    from builder import build
    project = tmp_path / "bericht"
    assert run_cli("new", str(project), "--title", "Wirtschaftsbericht").returncode == 0
    report = project / "report.yaml"
    text = report.read_text(encoding="utf-8")
    report.write_text(text.replace("language: en-GB", "language: de-DE").replace("locale: en_GB", "locale: de_DE"),
                      encoding="utf-8")
    frame = pd.read_csv(project / "data" / "us-economy.csv")  # the same public data, now given as a DataFrame
    (project / "data" / "us-economy.csv").unlink()
    result = build(project, tables={"us-economy": frame}, out=tmp_path / "out")
    pdf, docx = result.outputs["pdf"], result.outputs["docx"]
    for text in (pdf_text(pdf), docx_text(docx)):
        for label in ("Inhaltsverzeichnis", "Tabelle 1.1.", "Abbildung 1.", "Quelle: US macroeconomic data"):
            assert label in text, label
        for label in ENGLISH_LABELS:
            assert label not in text, label
        assert "11.226,0" in text and "13.312,2" in text  # de_DE: thousands '.', decimals ','
        assert "Unemployment averaged 5,8 % in 2008" in text
    assert PdfReader(str(pdf)).trailer["/Root"]["/Lang"] == "de-DE"
    styles = _docx_xml(docx, "word/styles.xml")
    langs = set(re.findall(r'<w:lang w:val="([^"]+)"', styles))
    assert langs == {"de-DE"}
    assert "<dc:language>de-DE</dc:language>" in _docx_xml(docx, "docProps/core.xml")
    assert "<w:autoHyphenation/>" in _docx_xml(docx, "word/settings.xml")


def test_catalogues_cover_every_label_in_every_language() -> None:
    from babel.messages.pofile import read_po

    from builder.model.labels import DOMAIN, KEYS, LOCALE_DIR, labels_for, languages
    assert {"en", "de", "fr", "es", "ru", "kk"} <= set(languages())
    for lang in languages():
        with (LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as f:
            catalog = read_po(f, locale=lang)
        translated = {m.id: m.string for m in catalog if m.id}
        assert set(translated) == set(KEYS.values()), lang  # no label missing, none left over
        assert all(text.strip() for text in translated.values()), lang
        assert not [m.id for m in catalog if m.id and m.fuzzy], lang
        labels = labels_for(lang)
        assert dict(labels) == {key: translated[text] for key, text in KEYS.items()}
        if lang != "en":  # words such as "Figure", "Source" or "Page" may be the same in French
            assert sum(labels[k] == text for k, text in KEYS.items()) <= 5, lang
    assert labels_for("kk-KZ")["table"] == "Кесте" and labels_for("ru_RU")["contents"] == "Содержание"
    assert labels_for("it-IT")["table"] == "Table"  # no catalogue: English


def test_labels_overridden_in_report_yaml(minimal: Path) -> None:
    from builder.model import TableOfContents
    from builder.pipeline import prepare
    report = minimal / "report.yaml"
    report.write_text(report.read_text(encoding="utf-8").replace("locale: en_GB", "locale: de_DE\nlanguage: de-DE")
                      + "labels:\n  contents: Inhalt\n  source: Datenquelle\n", encoding="utf-8")
    chapter = minimal / "chapters" / "01-overview.md"
    chapter.write_text("```{toc}\n```\n\n" + chapter.read_text(encoding="utf-8") + "\nSee [](#trade).\n",
                       encoding="utf-8")
    doc = prepare(minimal, draw=False).document
    assert doc.labels["source"] == "Datenquelle" and doc.labels["table"] == "Tabelle"
    assert [b.title for b in doc.blocks if isinstance(b, TableOfContents)] == ["Inhalt"]
    from builder.model import inline_text
    assert any("Tabelle 1.1.1" in inline_text(getattr(b, "inlines", ())) for b in doc.blocks)


def _cover_project(minimal: Path, logo: str) -> Path:
    styles = minimal / "styles"
    styles.mkdir()
    style = (ROOT / "builder" / "readers" / "default_style.yaml").read_text(encoding="utf-8")
    style += f"cover:\n  logo: {logo}\n  band: \"#123456\"\n  publisher: [Statistics Unit, 1 Example Street]\n"
    (styles / "default.yaml").write_text(style, encoding="utf-8")
    return styles


def test_png_logo_band_and_publisher_on_the_cover(minimal: Path, tmp_path: Path) -> None:
    from PIL import Image
    from pypdf import PdfReader

    from builder import build
    styles = _cover_project(minimal, "logo.png")
    Image.new("RGB", (300, 100), "#c04020").save(styles / "logo.png")
    result = build(minimal, out=tmp_path / "out")
    first = PdfReader(str(result.outputs["pdf"])).pages[0]
    assert len(first.images) == 1
    content = first.get_contents().get_data().decode("latin-1")
    assert re.search(r"\.070588\d* \.203922\d* \.337255\d* rg", content)  # the band: #123456
    cover_text = first.extract_text()
    assert "Statistics Unit" in cover_text and "1 Example Street" in cover_text
    body = _docx_xml(result.outputs["docx"], "word/document.xml")
    title_at = body.index("Trade &amp; Research")
    assert body.index("<pic:pic") < title_at and body.index('w:fill="123456"') < title_at
    assert "Statistics Unit" in body
    # English justified text is hyphenated too (issue #11, "Finishing"), as the PDF is
    assert "<w:autoHyphenation/>" in _docx_xml(result.outputs["docx"], "word/settings.xml")


def test_svg_logo_is_drawn_as_vectors(minimal: Path, tmp_path: Path) -> None:
    from pypdf import PdfReader

    from builder import build
    styles = _cover_project(minimal, "logo.svg")
    (styles / "logo.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40">'
                                     '<rect width="120" height="40" fill="#c04020"/></svg>', encoding="utf-8")
    result = build(minimal, out=tmp_path / "out", formats="pdf")
    (warning,) = result.warnings  # no PNG beside the SVG: the DOCX cover would have no logo
    assert warning.kind == "cover" and "logo.png" in warning.message
    first = PdfReader(str(result.outputs["pdf"])).pages[0]
    assert len(first.images) == 0
    assert re.search(r"\.752941\d* \.25098\d* \.12549\d* rg", first.get_contents().get_data().decode("latin-1"))


def test_missing_logo_is_blamed_on_its_style_line(minimal: Path) -> None:
    from builder.errors import BuildError
    from builder.pipeline import prepare
    styles = _cover_project(minimal, "logo.svg")
    with pytest.raises(BuildError) as e:
        prepare(minimal, draw=False)
    line = next(i for i, s in enumerate((styles / "default.yaml").read_text().splitlines(), 1) if "logo:" in s)
    assert str(e.value.source) == f"styles/default.yaml:{line}" and "not found" in e.value.message


def test_stacked_share_draws_shares_of_100() -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from builder.charts.render import _plot
    fig, ax = plt.subplots()
    _plot("stacked_share", ax, ["2013", "2014"], [[30.0, 10.0], [10.0, 30.0], [60.0, None]], ["a", "b", "c"])
    tops = {}
    for bar in ax.patches:
        x = round(bar.get_x() + bar.get_width() / 2)
        tops[x] = max(tops.get(x, 0), bar.get_y() + bar.get_height())
    assert tops == pytest.approx({0: 100.0, 1: 100.0})
    heights = [round(b.get_height(), 6) for b in ax.patches]
    assert heights == [30.0, 25.0, 10.0, 75.0, 60.0, 0.0]
    plt.close(fig)


def test_long_series_tick_labels_are_thinned() -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from builder.charts.render import _plot, _x_ticks, periods
    assert periods(["1967-Q2", "1967-Q3"]) == [1967.25, 1967.5]
    assert periods(["1967", "1968"]) == [1967.0, 1968.0] and periods(["1967", "Total"]) is None
    years = [str(y) for y in range(1959, 2009)]
    quarters = [f"{y}-Q{q}" for y in range(1959, 2009) for q in range(1, 5)]
    for kind, xs in (("line", years), ("line", quarters), ("bar", years), ("bar", quarters)):
        fig, ax = plt.subplots(figsize=(6, 3))
        _plot(kind, ax, xs, [[float(i) for i in range(len(xs))]], ["s"])
        _x_ticks(kind, ax, xs, 6.0)
        fig.canvas.draw()
        shown = [t.get_text() for t in ax.get_xticklabels() if t.get_text()
                 and ax.get_xlim()[0] <= t.get_position()[0] <= ax.get_xlim()[1]]
        assert 4 <= len(shown) <= 16, (kind, xs[0], shown)
        assert all(re.fullmatch(r"\d{4}", s) for s in shown), shown  # years, not "1967-Q2" crowded together
        boxes = [t.get_window_extent() for t in ax.get_xticklabels() if t.get_text() in shown]
        assert all(a.x1 < b.x0 for a, b in zip(boxes, boxes[1:])), (kind, shown)  # no label overlaps the next
        plt.close(fig)


@pytest.fixture(scope="module")
def german_example(tmp_path_factory):
    from builder import build
    project = copy_project(ROOT / "examples" / "jahresbericht", tmp_path_factory.mktemp("jb") / "jahresbericht")
    return build(project)


def test_german_example_builds_in_german(german_example) -> None:
    result = german_example
    assert result.warnings == [] and all(c.holds for c in result.claims) and len(result.claims) == 5
    text = pdf_text(result.outputs["pdf"])
    for label in ("Inhaltsverzeichnis", "Tabelle 1.1.", "Tabelle 3.1.", "Abbildung 6.", "Quelle:"):
        assert label in text, label
    for label in ENGLISH_LABELS:
        assert label not in text, label
    assert "Die US-Wirtschaft 1960–2009" in text and "Institut für Wirtschaftsstatistik" in text
    assert "9,7 %" in text and "Tabelle 3.1" in text  # the XLSX table, numbered and referred to
    assert "„US macroeconomic data“" in text  # German quotation marks for the straight quotes typed
    kinds = {s.kind for s in result.details.dataset.charts.values()}
    assert kinds == {"line", "bar", "stacked_share", "grouped_bar", "hbar"}
    assert result.details.dataset.tables["jahre"].path == "data/jahre.xlsx"
    body = docx_text(result.outputs["docx"])
    assert "Abbildung 1." in body and "Quelle:" in body and "Source:" not in body


def test_german_text_is_hyphenated_english_is_not(minimal: Path, tmp_path: Path) -> None:
    from reportlab.lib.styles import ParagraphStyle

    from builder import build
    from builder.model.labels import hyphenate
    english, kazakh = ParagraphStyle("en"), ParagraphStyle("kk")
    hyphenate([english], "en-GB")
    hyphenate([kazakh], "kk-KZ")  # no dictionary: unhyphenated rather than wrongly hyphenated
    assert not english.hyphenationLang and not kazakh.hyphenationLang
    report = minimal / "report.yaml"
    report.write_text(report.read_text(encoding="utf-8").replace("locale: en_GB", "locale: de_DE\nlanguage: de-DE"),
                      encoding="utf-8")
    with (minimal / "chapters" / "01-overview.md").open("a", encoding="utf-8") as f:
        f.write("\nDie Arbeitslosenversicherungsbeiträge und Verbraucherpreisindizes der Bundesrepublik werden "
                "vierteljährlich veröffentlicht, Kraftfahrzeughaftpflichtversicherungen ebenso wie "
                "Grundstücksverkehrsgenehmigungszuständigkeiten und Rindfleischetikettierungsüberwachungsaufgaben.\n")
    result = build(minimal, out=tmp_path / "out")
    assert "<w:autoHyphenation/>" in _docx_xml(result.outputs["docx"], "word/settings.xml")
    lines = pdf_text(result.outputs["pdf"]).splitlines()
    assert any(line.rstrip().endswith("-") and "Kraftfahrzeug" in line for line in lines), lines


def test_every_catalogue_prints_in_the_default_fonts() -> None:
    from builder.errors import Diagnostics
    from builder.model.labels import QUOTES, labels_for, languages
    from builder.readers.fonts import missing_glyphs
    from builder.readers.style import load_style
    style = load_style(ROOT / "examples" / "minimal", "default", Diagnostics())
    for lang in languages():
        text = " ".join(labels_for(lang).values()) + "".join(QUOTES.get(lang, ()))
        assert not missing_glyphs(style, text), (lang, missing_glyphs(style, text))


def test_german_example_docx_has_no_blank_page(german_example) -> None:
    """Chapter 1 of the example ends at the foot of a page: the next chapter must not leave a page empty."""
    import shutil
    if shutil.which("soffice") is None:
        pytest.fail("LibreOffice (soffice) is needed: .ci/run installs it")
    from tests.test_docx_libreoffice import convert
    pdf = convert(german_example.outputs["docx"], german_example.outputs["docx"].parent / "lo")
    from pypdf import PdfReader
    pages = [page.extract_text() or "" for page in PdfReader(str(pdf)).pages]
    words = [len(re.findall(r"\w+", text)) for text in pages]
    assert all(n > 3 for n in words), words  # a blank page has only its page number


def test_cover_band_bleeds_from_the_top_edge_across_the_page(minimal: Path, tmp_path: Path) -> None:
    """The designed cover's band starts at the page's top edge and spans its width (no white strip above it),
    wherever the frame places the band's flowable."""
    import pdfplumber

    from builder import build
    _cover_project(minimal, "logo.svg")
    (minimal / "styles" / "logo.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40">'
                                                 '<rect width="120" height="40" fill="#c04020"/></svg>',
                                                 encoding="utf-8")
    result = build(minimal, out=tmp_path / "out", formats=("pdf", "docx"))
    body = _docx_xml(result.outputs["docx"], "word/document.xml")
    first = body[body.index("<w:body>"):body.index("</w:p>")]  # the band's paragraph: a picture anchored to the page
    assert 'behindDoc="1"' in first and first.count('relativeFrom="page"><wp:posOffset>0<') == 2
    with pdfplumber.open(str(result.outputs["pdf"])) as pdf:
        page = pdf.pages[0]
        band = next(r for r in page.rects if r["non_stroking_color"] == (0.070588, 0.203922, 0.337255))
        assert abs(band["top"]) < 0.5 and abs(band["x0"]) < 0.5 and abs(band["x1"] - page.width) < 0.5, band
        assert abs(band["height"] - 28 * 72 / 25.4) < 0.5  # band_height_mm (28 by default), from the edge
        series = next(w for w in page.extract_words() if band["top"] < w["top"] < band["bottom"])
        assert series  # the series line is set in the band
