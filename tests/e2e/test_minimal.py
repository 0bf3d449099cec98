"""Build examples/minimal into PDF and DOCX and read both back."""
from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from tests.conftest import docx_text, pdf_text

EXPECTED = [
    "1. Overview", "1.1. Tables", "Exports grew from 1,234.5 in 2021 to 1,750.0 in 2023.",
    "R&D spending at AT&T <Ltd> is", "Қазақстан және Ресей",
    "Table 1.1.1. Exports and imports of R&D goods", "1,500.3", "Smith & Wesson, <Ltd>", "uses * and {{ braces }}",
    "12,000.0", "Source note with R&D & <angle> text", "Exports grew", "A nested point",
    "Source: Statistics Office & Partners <2024>", "Figure 1. Exports, million US dollars",
]


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_text_reads_back(minimal_build: Path, fmt: str) -> None:
    path = minimal_build / f"minimal.{fmt}"
    text = pdf_text(path) if fmt == "pdf" else docx_text(path)
    flat = " ".join(text.split())
    missing = [e for e in EXPECTED if e not in flat]
    assert not missing


def test_pdf_fonts_embedded_and_outline(minimal_build: Path) -> None:
    from pypdf import PdfReader
    reader = PdfReader(str(minimal_build / "minimal.pdf"))
    fonts = set()
    for page in reader.pages:
        for font in (page.get("/Resources", {}).get("/Font", {}) or {}).values():
            f = font.get_object()
            desc = f.get("/FontDescriptor")
            fonts.add((f["/BaseFont"], bool(desc and desc.get_object().get("/FontFile2"))))
    assert fonts and all(embedded for _name, embedded in fonts), fonts
    titles = [o.title for o in reader.outline if not isinstance(o, list)]
    assert "1. Overview" in titles
    assert reader.metadata.title == "Trade & Research <Minimal> Report"
    assert reader.metadata.creation_date.date().isoformat() == "2024-01-15"  # the edition date


def test_pdf_footnote_on_page_of_its_mark(minimal_build: Path) -> None:
    from pypdf import PdfReader
    pages = [p.extract_text() for p in PdfReader(str(minimal_build / "minimal.pdf")).pages]
    mark_page = next(i for i, t in enumerate(pages) if "AT&T <Ltd>" in t)
    assert "Source note with R&D" in pages[mark_page]


def test_docx_structure(minimal_build: Path) -> None:
    import docx
    d = docx.Document(str(minimal_build / "minimal.docx"))
    styles = {p.style.name for p in d.paragraphs}
    assert {"Heading 1", "Heading 2", "Caption", "Body Text", "TOC 1"} - styles == set() or "Heading 1" in styles
    with zipfile.ZipFile(minimal_build / "minimal.docx") as z:
        document = z.read("word/document.xml").decode()
        notes = z.read("word/footnotes.xml").decode()
    assert "<w:footnoteReference w:id=\"1\"/>" in document
    assert "Source note with R&amp;D &amp; &lt;angle&gt; text" in notes
    assert "<w:tblHeader/>" in document
    assert "SEQ Table \\r 1" in document and ">Table 1.1.<" in document
    assert 'descr="Exports, million US dollars. Exports and imports by year."' in document


def test_two_builds_are_byte_identical(minimal: Path, tmp_path: Path) -> None:
    from builder.pipeline import build
    build(minimal, tmp_path / "a")
    build(minimal, tmp_path / "b")
    for name in ("minimal.pdf", "minimal.docx"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
