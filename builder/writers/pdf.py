"""Document → PDF with ReportLab platypus: embedded TTF fonts, page-bottom footnotes, TOC, bookmarks,
running headers, split tables with repeated headers, landscape pages for wide tables, vector charts."""
from __future__ import annotations

from contextlib import contextmanager, nullcontext
from xml.sax.saxutils import escape, quoteattr

from reportlab import rl_config

rl_config.invariant = 1
rl_config.canvas_basefontname = "Times-Roman"  # replaced by the body font in _register_fonts

from reportlab.lib import colors  # noqa: E402
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT  # noqa: E402
from reportlab.lib.pagesizes import A4, landscape  # noqa: E402
from reportlab.lib.styles import ParagraphStyle  # noqa: E402
from reportlab.lib.units import mm  # noqa: E402
from reportlab.pdfbase import pdfmetrics  # noqa: E402
from reportlab.pdfbase.ttfonts import TTFont  # noqa: E402
from reportlab.platypus import (CondPageBreak, Flowable, KeepTogether, NextPageTemplate, PageBreak,  # noqa: E402
                                PageTemplate, Paragraph, Spacer, Table as RLTable, TableStyle)
from reportlab.platypus.tableofcontents import TableOfContents as RLTOC  # noqa: E402

from builder.formatting import display_url  # noqa: E402
from builder.model import (BulletList, Code, CrossRef, Definitions, Document, Emphasis, Figure,  # noqa: E402
                           FootnoteRef, Heading, Inline, LineBreak, Link, OrderedList, PageBreak as PB, Paragraph as P,
                           Quote, Strong, Superscript, Table, TableOfContents, Text, TitlePage, inline_text)
from builder.model import ListOfCaptions, caption_key, walk  # noqa: E402
from builder.fonts import missing_glyphs  # noqa: E402,F401
from builder.style import FACES, Style  # noqa: E402
from builder.writers.pdf_footnotes import (FootnoteDocTemplate, FootnoteFrame, FootnoteParagraph,  # noqa: E402
                                           FootnoteStore, mark_markup)
from builder.writers import pdf_structure, pdf_tagging as tagging  # noqa: E402

PAGE = A4


def register_fonts(style: Style) -> tuple[str, str]:
    """Register the body and heading families; return their ReportLab names."""
    names = []
    for family in (style.body, style.heading):
        faces = {face: f"{family.key}-{face}" for face in FACES}
        for face, path in family.files.items():
            if faces[face] not in pdfmetrics.getRegisteredFontNames():
                pdfmetrics.registerFont(TTFont(faces[face], path))
        pdfmetrics.registerFontFamily(faces["regular"], normal=faces["regular"], bold=faces["bold"],
                                      italic=faces["italic"], boldItalic=faces["bold_italic"])
        names.append(faces["regular"])
    rl_config.canvas_basefontname = names[0]
    from reportlab.graphics import shapes
    from reportlab.platypus import tables
    tables.CellStyle.fontname = names[0]  # else Table cells leak an unembedded Helvetica
    shapes.STATE_DEFAULTS["fontName"] = names[1]
    return names[0], names[1]


