"""Document → DOCX with python-docx: named Word styles, native footnotes, a filled TOC field, SEQ captions,
repeated header rows, landscape sections for wide tables, charts as PNG (the style's dpi) with alt text;
reproducible."""
from __future__ import annotations

import functools
from datetime import datetime
from pathlib import Path

from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.oxml.parser import OxmlElement
from docx.shared import Mm
from docx.text.paragraph import Paragraph as DocxParagraph

from builder.model.formatting import display_url
from builder.model import (BulletList, Code, CrossRef, Definitions, Document, Emphasis, Figure, FootnoteRef,
                           Heading, LineBreak, Link, OrderedList, PageBreak, Paragraph, Quote, Strong,
                           Superscript, Table, TableOfContents, Text, TitlePage, inline_text)
from builder.model import ListOfCaptions, caption_key, captioned
from builder.readers.style import Style
from builder.readers.typography import breakable_url
from builder.writers import _ooxml, docx_fonts, docx_numbering, docx_template

CHAPTER_LINE_CHARS = 95  # characters of body text a line holds, about (for a chapter's end: see chapter_end)
CHAPTER_END_WHOLE = 15  # lines: a chapter's last paragraph up to this long moves to the next page whole


class _Writer:
    def __init__(self, docx, doc: Document, style: Style, pages: dict[str, int], drawn=None):
        self.docx, self.doc, self.style, self.pages = docx, doc, style, pages
        self.drawn = drawn  # png path → whether the chart's PNG is written (None: all are)
        self.placeholders: dict[str, str] = {}  # zip member of a placeholder picture → the PNG it stands for
        self.notes = _ooxml.Footnotes(docx)
        self.noted: set[int] = set()
        self.bookmarks = 0
        self.seq = {"Table": 0, "Figure": 0}
        self.ids = {st.name: st.style_id for st in docx.styles}
        self.landscape = False
        self.layouts: dict[int, tuple] = {}
        self.link_part = None  # the part that owns the relationships of the links being written
        self.numbering = docx_numbering.Numbering(docx)
        self.headings = docx_numbering.HeadingNumbers(self.numbering, docx.styles, doc.blocks)
        self.section_heads: bool | None = None  # whether new pages begin sections with their own running heads
        self.head: tuple[str, bool, str] | None = None  # the current section's running head (section_head's)
        self.body = docx.element.body
        self.shape_id = 0  # the last picture's id (docPr/@id), counted here: python-docx searches the document

    def para(self, style: str = "", text: str = ""):
        """A new paragraph in a named style (by style id: python-docx's lookup by name is slow)."""
        p = _ooxml.add_paragraph(self.body, self.ids[style] if style else "")
        if text:
            _ooxml.add_run(p, text, properties=False)
        return DocxParagraph(p, self.docx._body)

    def page_break(self) -> None:
        _ooxml.add_page_break(self.body)

    # inlines ------------------------------------------------------------------------------
    def runs(self, p, inlines, bold=False, italic=False, sup=False) -> None:
        for k, node in enumerate(inlines):
            if isinstance(node, FootnoteRef) and k and isinstance(inlines[k - 1], FootnoteRef):
                _ooxml.add_run(p._p, ",", superscript=True)  # adjacent marks: "44,45", not "4445"
            match node:
                case Text(text=t) | Code(text=t):
                    _ooxml.add_run(p._p, t, bold, italic, sup)
                case Strong(children=c):
                    self.runs(p, c, True, italic, sup)
                case Emphasis(children=c):
                    self.runs(p, c, bold, True, sup)
                case Superscript(children=c):
                    self.runs(p, c, bold, italic, True)
                case LineBreak():
                    _ooxml.add_run(p._p, "\n", properties=False)
                case Link(url=url, children=c):  # an address shown may break after / and . (typography)
                    _ooxml.hyperlink(p, url, breakable_url(inline_text(c)), part=self.link_part)
                case FootnoteRef():
                    self.footnote(p, node)
                case CrossRef(target=target, text=t):
                    case_switch = " \\* Lower" if t[:1].islower() else ""
                    _ooxml.add_field(p, f"REF {_ref_bookmark(target)} \\h{case_switch}", t)
                case _:
                    raise TypeError(f"unhandled inline {node!r}")

    def footnote(self, p, ref: FootnoteRef) -> None:
        p._p.append(_ooxml.footnote_reference(ref.number))
        if ref.number not in self.noted:
            self.footnote_body(ref)

    def footnote_body(self, ref: FootnoteRef) -> None:
        self.noted.add(ref.number)
        note_p = self.notes.add(ref.number, self.style.spec.footnote_number == "superscript")
        outer, self.link_part = self.link_part, self.notes.part
        try:
            self.runs(DocxParagraph(note_p, self.docx), self.doc.footnotes[ref.id])
        finally:
            self.link_part = outer

    # blocks -------------------------------------------------------------------------------
    @functools.cached_property
    def table_context(self):
        from builder.writers.brief_layout import is_brief
        from builder.writers.docx_tables import TableContext
        from builder.writers.table_layout import table_metrics
        return TableContext(self.style, self.ids, table_metrics(self.style, self.doc.meta.locale),
                            align_decimals=is_brief(self.doc))

    def table_layout(self, t: Table):
        """The shared layout of `t`, computed once per table of this document."""
        from builder.writers.docx_tables import table_layout
        if id(t) not in self.layouts:
            self.layouts[id(t)] = (t, table_layout(self.table_context, t))  # t kept: its id stays its own
        return self.layouts[id(t)][1]

    def orient(self, b) -> None:
        """Wide tables go in a landscape section; consecutive ones share it."""
        from builder.writers.docx_tables import set_orientation
        want = isinstance(b, Table) and self.table_layout(b).landscape
        if want != self.landscape:
            set_orientation(self.docx, want)
            self.landscape = want
            if self.head is not None:  # the running head spans the new orientation's width
                docx_template.section_head(self.docx, *self.head)

    def block(self, b) -> None:
        self.orient(b)
        match b:
            case TitlePage(meta=meta, masthead=True):
                from builder.writers.brief_layout import docx_masthead
                docx_masthead(self, meta)
            case TitlePage(meta=meta):
                self.title_page(meta)
            case Heading():
                self.heading(b)
            case Paragraph(inlines=inl):
                self.runs(self.para("Body Text"), inl)
            case BulletList() | OrderedList():
                self.keep_with_next()
                self.list(b, 0)
            case Definitions(items=items):
                self.definitions(items)
            case Quote(blocks=inner):
                for x in inner:
                    self.block(x)
            case Table():
                self.table(b)
            case Figure():
                self.figure(b)
            case TableOfContents(title=title):
                self.toc(title)
            case ListOfCaptions():
                self.caption_list(b)
            case PageBreak():
                self.page_break()
            case _:
                raise TypeError(f"unhandled block {b!r}")

    def title_page(self, meta) -> None:
        from builder.writers import cover
        if cover.wanted(self.style):  # logo, colour band or publisher block from the style
            return cover.docx_title_page(self, meta)
        for _ in range(4):
            self.para()
        title = self.para("Title")
        cover.docx_title(title, cover.title_lines(self.style, meta.title))
        title.alignment = WD_ALIGN_PARAGRAPH.CENTER
        self.para("Subtitle", ", ".join(a.name for a in meta.authors)).alignment = WD_ALIGN_PARAGRAPH.CENTER
        for line in ("", "", meta.publisher, meta.publisher_address, meta.series, meta.edition_label,
                     display_url(meta.publisher_url), "", meta.disclaimer, *meta.copyright):
            self.para("", line).alignment = WD_ALIGN_PARAGRAPH.CENTER

    def heading(self, h: Heading) -> None:
        from builder.writers.brief_layout import is_brief
        chapter = h.level == 1 and not is_brief(self.doc)  # a brief's sections follow its masthead on page 1
        if chapter:
            self.chapter(inline_text(h.inlines))
        p = self.para(f"Heading {min(h.level, 3)}")
        typed = self.headings.place(p, h)
        if typed:
            p.add_run(typed)
        if chapter and self.head is not None and h.number:  # the chapter's number in its running head, as Word's
            self.head = (typed + inline_text(h.inlines), True, "" if typed else h.number)  # \n gives it: no period
            docx_template.section_head(self.docx, *self.head)
        self.runs(p, h.inlines)
        self.bookmarks += 1
        _ooxml.bookmark(p, _toc_bookmark(h.id), self.bookmarks)

    def chapter(self, title: str) -> None:
        """A chapter starts a page, and a section whose running head has the chapter's title written in as the
        result of its STYLEREF field (Word recomputes the field on every page; LibreOffice shows the result)."""
        self.new_page(title)

    def new_page(self, head: str = "", field: bool = True) -> None:
        """A new page that begins a section with its own running head (see docx_template.section_head): the
        chapter's title as the STYLEREF field's result, or `head` as plain text (`field` False: the contents);
        a page break when the template's head has no STYLEREF field."""
        from docx.enum.section import WD_SECTION
        body = self.docx.element.body
        last = body[-2] if len(body) > 1 else None  # the element before the final sectPr
        begun = last is None or last.tag == qn("w:p") and \
            last.find(f"{qn('w:pPr')}/{qn('w:sectPr')}") is not None  # the document's start or a landscape
        # table's end: no empty page
        if self.section_heads is None:
            self.section_heads = docx_template.has_section_heads(self.docx)
        if not self.section_heads:
            if not begun:
                self.page_break()
            return
        if not begun:
            self.chapter_end()
            self.docx.add_section(WD_SECTION.NEW_PAGE)
        self.head = (head, field, "")
        docx_template.section_head(self.docx, *self.head)

    def chapter_end(self) -> None:
        """A chapter's last page carries more than a line or two, as in the PDF (where its last lines are counted).
        Word has no such count: the chapter's last paragraph is kept whole when it is short enough to move, and a
        last paragraph of one or two lines keeps with the paragraph before it (kept whole too when short enough)."""
        from docx.text.paragraph import Paragraph as DocxParagraph
        body = self.docx.element.body
        tail = [el for el in body[-3:-1] if el.tag == qn("w:p")]  # before the final sectPr
        if not tail or tail[-1] is not body[-2]:
            return  # the chapter ends in a table: nothing to keep

        def lines(p) -> float:
            return len("".join(t.text or "" for t in p.iter(qn("w:t"))).strip()) / CHAPTER_LINE_CHARS
        last = lines(tail[-1])
        if not last or last > CHAPTER_END_WHOLE:
            return
        DocxParagraph(tail[-1], self.docx._body).paragraph_format.keep_together = True
        if last <= 2 and len(tail) == 2 and lines(tail[0]):
            before = DocxParagraph(tail[0], self.docx._body).paragraph_format
            before.keep_with_next = True
            before.keep_together = lines(tail[0]) <= CHAPTER_END_WHOLE or None

    def keep_with_next(self) -> None:
        """The paragraph just written stays on the page of what follows (a list's head with its first item)."""
        from docx.oxml.ns import qn
        from docx.text.paragraph import Paragraph as DocxParagraph
        body = self.docx.element.body
        last = body[-2] if len(body) > 1 and body[-1].tag == qn("w:sectPr") else body[-1]
        if last.tag == qn("w:p"):
            DocxParagraph(last, self.docx._body).paragraph_format.keep_with_next = True

    def list(self, lst, depth: int, num_id: int | None = None) -> None:
        """A Word list: the top-level list gets a definition with a level per depth; when Word's counting would not
        print the builder's labels (num_id 0) they are typed, as text and a tab."""
        if num_id is None:
            levels = docx_numbering.list_levels(lst)
            num_id = self.numbering.add(levels) if levels else 0
        for n, item in enumerate(lst.items, start=getattr(lst, "start", 1)):
            label = docx_numbering.label(lst, n, item)
            for i, block in enumerate(item.blocks):
                if isinstance(block, Paragraph):
                    p = self.para("List Item")
                    fmt = p.paragraph_format
                    hang = Mm(5 + 2 * len(label))
                    if i == 0 and num_id:
                        docx_numbering.set_num(p._p.get_or_add_pPr(), num_id, depth)
                    else:
                        fmt.left_indent = Mm(6 * depth) + hang
                    if i == 0 and not num_id:
                        fmt.first_line_indent = -hang
                        fmt.tab_stops.add_tab_stop(fmt.left_indent)
                        p.add_run(label + "\t")
                    self.runs(p, block.inlines)
                elif isinstance(block, (BulletList, OrderedList)):
                    self.keep_with_next()
                    self.list(block, depth + 1, num_id)
                else:
                    self.block(block)

    def definitions(self, items) -> None:
        """A borderless two-column table: the term in bold, its definition (rows written with lxml, the same
        elements python-docx's add_row and cell widths make); rows kept whole, set solid with a little space."""
        from lxml.etree import SubElement
        tbl = self.docx.add_table(rows=0, cols=2)._tbl
        w = {"tr": qn("w:tr"), "tc": qn("w:tc"), "tcPr": qn("w:tcPr"), "tcW": qn("w:tcW"), "p": qn("w:p"),
             "type": qn("w:type"), "w": qn("w:w")}
        widths = (str(Mm(35).twips), str(Mm(125).twips))
        for term, definition in items:
            tr = SubElement(tbl, w["tr"])
            SubElement(SubElement(tr, qn("w:trPr")), qn("w:cantSplit"))  # a row never split across pages
            for width, text, bold in ((widths[0], term, True), (widths[1], definition, False)):
                tc = SubElement(tr, w["tc"])
                tc_w = SubElement(SubElement(tc, w["tcPr"]), w["tcW"])
                tc_w.set(w["type"], "dxa")
                tc_w.set(w["w"], width)
                p = SubElement(tc, w["p"])
                spacing = SubElement(SubElement(p, qn("w:pPr")), qn("w:spacing"))  # set solid, as in the PDF
                spacing.set(qn("w:after"), "40")
                spacing.set(qn("w:line"), "240")
                spacing.set(qn("w:lineRule"), "auto")
                _ooxml.add_run(p, text, bold=bold, properties=bold)

    def caption(self, kind: str, number: str, inlines, bookmark: str, target: str = "") -> None:
        p = self.para("Caption")
        self.bookmarks += 1
        label_id = self.bookmarks
        if target:  # the label alone ("Table 6.1.2") is what REF fields of cross-references show
            p._p.append(_ooxml.bookmark_start(_ref_bookmark(target), label_id))
        # "Table 6.2." as text and the last part as a SEQ field restarting at it, so Word and LibreOffice
        # (which recompute SEQ fields) both print the builder's number
        prefix, _dot, last = number.rpartition(".")
        p.add_run(f"{self.doc.labels[kind.lower()]} {prefix + '.' if prefix else ''}")
        self.seq[kind] += 1
        restart = f" \\r {last}" if prefix else ""
        _ooxml.add_field(p, f"SEQ {kind}{restart} \\* ARABIC", last)
        if target:
            p._p.append(_ooxml.bookmark_end(label_id))
        p.add_run(". ")
        self.runs(p, inlines)
        self.bookmarks += 1
        _ooxml.bookmark(p, bookmark, self.bookmarks)
        if target:  # what the list of tables or figures points its PAGEREF at
            self.bookmarks += 1
            _ooxml.bookmark(p, caption_bookmark(kind, target), self.bookmarks)

    def source_line(self, source: str, url: str = "", notes: str = "") -> None:
        if notes:
            self.para("Source", notes).paragraph_format.keep_with_next = bool(source)
        if source:
            p = self.para("Source", f"{self.doc.labels['source']}: {source}")
            if url:
                p.add_run(" (")
                _ooxml.hyperlink(p, url, url)
                p.add_run(")")

    def table(self, t: Table) -> None:
        from builder.writers.docx_tables import build_table
        if t.id:
            self.caption("Table", t.number, t.caption, f"tab_{t.id}".replace("-", "_"), t.id)
        if t.headnote:
            self.para("Source", t.headnote).paragraph_format.keep_with_next = True
        built = build_table(self.table_context, t, self.table_layout(t))
        body = self.docx.element.body
        if body.sectPr is not None:  # the body's last child, the document's section properties
            body.sectPr.addprevious(built.element)
        else:
            body.append(built.element)
        for ref in built.notes:
            if ref.number not in self.noted:
                self.footnote_body(ref)
        self.source_line(t.citation, t.source_url, t.notes)

    def figure(self, f: Figure) -> None:
        if f.chart is None:
            return  # left out for missing data (reported in the build report)
        self.caption("Figure", f.number, f.caption, f"fig_{f.id}".replace("-", "_"), f.id)
        p = self.para()
        p.paragraph_format.keep_with_next = True
        inline = self.picture(f.chart, Mm(min(f.chart.width_in * 25.4, 160)))
        _ooxml.add_run(p._p, properties=False).add_drawing(inline)
        doc_pr = inline.docPr
        doc_pr.set("descr", f.chart.alt)
        doc_pr.set("title", inline_text(f.caption))
        self.source_line(f.citation)

    def picture(self, chart, width):
        """A w:inline picture of the chart's PNG as python-docx's run.add_picture makes it, `width` wide and as
        high as the chart's proportions make it (its extent does not depend on the PNG, so a chart whose PNG is
        not drawn yet gets a placeholder picture of its own, see `placeholder_png`); its id (docPr/@id, unique
        in the document) counted on from the last one instead of searched for in the whole document each time."""
        import io
        import os
        from docx.oxml.shape import CT_Inline
        part = self.docx.part
        path = chart.png_path
        if self.drawn is None or self.drawn(path):
            rid, _image = part.get_or_add_image(path)
        else:
            rid, _image = part.get_or_add_image(io.BytesIO(placeholder_png(path)))
            self.placeholders[part.rels[rid].target_part.partname.membername] = path
        cx = int(width)
        cy = int(round(cx * chart.height_in / chart.width_in))
        self.shape_id = self.shape_id + 1 if self.shape_id else part.next_id
        return CT_Inline.new_pic_inline(self.shape_id, rid, os.path.basename(path), cx, cy)

    def caption_list(self, b: ListOfCaptions) -> None:
        """A list of tables or figures: a TOC field over the captions' SEQ identifier, its result written in."""
        self.new_page(b.title, field=False)
        self.para("TOC Heading", b.title)
        label = self.doc.labels[b.kind.lower()]
        entries = [(0, f"{label} {x.number}. {inline_text(x.caption)}", caption_bookmark(b.kind, x.id),
                    self.pages.get(caption_key(b.kind, x.id), 0))
                   for x in captioned(self.doc.blocks, b.kind)]
        _ooxml.toc_paragraphs(self.docx, entries, instr=f'TOC \\h \\z \\c "{b.kind}"', style="Table of Figures",
                              style_ids=self.ids)

    def toc(self, title: str) -> None:
        self.new_page(title, field=False)
        self.para("TOC Heading", title)
        entries = [(min(b.level, 3) - 1, (f"{b.number}. " if b.number else "") + inline_text(b.inlines),
                    _toc_bookmark(b.id), self.pages.get(b.id, 0))
                   for b in self.doc.blocks if isinstance(b, Heading)]
        _ooxml.toc_paragraphs(self.docx, entries, style_ids=self.ids)


