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



ORDER_PROBE = """
import sys
if sys.argv[1] == "reportlab-first":
    import reportlab.platypus.paragraph  # binds ReportLab's default shortest hyphenated word when imported first
from pathlib import Path
from reportlab.platypus import paragraph
from builder.errors import Diagnostics
from builder.readers.style import load_style
from builder.writers import pdf
styles = pdf._Styles(load_style(Path(sys.argv[2]), "default", Diagnostics()), "Helvetica", "Helvetica", "en-GB")
found = {name: getattr(s, "hyphenationMinWordLength", paragraph.hyphenationMinWordLength)  # as breakLines reads it
         for name, s in vars(styles).items() if isinstance(s, paragraph.ParagraphStyle)}
print(sorted(set(found.values())), len(found))
"""


def test_pdf_shortest_hyphenated_word_whatever_was_imported_first(tmp_path) -> None:
    """Words under 7 letters are not broken in any paragraph style, also when ReportLab's paragraphs were imported
    before the writer (a batch or a one-chart build draws its charts in the build's own process, which imports
    them first): ReportLab binds its default when its paragraph module is imported."""
    import subprocess
    import sys
    for order in ("writer-first", "reportlab-first"):
        done = subprocess.run([sys.executable, "-c", ORDER_PROBE, order, str(tmp_path)], capture_output=True,
                              text=True, timeout=120, check=True)
        values, count = done.stdout.rsplit(" ", 1)
        assert values == "[7]" and int(count) >= 8, (order, done.stdout)
