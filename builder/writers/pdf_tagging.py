"""Tagged PDF (PDF/UA-1) for the ReportLab writer.

* The structure tree is built from the document model while the story is made, so its order is the model's
  reading order, whatever the page does (notes at the page bottom, tables on landscape pages). STRUCTURE is the
  one table that maps model nodes to structure types; PARTS names the pieces a block is made of.
* While flowables draw, page content goes into marked content (``/P <</MCID n>> BDC … EMC``) that names its
  structure element; what is only decoration (running heads, page numbers, rules, table backgrounds, the
  footnote separator, header rows repeated on a continuation page) is an ``/Artifact``.
* When the canvas saves the file, ``Tagging.at_save`` (``pdf_structure.finish``) adds the structure tree, parent
  tree, role map, ``/MarkInfo``, the link annotations' ``OBJR`` and ``/Contents``, ``/Tabs /S``, and XMP metadata
  with the PDF/UA identifier (and, on request, PDF/A-2b's identifier and an sRGB output intent) to ReportLab's
  document objects, so the file is written once.
"""
from __future__ import annotations

import re
from contextlib import contextmanager
from typing import NamedTuple

from reportlab.pdfgen.canvas import Canvas
from reportlab.pdfgen.textobject import PDFTextObject
from reportlab.platypus import Flowable
from reportlab.platypus.paragraph import Paragraph as RLParagraph
from reportlab.platypus.tables import TableRenderCB

from builder.model import (BulletList, Definitions, Figure, FootnoteRef, Heading, Inline, Link, ListItem,
                           OrderedList, Paragraph, Quote, Strong, Emphasis, Superscript, Table, TableOfContents,
                           TitlePage, inline_text)

# model node → structure type (Heading adds its level: H1, H2, H3 …)
STRUCTURE: dict[type, str] = {
    TitlePage: "Sect", Heading: "H", Paragraph: "P", BulletList: "L", OrderedList: "L", ListItem: "LI",
    Definitions: "L", Quote: "BlockQuote", Table: "Table", Figure: "Figure", TableOfContents: "TOC",
}
# the pieces blocks are made of
PARTS = {"title": "Title", "caption": "Caption", "source": "Source", "note": "Note", "label": "Lbl",
         "body": "LBody", "entry": "TOCI", "link": "Link", "head": "THead", "rows": "TBody", "row": "TR",
         "header": "TH", "cell": "TD"}
# our own structure types and the standard type each stands for
ROLE_MAP = {"Title": "P", "Source": "P"}

_CYRILLIC = range(0x0400, 0x0530)
_KAZAKH = set("ӘәҒғҚқҢңӨөҰұҮүҺһІі")


def role(block) -> str:
    """The structure type of a model block."""
    name = STRUCTURE[type(block)]
    return f"H{min(block.level, 6)}" if isinstance(block, Heading) else name


def language(text: str) -> str:
    """'ru' or 'kk' for text mostly in Cyrillic letters, else '' (the document's language)."""
    if text.isascii():
        return ""
    letters = [c for c in text if c.isalpha()]
    cyrillic = sum(1 for c in letters if ord(c) in _CYRILLIC)
    if not letters or cyrillic * 2 <= len(letters):
        return ""
    return "kk" if any(c in _KAZAKH for c in text) else "ru"


class Node:
    """A structure element: its type, attributes, and kids (Nodes and marked content, in reading order)."""

    __slots__ = ("role", "kids", "alt", "lang", "attrs", "drawn")

    def __init__(self, role: str, alt: str = "", lang: str = "", attrs: dict | None = None):
        self.role, self.alt, self.lang, self.attrs = role, alt, lang, attrs or {}
        self.kids: list = []
        self.drawn = False

    def add(self, role: str, **kw) -> Node:
        node = Node(role, **kw)
        self.kids.append(node)
        return node


class Mark(NamedTuple):
    """One marked-content sequence: page index, MCID, and the page's annotations made while it was open."""

    page: int
    mcid: int
    annots: tuple[int, int]


