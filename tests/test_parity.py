"""The three editions of the flagship read back alike: the same headings (numbers and text), the same table
and figure captions with their numbers, and the same footnotes, in the HTML, the PDF and the DOCX."""
from __future__ import annotations

import re
import zipfile

import pytest

from tests.conftest import docx_text, pdf_outline, pdf_text
from tests.docx_checks import numbered_paragraphs
from tests.htmlread import read_edition


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def editions(flagship_build, flagship_html):
    import docx
    from pypdf import PdfReader
    d = docx.Document(str(flagship_build.outputs["docx"]))
    reader = PdfReader(str(flagship_build.outputs["pdf"]))
    with zipfile.ZipFile(flagship_build.outputs["docx"]) as z:
        notes_xml = z.read("word/footnotes.xml").decode()
    return {
        "html": read_edition(flagship_html),
        "docx_headings": [(f"{label} " if label else "") + text  # the number as Word prints it from its list
                          for style, label, text in numbered_paragraphs(flagship_build.outputs["docx"])
                          if style.startswith("Heading")],
        "docx_captions": [p.text.rstrip(",") for p in d.paragraphs if p.style.name == "Caption"],
        "docx_notes": len(re.findall(r'<w:footnote w:id="\d+"', notes_xml)),
        "docx_text": _squash(docx_text(flagship_build.outputs["docx"])),
        "pdf_outline": [title for title, _page in pdf_outline(reader)],
        "pdf_text": _squash(pdf_text(flagship_build.outputs["pdf"])),
    }


def test_same_headings_in_all_three(editions) -> None:
    html = editions["html"].headings
    assert len(html) == 38  # 3 front-matter headings, Introduction, 33 numbered headings, Abstracts
    assert html == editions["docx_headings"] == editions["pdf_outline"]
    assert html[4].startswith("1. ") and "6.1. " in " ".join(html)


def test_same_table_captions_in_all_three(editions) -> None:
    html = [c for c in editions["html"].captions]
    assert len(html) == 34 and all(re.match(r"Table \d+(\.\d+)*\. \S", c) for c in html)
    docx = [c for c in editions["docx_captions"] if c.startswith("Table ")]
    assert [_squash(c) for c in html] == [_squash(c) for c in docx]
    positions = [editions["pdf_text"].find(_squash(c)) for c in html]
    assert -1 not in positions and positions == sorted(positions)  # all there, in the same order


def test_same_figure_captions_in_all_three(editions) -> None:
    html = editions["html"].figures
    assert len(html) >= 11 and all(re.match(r"Figure \d+\. \S", c) for c in html)
    docx = [c for c in editions["docx_captions"] if c.startswith("Figure ")]
    assert [_squash(c) for c in html] == [_squash(c) for c in docx]
    positions = [editions["pdf_text"].find(_squash(c)) for c in html]
    assert -1 not in positions and positions == sorted(positions)


def test_same_footnotes_in_all_three(editions) -> None:
    notes = editions["html"].notes
    assert len(notes) == editions["docx_notes"] == 60
    for n, text in enumerate(notes, start=1):
        start = _squash(text)[:30]
        assert start in editions["docx_text"], (n, text)
        assert f"{n}{start}" in editions["pdf_text"], (n, text)  # the PDF sets the number before the note