def _ref_bookmark(target: str) -> str:
    return ("_Ref_" + target.replace("-", "_"))[:40]


def _toc_bookmark(heading_id: str) -> str:
    return ("_Toc_" + heading_id.replace("-", "_"))[:40]


def caption_bookmark(kind: str, block_id: str) -> str:
    """A hidden bookmark on a caption ("_Toc_T_trade_kz"); a long id is cut and given a hash to stay unique."""
    name = f"_Toc_{kind[0]}_" + block_id.replace("-", "_")
    if len(name) > 40:
        import hashlib
        name = name[:31] + "_" + hashlib.sha1(block_id.encode()).hexdigest()[:8]
    return name


def _settings(docx, language: str) -> None:
    """The report's language on the document defaults; spelling not marked as checked; Word 2013+ layout."""
    rpr_default = docx.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault"))
    _ooxml.set_language(rpr_default, language)
    settings = docx.settings.element
    proof = settings.find(qn("w:proofState"))
    if proof is not None:
        settings.remove(proof)
    # justified text hyphenated, as in the PDF: at most 3 hyphens in a row, capitalised words (names) whole
    for setting in ("autoHyphenation", 'consecutiveHyphenLimit w:val="3"', 'doNotHyphenateCaps w:val="true"'):
        _ooxml.insert_setting(settings, _ooxml.parse_xml(f'<w:{setting} {_ooxml.nsdecls("w")}/>'))
    theme_lang = settings.find(qn("w:themeFontLang"))
    if theme_lang is not None:
        theme_lang.set(qn("w:val"), language)
    compat = settings.find(qn("w:compat"))
    if compat is None:
        compat = OxmlElement("w:compat")
        _ooxml.insert_setting(settings, compat)
    mode = next((c for c in compat.iterchildren(qn("w:compatSetting"))
                 if c.get(qn("w:name")) == "compatibilityMode"), None)
    if mode is None:
        mode = _ooxml.parse_xml(f'<w:compatSetting {_ooxml.nsdecls("w")} w:name="compatibilityMode" '
                                'w:uri="http://schemas.microsoft.com/office/word" w:val="15"/>')
        compat.append(mode)
    if int(mode.get(qn("w:val"), "0")) < 15:
        mode.set(qn("w:val"), "15")


