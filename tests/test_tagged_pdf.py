"""Tagged PDF (PDF/UA-1): the structure tree walked with pikepdf, the text read back in reading order with poppler's
`pdfinfo -struct-text`, on the flagship and on a hand-built Document with every block kind."""
from __future__ import annotations

import re
import subprocess
from collections import Counter
from datetime import date
from pathlib import Path

import pikepdf
import pytest

from builder.errors import Diagnostics
from builder.model import (Author, BulletList, Cell, Chart, CrossRef, Definitions, DocMeta, Document, Emphasis,
                           Figure, FootnoteRef, Heading, Link, ListItem, ListOfCaptions, OrderedList, PageBreak,
                           Paragraph, Quote, Strong, Table, TableOfContents, TableRow, Text, TitlePage, inline_text,
                           walk)
from builder.readers.style import load_style
from tests.conftest import MINIMAL, copy_project, run_cli

PAINTING = {"Tj", "TJ", "'", '"', "S", "s", "f", "F", "f*", "B", "B*", "b", "b*", "Do", "sh", "BI", "INLINE IMAGE"}


# ---- reading the structure back ------------------------------------------------------------------------------


class Structure:
    """A tagged PDF read back: marked content per page, the structure tree, links and metadata."""

    def __init__(self, path: Path):
        self.path = path
        self.pdf = pikepdf.open(path)
        self.page_of = {p.objgen: i for i, p in enumerate(self.pdf.pages)}
        self.untagged: Counter = Counter()
        self.drawn = Counter()
        self.crossed = 0
        for i, page in enumerate(self.pdf.pages):
            self._scan(i, page)
        self.refs: Counter = Counter()
        self.elements: list[tuple[str, pikepdf.Dictionary, int]] = []  # (type, element, depth) in tree order
        self.objr: list[pikepdf.Dictionary] = []
        self.owner: dict[tuple[int, int], pikepdf.Dictionary] = {}
        for kid in self._kids(self.pdf.Root.StructTreeRoot):
            self._walk(kid, 0)

    def _scan(self, i: int, page) -> None:
        stack: list[bool] = []
        in_text = False
        for operands, op in pikepdf.parse_content_stream(page):
            op = str(op)
            if op in ("BT", "ET"):
                in_text = op == "BT"
            if op in ("BDC", "BMC", "EMC"):
                self.crossed += in_text  # marked content and text objects must nest properly
            if op in ("BDC", "BMC"):
                props = operands[1] if op == "BDC" else None
                mcid = props.get("/MCID") if isinstance(props, pikepdf.Dictionary) else None
                if mcid is not None:
                    self.drawn[(i, int(mcid))] += 1
                stack.append(mcid is not None or str(operands[0]) == "/Artifact")
            elif op == "EMC":
                stack.pop()
            elif op in PAINTING and not any(stack):
                self.untagged[(i, op)] += 1
        assert not stack, f"page {i + 1}: marked content left open"

    @staticmethod
    def _kids(elem) -> list:
        k = elem.get("/K")
        return [] if k is None else list(k) if isinstance(k, pikepdf.Array) else [int(k) if isinstance(k, int) else k]

    def _walk(self, elem, depth: int) -> None:
        self.elements.append((str(elem.S)[1:], elem, depth))
        for kid in self._kids(elem):
            if isinstance(kid, int):
                self._ref(self.page_of[elem.Pg.objgen], kid, elem)
            elif kid.get("/Type") == "/MCR":
                self._ref(self.page_of[kid.Pg.objgen], int(kid.MCID), elem)
            elif kid.get("/Type") == "/OBJR":
                self.objr.append(kid)
            else:
                assert kid.P.objgen == elem.objgen, "an element's /P is not its parent"
                self._walk(kid, depth + 1)

    def _ref(self, page: int, mcid: int, elem) -> None:
        self.refs[(page, mcid)] += 1
        self.owner[(page, mcid)] = elem

    def marks(self, elem) -> list[tuple[int, int]]:
        """(page, MCID) of the element's own marked content."""
        return [(self.page_of[elem.Pg.objgen], k) if isinstance(k, int) else (self.page_of[k.Pg.objgen], int(k.MCID))
                for k in self._kids(elem) if isinstance(k, int) or k.get("/Type") == "/MCR"]

    def of_type(self, *types: str) -> list:
        return [e for t, e, _d in self.elements if t in types]

    def xmp(self, key: str) -> str:
        return str(self.pdf.open_metadata().get(key, ""))

    def struct_text(self) -> str:
        """poppler's reading of the tree; the space that ends each line of text is dropped before a closing quote."""
        text = subprocess.run(["pdfinfo", "-struct-text", str(self.path)], capture_output=True, text=True,
                              check=True).stdout
        return re.sub(r' +"$', '"', text, flags=re.M)