def footnote_labels(inlines: tuple[Inline, ...]) -> list[str]:
    out = []
    for node in inlines:
        match node:
            case FootnoteRef(id=i):
                out.append(i)
            case Strong(children=c) | Emphasis(children=c) | Superscript(children=c) | Link(children=c):
                out.extend(footnote_labels(c))
    return out


class Tagging:
    """The structure tree of one document, and the marked content of the current build pass."""

    def __init__(self, lang: str, notes: dict[str, str] | None = None):
        self.root = Node("Document", lang=lang)
        self.note_texts = notes or {}  # footnote label → its text (for the Note's language)
        self.stack = [self.root]
        self.notes: dict[str, Node] = {}
        self.contents: dict[str, str] = {}  # link target (URL or '#name') → its description
        self.at_save = None  # called with the canvas when all pages are shown, before it writes the file
        self.reset()

    # -- building the tree, in model order -----------------------------------------------------
    @property
    def current(self) -> Node:
        return self.stack[-1]

    @contextmanager
    def element(self, role: str, **kw):
        node = self.current.add(role, **kw)
        self.stack.append(node)
        try:
            yield node
        finally:
            self.stack.pop()

    def leaf(self, flowable, role: str | None = None, text: str = "", **kw):
        """Give `flowable` a new element of `role` under the current one (or the current one itself)."""
        node = self.current.add(role, lang=language(text), **kw) if role else self.current
        flowable._struct = node
        return flowable

    def notes_after(self, labels) -> None:
        """A Note element for each footnote first referenced here, after the element that references it."""
        for label in labels:
            if label not in self.notes:
                self.notes[label] = self.current.add(PARTS["note"], attrs={"ID": f"note-{len(self.notes) + 1}"},
                                                     lang=language(self.note_texts.get(label, "")))

    def note(self, label: str) -> Node:
        """The Note element of a footnote (at the end when nothing references it)."""
        if label not in self.notes:
            self.notes[label] = self.root.add(PARTS["note"], attrs={"ID": f"note-{len(self.notes) + 1}"})
        return self.notes[label]

    def link(self, target: str, description: str) -> None:
        self.contents.setdefault(target, description)

    def table(self, flowable, grid: dict[int, list]) -> None:
        """Tag a ReportLab Table: `grid` maps id(row list) → the structure element of each cell (or None)."""
        flowable._renderCB = _Cells(self, grid)

    # -- marked content, while a build pass draws ------------------------------------------------
    def reset(self) -> None:
        """Forget the marked content of the previous pass."""
        self.mcids: dict[int, int] = {}
        self.open: tuple | None = None
        stack = [self.root]
        while stack:
            node = stack.pop()
            node.kids = [k for k in node.kids if isinstance(k, Node)]
            node.drawn = False
            stack.extend(node.kids)

    def begin(self, canv, node: Node) -> int:
        """Open marked content for `node`; return the canvas position to roll back to."""
        page = canv._pageNumber - 1
        mcid = self.mcids.get(page, 0)
        self.mcids[page] = mcid + 1
        mark = len(canv._code)
        canv._code.append(f"/{node.role} <</MCID {mcid}>> BDC")
        self.open = (node, page, mcid, len(canv._annotationrefs))
        return mark

    def end(self, canv, bbox=None) -> None:
        node, page, mcid, first = self.open
        canv._code.append("EMC")
        node.kids.append(Mark(page, mcid, (first, len(canv._annotationrefs))))
        node.drawn = True
        if bbox and "BBox" not in node.attrs:
            node.attrs["BBox"] = bbox
        self.open = None

    def cancel(self, canv, mark: int) -> None:
        """The flowable did not fit: remove its marked content."""
        _node, page, _mcid, _first = self.open
        del canv._code[mark:]
        self.mcids[page] -= 1
        self.open = None

    def switch(self, canv, node: Node) -> None:
        """End the open marked content and open one for `node` (a list label, then the item's text)."""
        if self.open is not None and self.open[0] is not node:
            self.end(canv)
            self.begin(canv, node)

    @contextmanager
    def outside(self, canv, kind: str = "Layout"):
        """An artifact in the middle of an element's content: its marked content ends and begins again after."""
        node = self.open[0] if self.open is not None else None
        if node is not None:
            self.end(canv)
        with self.artifact(canv, kind):
            yield
        if node is not None:
            self.begin(canv, node)

    @contextmanager
    def artifact(self, canv, kind: str = "Pagination"):
        canv._code.append(f"/Artifact <</Type /{kind}>> BDC")
        try:
            yield
        finally:
            canv._code.append("EMC")


