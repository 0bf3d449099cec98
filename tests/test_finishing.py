"""Finishing rules read back from built files: a chapter's last page carries more than two lines; the title breaks
into balanced lines and is spelled one way on the cover, in the running head, the PDF metadata and the DOCX."""
from __future__ import annotations

import pdfplumber
import pytest

from builder.errors import Diagnostics
from builder.model import DocMeta, Document, Heading, Paragraph, Text
from builder.readers.style import load_style
from builder.readers.typography import balanced_lines

WORDS = ("The cooperation of the two countries is reviewed here in a line of text that fills the page "
         "with words, and ")


def _body_lines(page) -> list[str]:
    """The text lines of a page's text area: running head and page number left out."""
    return [l["text"] for l in sorted(page.extract_text_lines(), key=lambda l: l["top"])
            if 50 < l["top"] < page.height - 45 and not l["text"].strip().isdigit()]


def test_a_chapter_never_ends_with_two_lines_on_its_last_page(tmp_path) -> None:
    """The chapter's last paragraph is moved down a line at a time past the page's end: its last page always
    carries at least three lines of it."""
    from builder.writers import pdf
    style = load_style(tmp_path, "default", Diagnostics())
    meta = DocMeta(title="Ends", short_title="Ends", language="en-GB", locale="en_GB")
    seen = set()
    for filler in range(32, 46):
        blocks = (Heading(1, (Text("One"),), "one", "1"), Paragraph((Text(WORDS * filler),)),
                  Paragraph((Text("Last words of the chapter. " * 30 + "End of one."),)),
                  Heading(1, (Text("Two"),), "two", "2"), Paragraph((Text("Chapter two begins."),)))
        out = tmp_path / f"e{filler}.pdf"
        pdf.write(Document(meta, blocks, {}), style, out, tagged=False)
        with pdfplumber.open(out) as doc:
            pages = [_body_lines(p) for p in doc.pages]
        last = next(i for i, lines in enumerate(pages) if any("End of one." in l for l in lines))
        assert len(pages[last]) >= 3, (filler, pages[last])
        seen.add(last)
    assert len(seen) >= 2  # the chapter's end did move over a page break


def test_balanced_title_lines() -> None:
    width = len  # one unit a character
    lines = balanced_lines("Kazakhstan–Russia Relations in Modern Era", width, 38)
    assert lines == ["Kazakhstan–Russia", "Relations in Modern Era"]  # not "… in Modern" / "Era"
    assert balanced_lines("Short title", width, 38) == ["Short title"]
    long = balanced_lines("one two three four five six seven eight nine ten eleven twelve", width, 20)
    assert all(len(l) <= 20 for l in long) and len(long[-1].split()) > 1


def test_flagship_title_is_balanced_and_spelled_one_way(flagship_build) -> None:
    from docx import Document as Docx
    from pypdf import PdfReader
    doc = flagship_build.document
    title = doc.meta.title
    assert title == doc.meta.short_title  # the running head carries the title as the cover spells it
    pdf_path = flagship_build.outputs["pdf"]
    assert PdfReader(str(pdf_path)).metadata.title == title
    with pdfplumber.open(pdf_path) as pdf:
        cover = [l["text"] for l in pdf.pages[0].extract_text_lines()]
        head = pdf.pages[10].extract_text_lines()[0]["text"]
    words = title.split()
    lines = [l for l in cover if l.split() and set(l.split()) <= set(words)][:3]
    assert " ".join(lines) == title and len(lines) >= 2
    assert len(lines[-1].split()) >= 2  # no single word on the title's last line
    assert head.startswith(title)
    docx = Docx(str(flagship_build.outputs["docx"]))
    assert docx.core_properties.title == title
    cover_title = next(p for p in docx.paragraphs if p.style.name == "Title")
    assert cover_title.text.replace("\n", " ") == title and len(cover_title.text.split("\n")[-1].split()) >= 2


# ---- footnotes: hanging numbers, addresses that break after / and . ------------------------------------------------

URL = "https://www.example.org/reports/2018/%D0%BE%D1%82%D1%87%D0%B5%D1%82-kazakhstan-russia.pdf"