def assert_complete(s: Structure) -> None:
    """The PDF/UA checks of the issue; each can fail."""
    assert not s.untagged, f"content outside marked content or artifacts: {dict(list(s.untagged.items())[:5])}"
    assert sum(s.drawn.values()) > 0
    assert s.crossed == 0, "marked content begins or ends inside a text object"
    assert [k for k, n in s.drawn.items() if n > 1] == [], "an MCID used twice on a page"
    assert [k for k in s.drawn if s.refs[k] != 1] == [], "an MCID not referenced exactly once from the tree"
    assert [k for k in s.refs if k not in s.drawn] == [], "the tree references marked content that is not there"
    _parent_tree(s)
    _headings_nest(s)
    for figure in s.of_type("Figure"):
        assert str(figure.get("/Alt", "")).strip(), "a Figure without /Alt"
        assert len(figure.A.BBox) == 4
    for table in s.of_type("Table"):
        rows = [e for t, e, _d in _descendants(s, table) if t == "TR"]
        first = [str(c.S)[1:] for c in Structure._kids(rows[0]) if isinstance(c, pikepdf.Dictionary)]
        assert first and set(first) == {"TH"}, f"a table whose first row is {first}"
    _links(s)
    _note_ids(s)
    root = s.pdf.Root
    assert root.MarkInfo.Marked is True
    assert str(root.Lang)
    assert root.ViewerPreferences.DisplayDocTitle is True
    assert root.StructTreeRoot.RoleMap.Title == "/P"
    assert s.xmp("pdfuaid:part") == "1", "no PDF/UA identifier in the XMP"
    assert s.xmp("dc:title") == str(s.pdf.docinfo.Title)


def _descendants(s: Structure, elem):
    start = next(i for i, (_t, e, _d) in enumerate(s.elements) if e.objgen == elem.objgen)
    depth = s.elements[start][2]
    for t, e, d in s.elements[start + 1:]:
        if d <= depth:
            return
        yield t, e, d


def _parent_tree(s: Structure) -> None:
    nums = list(s.pdf.Root.StructTreeRoot.ParentTree.Nums)
    tree = dict(zip(nums[::2], nums[1::2]))
    for i, page in enumerate(s.pdf.pages):
        marks = tree[int(page.StructParents)]
        for (p, mcid), elem in s.owner.items():
            if p == i:
                assert marks[mcid].objgen == elem.objgen, f"parent tree: page {i + 1} MCID {mcid}"


def _note_ids(s: Structure) -> None:
    """Every Note has an ID (PDF/UA-1 7.9), unique, found through the ID tree."""
    notes = s.of_type("Note")
    ids = [str(n.ID) for n in notes]
    assert len(set(ids)) == len(notes)
    if not notes:  # a document without footnotes (a brief) needs no ID tree
        return
    names = list(s.pdf.Root.StructTreeRoot.IDTree.Names)
    tree = {str(k): v for k, v in zip(names[::2], names[1::2])}
    assert all(tree[str(n.ID)].objgen == n.objgen for n in notes)


def _headings_nest(s: Structure) -> None:
    levels = [int(t[1]) for t, _e, _d in s.elements if re.fullmatch(r"H[1-6]", t)]
    assert levels and levels[0] == 1
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:])), f"heading levels skip: {levels}"


def _links(s: Structure) -> None:
    annots = [a for p in s.pdf.pages for a in p.get("/Annots", []) if a.Subtype == "/Link"]
    reached = {o.Obj.objgen for o in s.objr}
    assert [a.Rect for a in annots if a.objgen not in reached] == [], "a link annotation not reached through OBJR"
    nums = list(s.pdf.Root.StructTreeRoot.ParentTree.Nums)
    tree = dict(zip(nums[::2], nums[1::2]))
    for a in annots:
        assert str(a.get("/Contents", "")).strip(), "a link annotation without /Contents"
        assert str(tree[int(a.StructParent)].S) == "/Link"
    for page in s.pdf.pages:
        if "/Annots" in page:
            assert page.Tabs == "/S"


