"""The flagship report, built once and read back from both formats against an inventory of the original."""
from __future__ import annotations

import itertools
import re
import zipfile

import pytest
import yaml

from builder.model import Figure, Heading, Table, inline_text, walk
from builder.model.formatting import format_cell
from builder.readers.typography import smarten
from tests.conftest import ROOT, docx_text, pdf_text, pdf_outline

INVENTORY = yaml.safe_load((ROOT / "tests" / "data" / "original_inventory.yaml").read_text(encoding="utf-8"))


def _squash(text: str) -> str:
    """Text without spaces; hyphens between letters dropped, so that a word hyphenated at a line end ("Trans-
    parency") matches the word as written, and a compound broken at its own hyphen matches too."""
    return re.sub(r"(?<=[^\W\d_])-(?=[^\W\d_])", "", re.sub(r"\s+", "", text))


@pytest.fixture(scope="module")
def texts(flagship_build):
    out = flagship_build.outputs
    return {"pdf": _squash(pdf_text(out["pdf"])), "docx": _squash(docx_text(out["docx"]))}


def _missing(needles, text: str) -> list[str]:
    return [n for n in needles if _squash(n) not in text]


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_every_heading_of_the_original(texts, fmt) -> None:
    # the original's words, set with typographic quotes and dashes
    assert not _missing([smarten(h["text"]) for h in INVENTORY["headings"]], texts[fmt])


def test_headings_are_numbered_like_the_original(flagship_build) -> None:
    ours = [(h.number or None, inline_text(h.inlines)) for h in walk(flagship_build.document.blocks)
            if isinstance(h, Heading) and (h.numbered or inline_text(h.inlines) in ("Introduction", "Abstracts"))]
    original = [(h["number"], smarten(h["text"])) for h in INVENTORY["headings"]]
    original[[t for _n, t in original].index("Labour migration")] = ("9.5", "Labour migration")
    assert ours == original


def _tables(build) -> list[Table]:
    return [b for b in walk(build.document.blocks) if isinstance(b, Table) and b.id]


def test_all_34_tables_with_their_captions(flagship_build, texts) -> None:
    tables = _tables(flagship_build)
    assert len(tables) == len(INVENTORY["tables"]) == 34
    for fmt in ("pdf", "docx"):
        assert not _missing([f"Table {t.number}. {inline_text(t.caption)}" for t in tables], texts[fmt])


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_first_and_last_row_of_every_table(flagship_build, texts, fmt) -> None:
    locale = flagship_build.document.meta.locale
    needles = []
    for t in _tables(flagship_build):
        rows = [r for r in t.body_rows if not r.group]
        for row in (rows[0], rows[-1]):
            needles += [format_cell(c, locale) for c in row.cells if c.value is not None]
    assert len(needles) > 300
    assert not _missing(needles, texts[fmt])


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_every_footnote_url(texts, fmt) -> None:
    urls = [u for note in INVENTORY["footnotes"] for u in note.get("urls", [])]
    assert len(INVENTORY["footnotes"]) == 60 and len(urls) > 50
    assert not _missing(urls, texts[fmt])