def _noted_doc():
    from builder.model import FootnoteRef, Link
    meta = DocMeta(title="Notes", short_title="Notes", language="en-GB", locale="en_GB")
    note = (Text("A report of the ministry, 2018, "), Link(URL, (Text(URL),)),
            Text(", on the relations of the two countries over many years."))
    blocks = (Heading(1, (Text("One"),), "one", "1"), Paragraph((Text("Text with a note."), FootnoteRef("n1", 1))))
    return Document(meta, blocks, {"n1": note})


@pytest.mark.parametrize("number", ["plain", "superscript"])
def test_pdf_note_number_hangs_and_its_address_breaks_after_a_slash_or_dot(tmp_path, number) -> None:
    from dataclasses import replace
    from builder.writers import pdf
    style = load_style(tmp_path, "default", Diagnostics())
    style = replace(style, spec=style.spec.model_copy(update={"footnote_number": number}))
    out = tmp_path / "n.pdf"
    pdf.write(_noted_doc(), style, out, tagged=False)
    with pdfplumber.open(out) as doc:
        page = doc.pages[-1]
        low = [w for w in page.extract_words(extra_attrs=["size"]) if w["top"] > page.height / 2]
        links = [a["uri"] for a in page.annots if a.get("uri")]
        lines = [l for l in page.extract_text_lines() if l["top"] > page.height / 2 and l["x1"] - l["x0"] > 100]
        body_size = next(w for w in page.extract_words(extra_attrs=["size"]) if w["text"] == "Text")["size"]
    mark, first = low[0], low[1]
    assert mark["text"] == "1" and first["text"] == "A"
    assert mark["x1"] < first["x0"] - 1  # the number stands in the hang, before the note's text
    assert len(lines) == 2 and abs(lines[1]["x0"] - first["x0"]) < 1  # the next line aligned after the number
    assert (mark["size"] < first["size"] - 1) == (number == "superscript") and first["size"] < body_size
    head, tail = lines[0]["text"], lines[1]["text"]
    assert head.endswith("https://www.example.org/reports/2018/")  # broken after a slash, not in "%D0"
    assert (head.split()[-1] + tail.split(",")[0]) == URL
    assert URL in links  # the link target is the exact address


def test_docx_note_number_hangs_and_its_address_has_break_opportunities(tmp_path) -> None:
    import zipfile
    from builder.writers import docx
    style = load_style(tmp_path, "default", Diagnostics())
    out = tmp_path / "n.docx"
    docx.write(_noted_doc(), style, out)
    with zipfile.ZipFile(out) as z:
        notes = z.read("word/footnotes.xml").decode()
        rels = z.read("word/_rels/footnotes.xml.rels").decode()
    assert '<w:ind w:left="240" w:hanging="240"/>' in notes  # the number hangs, the note's lines align after it
    assert "<w:rPr></w:rPr><w:footnoteRef/>" in notes.replace("<w:rPr/>", "<w:rPr></w:rPr>")  # plain: text size
    assert '<w:footnoteRef/></w:r><w:r><w:tab/></w:r>' in notes
    import re
    shown = next(t for t in re.findall(r"<w:t[^>]*>([^<]*)</w:t>", notes) if "example" in t)
    assert shown.replace("\u200b", "") == URL
    cuts = [i for i, ch in enumerate(shown) if ch == "\u200b"]
    assert cuts and all(shown[i - 1] in "/." for i in cuts)  # breaks after / and . only
    assert not re.search("%[0-9A-F]?\u200b", shown)  # never inside a percent-escape
    assert f'Target="{URL}"' in rels  # the link target is the exact address



