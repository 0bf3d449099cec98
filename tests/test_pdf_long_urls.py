"""A web address of any length breaks after `/` and `.` as often as it needs, never inside a percent-escape, in a
footnote and in a table cell: no line runs past the text area's right edge, and the link target is the whole
address. Read back from the written PDF, and from the DOCX through LibreOffice."""
from __future__ import annotations

import re
import subprocess

import pdfplumber
import pytest
from pypdf import PdfReader
from reportlab.lib.units import mm

from builder.errors import Diagnostics
from builder.model import Cell, DocMeta, Document, FootnoteRef, Heading, Link, Paragraph, Table, TableRow, Text
from builder.readers.style import load_style

KAZ = "%D0%9A%D0%B0%D0%B7%D0%B0%D1%85%D1%81%D1%82%D0%B0%D0%BD"  # "Казахстан", percent-escaped
URL = "https://stat.example.kz/publications/2024/" + "/".join(f"{KAZ}.section-{i}" for i in range(4)) + "/report.pdf"

SLUG = "https://factcheck.kz/glavnoe/" + "-".join(["lozh-9-sentyabrya-etogo-goda-v-almaty-otkrylas"] * 4) + "/"


def _document() -> Document:
    meta = DocMeta(title="Addresses", short_title="Addresses", language="en-GB", locale="en_GB")
    head = (TableRow((Cell("Source"), Cell("Series"), Cell("Coverage"), Cell("Address"), Cell("Updated"))),)
    row = TableRow((Cell("Statistics agency"), Cell("Population by region and nationality"),
                    Cell("All regions, cities of republican significance"), Cell(URL), Cell("Every year in March")))
    table = Table("t", (Text("Where the data are"),), head, (row,), number="1.1", citation="Example statistics")
    blocks = (Heading(1, (Text("Sources"),), "sources", "1"),
              Paragraph((Text("The figures come from the statistics agency"), FootnoteRef("n1", 1), Text(", checked"),
                         FootnoteRef("n2", 2), Text("."))),
              table)
    return Document(meta, blocks, {"n1": (Text("Published at "), Link(URL, (Text(URL),)), Text(".")),
                                   # a piece longer than a line, without `/` or `.`: broken before a hyphen
                                   "n2": (Link(SLUG, (Text(SLUG),)),)})


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    from builder.writers import pdf
    tmp = tmp_path_factory.mktemp("urls")
    style = load_style(tmp, "default", Diagnostics())
    out = tmp / "urls.pdf"
    pdf.write(_document(), style, out)
    return out, style


def _address_lines(text: str) -> list[str]:
    pieces = re.findall(r"[\w%./:-]*(?:%[0-9A-F]{2}|section-|stat\.example)[\w%./:-]*", text)
    return [p for p in pieces if len(p) > 3]


def _assert_within(path, right_margin: float) -> None:
    with pdfplumber.open(path) as doc:
        for page in doc.pages:
            right = page.width - right_margin
            over = [c["text"] for c in page.chars if c["x1"] > right + 0.5]
            assert not over, (page.page_number, "".join(over))


def test_a_long_address_stays_inside_the_text_area(written) -> None:
    assert len(URL) >= 300 and URL.count("%") > 60
    path, style = written
    _assert_within(path, style.margins_mm["right"] * mm)


def test_a_long_address_breaks_more_than_once_and_never_inside_a_percent_escape(written) -> None:
    path, _style = written
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    lines = [l for l in text.splitlines() if "%" in l or "section-" in l or "stat.example" in l]
    assert len(lines) >= 6, lines  # three lines or more in the note, three or more in the cell
    for line in lines:
        assert not re.search(r"%[0-9A-F]?\s*$", line), line  # a line never ends inside %XX
    # read in order, the lines of the note make up the address, character for character
    plain = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    note = re.sub(r"\s", "", plain.split("Published at", 1)[1])
    assert note.startswith(URL + "."), note


def test_the_link_target_is_the_whole_address(written) -> None:
    path, _style = written
    uris = [str(a.get_object()["/A"]["/URI"]) for page in PdfReader(str(path)).pages
            for a in page.get("/Annots", []) if "/URI" in a.get_object().get("/A", {})]
    assert len(uris) >= 4  # one annotation per line: the note's and the cell's lines
    assert set(uris) == {URL, SLUG}
    from tests.test_tagged_pdf import Structure, assert_complete
    assert_complete(Structure(path))  # every line's annotation is reached from a Link element, the cell's too


def test_a_long_address_stays_inside_the_text_area_in_the_docx(tmp_path) -> None:
    from builder.writers import docx
    from tests.test_docx_libreoffice import convert
    style = load_style(tmp_path, "default", Diagnostics())
    out = tmp_path / "urls.docx"
    docx.write(_document(), style, out)
    pdf = convert(out, tmp_path / "lo")
    text = "".join(page.extract_text() or "" for page in PdfReader(str(pdf)).pages)
    assert "section-3" in re.sub(r"\s", "", text.replace("\u200b", ""))
    _assert_within(pdf, style.margins_mm["right"] * mm)


def test_where_an_address_may_break() -> None:
    """The break points offered to ReportLab, in the order it tries them (the first head that fits is taken):
    after `/` and `.`, longest head first; then before the last few characters; then before a hyphen. The rest of
    an address on the next line, which no longer looks like one, breaks again."""
    from builder.writers.pdf_markup import _url_split_pairs, forget_addresses
    forget_addresses()
    url = "https://example.org/a-long-slug/%D0%9A%D0%B0.pdf"
    assert [head for head, _tail in _url_split_pairs(url)] == [
        "https://example.org/a-long-slug/", "https://example.org/", "https://example.",
        "https://example.org/a-long-slug/%D0%9A%D0%B0.", "https://example.org/a-long", "https://example.org/a"]
    assert _url_split_pairs("a-long-slug/%D0%9A%D0%B0.pdf")[0] == ("a-long-slug/", "%D0%9A%D0%B0.pdf")
    assert _url_split_pairs("%D0%9A%D0%B0.pdf") == [("%D0%9A%D0%B0.", "pdf")]
    assert _url_split_pairs("and/or") is None and _url_split_pairs("e.g.") is None  # not addresses
    forget_addresses()
    assert _url_split_pairs("a-long-slug/%D0%9A%D0%B0.pdf") is None  # remembered for one write only