def test_footnote_count_equals_the_original(flagship_build) -> None:
    assert len(flagship_build.document.footnotes) == 60
    with zipfile.ZipFile(flagship_build.outputs["docx"]) as z:
        notes = z.read("word/footnotes.xml").decode()
    assert len(re.findall(r'<w:footnote w:id="\d+"', notes)) == 60


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_every_list_item(texts, fmt) -> None:
    items = []

    def collect(entries):
        for item in entries:
            if isinstance(item, str):
                items.append(item)
            else:
                items.append(item.get("text") or f"{item['term']}")
                collect(item.get("items", []))
    for path in sorted((ROOT / "data" / "lists").glob("*.yaml")):
        collect(yaml.safe_load(path.read_text(encoding="utf-8"))["items"])
    assert len(items) > 100
    # a long item may run over a page break (running header, page number and footnotes come between):
    # its beginning and its end are checked
    items = [smarten(item) for item in items]  # set with typographic quotes and dashes
    needles = [part for item in items for part in ((item,) if len(item) < 150 else (item[:100], item[-40:]))]
    assert not _missing(needles, texts[fmt])


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_typographic_quotes_and_one_dash_convention(flagship_build, fmt) -> None:
    """Read back from the file: no straight quote and no hyphen used as a dash is left in the prose, captions,
    cells or list items (addresses excepted); the typographic ones are there."""
    out = flagship_build.outputs
    text = pdf_text(out["pdf"]) if fmt == "pdf" else docx_text(out["docx"])
    text = re.sub(r"(?:https?://|www\.)\S+", "", text)
    straight = [m.group(0) for m in re.finditer(r".{0,30}[\"'].{0,30}", text)]
    assert not straight, straight[:5]
    hyphen_dashes = [m.group(0) for m in re.finditer(r".{0,30}\S - \S.{0,30}", text)]
    assert not hyphen_dashes, hyphen_dashes[:5]
    assert text.count("\u2019") > 20 and text.count("\u201c") > 5 and text.count(" \u2013 ") > 50
    assert "\u2014" not in text  # en-GB: one dash, the spaced en dash


def test_lost_charts_titles_and_missing_note(flagship_build, texts) -> None:
    figures = [b for b in walk(flagship_build.document.blocks) if isinstance(b, Figure)]
    titles = {inline_text(f.caption).replace("\u2019", "'"): f for f in figures}  # captions have typographic apostrophes
    # the original's Russian chart titles: the caption is in the report's language, the original title is data
    originals = {spec.original_title: spec.title for spec in flagship_build.dataset.charts.values()}
    for title in INVENTORY["charts_lost"]:
        assert title in originals and originals[title] in titles
        figure = titles[originals[title]]
        assert figure.chart is None or f"Original title: {title}" in figure.citation
        assert not any("\u0400" <= c <= "\u04ff" for c in originals[title]), originals[title]
    left_out = titles["Russia's exports to the CIS countries, % of the total"]
    assert left_out.chart is None and left_out.number == "" and left_out.missing_note
    # left out without a figure number: nothing of it is printed, and the placed figures are numbered 1, 2, … n
    placed = [f for f in figures if f.chart]
    assert [f.number for f in placed] == [str(n) for n in range(1, len(placed) + 1)]
    for fmt in ("pdf", "docx"):
        assert _squash("Chart not shown") not in texts[fmt]
        assert _squash(f"Figure {len(placed)}.") in texts[fmt]
        assert _squash(f"Figure {len(placed) + 1}.") not in texts[fmt]
    assert flagship_build.charts.missing == 1
    assert any(w.kind == "missing-data" and "ru-exports-cis-share" in w.message
               for w in flagship_build.diagnostics.warnings)
    assert len(placed) >= 10


def test_toc_and_outline_pages_match_heading_pages(flagship_build) -> None:
    from pypdf import PdfReader
    reader = PdfReader(str(flagship_build.outputs["pdf"]))
    pages = [p.extract_text() or "" for p in reader.pages]
    outline = pdf_outline(reader)
    assert len(outline) == 38  # 3 front-matter headings, Introduction, 33 numbered headings, Abstracts
    for title, page in outline:
        assert _squash(title)[:25] in _squash(pages[page - 1]), (title, page)
    import pdfplumber
    toc_start = next(i for i, text in enumerate(pages) if "Table of contents" in text)
    with pdfplumber.open(str(flagship_build.outputs["pdf"])) as pdf:
        lines = [ln for p in pdf.pages[toc_start:toc_start + 2] for ln in (p.extract_text() or "").splitlines()]
    toc = {_squash(re.sub(r"[ .]+\d+$", "", ln)): int(re.search(r"(\d+)$", ln).group(1))
           for ln in lines if re.search(r"\D\s+\d+$", ln)}
    for title, page in outline:
        assert toc.get(_squash(title)) == page, (title, page)


