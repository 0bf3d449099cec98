"""Document → DOCX with python-docx: named Word styles, native footnotes, a filled TOC field, SEQ captions,
repeated header rows, landscape sections for wide tables, charts as 300-dpi PNG with alt text; reproducible."""
from __future__ import annotations

import io
import zipfile
from datetime import datetime
from pathlib import Path

from docx import Document as new_docx
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.oxml.ns import qn
from docx.oxml.parser import OxmlElement
from docx.shared import Mm, Pt, RGBColor

from builder.formatting import display_url
from builder.model import (BulletList, Code, CrossRef, Definitions, Document, Emphasis, Figure, FootnoteRef,
                           Heading, LineBreak, Link, OrderedList, PageBreak, Paragraph, Quote, Strong,
                           Superscript, Table, TableOfContents, Text, TitlePage, inline_text)
from builder.style import Style
from builder.writers import _ooxml

EXTRA_STYLES = {  # name: (type, base, size offset, italic)
    "Footnote Text": (WD_STYLE_TYPE.PARAGRAPH, "Normal", -2.5, False),
    "Footnote Reference": (WD_STYLE_TYPE.CHARACTER, None, 0, False),
    "Hyperlink": (WD_STYLE_TYPE.CHARACTER, None, 0, False),
    "TOC 1": (WD_STYLE_TYPE.PARAGRAPH, "Normal", 0, False),
    "TOC 2": (WD_STYLE_TYPE.PARAGRAPH, "Normal", 0, False),
    "TOC 3": (WD_STYLE_TYPE.PARAGRAPH, "Normal", 0, False),
    "Table Text": (WD_STYLE_TYPE.PARAGRAPH, "Normal", -2, False),
    "Source": (WD_STYLE_TYPE.PARAGRAPH, "Normal", -2.5, True),
    "List Item": (WD_STYLE_TYPE.PARAGRAPH, "Normal", 0, False),
}


def _set_fonts(element, name: str) -> None:
    rpr = element.find(qn("w:rPr"))
    if rpr is None:
        rpr = OxmlElement("w:rPr")
        element.append(rpr) if element.tag != qn("w:style") else _style_rpr(element, rpr)
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in list(fonts.attrib):
        if attr.endswith("Theme"):
            del fonts.attrib[attr]
    for attr in ("ascii", "hAnsi", "cs", "eastAsia"):
        fonts.set(qn(f"w:{attr}"), name)


def _style_rpr(style_el, rpr) -> None:
    style_el.append(rpr)


def _prepare_styles(docx, style: Style) -> None:
    """Add the styles the default template lacks and apply the house fonts, sizes and colours."""
    styles = docx.styles
    for name, (kind, base, delta, italic) in EXTRA_STYLES.items():
        if name not in [s.name for s in styles]:
            st = styles.add_style(name, kind)
            if base:
                st.base_style = styles[base]
            if kind == WD_STYLE_TYPE.PARAGRAPH:
                st.font.size = Pt(style.size("body") + delta)
            st.font.italic = italic or None
    body, head = style.body.name, style.heading.name
    defaults = docx.styles.element.find(qn("w:docDefaults"))
    _set_fonts(defaults.find(qn("w:rPrDefault")), body)
    accent = RGBColor.from_string(style.colour("accent").lstrip("#"))
    for st in styles:
        if st.type not in (WD_STYLE_TYPE.PARAGRAPH, WD_STYLE_TYPE.CHARACTER):
            continue
        is_head = st.name.startswith(("Heading", "Title", "Caption", "TOC Heading", "Table Text"))
        _set_fonts(st.element, head if is_head else body)
    styles["Normal"].font.size = Pt(style.size("body"))
    styles["Footnote Reference"].font.superscript = True
    styles["Hyperlink"].font.color.rgb = accent
    styles["Hyperlink"].font.underline = True
    for lvl in (1, 2, 3):
        h = styles[f"Heading {lvl}"]
        h.font.size = Pt(style.size(f"h{lvl}"))
        h.font.color.rgb = accent
        h.font.italic = False
        toc = styles[f"TOC {lvl}"]
        toc.paragraph_format.left_indent = Mm(5 * (lvl - 1))
        toc.paragraph_format.space_after = Pt(2)
        toc.paragraph_format.tab_stops.add_tab_stop(Mm(160), WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS)
    styles["Title"].font.color.rgb = accent
    styles["Caption"].font.color.rgb = RGBColor(0x1A, 0x1A, 0x1A)
    styles["Caption"].font.size = Pt(style.size("caption"))
    styles["Caption"].font.bold = True
    styles["Caption"].paragraph_format.keep_with_next = True
    styles["Table Text"].font.size = Pt(style.size("table"))
    styles["Table Text"].paragraph_format.space_after = Pt(0)
    styles["List Item"].paragraph_format.space_after = Pt(2)
    for name in ("Heading 1", "Heading 2", "Heading 3"):
        styles[name].paragraph_format.keep_with_next = True
    styles["Body Text"].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    styles["Body Text"].paragraph_format.widow_control = True