class _Lines(PDFTextObject):
    """Text that ends each line with a space (no ink, past the line's end), so that text read from the
    structure does not run the last word of a line into the first of the next.

    A word hyphenated at a line end is read whole: the hyphen that hyphenation inserted is drawn as the font's
    soft hyphen (U+00AD: the same glyph and width), which is how Tagged PDF tells an incidental word division
    from a hard hyphen (PDF 1.7 reference, 10.8.2, "Incidental artifacts"; ISO 32000-1, 14.8.2.2.3), and the
    line gets no space, so "Trans-" / "parency" reads "Transparency". A compound broken at its own hyphen
    ("Kazakh-" / "Russian") keeps its hard hyphen, without a space: "Kazakh-Russian"."""

    breaks: dict[int, "_Break"] = {}

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self._line = 0  # lines ended so far (T*)
        self._piece = 0  # non-empty pieces of text drawn on this line

    def _textOut(self, text, TStar=0):
        brk = self.breaks.get(self._line) if self.breaks else None
        if brk is not None:
            if text and self._piece == brk.piece and brk.soft and _soft_hyphen(self._fontname):
                text = text[:-1] + _SHY
        elif TStar and text and not text.endswith(" "):
            text += " "
        self._piece += bool(text)
        super()._textOut(text, TStar)
        if TStar:
            self._line += 1
            self._piece = 0


_SHY = "\u00ad"


class _Break(NamedTuple):
    """A line that ends in a hyphen: which of its non-empty pieces of text is the last, and whether hyphenation
    inserted the hyphen (soft) or it is a compound's own."""

    piece: int
    soft: bool


_WORD_GAP = re.compile(r"[ \t\r\n]+")


def hyphen_breaks(para) -> dict[int, _Break]:
    """The lines of a laid-out ReportLab paragraph that end in a hyphen, by line index."""
    blpara = getattr(para, "blPara", None)
    if blpara is None:
        return {}
    if blpara.kind == 0:
        if not any(line[1] and line[1][-1].endswith("-") for line in blpara.lines):
            return {}
        pieces = [[" ".join(line[1])] for line in blpara.lines]
    else:
        if not any(f.text.endswith("-") for line in blpara.lines for f in line.words[-2:]):
            return {}
        pieces = [[f.text for f in line.words if not hasattr(f, "cbDefn") and f.text] for line in blpara.lines]
    ends = [i for i, p in enumerate(pieces) if p and len(p[-1]) > 1 and p[-1][-1] == "-" and p[-1][-2].isalpha()]
    if not ends:
        return {}
    source = getattr(para, "_source_text", None)
    if source is None:
        source = "".join(getattr(f, "text", "") for f in getattr(para, "frags", ()))
    words = [w for w in _WORD_GAP.split(source) if w]
    out = {}
    for i in ends:
        last = pieces[i][-1]
        tail = last[last.rfind(" ") + 1:]  # the word's start, hyphen included
        nxt = pieces[i + 1][0] if i + 1 < len(pieces) and pieces[i + 1] else ""
        whole = tail + nxt.split(" ", 1)[0].rstrip("-")  # as it would be, were the hyphen the word's own
        # a compound: the text has a word that begins with the start and its hyphen and goes on
        compound = any(w.startswith(whole) and len(w) > len(tail) for w in words)
        out[i] = _Break(len(pieces[i]) - 1, not compound)
    return out


_SHY_FONTS: dict[str, bool] = {}


def _soft_hyphen(font_name: str) -> bool:
    """Whether the font draws U+00AD as it draws "-" (a glyph of the same width), so the page looks the same."""
    if font_name not in _SHY_FONTS:
        from reportlab.pdfbase import pdfmetrics
        font = pdfmetrics.getFont(font_name)
        face = getattr(font, "face", None)
        _SHY_FONTS[font_name] = face is not None and 0xAD in face.charToGlyph and \
            font.stringWidth(_SHY, 10) == font.stringWidth("-", 10)
    return _SHY_FONTS[font_name]