def headings(doc: Document) -> list[str]:
    return [(f"{h.number}. " if h.number else "") + inline_text(h.inlines) for h in walk(doc.blocks)
            if isinstance(h, Heading)]


def squash(text: str) -> str:
    """Text without spaces; hyphens between letters dropped, so that a word hyphenated at a line end ("Trans-
    parency") matches the word as written, and a compound broken at its own hyphen matches too."""
    return re.sub(r"(?<=[^\W\d_])-(?=[^\W\d_])", "", re.sub(r"\s+", "", text))


# ---- the flagship --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def flagship(flagship_build) -> Structure:
    return Structure(flagship_build.outputs["pdf"])


def test_flagship_structure_is_complete(flagship_build, flagship) -> None:
    assert_complete(flagship)
    types = Counter(t for t, _e, _d in flagship.elements)
    blocks = list(walk(flagship_build.document.blocks))
    charts = [b for b in blocks if isinstance(b, Figure) and b.chart]
    assert types["Table"] == sum(isinstance(b, Table) for b in blocks) == 34
    assert types["Figure"] == len(charts) == 15
    assert types["Note"] == len(flagship_build.document.footnotes) == 60
    lists = [b for b in flagship_build.document.blocks if isinstance(b, ListOfCaptions)]  # of tables, of figures
    captions = sum(1 for b in blocks if isinstance(b, (Table, Figure)) and b.id and b.number)  # placed ones
    assert types["TOC"] == 1 + len(lists) == 3
    assert types["TOCI"] == len(headings_of(flagship)) - len(lists) + captions  # the lists' titles are headings too


def headings_of(s: Structure) -> list:
    return [e for t, e, _d in s.elements if re.fullmatch(r"H[2-6]", t) or t == "H1"][1:]  # less the TOC's title


def test_flagship_struct_text_reads_in_order(flagship_build, flagship) -> None:
    text = squash(flagship.struct_text())
    doc = flagship_build.document
    pos = [text.find(squash(h)) for h in headings(doc)]
    assert -1 not in pos and pos == sorted(pos), "headings out of order in the structure"
    for note_id, note in doc.footnotes.items():
        assert squash(inline_text(note))[:40] in text
    figures = [b for b in walk(doc.blocks) if isinstance(b, Figure) and b.chart]
    assert all(squash(f.chart.alt) in text for f in figures)


def test_flagship_footnote_follows_its_paragraph(flagship_build, flagship) -> None:
    """Each note is read right after the paragraph with its mark, before the next paragraph."""
    from itertools import takewhile
    text = squash(flagship.struct_text())
    doc = flagship_build.document
    paragraphs = [b for b in walk(doc.blocks) if isinstance(b, Paragraph)]
    numbers = {note_id: n for n, note_id in enumerate(doc.footnotes, start=1)}
    cursor, checked, seen = -1, 0, set()
    for para, after in zip(paragraphs, paragraphs[1:]):
        cursor = text.find(squash(inline_text(tuple(takewhile(lambda i: not isinstance(i, FootnoteRef),
                                                                para.inlines))))[:80], cursor + 1)
        assert cursor != -1, f"paragraph not found in reading order: {inline_text(para.inlines)[:80]}"
        refs = [i for i in _refs(para.inlines) if i not in seen]
        seen.update(refs)
        if not refs or len(inline_text(after.inlines)) < 30:
            continue
        note = text.find(f"{numbers[refs[0]]}{squash(inline_text(doc.footnotes[refs[0]]))[:40]}", cursor)
        nxt = text.find(squash(inline_text(after.inlines))[:40], cursor + 1)
        assert cursor < note < nxt, f"footnote {refs[0]} is not read between its paragraph and the next"
        checked += 1
    assert checked >= 20


def _refs(inlines):
    for node in inlines:
        if isinstance(node, FootnoteRef):
            yield node.id
        elif hasattr(node, "children"):
            yield from _refs(node.children)


