"""Document → PDF with ReportLab platypus: embedded TTF fonts, page-bottom footnotes, TOC, bookmarks,
running headers, split tables with repeated headers, landscape pages for wide tables, vector charts."""
from __future__ import annotations

import functools
import os
from contextlib import contextmanager, nullcontext
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import (CondPageBreak, Flowable, KeepTogether, NextPageTemplate, PageBreak, PageTemplate,
                                Paragraph, Spacer, Table as RLTable, TableStyle)
from reportlab.platypus.tableofcontents import TableOfContents as RLTOC

from builder.model.formatting import display_url
from builder.model import (BulletList, Definitions, Document, Figure, Heading, OrderedList, PageBreak as PB,
                           Paragraph as P, Quote, Table, TableOfContents, TitlePage, inline_text)
from builder.model import ListOfCaptions, caption_key, captioned, walk  # noqa: F401
from builder.readers.fonts import missing_glyphs  # noqa: F401
from builder.readers.style import Style
from builder.writers import pdf_structure, pdf_tagging as tagging
from builder.writers.pdf_footnotes import FootnoteDocTemplate, FootnoteFrame, FootnoteParagraph, FootnoteStore
from builder.writers.pdf_colour import neutrals_as_gray
from builder.writers.pdf_markup import forget_addresses, markup as _markup
from builder.writers.pdf_text import register_fonts, title_markup

PAGE = A4


@contextmanager
def reportlab_defaults(body: str, head: str, day=None):
    """ReportLab's process-wide defaults for one write, restored after it, so that two writes with different
    styles in one process (a long `watch`) share none of them: invariant output; the body font as the canvas's
    base font and the font of table cells without one (else they leak an unembedded Helvetica); the heading font
    for drawings' strings; the file's dates, the edition date `day` (ReportLab reads SOURCE_DATE_EPOCH),
    unless the caller set one; neutral colours as grey levels, for the black plate alone (pdf_colour.py); and no
    web address remembered from an earlier write (pdf_markup). The DOCX writer sets no process-wide state:
    python-docx needs no counterpart."""
    import calendar
    from reportlab.graphics import shapes
    from reportlab.platypus import tables
    saved = (rl_config.invariant, rl_config.canvas_basefontname, tables.CellStyle.fontname,
             shapes.STATE_DEFAULTS["fontName"])
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    rl_config.invariant, rl_config.canvas_basefontname = 1, body
    tables.CellStyle.fontname, shapes.STATE_DEFAULTS["fontName"] = body, head
    if day is not None and epoch is None:
        os.environ["SOURCE_DATE_EPOCH"] = str(calendar.timegm(day.timetuple()))
    forget_addresses()
    try:
        with neutrals_as_gray():
            yield
    finally:
        rl_config.invariant, rl_config.canvas_basefontname = saved[:2]
        tables.CellStyle.fontname, shapes.STATE_DEFAULTS["fontName"] = saved[2:]
        if epoch is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)


NOTE_HANG = 12  # points: the hang of a footnote's number (up to three digits at note size)


MIN_HYPHENATED = 7  # letters of the shortest word hyphenated: fewer hyphens, no "in-to"