def _begin_paragraph_text(para, x, y):
    """ReportLab's Paragraph.beginText, and on a tagged canvas the paragraph's hyphenated line ends."""
    tx = para.canv.beginText(x, y)
    if isinstance(tx, _Lines):
        tx.breaks = hyphen_breaks(para)
    return tx


RLParagraph.beginText = _begin_paragraph_text  # the one place where a paragraph asks for its text object


class TaggedCanvas(Canvas):
    """A canvas whose internal links say where they go (/Contents) and whose lines end in a space."""

    def beginText(self, x=0, y=0, direction=None):
        return _Lines(self, x, y, direction=direction)

    def after_text(self, draw) -> None:
        """Draw something once the text being set is drawn (a callback inside a paragraph runs before it)."""
        self.__dict__.setdefault("_after", []).append(draw)

    def drawText(self, text) -> None:
        super().drawText(text)
        pending = self.__dict__.get("_after")
        if pending:
            self._after = []
            for draw in pending:
                draw()

    def save(self):
        tags = tagger(self)
        if tags is not None and tags.at_save is not None:
            if len(self._code):
                self.showPage()
            tags.at_save(self)
        super().save()

    def linkRect(self, contents, destinationname, *args, **kw):
        tags = tagger(self)
        if not contents and tags is not None:
            contents = tags.contents.get("#" + destinationname, "Go to another place in this document")
        return super().linkRect(contents, destinationname, *args, **kw)


def tagger(canv) -> Tagging | None:
    return getattr(canv, "_tagging", None)


def draw_tagged(frame_add, frame, flowable, canv, trySplit):
    """Frame.add with the flowable's content in marked content for its structure element."""
    tags, node = tagger(canv), getattr(flowable, "_struct", None)
    if tags is None or node is None:
        return frame_add(frame, flowable, canv, trySplit)
    label = getattr(flowable, "_label", None)
    mark = tags.begin(canv, label if label is not None and getattr(flowable, "bulletText", None) else node)
    if not frame_add(frame, flowable, canv, trySplit):
        tags.cancel(canv, mark)
        return 0
    x = frame._x + frame._leftExtraIndent
    y = frame._y + flowable.getSpaceAfter()
    tags.end(canv, [round(v, 2) for v in (x, y, x + flowable.width, y + flowable.height)])
    return 1


def inherit(original, parts: list) -> list:
    """Split parts keep the structure element (and list label) of the flowable they came from, and a paragraph's
    parts its whole text (to tell a hyphen inserted at a line end from a compound's own)."""
    for part in parts:
        for attr in ("_struct", "_label"):
            if hasattr(original, attr) and not hasattr(part, attr):
                setattr(part, attr, getattr(original, attr))
        if isinstance(original, RLParagraph) and isinstance(part, RLParagraph):
            part._source_text = getattr(original, "_source_text", None) or \
                "".join(getattr(f, "text", "") for f in original.frags)
    return parts


class Described(Flowable):
    """A drawing followed by its alternative text as invisible text (render mode 3), so that text extraction
    and search find what the chart shows; screen readers use the Figure's /Alt."""

    def __init__(self, drawing, alt: str, font: str):
        super().__init__()
        self.drawing, self.alt, self.font = drawing, alt, font
        self.width, self.height = drawing.width, drawing.height

    def wrap(self, avail_width, avail_height):
        self.width, self.height = self.drawing.wrap(avail_width, avail_height)
        return self.width, self.height

    def draw(self):
        self.drawing.drawOn(self.canv, 0, 0)
        text = self.canv.beginText(0, 0)
        text.setTextRenderMode(3)
        text.setFont(self.font, 1)
        text.textOut(self.alt)
        self.canv.drawText(text)