@pytest.mark.parametrize("number", ["plain", "superscript"])
def test_docx_note_number_is_plain_or_superscript_as_the_style_says_in_libreoffice(tmp_path, number) -> None:
    """LibreOffice sets a note's own number by the footnote reference style: the marks in the text are superscript
    by their runs, so the style can be plain, and the note's number is at text size unless the style says otherwise."""
    from dataclasses import replace

    from builder.writers import docx
    from tests.test_docx_libreoffice import convert
    style = load_style(tmp_path, "default", Diagnostics())
    style = replace(style, spec=style.spec.model_copy(update={"footnote_number": number}))
    out = tmp_path / "n.docx"
    docx.write(_noted_doc(), style, out)
    with pdfplumber.open(convert(out, tmp_path / "lo")) as doc:
        page = doc.pages[-1]
        words = page.extract_words(extra_attrs=["size"])
    body = next(w for w in words if w["text"].startswith("note."))  # "note." and its mark run together
    mark = next(w for w in words if w["top"] > page.height / 2 and w["text"] == "1")
    note = next(w for w in words if w["top"] > page.height / 2 and w["text"] == "A")
    anchor = [c for c in page.chars if c["text"] == "1" and abs(c["top"] - body["top"]) < 6]
    assert anchor and anchor[0]["size"] < body["size"] - 2  # the mark in the text: superscript either way
    assert (mark["size"] < note["size"] - 1) == (number == "superscript")


def test_docx_notes_are_set_solid_and_captions_in_the_text_colour(tmp_path) -> None:
    """Footnotes one after the other without a blank line's space between them (as in the PDF), and captions in the
    style's text colour (pure black: one ink), not a near-black that prints in four."""
    import zipfile

    from lxml import etree

    from builder.writers import docx
    style = load_style(tmp_path, "default", Diagnostics())
    out = tmp_path / "n.docx"
    docx.write(_noted_doc(), style, out)
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    with zipfile.ZipFile(out) as z:
        styles = etree.fromstring(z.read("word/styles.xml"))
    by_name = {s.find(f"{w}name").get(f"{w}val"): s for s in styles.iter(f"{w}style")}
    spacing = by_name["Footnote Text"].find(f"{w}pPr/{w}spacing")
    assert (spacing.get(f"{w}before"), spacing.get(f"{w}after"), spacing.get(f"{w}line")) == ("0", "20", "240")
    colour = by_name["caption"].find(f"{w}rPr/{w}color").get(f"{w}val")
    assert colour == style.colour("text").lstrip("#").upper() == "000000"


# ---- landscape tables float to the next page; the text goes on filling the current one -------------------------------


def _fill(page) -> float:
    """The share of the portrait text area that the page's text and tables fill (top of the text area to the
    lowest line of body text, notes and page number left out)."""
    lines = [l for l in page.extract_text_lines() if 50 < l["top"] < page.height - 80 and not l["text"].isdigit()]
    if not lines:
        return 0.0
    top, bottom = 62.0, page.height - 62.0
    return (max(l["bottom"] for l in lines) - top) / (bottom - top)


def _wide_doc(before: int):
    from builder.model import Cell, Table, TableRow
    meta = DocMeta(title="Wide", short_title="Wide", language="en-GB", locale="en_GB")
    head = (TableRow(tuple(Cell(f"Column number {i}") for i in range(16))),)
    body = tuple(TableRow(tuple(Cell(1234567.6 + i * j, "number", 1) for j in range(16))) for i in range(12))
    blocks = (Heading(1, (Text("One"),), "one", "1"), Paragraph((Text(WORDS * before),)),
              Table("t", (Text("A wide table"),), head, body, number="1.1", citation="Office"),
              Paragraph((Text("After the table. " + WORDS * 40),)),
              Heading(1, (Text("Two"),), "two", "2"), Paragraph((Text("Chapter two."),)))
    return Document(meta, blocks, {})


@pytest.mark.parametrize("before", [3, 12, 30])
def test_text_fills_the_page_before_a_landscape_table(tmp_path, before) -> None:
    from builder.writers import pdf
    style = load_style(tmp_path, "default", Diagnostics())
    out = tmp_path / "w.pdf"
    pdf.write(_wide_doc(before), style, out)
    with pdfplumber.open(out) as doc:
        pages = list(doc.pages)
        wide = [i for i, p in enumerate(pages) if p.width > p.height]
        texts = [p.extract_text() or "" for p in pages]
        assert len(wide) == 1 and "Table 1.1. A wide table" in texts[wide[0]]
        i = wide[0]
        assert _fill(pages[i - 1]) > 0.85  # the text after the table filled the page where it was met
        assert "After the table." in "".join(texts[:i])  # in source order the text follows the table …
        assert "Chapter two." in texts[-1] and "Chapter two." not in "".join(texts[:i + 1])  # … chapters do not move