class _Styles:
    """The paragraph styles of the house style."""

    def __init__(self, style: Style, body: str, head: str, language: str = ""):
        size, lead = style.size("body"), style.size("leading")
        ink = colors.HexColor(style.colour("text"))
        accent = colors.HexColor(style.colour("accent"))
        self.body = ParagraphStyle("body", fontName=body, fontSize=size, leading=lead, alignment=TA_JUSTIFY,
                                   spaceAfter=5, textColor=ink, allowWidows=0, allowOrphans=0,
                                   hyphenationLang=_hyphenation(language),
                                   uriWasteReduce=0.2)  # an address is broken rather than leave a justified line loose
        self.item = ParagraphStyle("item", parent=self.body, spaceAfter=2, bulletFontName=body)
        self.h = {lvl: ParagraphStyle(f"h{lvl}", fontName=head.replace("-regular", "-bold"), fontSize=style.size(f"h{lvl}"),
                                      leading=style.size(f"h{lvl}") * 1.25, textColor=accent, spaceBefore=14 - 3 * lvl,
                                      spaceAfter=6, keepWithNext=1) for lvl in (1, 2, 3)}
        self.caption = ParagraphStyle("caption", fontName=head.replace("-regular", "-bold"),
                                      fontSize=style.size("caption"), leading=style.size("caption") * 1.3,
                                      spaceBefore=6, spaceAfter=4, keepWithNext=1, textColor=ink)
        # uriWasteReduce: ReportLab breaks a web address after `/` and `.` only in a style that asks for it
        self.source = ParagraphStyle("source", fontName=body.replace("-regular", "-italic"),
                                     fontSize=style.size("note"), leading=style.size("note") * 1.3, spaceAfter=10,
                                     uriWasteReduce=0.3)
        note = style.size("note")
        sup = style.spec.footnote_number == "superscript"
        # the number hangs in the note's margin, right-aligned in the hang; the note's lines align after it
        self.note = ParagraphStyle("note", fontName=body, fontSize=note, leading=note * 1.25, textColor=ink,
                                   leftIndent=NOTE_HANG, bulletAnchor="end", bulletFontName=body,
                                   bulletFontSize=note * (0.7 if sup else 1),
                                   # ReportLab keeps 0.6 × the number's size after it: the text starts at the hang
                                   bulletIndent=NOTE_HANG - 0.6 * note * (0.7 if sup else 1),
                                   uriWasteReduce=0.3)
        self.note.bulletOffsetY = note * 0.35 if sup else 0
        self.cell = ParagraphStyle("cell", fontName=head, fontSize=style.size("table"),
                                   leading=style.size("table") * 1.2, textColor=ink, uriWasteReduce=0.3)
        self.toc = [ParagraphStyle(f"toc{i}", fontName=body if i else head.replace("-regular", "-bold"),
                                   fontSize=size, leading=lead * (1.15 if i == 0 else 1.0), leftIndent=14 * i,
                                   firstLineIndent=0, spaceBefore=4 if i == 0 else 0) for i in range(3)]
        self.title = ParagraphStyle("title", fontName=head.replace("-regular", "-bold"), fontSize=26, leading=32,
                                    alignment=TA_CENTER, textColor=accent, spaceAfter=18)
        self.center = ParagraphStyle("center", parent=self.body, alignment=TA_CENTER, hyphenationLang="")
        self.small_center = ParagraphStyle("smallc", parent=self.center, fontSize=size - 1.5, leading=lead - 2)
        self.head_font, self.body_font = head, body
        self.accent, self.ink = accent, ink
        # on each style (those made from these later inherit it): ReportLab binds its own default when its
        # paragraph module is first imported, which may be before this module
        for made in (*vars(self).values(), *self.h.values(), *self.toc):
            if isinstance(made, ParagraphStyle):
                made.hyphenationMinWordLength = MIN_HYPHENATED


def _hyphenation(language: str):
    """Where pyphen's dictionary for the report's language breaks a word ("" when there is none): hyphens at
    line ends keep the word spaces of justified lines even. At least 3 letters on each side ("trans-it" is not
    broken). The dictionary's parsed patterns are kept in the user's cache folder (see _patterns)."""
    try:
        import pyphen
    except ImportError:
        return ""
    lang = pyphen.language_fallback((language or "").replace("-", "_"))
    if not lang:
        return ""
    from builder.staging import user_cache
    cache = user_cache("hyphenation")
    if cache is not None:
        _patterns(pyphen, pyphen.LANGUAGES[lang], cache)
    return pyphen.Pyphen(lang=lang, left=3, right=3).iterate


HYPHENATION_CACHE_VERSION = "1"