def test_flagship_table_cells_read_row_by_row(flagship_build, flagship) -> None:
    """A table's cells are read row by row, each cell its own TH or TD, within the table's element."""
    text = flagship.struct_text()
    table = next(b for b in walk(flagship_build.document.blocks) if isinstance(b, Table) and len(b.body_rows) > 5)
    start = text.find(inline_text(table.caption)[:30])
    block = text[start:text.find("Source", start)]
    from builder.model.formatting import format_cell
    locale = flagship_build.document.meta.locale
    rows = [[format_cell(c, locale) for c in r.cells if c.colspan] for r in table.header_rows + table.body_rows[:4]]
    at = 0
    for cell in [c for row in rows for c in row if c]:
        at = block.find(f'"{cell}"', at)
        assert at != -1, f"cell {cell!r} is missing from the table's structure, or out of order"
    assert block.count("TR\n") == len(table.header_rows) + len(table.body_rows)


def test_flagship_repeated_header_rows_are_artifacts(flagship) -> None:
    """A table split over pages: its header row is in the tree once, the repeats are artifacts."""
    heads = flagship.of_type("THead")
    for head in heads:
        for tr in Structure._kids(head):
            for th in Structure._kids(tr):
                assert len(flagship.marks(th)) == 1


# ---- a hand-built document with every block kind -------------------------------------------------------------


SVG = """<svg xmlns="http://www.w3.org/2000/svg" width="400" height="200" viewBox="0 0 400 200">
<rect x="10" y="10" width="80" height="150" fill="#1f4e79"/><rect x="110" y="60" width="80" height="100" fill="#c0504d"/>
<text x="10" y="190" font-family="{family}" font-size="12">2020 2021</text></svg>"""


def every_block(tmp: Path) -> Document:
    """Every block kind, a table that runs over two pages, footnotes, links, a chart and a Russian paragraph."""
    svg = tmp / "chart.svg"
    svg.write_text(SVG.format(family=load_style(tmp, "default", Diagnostics()).heading.name))
    meta = DocMeta(title="Every block", short_title="Every block", authors=(Author("Ada Example"),),
                   publisher="Example Institute", publisher_url="https://example.org", date=date(2024, 1, 15),
                   language="en-GB", locale="en_GB")
    head = (TableRow((Cell("Year"), Cell("Exports"), Cell("Imports"))),)
    body = tuple(TableRow((Cell(2000 + i, "year"), Cell(10.5 * i, "number", 1), Cell(3 * i, "number")))
                 for i in range(90))
    group = (TableRow((Cell("Goods", colspan=3), Cell(None, colspan=0), Cell(None, colspan=0)), group=True),)
    p = Paragraph
    blocks = (
        TitlePage(meta), TableOfContents(),
        Heading(1, (Text("Introduction"),), "intro", "1"),
        p((Text("Plain text with "), Strong((Text("strong"),)), Text(", "), Emphasis((Text("emphasis"),)),
           Text(" and a note"), FootnoteRef("n1", 1), Text(". See "), CrossRef("tab", "Table 1.1"),
           Text(" and "), Link("https://example.org/data", (Text("the data portal"),)), Text("."))),
        p((Text("Второй абзац на русском языке о торговле."),)),
        Heading(2, (Text("Lists"),), "lists", "1.1"),
        BulletList((ListItem((p((Text("First bullet"),)),)), ListItem((p((Text("Second bullet"),)),
                    OrderedList((ListItem((p((Text("Nested one"),)),)),)))))),
        OrderedList((ListItem((p((Text("Numbered one"),)),)), ListItem((p((Text("Numbered two"),)),)))),
        Definitions((("CIS", "Commonwealth of Independent States"), ("EAEU", "Eurasian Economic Union"))),
        Quote((p((Text("A quoted sentence."),)),)),
        Heading(3, (Text("Data"),), "data", "1.1.1"),
        Table("tab", (Text("Trade by year"),), head, group + body, number="1.1", citation="Example statistics",
              source_url="https://example.org/stats"),
        Figure("fig", (Text("Exports"),), Chart(str(svg), "", 6.0, 3.0, "Exports rose from 10 to 20 by 2021."),
               number="1", citation="Example statistics"),
        Figure("lost", (Text("A chart whose data is missing"),), None, number="2", missing_note="no data"),
        PageBreak(),
        Heading(1, (Text("Conclusion"),), "end", "2"),
        p((Text("The end"), FootnoteRef("n2", 2), Text("."))),
    )
    return Document(meta, blocks, {"n1": (Text("A note with a "), Link("https://example.org/n", (Text("link"),))),
                                   "n2": (Text("The last note."),)})