class _Styles:
    """The paragraph styles of the house style."""

    def __init__(self, style: Style, body: str, head: str):
        size, lead = style.size("body"), style.size("leading")
        ink = colors.HexColor(style.colour("text"))
        accent = colors.HexColor(style.colour("accent"))
        self.body = ParagraphStyle("body", fontName=body, fontSize=size, leading=lead, alignment=TA_JUSTIFY,
                                   spaceAfter=5, textColor=ink, allowWidows=0, allowOrphans=0)
        self.item = ParagraphStyle("item", parent=self.body, spaceAfter=2, bulletFontName=body)
        self.h = {lvl: ParagraphStyle(f"h{lvl}", fontName=head.replace("-regular", "-bold"), fontSize=style.size(f"h{lvl}"),
                                      leading=style.size(f"h{lvl}") * 1.25, textColor=accent, spaceBefore=14 - 3 * lvl,
                                      spaceAfter=6, keepWithNext=1) for lvl in (1, 2, 3)}
        self.caption = ParagraphStyle("caption", fontName=head.replace("-regular", "-bold"),
                                      fontSize=style.size("caption"), leading=style.size("caption") * 1.3,
                                      spaceBefore=6, spaceAfter=4, keepWithNext=1, textColor=ink)
        self.source = ParagraphStyle("source", fontName=body.replace("-regular", "-italic"),
                                     fontSize=style.size("note"), leading=style.size("note") * 1.3, spaceAfter=10)
        self.note = ParagraphStyle("note", fontName=body, fontSize=style.size("note"),
                                   leading=style.size("note") * 1.25, textColor=ink)
        self.cell = ParagraphStyle("cell", fontName=head, fontSize=style.size("table"),
                                   leading=style.size("table") * 1.2, textColor=ink)
        self.toc = [ParagraphStyle(f"toc{i}", fontName=body if i else head.replace("-regular", "-bold"),
                                   fontSize=size, leading=lead * (1.15 if i == 0 else 1.0), leftIndent=14 * i,
                                   firstLineIndent=0, spaceBefore=4 if i == 0 else 0) for i in range(3)]
        self.title = ParagraphStyle("title", fontName=head.replace("-regular", "-bold"), fontSize=26, leading=32,
                                    alignment=TA_CENTER, textColor=accent, spaceAfter=18)
        self.center = ParagraphStyle("center", parent=self.body, alignment=TA_CENTER)
        self.small_center = ParagraphStyle("smallc", parent=self.center, fontSize=size - 1.5, leading=lead - 2)
        self.head_font, self.body_font = head, body
        self.accent, self.ink = accent, ink


def _markup(inlines: tuple[Inline, ...], accent: str = "#1f4e79") -> str:
    out = []
    for k, node in enumerate(inlines):
        if isinstance(node, FootnoteRef) and k and isinstance(inlines[k - 1], FootnoteRef):
            out.append("<super>,</super>")  # adjacent marks: "44,45", not "4445"
        match node:
            case Text(text=t):
                out.append(escape(t, {'"': "&quot;"}))
            case Strong(children=c):
                out.append(f"<b>{_markup(c, accent)}</b>")
            case Emphasis(children=c):
                out.append(f"<i>{_markup(c, accent)}</i>")
            case Superscript(children=c):
                out.append(f"<super>{_markup(c, accent)}</super>")
            case Code(text=t):
                out.append(escape(t))
            case LineBreak():
                out.append("<br/>")
            case Link(url=url, children=c):
                out.append(f'<a href={quoteattr(url)} color="{accent}">{_markup(c, accent)}</a>')
            case FootnoteRef(id=i, number=n):
                out.append(mark_markup(i, n))
            case CrossRef(target=t, text=txt):
                out.append(f'<a href="#{escape(t)}" color="{accent}">{escape(txt)}</a>')
            case _:
                raise TypeError(f"unhandled inline {node!r}")
    return "".join(out)


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
        w, h = canv._pagesize
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