def _patterns(pyphen, path: Path, cache: Path) -> None:
    """Parsing a dictionary's patterns takes 0.1–1 s (English, German); the parsed patterns are kept as JSON in
    `cache`, named by the dictionary file, its size and time and pyphen's version, and put in pyphen's own
    cache of this process. A dictionary with nonstandard hyphenations (their positions carry data) is not kept.
    Nothing is kept when the folder cannot be written."""
    import hashlib
    import json
    from importlib.metadata import version
    path = Path(path)
    if path in pyphen.hdcache:
        return
    try:
        stat = path.stat()
        key = hashlib.sha256(json.dumps([str(path), stat.st_size, stat.st_mtime_ns, version("pyphen"),
                                         HYPHENATION_CACHE_VERSION]).encode()).hexdigest()[:16]
    except OSError:
        return
    kept = cache / f"{path.stem}-{key}.json"
    try:
        data = json.loads(kept.read_text(encoding="utf-8"))
        if isinstance(data["patterns"], dict) and isinstance(data["maxlen"], int):
            hd = pyphen.HyphDict.__new__(pyphen.HyphDict)  # its patterns as HyphDict.__init__ leaves them
            hd.patterns, hd.maxlen, hd.cache = data["patterns"], data["maxlen"], {}
            pyphen.hdcache[path] = hd
            return
    except (OSError, ValueError, KeyError, TypeError):
        pass  # not kept yet (or unreadable): parsed below
    hd = pyphen.hdcache[path] = pyphen.HyphDict(path)
    if any(getattr(v, "data", None) is not None for _start, values in hd.patterns.values() for v in values):
        return
    from builder.staging import write_atomic
    try:
        for older in cache.glob(f"{path.stem}-*.json"):  # of another pyphen or an earlier dictionary file
            older.unlink()
        write_atomic(kept, json.dumps({"maxlen": hd.maxlen, "patterns": {
            k: [start, [int(v) for v in values]] for k, (start, values) in hd.patterns.items()}},
            separators=(",", ":")))
    except OSError:
        pass


class _TOC(RLTOC):
    """A table of contents whose page numbers are PDF form XObjects defined when each heading is placed.
    Seeded with every heading, it is right after one layout pass: the numbers need no second pass."""

    RESERVE = " 888"

    def isSatisfied(self) -> bool:
        def strip(entries):
            return [(lvl, text, key) for lvl, text, _page, key in entries]
        return strip(self._entries) == strip(self._lastEntries)

    def wrap(self, avail_width, avail_height):
        size = super().wrap(avail_width, avail_height)
        if getattr(self, "tags", None) is not None:
            self.tags.table(self._table, self._entry_grid())
        self.canv.setNamedCB("drawTOCEntryEnd", lambda canv, _kind, label: self._entry_end(canv, label, avail_width))
        return size

    def _entry_grid(self) -> dict[int, list]:
        """Each entry's row → its TOCI element (spacer rows have none)."""
        items = iter(self.items)
        def entry(cell) -> bool:
            return any(isinstance(f, Paragraph) for f in (cell if isinstance(cell, (list, tuple)) else [cell]))
        return {id(row): [next(items, None) if entry(row[0]) else None] for row in self._table._cellvalues}

    def _entry_end(self, canv, label: str, width: float) -> None:
        from ast import literal_eval
        _page, level, key = label.split(",", 2)
        style = self.getLevelStyle(int(level))
        key = literal_eval(key)
        x, y = canv._curr_tx_info["cur_x"], canv._curr_tx_info["cur_y"]
        reserve = pdfmetrics.stringWidth(self.RESERVE, style.fontName, style.fontSize)
        dot = " . "
        dots = int((width - reserve - x) / pdfmetrics.stringWidth(dot, style.fontName, style.fontSize))

        def draw() -> None:
            tags = tagging.tagger(canv)
            with tags.outside(canv) if tags else nullcontext():  # the leader dots are decoration
                canv.setFont(style.fontName, style.fontSize)
                canv.setFillColor(style.textColor)
                canv.drawRightString(width - reserve, y, dot * max(dots, 0))
            canv.saveState()
            canv.translate(width, y)
            canv.doForm(_form_name(key))
            canv.restoreState()
            canv.linkRect("", key, (width - reserve, y, width, y + style.leading), relative=1)
        # after the entry's text, so that it reads "title, page"
        canv.after_text(draw) if hasattr(canv, "after_text") else draw()


class _CaptionList(_TOC):
    """A list of tables or of figures: takes the caption entries of its kind, not the headings."""

    def __init__(self, kind: str, **kw):
        super().__init__(**kw)
        self.kind = kind

    def notify(self, kind, stuff):
        if kind == f"CaptionEntry{self.kind}":
            self.addEntry(*stuff)


def _tag_caption(flows: list, kind: str, block, label: str) -> list:
    """Mark the caption paragraph of a table or figure, so its page is recorded for the lists of captions;
    `label` is the document's word for the kind ("Table", "Tabelle")."""
    pending = list(flows)
    while pending and block.id:
        f = pending.pop(0)
        if isinstance(f, Paragraph):
            f.caption_entry = (kind, f"{label} {block.number}. {inline_text(block.caption)}",
                               caption_key(kind, block.id))
            break
        pending[:0] = list(getattr(f, "_content", []))
    return flows