class _Writer:
    def __init__(self, docx, doc: Document, style: Style, pages: dict[str, int]):
        self.docx, self.doc, self.style, self.pages = docx, doc, style, pages
        self.notes = _ooxml.Footnotes(docx)
        self.noted: set[int] = set()
        self.bookmarks = 0
        self.seq = {"Table": 0, "Figure": 0}
        self.ids = {st.name: st.style_id for st in docx.styles}
        self.landscape = False

    def para(self, style: str = "", text: str = ""):
        """A new paragraph in a named style (by style id: python-docx's lookup by name is slow)."""
        p = self.docx.add_paragraph(text)
        if style:
            p._p.style = self.ids[style]
        return p

    # inlines ------------------------------------------------------------------------------
    def runs(self, p, inlines, bold=False, italic=False, sup=False) -> None:
        for k, node in enumerate(inlines):
            if isinstance(node, FootnoteRef) and k and isinstance(inlines[k - 1], FootnoteRef):
                p.add_run(",").font.superscript = True  # adjacent marks: "44,45", not "4445"
            match node:
                case Text(text=t) | Code(text=t):
                    r = p.add_run(t)
                    r.bold, r.italic = bold or None, italic or None
                    r.font.superscript = sup or None
                case Strong(children=c):
                    self.runs(p, c, True, italic, sup)
                case Emphasis(children=c):
                    self.runs(p, c, bold, True, sup)
                case Superscript(children=c):
                    self.runs(p, c, bold, italic, True)
                case LineBreak():
                    p.add_run().add_break()
                case Link(url=url, children=c):
                    _ooxml.hyperlink(p, url, inline_text(c))
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
        note_p = self.notes.add(ref.number)
        from docx.text.paragraph import Paragraph as DocxParagraph
        self.runs(DocxParagraph(note_p, self.docx._body), self.doc.footnotes[ref.id])

    # blocks -------------------------------------------------------------------------------
    def orient(self, b) -> None:
        """Wide tables go in a landscape section; consecutive ones share it."""
        from builder.writers.docx_tables import set_orientation
        want = isinstance(b, Table) and b.wide
        if want != self.landscape:
            set_orientation(self.docx, want)
            self.landscape = want

    def block(self, b) -> None:
        self.orient(b)
        match b:
            case TitlePage(meta=meta):
                self.title_page(meta)
            case Heading():
                self.heading(b)
            case Paragraph(inlines=inl):
                self.runs(self.para("Body Text"), inl)
            case BulletList() | OrderedList():
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
            case PageBreak():
                self.docx.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
            case _:
                raise TypeError(f"unhandled block {b!r}")

    def title_page(self, meta) -> None:
        from builder.writers import cover
        if cover.wanted(self.style):  # logo, colour band or publisher block from the style
            return cover.docx_title_page(self, meta)
        d = self.docx
        for _ in range(4):
            d.add_paragraph()
        d.add_paragraph(meta.title, style="Title").alignment = WD_ALIGN_PARAGRAPH.CENTER
        d.add_paragraph(", ".join(a.name for a in meta.authors), style="Subtitle").alignment = \
            WD_ALIGN_PARAGRAPH.CENTER
        for line in ("", "", meta.publisher, meta.publisher_address, meta.series, meta.edition_label,
                     display_url(meta.publisher_url), "", meta.disclaimer, *meta.copyright):
            d.add_paragraph(line).alignment = WD_ALIGN_PARAGRAPH.CENTER

    def heading(self, h: Heading) -> None:
        p = self.para(f"Heading {min(h.level, 3)}")
        if h.level == 1:  # not a break paragraph: one that lands on a fresh page would leave a blank page
            p.paragraph_format.page_break_before = True
        if h.number:
            p.add_run(f"{h.number}. ")
        self.runs(p, h.inlines)
        self.bookmarks += 1
        _ooxml.bookmark(p, _toc_bookmark(h.id), self.bookmarks)

    def list(self, lst, depth: int) -> None:
        for n, item in enumerate(lst.items, start=getattr(lst, "start", 1)):
            label = item.label or (f"{n}." if isinstance(lst, OrderedList) else "•")
            for i, block in enumerate(item.blocks):
                if isinstance(block, Paragraph):
                    p = self.para("List Item")
                    fmt = p.paragraph_format
                    hang = Mm(5 + 2 * len(label))
                    fmt.left_indent = Mm(6 * depth) + hang
                    fmt.first_line_indent = -hang if i == 0 else None
                    fmt.tab_stops.add_tab_stop(fmt.left_indent)
                    if i == 0:
                        p.add_run(label + "\t")
                    self.runs(p, block.inlines)
                elif isinstance(block, (BulletList, OrderedList)):
                    self.list(block, depth + 1)
                else:
                    self.block(block)

    def definitions(self, items) -> None:
        table = self.docx.add_table(rows=0, cols=2)
        for term, definition in items:
            cells = table.add_row().cells
            cells[0].paragraphs[0].add_run(term).bold = True
            cells[1].paragraphs[0].add_run(definition)
        for row in table.rows:
            row.cells[0].width, row.cells[1].width = Mm(35), Mm(125)

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

    def source_line(self, source: str, url: str = "", notes: str = "") -> None:
        if notes:
            self.para("Source", notes)
        if source:
            p = self.para("Source", f"{self.doc.labels['source']}: {source}")
            if url:
                p.add_run(" (")
                _ooxml.hyperlink(p, url, url)
                p.add_run(")")

    def table(self, t: Table) -> None:
        from builder.writers.docx_tables import write_table
        write_table(self, t)

    def figure(self, f: Figure) -> None:
        self.caption("Figure", f.number, f.caption, f"fig_{f.id}".replace("-", "_"), f.id)
        if f.chart is None:
            self.para("Source", f"[{self.doc.labels['chart_not_shown']}: {f.missing_note}]")
            return
        p = self.docx.add_paragraph()
        p.paragraph_format.keep_with_next = True
        run = p.add_run()
        shape = run.add_picture(f.chart.png_path, width=Mm(min(f.chart.width_in * 25.4, 160)))
        doc_pr = shape._inline.docPr
        doc_pr.set("descr", f.chart.alt)
        doc_pr.set("title", inline_text(f.caption))
        self.source_line(f.source)

    def toc(self, title: str) -> None:
        self.docx.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        self.para("TOC Heading", title)
        entries = [(min(b.level, 3) - 1, (f"{b.number}. " if b.number else "") + inline_text(b.inlines),
                    _toc_bookmark(b.id), self.pages.get(b.id, 0))
                   for b in self.doc.blocks if isinstance(b, Heading)]
        _ooxml.toc_paragraphs(self.docx, entries)