@pytest.fixture(scope="module")
def hand_built(tmp_path_factory):
    from builder.writers import pdf
    tmp = tmp_path_factory.mktemp("tagged")
    doc = every_block(tmp)
    style = load_style(tmp, "default", Diagnostics())
    out = tmp / "every.pdf"
    pdf.write(doc, style, out)
    plain = tmp / "plain.pdf"
    pdf.write(doc, style, plain, tagged=False)
    return doc, Structure(out), plain


def test_every_block_kind_is_tagged(hand_built) -> None:
    doc, s, _plain = hand_built
    assert_complete(s)
    types = Counter(t for t, _e, _d in s.elements)
    for kind in ("Document", "Sect", "TOC", "TOCI", "H1", "H2", "H3", "P", "L", "LI", "Lbl", "LBody", "BlockQuote",
                 "Table", "Caption", "THead", "TBody", "TR", "TH", "TD", "Figure", "Note", "Link", "Source"):
        assert types[kind], f"no {kind} element"
    assert types["Note"] == 2 and types["Figure"] == 1 and types["TR"] == 1 + 1 + 90


def test_every_block_struct_text_order(hand_built) -> None:
    doc, s, _plain = hand_built
    text = s.struct_text()
    order = ["Every block", "Introduction", "Plain text with", "A note with a", "Второй абзац", "Lists",
             "First bullet", "Second bullet", "Nested one", "Numbered one", "CIS", "Commonwealth", "A quoted",
             "Data", "Trade by year", '"Year"', '"Exports"', '"Goods"', '"2000"', '"2089"', "Source: Example",
             "Exports rose from 10 to 20", "Conclusion", "The end", "The last note."]
    assert "A chart whose data is missing" not in text  # left out: not placed, not tagged
    entry = re.search(r'TOCI\n\s+"1\. Introduction"\n\s+Link \(inline\)\n\s+Object.*\n\s+"(\d+)"', text)
    assert entry and entry.group(1) == "3", "a contents entry reads its title, then its page (the dots are artifacts)"
    start = text.rfind("TOCI")
    at = [text.find(order[1], start)]
    for t in order[2:]:
        at.append(text.find(t, at[-1] + 1))
        assert at[-1] != -1, f"{t!r} is missing or out of order in the structure text"


def test_headers_repeat_on_pages_but_once_in_the_tree(hand_built) -> None:
    _doc, s, _plain = hand_built
    th = s.of_type("TH")
    year = [e for e in th if e.A.Scope == "/Column"]
    assert len(year) == 3 and all(len(s.marks(e)) == 1 for e in year), "a repeated header row is not an artifact"
    row = [e for e in th if e.A.Scope == "/Row"]
    assert len(row) == 1 and row[0].A.ColSpan == 3
    pages = {page for e in s.of_type("TD") for page, _mcid in s.marks(e)}
    assert len(pages) >= 2, "the test table should run over two pages"


def test_languages_on_elements(hand_built) -> None:
    _doc, s, _plain = hand_built
    assert str(s.pdf.Root.Lang) == "en-GB"
    russian = [e for e in s.of_type("P") if str(e.get("/Lang", "")) == "ru"]
    assert len(russian) == 1


def test_tagging_changes_nothing_visible(hand_built, tmp_path) -> None:
    _doc, s, plain = hand_built
    for name, path in (("tagged", s.path), ("plain", plain)):
        subprocess.run(["pdftoppm", "-r", "40", "-gray", str(path), str(tmp_path / name)], check=True)
    tagged = sorted(tmp_path.glob("tagged-*.pgm"))
    untagged = sorted(tmp_path.glob("plain-*.pgm"))
    assert len(tagged) == len(untagged) >= 4
    assert [p.read_bytes() for p in tagged] == [p.read_bytes() for p in untagged]