CHAPTER_TAIL_LINES = 3  # a chapter's last page carries at least this many lines


def _chapter_end(story: list, width: float) -> None:
    """A chapter's last page carries at least CHAPTER_TAIL_LINES lines (not 1 or 2 lines alone under the running
    head). Its last paragraph, when it breaks over a page, leaves that many lines for the last page; when it is
    shorter than that, the paragraphs before it (as many as it takes to make up the lines, across a section
    heading) give their last lines to the last page when it would otherwise carry the end alone
    (FootnoteParagraph.followers); a table or figure before it, which cannot give lines, is kept with it."""
    end = len(story)
    while end and isinstance(story[end - 1], (Spacer, NextPageTemplate, PageBreak, CondPageBreak, _Deferred)):
        end -= 1
    if not end or not isinstance(story[end - 1], FootnoteParagraph):
        return
    last = story[end - 1]
    last.min_tail = CHAPTER_TAIL_LINES
    followers, lines = [last], _lines(last, width)
    for k in range(end - 2, -1, -1):
        if lines >= CHAPTER_TAIL_LINES:
            return
        f = story[k]
        if isinstance(f, (Spacer, CondPageBreak)):
            followers.insert(0, f)
        elif isinstance(f, FootnoteParagraph) and _is_heading(f):  # a section's heading goes over, carrying no text
            f.chapter_heading = True
            followers.insert(0, f)
        elif isinstance(f, (NextPageTemplate, PageBreak, _Deferred)) or _is_heading(f):
            return
        elif isinstance(f, FootnoteParagraph):
            f.followers, f.chapter_lines = list(followers), CHAPTER_TAIL_LINES
            followers.insert(0, f)
            lines += _lines(f, width)
        else:  # a table or a figure: it goes over with the chapter's end
            for g in story[k:end - 1]:
                g.keepWithNext = True
            return


def _lines(p: Paragraph, width: float) -> int:
    Paragraph.wrap(p, width, 1e9)
    return len(p.blPara.lines)


def _is_heading(f) -> bool:
    return getattr(f, "toc_entry", None) is not None or getattr(f, "running_head", None) is not None


def _form_name(key: str) -> str:
    return "toc-" + key


def _label(h: Heading) -> str:
    text = inline_text(h.inlines)
    return f"{h.number}. {text}" if h.number else text