class _Writer:
    """Walks the Document: one clause per block kind."""

    def __init__(self, doc: Document, style: Style, styles: _Styles, frame_width: float):
        self.doc, self.style, self.s = doc, style, styles
        self.width = frame_width
        self.page_size = PAGE
        m = style.margins_mm
        self.width_margins = (m["left"] + m["right"]) * mm
        self.accent = style.colour("accent")

    def story(self) -> list[Flowable]:
        """The flowables of every block; consecutive wide tables share landscape pages."""
        out: list[Flowable] = []
        landscape_now = False
        for block in self.doc.blocks:
            self.want_landscape = False
            flow = self.block(block)
            if self.want_landscape != landscape_now:
                out += [NextPageTemplate("landscape" if self.want_landscape else "portrait"), PageBreak()]
                landscape_now = self.want_landscape
            if flow and isinstance(flow[0], PageBreak) and out and isinstance(out[-1], PageBreak):
                flow = flow[1:]  # a new page has just begun: no empty page
            out.extend(flow)
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
        out: list[Flowable] = [Spacer(1, 40 * mm), leaf(Paragraph(escape(meta.title), s.title), "Title", meta.title),
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
                        for x in walk(self.doc.blocks) if type(x).__name__ == b.kind and x.id]
        heading = self.tags.leaf(Paragraph(escape(b.title), self.s.h[1]), "H1", b.title)
        with self.tags.element(tagging.role(TableOfContents())):
            lst.tags = self.tags
            lst.items = [self.tags.current.add(tagging.PARTS["entry"]) for _ in lst._entries]
        return [PageBreak(), heading, lst]

    def figure(self, f: Figure) -> list[Flowable]:
        leaf, labels = self.tags.leaf, self.doc.labels
        cap = leaf(Paragraph(f'<a name="{f.id}"/>{escape(labels["figure"])} {escape(f.number)}. '
                             + _markup(f.caption, self.accent), self.s.caption),
                   tagging.PARTS["caption"], inline_text(f.caption))
        if f.chart is None:
            note = leaf(Paragraph(escape(f"[{labels['chart_not_shown']}: {f.missing_note}]"), self.s.source), "P")
            return [KeepTogether([cap, note])]
        from builder.charts import lazy_drawing
        drawing = tagging.Described(lazy_drawing(f.chart, self.width), f.chart.alt, self.s.body_font)
        leaf(drawing, tagging.role(f), alt=f.chart.alt)
        parts: list[Flowable] = [cap, drawing]
        if f.citation:
            parts.append(leaf(Paragraph(escape(f"{labels['source']}: {f.citation}"), self.s.source),
                              tagging.PARTS["source"], f.citation))
        return [KeepTogether(parts)]

    def table(self, t: Table) -> list[Flowable]:
        """Caption, table and source lines: Table → Caption, THead, TBody; the source lines after it."""
        from builder.writers.pdf_tables import PagedTable, build_table
        flow = build_table(self, t)
        paged = next(f for f in flow if isinstance(f, PagedTable))
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
    from builder.charts import register_svg_fonts
    key = style.heading.key
    register_svg_fonts(style, {"regular": f"{key}-regular", "bold": f"{key}-bold"})
    styles = _Styles(style, body, head)
    from builder.labels import hyphenate
    hyphenate([styles.body, styles.item, styles.note], doc.meta.language)
    store = FootnoteStore({i: (_number(doc, i), _markup(n, style.colour("accent")))
                           for i, n in doc.footnotes.items()}, styles.note)
    tags = tagging.Tagging(doc.meta.language, {i: inline_text(n) for i, n in doc.footnotes.items()})
    pdf = _Doc(str(out), store, doc.meta, styles, style, tags if tagged else None)
    writer = _Writer(doc, style, styles, pdf.width)
    writer.store, writer.tags = store, tags
    story = writer.story()
    tagging.describe_links(tags, doc)
    with _timestamp(doc.meta.date):
        pdf.multiBuild(story, maxPasses=6, **({"canvasmaker": tagging.TaggedCanvas} if tagged else {}))
        if tagged:
            pdf_structure.finish(str(out), tags, doc.meta, style.pdf_standard)
    return pdf.page, dict(pdf.heading_pages)


@contextmanager
def _timestamp(day):
    """The file's dates are the edition date (ReportLab reads SOURCE_DATE_EPOCH), unless the caller set one."""
    import calendar
    import os
    if day is None or "SOURCE_DATE_EPOCH" in os.environ:
        yield
        return
    os.environ["SOURCE_DATE_EPOCH"] = str(calendar.timegm(day.timetuple()))
    try:
        yield
    finally:
        del os.environ["SOURCE_DATE_EPOCH"]


def _number(doc: Document, note_id: str) -> int:
    return list(doc.footnotes).index(note_id) + 1
