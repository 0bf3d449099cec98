"""Justified text is hyphenated in the report's language: pyphen through ReportLab in the PDF, Word's automatic
hyphenation in the DOCX."""
from __future__ import annotations

import statistics
import zipfile

import pdfplumber

from builder.errors import Diagnostics
from builder.model import DocMeta, Document, Heading, Paragraph, Text
from builder.readers.style import load_style

WORDS = ("International institutionalisation characteristically accompanies intergovernmental "
         "telecommunications, transcontinental infrastructure and interdisciplinary responsibilities. ")


def _doc(language: str) -> Document:
    meta = DocMeta(title="H", short_title="H", language=language, locale=language.replace("-", "_"))
    return Document(meta, (Heading(1, (Text("Words"),), "w", "1"), Paragraph((Text(WORDS * 12),))), {})


def _lines(path):
    with pdfplumber.open(path) as pdf:
        page = pdf.pages[-1]
        return [l["text"] for l in sorted(page.extract_text_lines(), key=lambda l: l["top"])
                if l["top"] > 60 and "Words" not in l["text"]], page


def test_pdf_justified_lines_break_long_words_at_hyphens(tmp_path) -> None:
    from builder.writers import pdf
    style = load_style(tmp_path, "default", Diagnostics())
    pdf.write(_doc("en-GB"), style, tmp_path / "en.pdf", tagged=False)
    lines, _page = _lines(tmp_path / "en.pdf")
    body = lines[:-2]
    assert sum(l.rstrip().endswith("-") for l in body) >= 3, body
    with pdfplumber.open(tmp_path / "en.pdf") as doc:
        words = doc.pages[-1].extract_words()
    rows: dict[int, list] = {}
    for w in words:
        rows.setdefault(round(w["top"]), []).append(w)
    gaps = [b["x0"] - a["x1"] for ws in rows.values() if len(ws) > 3
            for a, b in zip(sorted(ws, key=lambda w: w["x0"]), sorted(ws, key=lambda w: w["x0"])[1:])]
    assert statistics.mean(gaps) < 6  # even word spaces: no rivers in justified lines


def test_docx_turns_on_automatic_hyphenation(tmp_path) -> None:
    from builder.writers import docx as docx_writer
    style = load_style(tmp_path, "default", Diagnostics())
    out = tmp_path / "h.docx"
    docx_writer.write(_doc("en-GB"), style, out)
    settings = zipfile.ZipFile(out).read("word/settings.xml").decode()
    assert '<w:autoHyphenation/>' in settings
    assert '<w:consecutiveHyphenLimit w:val="3"/>' in settings