def test_untagged_pdf_fails_the_checks(hand_built) -> None:
    """The checks can fail: the same document without tagging has no tree and untagged content."""
    _doc, _s, plain = hand_built
    with pikepdf.open(plain) as pdf:
        assert "/StructTreeRoot" not in pdf.Root and "/MarkInfo" not in pdf.Root
        marks = [op for page in pdf.pages for _o, op in pikepdf.parse_content_stream(page)
                 if str(op) in ("BDC", "BMC", "EMC")]
        assert marks == [], "an untagged PDF has no marked content (its table cells either)"


def test_tagged_file_is_written_once_and_well_formed(hand_built) -> None:
    """The tree is written with the pages when the file is first saved (one cross-reference section, by
    ReportLab, not a second writer); its objects are packed in object streams; qpdf's syntax check passes."""
    _doc, s, plain = hand_built
    data = s.path.read_bytes()
    assert data.count(b"startxref") == data.count(b"%%EOF") == data.count(b"/Type /XRef") == 1
    assert b"ReportLab Generated PDF document" in data[:80]
    assert b"/Type /ObjStm" in data and s.pdf.check_pdf_syntax() == []
    assert s.pdf.pdf_version == "1.7"
    assert len(data) < 1.25 * plain.stat().st_size, "the structure tree should not make the file much larger"


# ---- hyphenation: a word broken at a line end reads whole -----------------------------------------------------


HYPHENATED = ("Die Zusammenarbeit der Regierungen in der Wirtschaftspolitik und die Verkehrsinfrastruktur "
              "der Nachbarstaaten bestimmen die russisch-kasachischen Handelsbeziehungen, die "
              "Investitionsentscheidungen der Unternehmen und die Arbeitsmigration zwischen den Ländern. ")


def hyphenated_doc() -> Document:
    """German text (hyphenated in every version of the writer) with long words and compounds, in a plain
    paragraph, one with inline markup and a footnote, and a list item; long enough to run over a page."""
    meta = DocMeta(title="Silbentrennung", short_title="Silbentrennung", authors=(Author("Ada Example"),),
                   date=date(2024, 1, 15), language="de-DE", locale="de_DE")
    text = HYPHENATED * 6
    blocks = (Heading(1, (Text("Einleitung"),), "intro", "1"),
              Paragraph((Text(text),)),
              Paragraph((Text("Die "), Strong((Text("Zusammenarbeit"),)), Text(" " + text), FootnoteRef("n1", 1),
                         Text(" " + text))),
              BulletList((ListItem((Paragraph((Text(text),)),)),)),
              Paragraph((Text(text * 3),)))
    return Document(meta, blocks, {"n1": (Text(HYPHENATED * 2),)})


@pytest.fixture(scope="module")
def hyphenated(tmp_path_factory):
    from builder.writers import pdf
    tmp = tmp_path_factory.mktemp("hyphens")
    style = load_style(tmp, "default", Diagnostics())
    out, plain = tmp / "tagged.pdf", tmp / "plain.pdf"
    pdf.write(hyphenated_doc(), style, out)
    pdf.write(hyphenated_doc(), style, plain, tagged=False)
    return Structure(out), plain


def test_hyphenated_words_read_whole(hyphenated) -> None:
    s, _plain = hyphenated
    page_text = subprocess.run(["pdftotext", "-raw", str(s.path), "-"], capture_output=True, text=True,
                               check=True).stdout
    broken = [line for line in page_text.splitlines() if re.search(r"[^\W\d_][-\u00ad]$", line)]
    assert len(broken) >= 10, "the test text should be hyphenated at line ends"
    text = subprocess.run(["pdfinfo", "-struct-text", str(s.path)], capture_output=True, text=True,
                          check=True).stdout
    words = set(re.findall(r"[^\W\d_]+(?:-[^\W\d_]+)*", HYPHENATED))
    # an element's marked-content sequences (a paragraph over two pages) are one text: their strings join as they are
    joined = re.sub(r'"\n\s*"', "", text.split("Einleitung", 1)[1])
    said = " ".join(re.findall(r'^\s*"(.*)"$', joined, flags=re.M))
    read = re.findall(r"[^\W\d_]+(?:-[^\W\d_]+)*", said)
    assert read and [w for w in read if w not in words] == [], "a word read in halves (or with its hyphen)"
    assert "\u00ad" not in text and not re.search(r"[^\W\d_]- ", text)
    doc = hyphenated_doc()
    written = sum(inline_text(b.inlines).count("russisch-kasachischen") for b in walk(doc.blocks)
                  if isinstance(b, Paragraph)) + sum(inline_text(n).count("russisch") for n in doc.footnotes.values())
    assert text.count("russisch-kasachischen") == written
    assert_complete(s)


