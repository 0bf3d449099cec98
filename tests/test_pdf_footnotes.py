"""Page-bottom footnotes: build real PDFs and read them back with pdfplumber."""
import importlib.util
import random
import re
import sys
from pathlib import Path

import pdfplumber
import pytest
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (KeepTogether, NextPageTemplate, PageBreak, PageTemplate,
                                Paragraph, Table)
from reportlab.platypus.tableofcontents import TableOfContents

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from builder.writers.pdf_footnotes import (  # noqa: E402
    FootnoteDocTemplate, FootnoteFrame, FootnoteParagraph, FootnoteStore, mark_markup)

BODY_SIZE = 10
NOTE_SIZE = 8


def _font() -> str:
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.origin:
        return "Helvetica"
    ttf = Path(spec.origin).parent / "mpl-data" / "fonts" / "ttf" / "DejaVuSerif.ttf"
    if not ttf.exists():
        return "Helvetica"
    if "DejaVuSerif" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("DejaVuSerif", str(ttf)))
    return "DejaVuSerif"


FONT = _font()
BODY = ParagraphStyle("body", fontName=FONT, fontSize=BODY_SIZE, leading=13, spaceAfter=4)
NOTE = ParagraphStyle("note", fontName=FONT, fontSize=NOTE_SIZE, leading=9.6)
HEAD = ParagraphStyle("head", parent=BODY, fontSize=14, leading=18, spaceBefore=6, keepWithNext=1)