class _Doc(FootnoteDocTemplate):
    """Page policy: title page, portrait and landscape body pages with header and footer; TOC and outline."""

    def __init__(self, filename: str, store: FootnoteStore, meta, styles: _Styles, style: Style,
                 tags: tagging.Tagging | None = None):
        m = style.margins_mm
        super().__init__(filename, store, tagging=tags, pagesize=PAGE, leftMargin=m["left"] * mm, rightMargin=m["right"] * mm,
                         topMargin=m["top"] * mm, bottomMargin=m["bottom"] * mm, title=meta.title,
                         author=", ".join(a.name for a in meta.authors), subject=meta.subject,
                         keywords=list(meta.keywords), creator="dossier", producer="dossier (ReportLab)",
                         lang=meta.language, displayDocTitle=1, invariant=1, initialFontName=styles.body_font)
        self.meta, self.styles = meta, styles
        self.floats: list[Flowable] = []  # landscape tables waiting for the current page to end
        self.chapter = ""
        self.heading_pages: dict[str, int] = {}
        self.addPageTemplates([self._template("title", PAGE, False), self._template("portrait", PAGE, True),
                               self._template("landscape", landscape(PAGE), True)])

    def _template(self, name: str, size, decorated: bool) -> PageTemplate:
        w, h = size
        frame = FootnoteFrame(self.leftMargin, self.bottomMargin, w - self.leftMargin - self.rightMargin,
                              h - self.topMargin - self.bottomMargin, id=f"{name}-frame", leftPadding=0,
                              rightPadding=0, topPadding=0, bottomPadding=0)
        on_end = self._decorate if decorated else self.footnote_on_page_end
        return PageTemplate(id=name, frames=[frame], pagesize=size, onPage=self.footnote_on_page,
                            onPageEnd=on_end)

    def _decorate(self, canv, doc) -> None:
        """Running header (short title, current chapter) and page number, drawn when the page is complete."""
        self.footnote_on_page_end(canv, doc)
        with self.tagging.artifact(canv) if self.tagging else nullcontext():
            self._running_head(canv, doc)

    def _running_head(self, canv, doc) -> None:
        w, h = doc.pageTemplate.pagesize
        canv.saveState()
        canv.setFont(self.styles.head_font, 8)
        canv.setFillColor(colors.HexColor("#555555"))
        top = h - self.topMargin + 8 * mm
        canv.drawString(self.leftMargin, top, self.meta.short_title)
        canv.drawRightString(w - self.rightMargin, top, self.chapter)
        canv.setStrokeColor(colors.HexColor("#999999"))
        canv.setLineWidth(0.4)
        canv.line(self.leftMargin, top - 3, w - self.rightMargin, top - 3)
        canv.drawCentredString(w / 2, self.bottomMargin - 12 * mm, str(doc.page))
        canv.restoreState()

    def beforeDocument(self) -> None:
        super().beforeDocument()
        self.chapter = ""
        self.floats: list[Flowable] = []

    def handle_flowable(self, flowables):
        self._story = flowables  # where floats waiting for their page are put when the current page ends
        super().handle_flowable(flowables)
        if not flowables and self.floats:  # the story ends while a landscape table waits: its pages follow
            flowables.append(PageBreak())

    def handle_pageEnd(self):
        """Landscape tables met on the page just ended go on the next pages, then the text goes on in portrait."""
        if self.floats:
            floats, self.floats = self.floats, []
            self._story[0:0] = [*floats, NextPageTemplate("portrait"), PageBreak()]
            self.handle_nextPageTemplate("landscape")
        super().handle_pageEnd()

    def _page_number_form(self, key: str, level: int) -> None:
        """The heading's page number as a form, drawn right-aligned at the TOC entry's end."""
        style = self.styles.toc[min(level, 2)]
        canv = self.canv
        canv.beginForm(_form_name(key), lowerx=-60, lowery=-4, upperx=2, uppery=style.fontSize + 2)
        canv.setFont(style.fontName, style.fontSize)
        canv.setFillColor(style.textColor)
        canv.drawRightString(0, 0, str(self.page))
        canv.endForm()

    def afterFlowable(self, flowable) -> None:
        super().afterFlowable(flowable)
        if getattr(flowable, "running_head", None):
            self.chapter = flowable.running_head
        caption = getattr(flowable, "caption_entry", None)
        if caption is not None:
            kind, text, key = caption
            self.heading_pages[key] = self.page
            self._page_number_form(key, 0)
            self.canv.bookmarkPage(key)
            self.notify(f"CaptionEntry{kind}", (0, escape(text), self.page, key))
        entry = getattr(flowable, "toc_entry", None)
        if entry is None:
            return
        level, text, key = entry
        self.heading_pages[key] = self.page
        self._page_number_form(key, level)
        if level == 0:
            self.chapter = text
        self.canv.bookmarkPage(key)
        self.canv.addOutlineEntry(text, key, level=level, closed=level > 0)
        self.notify("TOCEntry", (level, escape(text), self.page, key))


class _Deferred(Flowable):
    """A landscape table met in the text: it takes no room where it stands; placed there, it goes into the
    document's queue, and the queue is set on landscape pages after the current page ends (`_Doc.handle_pageEnd`),
    so the text that follows it in the source fills the current page first. Numbers stay in source order."""

    def __init__(self, flowables: list):
        super().__init__()
        self.flowables = flowables
        self.width = self.height = 0

    def wrap(self, avail_width, avail_height):
        return 0, 0

    def drawOn(self, canvas, x, y, _sW=0):
        doc = getattr(canvas, "_doctemplate", None)
        if doc is not None:
            doc.floats.extend(self.flowables)

    def draw(self):
        pass