def _title_page_only_first(docx) -> None:
    """Only the first section has a different first page (the title page, without running head or page number);
    the sections added later copied the setting."""
    for sect_pr in list(docx.element.body.iter(qn("w:sectPr")))[1:]:
        title_pg = sect_pr.find(qn("w:titlePg"))
        if title_pg is not None:
            sect_pr.remove(title_pg)


def _core_properties(docx, meta) -> None:
    when = datetime(meta.date.year, meta.date.month, meta.date.day) if meta.date else datetime(2000, 1, 1)
    cp = docx.core_properties
    cp.title, cp.subject = meta.title, meta.subject
    cp.author = ", ".join(a.name for a in meta.authors)
    cp.keywords = ", ".join(meta.keywords)
    cp.language, cp.last_modified_by, cp.comments = meta.language, "dossier", ""
    cp.revision, cp.created, cp.modified, cp.last_printed = 1, when, when, when


def _language(docx, tag: str) -> None:
    """The document language on the default run properties and on every style that names one (spelling, hyphenation)."""
    styles = docx.styles.element
    rpr = styles.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    if rpr.find(qn("w:lang")) is None:
        rpr.append(OxmlElement("w:lang"))
    for lang in styles.iter(qn("w:lang")):
        lang.set(qn("w:val"), tag)
    # hyphenation as the PDF's, in every language: see _settings