def _ref_bookmark(target: str) -> str:
    return ("_Ref_" + target.replace("-", "_"))[:40]


def _toc_bookmark(heading_id: str) -> str:
    return ("_Toc_" + heading_id.replace("-", "_"))[:40]


def _page_setup(docx, style: Style) -> None:
    m = style.margins_mm
    for section in docx.sections:
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin, section.bottom_margin = Mm(m["top"]), Mm(m["bottom"])
        section.left_margin, section.right_margin = Mm(m["left"]), Mm(m["right"])
        section.different_first_page_header_footer = True
        footer = section.footer.paragraphs[0]
        footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _ooxml.add_field(footer, "PAGE", "1")


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
    from builder.labels import primary
    tab_stop = docx.settings.element.find(qn("w:defaultTabStop"))
    if primary(tag) != "en" and tab_stop is not None:  # hyphenate as the PDF does (English layout unchanged)
        tab_stop.addnext(OxmlElement("w:autoHyphenation"))


def write(doc: Document, style: Style, out: Path, pages: dict[str, int] | None = None) -> None:
    """Write the DOCX; `pages` maps heading ids to page numbers for the TOC's cached result."""
    docx = new_docx()
    _prepare_styles(docx, style)
    _language(docx, doc.meta.language)
    _page_setup(docx, style)
    body = docx.element.body
    for p in list(body.iterchildren(qn("w:p"))):
        body.remove(p)
    writer = _Writer(docx, doc, style, pages or {})
    for block in doc.blocks:
        writer.block(block)
    writer.notes.finish()
    _core_properties(docx, doc.meta)
    _save_reproducibly(docx, out, doc.meta)


def _save_reproducibly(docx, out: Path, meta) -> None:
    """Re-pack the zip with fixed timestamps and a stable member order, so equal input gives equal bytes."""
    buf = io.BytesIO()
    docx.save(buf)
    stamp = (meta.date.year, meta.date.month, meta.date.day, 0, 0, 0) if meta.date else (2000, 1, 1, 0, 0, 0)
    with zipfile.ZipFile(buf) as src:
        names = [n for n in src.namelist() if not n.startswith("docProps/thumbnail")]
        first = [n for n in ("[Content_Types].xml", "_rels/.rels") if n in names]
        ordered = first + sorted(n for n in names if n not in first)
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
            for name in ordered:
                data = src.read(name)
                if name == "[Content_Types].xml":
                    data = data.replace(b'<Override PartName="/docProps/thumbnail.jpeg" '
                                        b'ContentType="image/jpeg"/>', b"")
                if name == "_rels/.rels":
                    import re
                    data = re.sub(rb'<Relationship [^>]*thumbnail[^>]*/>', b"", data)
                dst.writestr(zipfile.ZipInfo(name, date_time=stamp), data, zipfile.ZIP_DEFLATED)