class _Writer:
    """Walks the Document: one clause per block kind."""

    def __init__(self, doc: Document, style: Style, styles: _Styles, frame_width: float):
        self.doc, self.style, self.s = doc, style, styles
        self.width = frame_width
        self.page_size = PAGE
        m = style.margins_mm
        self.width_margins = (m["left"] + m["right"]) * mm
        self.accent = style.colour("accent")
        from builder.charts import Drawings
        self.charts = Drawings(style, {face: f"{style.heading.key}-{face}" for face in ("regular", "bold")})

    def story(self) -> list[Flowable]:
        """The flowables of every block; consecutive wide tables share landscape pages."""
        out: list[Flowable] = []
        for block in self.doc.blocks:
            if isinstance(block, Heading) and block.level == 1:
                _chapter_end(out, self.width)
            self.landscape = False
            flow = self.block(block)
            if self.landscape:  # a float: the text after it fills this page, the table takes the next
                out.append(_Deferred(flow))
                continue
            if flow and isinstance(flow[0], PageBreak) and out and isinstance(out[-1], PageBreak):
                flow = flow[1:]  # a new page has just begun: no empty page
            if isinstance(block, (BulletList, OrderedList)) and out and isinstance(out[-1], Paragraph):
                out[-1].keepWithNext = True  # a list's head stays with its first item
            out.extend(flow)
        _chapter_end(out, self.width)
        return out


    def para(self, inlines, style) -> Flowable:
        return FootnoteParagraph(_markup(inlines, self.accent), style, self.store)

    def block(self, b) -> list[Flowable]:
        """The block's flowables, under its structure element (tables, figures and the TOC make their own)."""
        if isinstance(b, (Table, Figure, TableOfContents, ListOfCaptions, PB)):
            return self._block(b)
        text = inline_text(b.inlines) if isinstance(b, (P, Heading)) else ""
        with self.tags.element(tagging.role(b), lang=tagging.language(text)):
            flow = self._block(b)
        if isinstance(b, (P, Heading)):
            self.tags.notes_after(tagging.footnote_labels(b.inlines))
        return flow

    def _block(self, b) -> list[Flowable]:
        match b:
            case TitlePage(meta=meta, masthead=True):
                from builder.writers.brief_layout import pdf_masthead
                return pdf_masthead(self, meta)
            case TitlePage(meta=meta):
                return self.title_page(meta)
            case Heading():
                return self.heading(b)
            case P(inlines=inl):
                return [self.tags.leaf(self.para(inl, self.s.body))]
            case BulletList() | OrderedList():
                return self.list(b, 0)
            case Definitions(items=items):
                return [self.definitions(items)]
            case Quote(blocks=inner):
                return [f for x in inner for f in self.block(x)]
            case Table():
                return _tag_caption(self.table(b), "Table", b, self.doc.labels["table"])
            case Figure():
                return _tag_caption(self.figure(b), "Figure", b, self.doc.labels["figure"])
            case TableOfContents(title=title):
                return self.toc(title)
            case ListOfCaptions():
                return self.caption_list(b)
            case PB():
                return [PageBreak()]
            case _:
                raise TypeError(f"unhandled block {b!r}")

    def title_page(self, meta) -> list[Flowable]:
        from builder.writers import cover
        if cover.wanted(self.style):  # logo, colour band or publisher block from the style
            return cover.pdf_title_page(self, meta)
        s, leaf = self.s, self.tags.leaf
        out: list[Flowable] = [Spacer(1, 40 * mm), leaf(Paragraph(title_markup(meta.title, s.title, self.width), s.title),
                                                         "Title", meta.title),
                               leaf(Paragraph(escape(", ".join(a.name for a in meta.authors)), s.center), "P"),
                               Spacer(1, 60 * mm)]
        for line in (meta.publisher, meta.publisher_address, meta.series, meta.edition_label):
            if line:
                out.append(leaf(Paragraph(escape(line), s.center), "P", line))
        if meta.publisher_url:
            out.append(leaf(Paragraph(f'<a href={quoteattr(meta.publisher_url)} color="{self.accent}">'
                                      f'{escape(display_url(meta.publisher_url))}</a>', s.center), "P"))
        out.append(Spacer(1, 20 * mm))
        for line in (meta.disclaimer, *meta.copyright):
            if line:
                out.append(leaf(Paragraph(escape(line), s.small_center), "P", line))
        return out + [NextPageTemplate("portrait"), PageBreak()]

    def heading(self, h: Heading) -> list[Flowable]:
        label = _label(h)
        markup = f'<a name="{h.id}"/>' + (f"{h.number}. " if h.number else "") + _markup(h.inlines, self.accent)
        para = self.tags.leaf(FootnoteParagraph(markup, self.s.h[min(h.level, 3)], self.store))
        para.toc_entry = (min(h.level, 3) - 1, label, h.id)
        flow: list[Flowable] = []
        from builder.writers.brief_layout import is_brief
        if h.level == 1 and not is_brief(self.doc):  # a brief's sections follow its masthead on page 1
            flow.append(PageBreak())
        else:
            flow.append(CondPageBreak(60))
        return flow + [para]

    def list(self, lst, depth: int) -> list[Flowable]:
        out: list[Flowable] = []
        indent = 14 * (depth + 1)
        for n, item in enumerate(lst.items, start=getattr(lst, "start", 1)):
            bullet = item.label or (f"{n}." if isinstance(lst, OrderedList) else "•")
            width = 8 + 5 * len(bullet)
            style = ParagraphStyle(f"li{depth}-{len(bullet)}", parent=self.s.item, leftIndent=indent + width - 8,
                                   bulletIndent=indent - 8, alignment=TA_LEFT if len(bullet) > 3 else TA_JUSTIFY)
            out.extend(self.list_item(item, bullet, style, depth))
        out.append(Spacer(1, 3))
        return out

    def list_item(self, item, bullet: str, style, depth: int) -> list[Flowable]:
        """LI → Lbl (the bullet, drawn by the first paragraph) and LBody (the item's blocks)."""
        out: list[Flowable] = []
        with self.tags.element("LI"):
            label = self.tags.current.add(tagging.PARTS["label"])
            with self.tags.element(tagging.PARTS["body"]):
                for i, block in enumerate(item.blocks):
                    if isinstance(block, P):
                        text = _markup(block.inlines, self.accent)
                        para = FootnoteParagraph(text if i else f"<bullet>{escape(bullet)}</bullet>{text}", style,
                                                 self.store)
                        self.tags.leaf(para, "P", inline_text(block.inlines))
                        if not i:
                            para._label = label
                        out.append(para)
                        self.tags.notes_after(tagging.footnote_labels(block.inlines))
                    elif isinstance(block, (BulletList, OrderedList)):
                        if out and isinstance(out[-1], Paragraph):
                            out[-1].keepWithNext = True
                        with self.tags.element("L"):
                            out.extend(self.list(block, depth + 1))
                    else:
                        out.extend(self.block(block))
        return out

    def definitions(self, items) -> Flowable:
        rows = [[Paragraph(escape(t), self.s.cell), Paragraph(escape(d), self.s.cell)] for t, d in items]
        t = RLTable(rows, colWidths=[self.width * 0.22, self.width * 0.78], hAlign="LEFT")
        t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("FONT", (0, 0), (-1, -1), self.s.body_font)]))
        grid = {}
        for row, (term, _definition) in zip(t._cellvalues, items):
            with self.tags.element("LI"):
                grid[id(row)] = [self.tags.current.add(tagging.PARTS["label"], lang=tagging.language(term)),
                                 self.tags.current.add(tagging.PARTS["body"])]
        self.tags.table(t, grid)
        return t

    def toc(self, title: str) -> list[Flowable]:
        toc = _TOC(levelStyles=self.s.toc, dotsMinLevel=0)
        # seeded with every heading (page unknown) so the first pass already reserves the TOC's real length
        toc._entries = [(min(h.level, 3) - 1, escape(_label(h)), 0, h.id)
                        for h in self.doc.blocks if isinstance(h, Heading)]
        heading = self.tags.leaf(Paragraph(escape(title), self.s.h[1]), "H1", title)
        heading.running_head = title  # the contents pages are headed by their own title
        with self.tags.element(tagging.role(TableOfContents())):
            toc.tags = self.tags
            toc.items = [self.tags.current.add(tagging.PARTS["entry"]) for _ in toc._entries]
        return [PageBreak(), heading, toc]

    def caption_list(self, b: ListOfCaptions) -> list[Flowable]:
        """The list of tables or figures: TOC-like entries whose page numbers are forms drawn when the captions
        are placed (seeded, so one layout pass suffices)."""
        entry = ParagraphStyle(f"list-{b.kind}", parent=self.s.toc[1], leftIndent=0, rightIndent=24, spaceBefore=2)
        lst = _CaptionList(b.kind, levelStyles=[entry], dotsMinLevel=0)
        label = self.doc.labels[b.kind.lower()]
        lst._entries = [(0, escape(f"{label} {x.number}. {inline_text(x.caption)}"), 0, caption_key(b.kind, x.id))
                        for x in captioned(self.doc.blocks, b.kind)]
        heading = self.tags.leaf(Paragraph(escape(b.title), self.s.h[1]), "H1", b.title)
        heading.running_head = b.title  # "List of tables" over its pages, not the contents' title
        with self.tags.element(tagging.role(TableOfContents())):
            lst.tags = self.tags
            lst.items = [self.tags.current.add(tagging.PARTS["entry"]) for _ in lst._entries]
        return [PageBreak(), heading, lst]

    def figure(self, f: Figure) -> list[Flowable]:
        if f.chart is None:
            return []  # left out for missing data (reported in the build report)
        leaf, labels = self.tags.leaf, self.doc.labels
        cap = leaf(Paragraph(f'<a name="{f.id}"/>{escape(labels["figure"])} {escape(f.number)}. '
                             + _markup(f.caption, self.accent), self.s.caption),
                   tagging.PARTS["caption"], inline_text(f.caption))
        drawing = tagging.Described(self.charts.flowable(f.chart, self.width), f.chart.alt, self.s.body_font)
        leaf(drawing, tagging.role(f), alt=f.chart.alt)
        parts: list[Flowable] = [cap, drawing]
        if f.citation:
            parts.append(leaf(Paragraph(escape(f"{labels['source']}: {f.citation}"), self.s.source),
                              tagging.PARTS["source"], f.citation))
        return [KeepTogether(parts)]

    @functools.cached_property
    def table_context(self):
        from builder.writers.brief_layout import is_brief
        from builder.writers.pdf_tables import TableContext
        from builder.writers.table_layout import table_metrics
        return TableContext(self.style, self.s, self.doc.labels, self.accent, self.store, self.page_size,
                            table_metrics(self.style, self.doc.meta.locale), align_decimals=is_brief(self.doc))

    def table(self, t: Table) -> list[Flowable]:
        """Caption, table and source lines: Table → Caption, THead, TBody; the source lines after it."""
        from builder.writers.pdf_tables import build_table
        built = build_table(self.table_context, t)
        self.landscape = self.landscape or built.landscape
        flow, paged = built.flowables, built.paged
        with self.tags.element(tagging.role(t)):
            caption = self.tags.current.add(tagging.PARTS["caption"], lang=tagging.language(inline_text(t.caption)))
            for f in flow[:flow.index(paged)]:  # the caption and the headnote under it
                f._struct = caption
            paged.tag(self.tags, t)
        for f in paged.tail:
            self.tags.leaf(f, tagging.PARTS["source"], t.citation)
        notes = tagging.footnote_labels(t.caption) + [c.note.id for r in t.header_rows for c in r.cells if c.note]
        self.tags.notes_after(notes)
        return flow