def test_parity_of_headings_and_captions(flagship_build) -> None:
    import docx
    from tests.docx_checks import numbered_paragraphs
    d = docx.Document(str(flagship_build.outputs["docx"]))
    docx_heads = [(f"{label} " if label else "") + text  # the number as Word prints it from the heading list
                  for style, label, text in numbered_paragraphs(flagship_build.outputs["docx"])
                  if style.startswith("Heading")]
    docx_caps = [p.text for p in d.paragraphs if p.style.name == "Caption"]
    model_heads = [(f"{h.number}. " if h.number else "") + inline_text(h.inlines)
                   for h in walk(flagship_build.document.blocks) if isinstance(h, Heading)]
    model_caps = [f"{'Table' if isinstance(b, Table) else 'Figure'} {b.number}. {inline_text(b.caption)}"
                  for b in walk(flagship_build.document.blocks) if isinstance(b, (Table, Figure)) and b.id
                  and b.number]  # a figure left out for missing data has no caption
    assert docx_heads == model_heads
    for kind in ("Table", "Figure"):  # each kind in numbering order (a figure may be set before a landscape table)
        assert [_squash(c).rstrip(",") for c in docx_caps if c.startswith(kind)] == \
            [_squash(c) for c in model_caps if c.startswith(kind)]  # "," between marks
    assert len(docx_caps) == len(model_caps)
    pdf = _squash(pdf_text(flagship_build.outputs["pdf"]))
    positions = [pdf.rfind(_squash(c)) for c in model_caps]  # the body's caption, after the lists of tables/figures
    assert -1 not in positions
    for kind in ("Table", "Figure"):  # each kind in numbering order; a landscape table floats past a figure
        mine = [p for p, c in zip(positions, model_caps) if c.startswith(kind)]
        assert mine == sorted(mine), kind


def test_fonts_embedded_and_cyrillic_extracts(flagship_build, texts) -> None:
    from pypdf import PdfReader
    reader = PdfReader(str(flagship_build.outputs["pdf"]))
    for page in reader.pages:
        for font in (page.get("/Resources", {}).get("/Font", {}) or {}).values():
            desc = font.get_object().get("/FontDescriptor")
            assert desc is not None and desc.get_object().get("/FontFile2") is not None
    assert _squash("Экспорт товаров из России, млрд. долларов США") in texts["pdf"]


def test_report_lists_real_inconsistencies(flagship_build) -> None:
    from builder.pipeline.report import report_data
    data = report_data(flagship_build)
    ranges = [w for w in data["warnings"] if w["kind"] == "range"]
    assert any("225.48" in w["message"] and w["location"].startswith("data/invest-kz-ru-eec.csv:") for w in ranges)
    assert data["charts"]["missing_data"] == 1
    assert data["claims"]["total"] >= 15 and data["computed_statements"] >= 15


def _marks(doc):
    """(footnote number, text just before its mark) for every mark, in document order."""
    from builder.model import FootnoteRef, Paragraph

    def scan(inlines, out):
        before = ""
        for node in inlines:
            if isinstance(node, FootnoteRef):
                out.append((node.number, before[-14:]))
            else:
                before += inline_text((node,))
        return out
    found = []
    for b in walk(doc.blocks):
        if isinstance(b, (Paragraph, Heading)):
            scan(b.inlines, found)
        elif isinstance(b, Table) and b.id:
            scan(b.caption, found)
            found += [(c.note.number, inline_text(b.caption)[-14:]) for r in b.header_rows for c in r.cells if c.note]
    return found


def test_every_footnote_on_the_page_of_its_mark(flagship_build) -> None:
    from pypdf import PdfReader
    pages = [_squash(p.extract_text() or "") for p in PdfReader(str(flagship_build.outputs["pdf"])).pages]
    doc = flagship_build.document
    notes = {n: _squash(inline_text(body))[:30] for n, body in enumerate(doc.footnotes.values(), start=1)}
    marks = _marks(doc)
    assert sorted({n for n, _ in marks}) == list(range(1, 61))
    for number, before in marks:
        mark_pages = {i for i, text in enumerate(pages) if _squash(before) in text}
        note_pages = {i for i, text in enumerate(pages) if f"{number}{notes[number]}" in text}
        assert mark_pages & note_pages, (number, before, sorted(mark_pages), sorted(note_pages))


