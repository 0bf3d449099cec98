"""A chapter's last page carries at least three lines of text, also when the chapter ends in a one-line paragraph,
a one-line list item or a table: the lines before it go over with it. Read back from the written PDF page by page."""
from __future__ import annotations

import pdfplumber
import pytest

from builder.errors import Diagnostics
from builder.model import (BulletList, Cell, DocMeta, Document, FootnoteRef, Heading, ListItem, Paragraph, Table,
                           TableRow, Text)
from builder.readers.style import load_style

WORDS = ("The cooperation of the two countries is reviewed here in a line of text that fills the page "
         "with words, and ")
END = "End of one."


def _body_lines(page) -> list[str]:
    """The text lines of a page's text area: running head, page number and footnotes left out."""
    rule = [l["top"] for l in page.lines if abs(l["x1"] - l["x0"] - 113.4) < 1]  # the 40 mm footnote rule
    bottom = min(rule + [page.height - 45])
    return [l["text"] for l in sorted(page.extract_text_lines(), key=lambda l: l["top"])
            if 50 < l["top"] < bottom and not l["text"].strip().isdigit()]


def _chapter(filler: int, ending: tuple, notes: bool) -> tuple:
    mark = (FootnoteRef("n1", 1),) if notes else ()
    return (Heading(1, (Text("One"),), "one", "1"), Paragraph((Text(WORDS * filler),)),
            Paragraph((Text(WORDS * 3 + "and the paragraph before the end"), *mark)), *ending,
            Heading(1, (Text("Two"),), "two", "2"), Paragraph((Text("Chapter two begins."),)))


def _last_pages(tmp_path, ending: tuple, notes: bool = False, tagged: bool = False, fillers=range(35, 42)) -> list:
    """For each filler length: the text lines of the page that carries the chapter's last words."""
    from builder.writers import pdf
    style = load_style(tmp_path, "default", Diagnostics())
    meta = DocMeta(title="Ends", short_title="Ends", language="en-GB", locale="en_GB")
    footnotes = {"n1": (Text("A note long enough to take two lines at the foot of the page, " * 2),)} if notes else {}
    if any(isinstance(i, FootnoteRef) for b in ending if isinstance(b, Paragraph) for i in b.inlines):
        footnotes["n2"] = (Text("The note of the chapter's last words, which goes with them to their page."),)
    out = []
    for filler in fillers:
        path = tmp_path / f"e{filler}.pdf"
        pdf.write(Document(meta, _chapter(filler, ending, notes), footnotes), style, path, tagged=tagged)
        with pdfplumber.open(path) as doc:
            pages = [_body_lines(p) for p in doc.pages]
        last = max(i for i, lines in enumerate(pages) if any(END in l for l in lines))
        out.append((filler, last, pages[last], path))
    return out


ENDINGS = {
    "paragraph": (Paragraph((Text(END),)),),
    "list item": (BulletList((ListItem((Paragraph((Text("A first point of one line."),)),)),
                              ListItem((Paragraph((Text(END),)),)))),),
    "section": (Heading(2, (Text("Summary"),), "summary", "1.1"), Paragraph((Text(END),))),
    "paragraph with a note": (Paragraph((Text(END), FootnoteRef("n2", 2))),),
    "table": (Table("t", (Text("Trade by year"),), (TableRow((Cell("Year"), Cell("Exports"))),),
                    tuple(TableRow((Cell(2000 + i, "year"), Cell(10.5 * i, "number", 1))) for i in range(4)),
                    number="1.1", citation="Example statistics"),
              Paragraph((Text(END),))),
}


@pytest.mark.parametrize("notes", [False, True], ids=["plain", "footnote"])
@pytest.mark.parametrize("ending", list(ENDINGS))
def test_a_chapter_ending_in_a_short_block_carries_three_lines_on_its_last_page(tmp_path, ending, notes) -> None:
    """The filler moves the chapter's end a line at a time past the page's end: the one-line end never stands
    alone (or with one other line) at the top of the last page; the paragraph before it gives its last lines."""
    seen = set()
    fillers = range(31, 36) if ending == "table" else range(35, 42)  # the end crosses the page break
    for filler, last, lines, _path in _last_pages(tmp_path, ENDINGS[ending], notes, fillers=fillers):
        assert len([l for l in lines if l != "1.1. Summary"]) >= 3, (filler, lines)  # a heading is not text
        seen.add(last)
    assert len(seen) >= 2  # the chapter's end did move over a page break


def test_the_split_paragraph_keeps_its_structure_in_a_tagged_pdf(tmp_path) -> None:
    """Tagged: where the paragraph before the end gave lines to the last page, it is still one P element, with
    marked content on both pages, and the file passes the tagged-PDF checks."""
    from tests.test_tagged_pdf import Structure, assert_complete
    split = 0
    for filler, last, lines, path in _last_pages(tmp_path, ENDINGS["paragraph"], tagged=True):
        assert len(lines) >= 3, (filler, lines)
        s = Structure(path)
        assert_complete(s)
        before = {page for page, _mcid in s.marks(s.of_type("P")[1])}  # filler, before the end, end, chapter two
        if len(before) == 2:
            assert before == {last - 1, last}, (filler, before)
            split += 1
    assert split  # some filler length did split the paragraph before the end


def _chapter_last_pages(path) -> dict[str, list[str]]:
    """Each chapter of the outline (top level) → the text lines of its last page."""
    from pypdf import PdfReader
    reader = PdfReader(str(path))
    starts = [(reader.get_destination_page_number(o), o.title) for o in reader.outline if not isinstance(o, list)]
    with pdfplumber.open(path) as doc:
        ends = [nxt - 1 for nxt, _ in starts[1:]] + [len(doc.pages) - 1]
        return {title: _body_lines(doc.pages[end]) for (start, title), end in zip(starts, ends) if end >= start}


def test_no_chapter_of_the_flagship_or_the_example_ends_with_fewer_than_three_lines(flagship_build,
                                                                                    minimal_build) -> None:
    for path in (flagship_build.outputs["pdf"], minimal_build / "minimal.pdf"):
        ends = _chapter_last_pages(path)
        assert ends
        short = {title: lines for title, lines in ends.items() if len(lines) < 3}
        assert not short, (path.name, short)