def write(doc: Document, style: Style, out, tagged: bool = True) -> tuple[int, dict[str, int]]:
    """Write the PDF (tagged: PDF/UA-1, see pdf_tagging); returns the page count and the page of each heading id."""
    body, head = register_fonts(style)
    with reportlab_defaults(body, head, doc.meta.date):
        return _write(doc, style, out, tagged, body, head)


def _write(doc: Document, style: Style, out, tagged: bool, body: str, head: str) -> tuple[int, dict[str, int]]:
    styles = _Styles(style, body, head, doc.meta.language)
    store = FootnoteStore({i: (_number(doc, i), _markup(n, style.colour("accent")))
                           for i, n in doc.footnotes.items()}, styles.note)
    tags = tagging.Tagging(doc.meta.language, {i: inline_text(n) for i, n in doc.footnotes.items()})
    pdf = _Doc(str(out), store, doc.meta, styles, style, tags if tagged else None)
    writer = _Writer(doc, style, styles, pdf.width)
    writer.store, writer.tags = store, tags
    story = writer.story()
    tagging.describe_links(tags, doc)
    tags.at_save = lambda canv: pdf_structure.finish(canv, tags, doc.meta, style.pdf_standard)
    pdf.multiBuild(story, maxPasses=6, **({"canvasmaker": tagging.TaggedCanvas} if tagged else {}))
    return pdf.page, dict(pdf.heading_pages)


def _number(doc: Document, note_id: str) -> int:
    return list(doc.footnotes).index(note_id) + 1