def test_inserted_or_own_hyphen() -> None:
    """A line that ends in a hyphen: inserted by hyphenation (soft), or a compound's own (kept, hard)."""
    from types import SimpleNamespace as NS
    from builder.writers.pdf_tagging import _Break, hyphen_breaks
    source = "Die Kazakh-Russian Handelsbeziehungen und Ost-West-Handel"
    lines = [(0, ["Die", "Kazakh-"]), (0, ["Russian", "Handels-"]), (0, ["beziehungen", "und", "Ost-"]),
             (0, ["West-Han-"]), (0, ["del"])]
    para = NS(blPara=NS(kind=0, lines=lines), frags=[NS(text=source)])
    assert hyphen_breaks(para) == {0: _Break(0, False), 1: _Break(0, True), 2: _Break(0, False),
                                   3: _Break(0, True)}
    frag = NS(kind=1, lines=[NS(words=[NS(text="Die "), NS(text="Kazakh-"), NS(text="")]),
                             NS(words=[NS(text="Russian Handels-"), NS(text="", cbDefn=1)]),
                             NS(words=[NS(text="beziehungen")])])
    assert hyphen_breaks(NS(blPara=frag, frags=[NS(text=source)])) == {0: _Break(1, False), 1: _Break(0, True)}
    part = NS(blPara=NS(kind=0, lines=[(0, ["Die", "Kazakh-"])]), frags=[NS(text="Die Kazakh-")],
              _source_text=source)  # a paragraph's first part, the rest in the next frame
    assert hyphen_breaks(part) == {0: _Break(0, False)}


def test_inserted_hyphens_are_soft_and_look_the_same(hyphenated, tmp_path) -> None:
    """The inserted hyphen maps to U+00AD (Tagged PDF's incidental word division), the compound's to "-"; the
    pages are the same as the untagged file's, pixel for pixel."""
    s, plain = hyphenated
    raw = subprocess.run(["pdftotext", "-raw", str(s.path), "-"], capture_output=True, text=True).stdout
    ends = Counter(line[-1] for line in raw.splitlines() if re.search(r"[^\W\d_][-\u00ad]$", line))
    assert ends["\u00ad"] >= 10
    doc = hyphenated_doc()
    hard = sum(inline_text(b.inlines).count("-") for b in walk(doc.blocks) if isinstance(b, Paragraph)) + \
        sum(inline_text(n).count("-") for n in doc.footnotes.values())
    assert raw.count("-") == hard > 0, "a hyphen of the text itself became soft, or an inserted one stayed hard"
    for name, path in (("tagged", s.path), ("plain", plain)):
        subprocess.run(["pdftoppm", "-r", "40", "-gray", str(path), str(tmp_path / name)], check=True)
    tagged, untagged = sorted(tmp_path.glob("tagged-*.pgm")), sorted(tmp_path.glob("plain-*.pgm"))
    assert len(tagged) == len(untagged) >= 2
    assert [p.read_bytes() for p in tagged] == [p.read_bytes() for p in untagged]