class _Cells(TableRenderCB):
    """Marked content per table cell; backgrounds, rules and repeated header rows are artifacts."""

    def __init__(self, tags: Tagging, grid: dict[int, list]):
        self.tags, self.grid = tags, grid

    def __call__(self, T, cmd, *args):
        if tagger(T.canv) is not None:  # an untagged PDF has no marked content
            getattr(self, cmd)(T, *args)

    def _row(self, T, row_no: int):
        rows = T._cellvalues
        if id(rows[row_no]) in self.grid:
            return self.grid[id(rows[row_no])]
        known = [self.grid.get(id(r)) for r in rows]
        after = next((k for k in known[row_no + 1:] if k is not None), None)
        before = next((k for k in reversed(known[:row_no]) if k is not None), None)
        order = list(self.grid.values())
        if after is not None and order.index(after) > 0:
            return order[order.index(after) - 1]  # the lower half of a row split across pages
        if before is not None and order.index(before) + 1 < len(order):
            return order[order.index(before) + 1]
        return None

    def startTable(self, T):
        pass

    def startBG(self, T):
        T.canv._code.append("/Artifact <</Type /Layout>> BDC")

    def endBG(self, T):
        T.canv._code.append("EMC")

    startLines, endLines = startBG, endBG

    def startRow(self, T, row_no):
        pass

    def endRow(self, T):
        pass

    def startCell(self, T, row_no, col_no, cellval, cellstyle, pos, size):
        cells = self.grid.get(id(T._cellvalues[row_no])) or self._row(T, row_no)
        node = cells[col_no] if cells is not None and col_no < len(cells) else None
        if node is None or (node.drawn and node.role == PARTS["header"]):
            T.canv._code.append("/Artifact <</Type /Pagination>> BDC")
            self.tags.open = None
        else:
            self.tags.begin(T.canv, node)

    def endCell(self, T):
        if self.tags.open is None:
            T.canv._code.append("EMC")
        else:
            self.tags.end(T.canv)

    def endTable(self, T):
        pass


def describe_links(tags: Tagging, doc) -> None:
    """What each link annotation says (/Contents): the link's text, or where an internal link goes."""
    from builder.model import CrossRef, walk

    def inlines(nodes):
        for node in nodes:
            match node:
                case Link(url=url, children=c):
                    text = inline_text(c)
                    tags.link(url, text if text.strip() and text != url else f"Link to {url}")
                    inlines(c)
                case CrossRef(target=t, text=text):
                    tags.link("#" + t, f"Go to {text}")
                case Strong(children=c) | Emphasis(children=c) | Superscript(children=c):
                    inlines(c)

    for block in walk(doc.blocks):
        if isinstance(block, (Paragraph, Heading)):
            inlines(block.inlines)
        if isinstance(block, Heading):
            number = f"{block.number}. " if block.number else ""
            tags.link("#" + block.id, f"Go to {number}{inline_text(block.inlines)}")
        if isinstance(block, (Table, Figure)):
            inlines(block.caption)
            kind = "Table" if isinstance(block, Table) else "Figure"
            tags.link("#" + block.id, f"Go to {kind} {block.number}")
        if isinstance(block, Table) and block.source_url:
            tags.link(block.source_url, f"Source: {block.citation}")
    for note in doc.footnotes.values():
        inlines(note)
    if doc.meta.publisher_url:
        tags.link(doc.meta.publisher_url, f"{doc.meta.publisher or 'Publisher'} website")


def table_grid(tags: Tagging, rows: list, table: Table) -> dict[int, list]:
    """THead/TBody → TR → TH/TD elements for a model table whose ReportLab rows are `rows`."""
    grid: dict[int, list] = {}
    nh = len(table.header_rows)
    head = tags.current.add(PARTS["head"]) if nh else None
    body = tags.current.add(PARTS["rows"])
    for r, (row, cells) in enumerate(zip(table.header_rows + table.body_rows, rows)):
        tr = (head if r < nh else body).add(PARTS["row"])
        nodes = []
        for cell in row.cells:
            if not cell.colspan:
                nodes.append(None)
                continue
            kind = PARTS["header"] if r < nh or row.group else PARTS["cell"]
            attrs = {"Scope": "Row" if row.group else "Column"} if kind == PARTS["header"] else {}
            span = len(cells) if row.group else cell.colspan
            if span > 1:
                attrs["ColSpan"] = span
            nodes.append(tr.add(kind, attrs=attrs, lang=language(str(cell.value or ""))))
        grid[id(cells)] = nodes
    return grid