def test_flagship_no_half_empty_page_before_a_landscape_page(flagship_build) -> None:
    doc = flagship_build.document
    chapters = [f"{h.number}. " for h in doc.blocks if isinstance(h, Heading) and h.level == 1 and h.number]
    with pdfplumber.open(flagship_build.outputs["pdf"]) as pdf:
        pages = list(pdf.pages)
        wide = [i for i, p in enumerate(pages) if p.width > p.height]
        assert wide
        for i in wide:
            if pages[i - 1].width > pages[i - 1].height:
                continue  # landscape pages in a row
            after = next((j for j in range(i, len(pages)) if pages[j].width < pages[j].height), None)
            first = _body_lines(pages[after])[:1] if after is not None else []
            chapter_ends = after is None or any(first[0].startswith(c) for c in chapters) if first else True
            assert chapter_ends or _fill(pages[i - 1]) > 0.5, (i + 1, _fill(pages[i - 1]))


def test_flagship_lists_of_captions_carry_their_own_running_head(flagship_build) -> None:
    with pdfplumber.open(flagship_build.outputs["pdf"]) as pdf:
        heads = {}
        for page in pdf.pages[:14]:
            lines = [l["text"] for l in sorted(page.extract_text_lines(), key=lambda l: l["top"])]
            if len(lines) > 1 and lines[1] in ("Table of contents", "List of tables", "List of figures"):
                heads[lines[1]] = lines[0]
    assert set(heads) == {"Table of contents", "List of tables", "List of figures"}
    assert all(head.endswith(title) for title, head in heads.items()), heads


def test_flagship_prose_writes_numbers_in_its_locale_and_no_space_before_a_stop(flagship_build) -> None:
    """An English report has no decimal comma in its text ("2,7 times"), and no space before a full stop or comma
    (a claim or a tag between a word and its stop leaves one)."""
    import re

    from tests.conftest import pdf_text
    text = pdf_text(flagship_build.outputs["pdf"])
    assert re.findall(r"(?<![\w,.])\d+,\d{1,2}(?![\d,])", text) == []  # 1,234 is a thousands separator
    assert re.findall(r".{20}\w [.,;:](?=\s|\)|$)", text) == []


def test_flagship_table_heads_headnotes_and_abbreviations_read_cleanly(flagship_build) -> None:
    """No head label with a comma glued to the next word ("customers,% of"); a value repeated in every row is said
    once in the headnote as a plain value (the seller, not the register's "S: … R: …" pair); the abbreviations
    in alphabetical order, each definition capitalised."""
    import re

    from builder.model import Definitions, Table, walk
    blocks = list(walk(flagship_build.document.blocks))
    tables = {b.id: b for b in blocks if isinstance(b, Table)}
    heads = [str(c.value) for t in tables.values() for row in t.header_rows for c in row.cells if c.value]
    assert heads and [h for h in heads if re.search(r",(?=[^\s\d])|[A-Za-z]%", h)] == []  # "customers,%", "in%"
    assert tables["arms-deliveries"].headnote == "Seller: Russia"
    stubs = [str(row.cells[0].value) for t in tables.values() for row in t.body_rows if row.cells[0].kind == "text"]
    assert "Total for 1997\u20132015" in stubs and [s for s in stubs if re.search(r"\b(?:19|20)\d{3}\b", s)] == []
    cells = " ".join(str(c.value) for row in tables["arms-deliveries"].body_rows for c in row.cells)
    assert "Armoured" in cells and "Armored" not in cells  # one spelling (British, as the report's language)
    [abbreviations] = [b for b in blocks if isinstance(b, Definitions)]
    terms = [term for term, _d in abbreviations.items]
    assert len(terms) > 30 and terms == sorted(terms, key=str.lower)
    assert [d for _t, d in abbreviations.items if not d[:1].isupper()] == []