def test_pdf_a_2b_on_request(tmp_path) -> None:
    from builder.writers import pdf
    (tmp_path / "styles").mkdir()
    default = (Path(__file__).resolve().parents[1] / "builder" / "readers" / "default_style.yaml").read_text()
    (tmp_path / "styles" / "archive.yaml").write_text(default + "pdf_standard: a-2b\n")
    style = load_style(tmp_path, "archive", Diagnostics())
    out = tmp_path / "a.pdf"
    pdf.write(every_block(tmp_path), style, out)
    s = Structure(out)
    assert_complete(s)
    intent = s.pdf.Root.OutputIntents[0]
    assert intent.S == "/GTS_PDFA1" and intent.DestOutputProfile.N == 3
    from io import BytesIO
    from PIL import ImageCms
    profile = ImageCms.ImageCmsProfile(BytesIO(intent.DestOutputProfile.read_bytes()))
    assert "sRGB" in ImageCms.getProfileDescription(profile)
    assert (s.xmp("pdfaid:part"), s.xmp("pdfaid:conformance")) == ("2", "B")
    xml = s.pdf.Root.Metadata.read_bytes().decode()
    assert "<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>" in xml, "PDF/A: the pdfuaid schema is not declared"
    assert "/Filter" not in s.pdf.Root.Metadata, "PDF/A: the metadata stream is not filtered"
    info = s.pdf.docinfo
    assert "/Trapped" not in info and s.xmp("xmp:CreateDate").startswith("2024-01-15T00:00:00")
    assert str(info.CreationDate).startswith("D:20240115000000")
    assert s.xmp("pdf:Producer") == str(info.Producer) and s.xmp("dc:creator") == "['Ada Example']"
    assert "/Encrypt" not in s.pdf.trailer
    for page in s.pdf.pages:
        for annot in page.get("/Annots", []):
            assert int(annot.F) & 4, "PDF/A: annotations are printed"


def test_bad_standard_is_a_style_error(tmp_path) -> None:
    from builder.errors import BuildError
    (tmp_path / "styles").mkdir()
    default = (Path(__file__).resolve().parents[1] / "builder" / "readers" / "default_style.yaml").read_text()
    (tmp_path / "styles" / "x.yaml").write_text(default + "pdf_standard: a-1a\n")
    with pytest.raises(BuildError) as e:
        load_style(tmp_path, "x", Diagnostics())
    assert "pdf_standard" in str(e.value)


# ---- accessibility rules at build time -----------------------------------------------------------------------


def test_chart_without_alt_text_fails_at_its_line(tmp_path) -> None:
    project = copy_project(MINIMAL, tmp_path / "m")
    charts = project / "data" / "charts.yaml"
    charts.write_text(charts.read_text().replace("  description: Exports and imports by year.\n", ""))
    result = run_cli("build", str(project), "--format", "pdf")
    assert result.returncode == 2
    assert "data/charts.yaml:1: error: chart 'exports-chart' has no alternative text" in result.stderr
    assert "Traceback" not in result.stderr


def _rules(doc: Document):
    from builder.pipeline.accessibility import check_accessibility
    from builder.readers.data import Dataset
    diag = Diagnostics()
    check_accessibility(doc, Dataset({}, {}, {}, {}, {}), diag)
    return diag


def _doc(*blocks, language="en-GB") -> Document:
    return Document(DocMeta(title="t", language=language), tuple(blocks))


def test_rules_table_without_header_heading_skip_language() -> None:
    from builder.errors import BuildError
    from builder.model import Source
    table = Table("t", (Text("No head"),), (), (TableRow((Cell(1, "number"),)),), source=Source("chapters/a.md", 7))
    with pytest.raises(BuildError, match="has no header row") as e:
        _rules(_doc(Heading(1, (Text("A"),)), table))
    assert str(e.value.source) == "chapters/a.md:7"
    with pytest.raises(BuildError, match="heading level 3 follows level 1") as e:
        _rules(_doc(Heading(1, (Text("A"),)), Heading(3, (Text("C"),), source=Source("chapters/a.md", 9))))
    assert str(e.value.source) == "chapters/a.md:9"
    with pytest.raises(BuildError, match="no language"):
        _rules(_doc(Heading(1, (Text("A"),)), language=""))
    assert _rules(_doc(Heading(1, (Text("A"),)), Heading(2, (Text("B"),)), Heading(1, (Text("C"),)))).warnings == []


def test_rule_link_text_that_is_its_url() -> None:
    url = "https://example.org/report"
    bare = Paragraph((Text("As the ministry wrote in its report ("), Link(url, (Text(url),)), Text(")")))
    described = Paragraph((Text("As the "), Link(url, (Text("ministry wrote"),)), Text(" in its report")))
    alone = Paragraph((Link(url, (Text(url),)),))
    warnings = _rules(_doc(Heading(1, (Text("A"),)), bare, described, alone)).warnings
    assert [(w.kind, url in w.message) for w in warnings] == [("accessibility", True)]