def write(doc: Document, style: Style, out: Path, pages: dict[str, int] | None = None,
          drawn=None) -> dict[str, str]:
    """Write the DOCX; `pages` maps heading ids to page numbers for the TOC's cached result. `drawn(png path)`
    says whether a chart's PNG is written yet (None: all are); a chart whose PNG is not gets a placeholder
    picture. Returns {zip member: PNG path} of the placeholders, for the caller to put the PNGs in once drawn
    (builder/writers/docx_pages.py)."""
    docx = docx_template.base_document(style, doc.meta.short_title or doc.meta.title)
    writer = _Writer(docx, doc, style, pages or {}, drawn)
    from builder.writers.floats import landscape_order  # the text after a landscape table fills the page before it
    for block in landscape_order(doc.blocks, lambda t: writer.table_layout(t).landscape):
        writer.block(block)
    writer.chapter_end()  # the last chapter's
    _ooxml.mark_languages(docx.element.body)
    _ooxml.mark_languages(writer.notes.root)
    writer.notes.finish()
    _ooxml.order_table_properties(docx.element.body)
    _settings(docx, doc.meta.language)
    _language(docx, doc.meta.language)
    _title_page_only_first(docx)
    docx_fonts.embed(docx, [style.body, style.heading])
    _core_properties(docx, doc.meta)
    _save_reproducibly(docx, out, doc.meta)
    return writer.placeholders


PLACEHOLDER = b"dossier-placeholder"  # the keyword of a placeholder picture's text chunk


def placeholder_png(path: str) -> bytes:
    """A one-pixel PNG standing in for the chart PNG at `path` while it is drawn: distinct for each chart (its
    text chunk names the file), since python-docx keeps one part for pictures of equal bytes."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)) + \
        chunk(b"tEXt", PLACEHOLDER + b"\0" + Path(path).name.encode("utf-8")) + \
        chunk(b"IDAT", zlib.compress(b"\0\xff")) + chunk(b"IEND", b"")


def _save_reproducibly(docx, out: Path, meta) -> None:
    """Fixed timestamps and a stable member order, so equal input gives equal bytes (builder/writers/docx_package.py)."""
    from builder.writers import docx_package
    stamp = (meta.date.year, meta.date.month, meta.date.day, 0, 0, 0) if meta.date else (2000, 1, 1, 0, 0, 0)
    docx_package.save(docx, out, stamp)