class Doc(FootnoteDocTemplate):
    """Portrait and landscape A4; TOC entries from headings (afterFlowable overridden)."""

    def __init__(self, filename, store, **kw):
        super().__init__(filename, store, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm,
                         topMargin=20 * mm, bottomMargin=20 * mm, invariant=1, **kw)
        self.addPageTemplates([self._template("portrait", A4),
                               self._template("landscape", landscape(A4))])

    def _template(self, name, size):
        w, h = size
        frame = FootnoteFrame(20 * mm, 20 * mm, w - 40 * mm, h - 40 * mm, id=name,
                              leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
        return PageTemplate(name, [frame], pagesize=size)

    def afterFlowable(self, flowable):
        if getattr(flowable, "toc_level", None) is not None:
            self.notify("TOCEntry", (flowable.toc_level, flowable.getPlainText(), self.page))


# -- story helpers -------------------------------------------------------------
def words(rng, n, prefix="w"):
    return " ".join(f"{prefix}{rng.randrange(1000):03d}" for _ in range(n))


def numbered(n, tag):
    """Note text whose words can be checked for loss and order: t001 t002 …"""
    return " ".join(f"{tag}{i:03d}" for i in range(1, n + 1))


def note_body(n, text):
    return f'Notebody{n} {text} <a href="https://example.org/{n}">link{n}</a>'


def marked(n):
    return f"anchor{n}z" + mark_markup(f"n{n}", n)


def random_story(rng, store_notes, paragraphs=30, notes=40, long_note=None):
    """`paragraphs` FootnoteParagraphs holding `notes` marks; fills store_notes."""
    per_para = [0] * paragraphs
    for _ in range(notes):
        per_para[rng.randrange(paragraphs)] += 1
    story, n = [], 0
    for count in per_para:
        parts = [words(rng, rng.randint(20, 160))]
        for _ in range(count):
            n += 1
            size = 420 if n == long_note else rng.choice([5, 12, 25, 40, 90])
            store_notes[f"n{n}"] = (n, note_body(n, words(rng, size, "q")))
            parts.append(marked(n) + " " + words(rng, rng.randint(3, 40)))
        story.append(" ".join(parts))
    return story


# -- reading the PDF back -------------------------------------------------------
def read_pages(path):
    """Per page: words, the rule (or None) and the body-size chars."""
    pages = []
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            rules = [l for l in page.lines if abs((l["x1"] - l["x0"]) - 40 * mm) < 0.5]
            body = [c for c in page.chars if abs(c["size"] - BODY_SIZE) < 0.05]
            pages.append({"words": page.extract_words(), "rule": rules[0] if rules else None,
                          "body": body, "rules": len(rules)})
    return pages


def find(pages, predicate):
    """(page index, word) of every word matching predicate."""
    return [(i, w) for i, p in enumerate(pages) for w in p["words"] if predicate(w["text"])]


def note_words(pages, pattern):
    """Words matching pattern below each page's rule, in reading order over all pages."""
    out = []
    for p in pages:
        if p["rule"] is not None:
            out += [w["text"] for w in p["words"]
                    if w["top"] > p["rule"]["bottom"] and re.fullmatch(pattern, w["text"])]
    return out


def assert_notes_on_mark_pages(pages, numbers):
    for n in numbers:
        marks = find(pages, lambda t: t.startswith(f"anchor{n}z"))
        starts = find(pages, lambda t: t == f"Notebody{n}")
        assert len(marks) == 1 and len(starts) == 1, (n, marks, starts)
        (mark_page, mark), (note_page, start) = marks[0], starts[0]
        assert note_page == mark_page, f"note {n}: mark on page {mark_page + 1}, note on {note_page + 1}"
        rule = pages[note_page]["rule"]
        assert mark["bottom"] < rule["top"] < start["top"]
        texts = [w["text"] for w in pages[note_page]["words"]]
        assert texts[texts.index(f"Notebody{n}") - 1] == str(n)  # printed as "<n> body"


def assert_no_overlap(pages):
    for i, p in enumerate(pages):
        assert p["rules"] <= 1
        if p["rule"] is not None:
            low = [c["text"] for c in p["body"] if c["bottom"] > p["rule"]["top"]]
            assert not low, f"page {i + 1}: body text in the note area: {''.join(low)[:40]}"


# -- tests ------------------------------------------------------------------------
def test_notes_start_on_their_mark_page(tmp_path):
    rng = random.Random(7)
    notes = {}
    texts = random_story(rng, notes, long_note=17)
    store = FootnoteStore(notes, NOTE)
    story = []
    for i, text in enumerate(texts):
        if i == 20:  # a landscape stretch
            story += [NextPageTemplate("landscape"), PageBreak()]
        if i == 24:
            story += [NextPageTemplate("portrait"), PageBreak()]
        story.append(FootnoteParagraph(text, BODY, store))
    path = tmp_path / "a.pdf"
    Doc(str(path), store).build(story)
    pages = read_pages(path)
    assert len(notes) == 40 and len(pages) >= 5
    assert_notes_on_mark_pages(pages, range(1, 41))
    assert_no_overlap(pages)
    assert {round(p["rule"]["x1"] - p["rule"]["x0"], 1) for p in pages if p["rule"]} == {round(40 * mm, 1)}
    # every note word arrives once, in order (long note 17 included)
    expected = [w for n in range(1, 41) for w in re.findall(r"q\d{3}", notes[f"n{n}"][1])]
    assert note_words(pages, r"q\d{3}") == expected


def test_long_note_continues_on_next_pages(tmp_path):
    rng = random.Random(3)
    notes = {"n1": (1, note_body(1, numbered(120, "a"))), "n2": (2, note_body(2, numbered(1500, "b")))}
    store = FootnoteStore(notes, NOTE)
    story = [FootnoteParagraph(words(rng, 250), BODY, store),
             FootnoteParagraph(words(rng, 30) + " " + marked(1) + " " + words(rng, 120), BODY, store),
             FootnoteParagraph(words(rng, 40) + " " + marked(2) + " end.", BODY, store)]
    path = tmp_path / "b.pdf"
    Doc(str(path), store).build(story)
    pages = read_pages(path)
    assert_notes_on_mark_pages(pages, [1, 2])
    assert_no_overlap(pages)
    assert note_words(pages, r"[ab]\d{3,4}") == numbered(120, "a").split() + numbered(1500, "b").split()
    last = find(pages, lambda t: t == "b1500")[0][0]
    assert last >= find(pages, lambda t: t == "Notebody2")[0][0] + 2  # spans three pages


def test_multibuild_with_toc_does_not_duplicate_notes(tmp_path):
    rng = random.Random(11)
    notes = {}
    texts = random_story(rng, notes, paragraphs=12, notes=15)
    store = FootnoteStore(notes, NOTE)
    story = [TableOfContents(levelStyles=[BODY]), PageBreak()]
    for i, t in enumerate(texts):
        if i % 4 == 0:
            head = Paragraph(f"Chapter{i}", HEAD)
            head.toc_level = 0
            story.append(head)
        story.append(FootnoteParagraph(t, BODY, store))
    path = tmp_path / "c.pdf"
    passes = Doc(str(path), store).multiBuild(story)
    assert passes >= 2
    pages = read_pages(path)
    assert_notes_on_mark_pages(pages, range(1, 16))  # exactly one start per note
    assert_no_overlap(pages)
    for n in range(1, 16):
        assert len(find(pages, lambda t: t == f"link{n}")) == 1
    toc = [w["text"] for w in pages[0]["words"]]
    assert "Chapter0" in toc and "Chapter8" in toc


def test_caption_extra_labels_follow_the_table(tmp_path):
    rng = random.Random(5)
    notes = {"t1": (1, note_body(1, "table note one")), "t2": (2, note_body(2, "table note two")),
             "n3": (3, note_body(3, "after the table"))}
    store = FootnoteStore(notes, NOTE)
    head = [Paragraph("Header1z" + mark_markup("t1", 1), BODY),
            Paragraph("Header2z" + mark_markup("t2", 2), BODY)]
    rows = [head] + [[f"r{i}", f"{i * 3.5:.1f}"] for i in range(25)]
    caption = FootnoteParagraph("Table 1. Caption of the table", BODY, store, extra_labels=("t1", "t2"))
    story = [FootnoteParagraph(words(rng, 520), BODY, store),
             KeepTogether([caption, Table(rows, repeatRows=1)]),
             FootnoteParagraph(words(rng, 20) + " " + marked(3), BODY, store)]
    path = tmp_path / "d.pdf"
    Doc(str(path), store).build(story)
    pages = read_pages(path)
    table_page = find(pages, lambda t: t.startswith("Header1z"))[0][0]
    assert table_page == 1  # pushed to page 2 by KeepTogether
    for n in (1, 2):
        (page, word), = find(pages, lambda t: t == f"Notebody{n}")
        assert page == table_page and word["top"] > pages[page]["rule"]["bottom"]
    assert_notes_on_mark_pages(pages, [3])
    assert_no_overlap(pages)


def test_paragraph_without_marks_splits_like_plain_paragraph():
    rng = random.Random(1)
    text = words(rng, 300)
    store = FootnoteStore({}, NOTE)
    frame = FootnoteFrame(0, 0, 400, 200, leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    mine, plain = FootnoteParagraph(text, BODY, store), Paragraph(text, BODY)
    assert mine.wrap(400, 200) == plain.wrap(400, 200)
    ours, theirs = frame.split(mine, None), frame.split(plain, None)
    assert [len(p.blPara.lines) for p in ours[:1]] == [len(p.blPara.lines) for p in theirs[:1]]
    assert isinstance(ours[1], FootnoteParagraph) and ours[1].notes is store


def test_unknown_label_is_a_clear_error(tmp_path):
    store = FootnoteStore({}, NOTE)
    story = [FootnoteParagraph("text" + mark_markup("nope", 1), BODY, store)]
    with pytest.raises(ValueError, match="unknown footnote label 'nope'"):
        Doc(str(tmp_path / "e.pdf"), store).build(story)