def test_split_table_repeats_its_header_rows(flagship_build) -> None:
    from pypdf import PdfReader
    pages = [p.extract_text() or "" for p in PdfReader(str(flagship_build.outputs["pdf"])).pages]
    register = [i for i, text in enumerate(pages) if "Seller: Russia" in text]  # its headnote, on every page
    assert len(register) >= 2  # the arms-deliveries register runs over several pages
    for i in register:
        assert _squash("Quantity of units ordered") in _squash(pages[i]) and "Commentaries" in pages[i], i


def test_charts_are_vector_in_pdf_and_images_in_docx(flagship_build) -> None:
    from pypdf import PdfReader
    reader = PdfReader(str(flagship_build.outputs["pdf"]))
    assert sum(len(page.images) for page in reader.pages) == 0
    drawn = [b for b in walk(flagship_build.document.blocks) if isinstance(b, Figure) and b.chart]
    with zipfile.ZipFile(flagship_build.outputs["docx"]) as z:
        media = [n for n in z.namelist() if n.startswith("word/media/")]
        document = z.read("word/document.xml").decode()
    assert len(media) == len(drawn) >= 10
    assert document.count("<wp:docPr ") == len(drawn)
    assert all(f'descr="{f.chart.alt[:30]}' in document.replace("&quot;", '"') for f in drawn)


def test_docx_source_lines_keep_with_what_they_follow(flagship_build) -> None:
    """In Word a source line is never alone at the top of a page: the paragraph, picture or last table rows
    before it carry keepNext (a note line before its source line too)."""
    import docx
    from docx.oxml.ns import qn
    d = docx.Document(str(flagship_build.outputs["docx"]))
    source_id = next(s.style_id for s in d.styles if s.name == "Source")
    checked = 0
    for p in d.element.body.iterchildren(qn("w:p")):
        style = p.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
        if style is None or style.get(qn("w:val")) != source_id or p.getnext().tag == qn("w:tbl"):
            continue  # not a source line, or a table's headnote (above it)
        before = p.getprevious()
        if before.tag == qn("w:tbl"):
            before = before.findall(qn("w:tr"))[-1].find(f".//{qn('w:p')}")
        assert before.find(f"{qn('w:pPr')}/{qn('w:keepNext')}") is not None, "".join(p.itertext())[:80]
        checked += 1
    assert checked > 40


def test_contents_pages_are_headed_contents_and_body_text_is_black(flagship_build) -> None:
    import pdfplumber
    with pdfplumber.open(str(flagship_build.outputs["pdf"])) as pdf:
        heads = [sorted(p.extract_text_lines(), key=lambda l: l["top"])[0]["text"] for p in pdf.pages[1:12]]
        contents = [h for h in heads if "Table of contents" in h]
        assert len(contents) >= 2 and all(h.endswith("Table of contents") for h in contents), heads
        last = max(i for i, h in enumerate(heads) if "Table of contents" in h)
        rest = heads[last + 1:]  # the lists of tables and of figures under their own titles, the front sections
        front = rest[:rest.index(next(h for h in rest if h.endswith("Introduction")))]  # under theirs, then the text
        lists = list(itertools.takewhile(lambda h: h.endswith(("List of tables", "List of figures")), front))
        sections = front[len(lists):]
        assert lists and sections and all(h.endswith(("Abstract", "List of authors", "List of abbreviations"))
                                          for h in sections), heads
        assert any(h.endswith("List of tables") for h in lists) and any(h.endswith("List of figures") for h in lists)
        page = next(p for p in pdf.pages if "Kazakhstan and Russia are the largest" in (p.extract_text() or ""))
        body = [c for c in page.chars if c["size"] >= 10 and c["top"] > 120 and c["text"].isalpha()]
        assert body and {tuple(c["non_stroking_color"]) for c in body} <= {(0,), (0, 0, 0), (0.0, 0.0, 0.0)}
