"""The title page when the style asks for a designed cover (styles/<name>.yaml `cover:`): a colour band across the
top carrying the series line, the institution's logo (SVG or PNG), the title, and the publisher block at the foot.
One function per writer; without `cover:` settings the writers keep their plain title page."""
from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

from builder.model.formatting import display_url


def wanted(style) -> bool:
    c = style.spec.cover
    return bool(c.logo or c.band or c.publisher)


def logo_path(style) -> Path | None:
    c = style.spec.cover
    return (style.root / "styles" / c.logo).resolve() if c.logo else None


def publisher_lines(style, meta) -> list[str]:
    lines = list(style.spec.cover.publisher)
    if not lines:
        lines = [meta.publisher, meta.publisher_address, display_url(meta.publisher_url)]
    return [line for line in lines if line]


def page_band(canv, page_h: float, height: float) -> tuple[float, float]:
    """Where a band `height` high from the page's top edge starts, in the coordinates of the flowable being drawn:
    (x of the page's left edge, y of the band's bottom), both measured back from the flowable's place on the page
    (wherever the frame put it), so the band reaches the top and side edges."""
    x, y = canv.absolutePosition(0, 0)
    return x, page_h - height - y


def pdf_title_page(w, meta) -> list:
    """Flowables of the designed title page for the PDF writer `w` (builder.writers.pdf._Writer)."""
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_LEFT
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Flowable, Image, NextPageTemplate, PageBreak, Paragraph, Spacer
    cover, s, leaf = w.style.spec.cover, w.s, w.tags.leaf  # every part tagged for the PDF's structure tree
    m = w.style.margins_mm
    page_w, page_h = w.page_size
    out: list = []

    class Band(Flowable):
        """A full-bleed band from the top edge of the page, the series line set in it."""

        def wrap(self, aw, ah):
            return aw, max(cover.band_height_mm - m["top"], 0) * mm

        def draw(self):
            c = self.canv
            x, bottom = page_band(c, page_h, cover.band_height_mm * mm)
            c.saveState()
            c.setFillColor(colors.HexColor(cover.band))
            c.rect(-x, bottom, page_w, cover.band_height_mm * mm, stroke=0, fill=1)
            if meta.series:
                c.setFillColor(colors.HexColor(cover.band_text))
                c.setFont(s.head_font, 10)
                c.drawString(0, bottom + 5 * mm, meta.series)
            c.restoreState()

    if cover.band:
        out += [leaf(Band(), "P", meta.series), Spacer(1, 14 * mm)]
    path = logo_path(w.style)
    if path is not None:
        width = cover.logo_width_mm * mm
        if path.suffix.lower() == ".svg":
            from svglib.svglib import svg2rlg
            from builder.charts import _scaled
            logo = _scaled(svg2rlg(str(path)), width)
            logo.hAlign = "LEFT"
        else:
            from reportlab.lib.utils import ImageReader
            iw, ih = ImageReader(str(path)).getSize()
            logo = Image(str(path), width=width, height=width * ih / iw, hAlign="LEFT")
            logo.width, logo.height = width, width * ih / iw  # read by the tagging when the logo is placed
        out += [leaf(logo, "Figure", alt=f"Logo: {publisher_lines(w.style, meta)[0]}"
                     if publisher_lines(w.style, meta) else "Logo")]
    left = ParagraphStyle("cover-left", parent=s.title, alignment=TA_LEFT)
    authors = ", ".join(a.name for a in meta.authors)
    from builder.writers.pdf_text import title_markup
    out += [Spacer(1, 30 * mm), leaf(Paragraph(title_markup(meta.title, left, w.width), left), "Title", meta.title),
            leaf(Paragraph(escape(authors), ParagraphStyle("cover-authors", parent=s.body)), "P", authors)]
    if meta.edition_label:
        out.append(leaf(Paragraph(escape(meta.edition_label), ParagraphStyle("cover-ed", parent=s.body)), "P",
                        meta.edition_label))
    if meta.series and not cover.band:
        out.append(leaf(Paragraph(escape(meta.series), ParagraphStyle("cover-series", parent=s.body)), "P",
                        meta.series))
    block = ParagraphStyle("cover-publisher", parent=s.body, textColor=s.accent, fontName=s.head_font,
                           fontSize=s.body.fontSize - 0.5, leading=s.body.leading - 1, spaceAfter=0)
    lines = [Paragraph(escape(line), block) for line in publisher_lines(w.style, meta)]
    note = ParagraphStyle("cover-note", parent=s.small_center, alignment=TA_LEFT)
    small = [Paragraph(escape(line), note) for line in (meta.disclaimer, *meta.copyright) if line]
    foot_text = " ".join(publisher_lines(w.style, meta) + [x for x in (meta.disclaimer, *meta.copyright) if x])
    out.append(leaf(_Foot(lines + ([Spacer(1, 6 * mm)] if small else []) + small), "P", foot_text))
    return out + [NextPageTemplate("portrait"), PageBreak()]


def _Foot(flowables):
    """The flowables pushed to the bottom of the frame (the publisher block at the foot of the cover)."""
    from reportlab.platypus import Flowable

    class Foot(Flowable):
        def wrap(self, aw, ah):
            self.sizes = [f.wrap(aw, ah) for f in flowables]
            self.aw = aw
            self.need = sum(h + f.getSpaceAfter() for f, (_w, h) in zip(flowables, self.sizes))
            self.avail = ah
            return aw, max(ah - 1, self.need)

        def draw(self):
            y = self.need
            for f, (_w, h) in zip(flowables, self.sizes):
                y -= h
                f.drawOn(self.canv, 0, y)
                y -= f.getSpaceAfter()

    return Foot()


def title_lines(style, title: str, size: float = 26) -> list[str]:
    """The title's balanced lines for the DOCX, measured as the PDF sets it (the heading family's bold face at
    the title size, on the text width of an A4 page): both formats break the title at the same words."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from builder.readers.typography import balanced_lines
    from builder.writers.pdf_text import register_fonts
    _body, head = register_fonts(style)
    bold = head.replace("-regular", "-bold")
    m = style.margins_mm
    width = A4[0] - (m["left"] + m["right"]) * mm
    return balanced_lines(title, lambda text: pdfmetrics.stringWidth(text, bold, size), width)


def docx_page_band(w, paragraph, fill: str, height) -> None:
    """A band of colour `fill` (hex) from the page's top edge down `height` (EMU), across the page's full width,
    behind the text: a solid picture anchored to the page in the band's first paragraph. A shaded paragraph
    stops at the margins; this reaches the trim edges, as the PDF's band does."""
    import io

    from docx.oxml.ns import qn
    from docx.oxml.parser import OxmlElement
    from PIL import Image
    png = io.BytesIO()
    Image.new("RGB", (8, 8), "#" + fill.lstrip("#")).save(png, format="PNG")
    section = w.docx.sections[-1]
    run = paragraph.add_run()
    shape = run.add_picture(png, width=section.page_width, height=height)
    inline = shape._inline
    anchor = OxmlElement("wp:anchor")
    for key, value in (("distT", "0"), ("distB", "0"), ("distL", "0"), ("distR", "0"), ("simplePos", "0"),
                       ("relativeHeight", "0"), ("behindDoc", "1"), ("locked", "1"), ("layoutInCell", "1"),
                       ("allowOverlap", "1")):
        anchor.set(key, value)
    simple = OxmlElement("wp:simplePos")
    simple.set("x", "0")
    simple.set("y", "0")
    anchor.append(simple)
    for axis in ("H", "V"):
        position = OxmlElement(f"wp:position{axis}")
        position.set("relativeFrom", "page")
        offset = OxmlElement("wp:posOffset")
        offset.text = "0"
        position.append(offset)
        anchor.append(position)
    extent, effect = inline.find(qn("wp:extent")), inline.find(qn("wp:effectExtent"))
    anchor.append(extent)
    if effect is None:
        effect = OxmlElement("wp:effectExtent")
        for key in ("l", "t", "r", "b"):
            effect.set(key, "0")
    anchor.append(effect)
    anchor.append(OxmlElement("wp:wrapNone"))
    doc_pr = inline.find(qn("wp:docPr"))
    doc_pr.set("name", "Band")
    doc_pr.set("descr", "")
    doc_pr.append(_decorative())  # nothing to read: Word's accessibility check passes it by
    anchor.append(doc_pr)
    for child in (inline.find(qn("wp:cNvGraphicFramePr")), inline.find(qn("a:graphic"))):
        if child is not None:
            anchor.append(child)
    inline.getparent().replace(inline, anchor)


def _decorative():
    """`<a:extLst>` marking a drawing as decorative (Office 2019's extension; other readers ignore it)."""
    from lxml import etree
    a = "http://schemas.openxmlformats.org/drawingml/2006/main"
    adec = "http://schemas.microsoft.com/office/drawing/2017/decorative"
    ext_list = etree.Element(f"{{{a}}}extLst", nsmap={"a": a})
    ext = etree.SubElement(ext_list, f"{{{a}}}ext", uri="{C183D7F6-B498-43B3-948B-1728B52AA6E4}")
    etree.SubElement(ext, f"{{{adec}}}decorative", nsmap={"adec": adec}, val="1")
    return ext_list


def docx_title(paragraph, lines: list[str]) -> None:
    """The title's lines in one paragraph, a line break between them."""
    for i, line in enumerate(lines):
        run = paragraph.add_run(line)
        if i < len(lines) - 1:
            run.add_break()


def docx_title_page(w, meta) -> None:
    """The designed title page for the DOCX writer `w` (builder.writers.docx._Writer)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.oxml.ns import qn
    from docx.oxml.parser import OxmlElement
    from docx.shared import Mm, Pt, RGBColor
    cover, d = w.style.spec.cover, w.docx
    if cover.band:
        band = d.add_paragraph()
        shading = OxmlElement("w:shd")  # first in the empty pPr: python-docx inserts the spacing after it
        for key, value in (("val", "clear"), ("color", "auto"), ("fill", cover.band.lstrip("#"))):
            shading.set(qn(f"w:{key}"), value)
        band._p.get_or_add_pPr().append(shading)
        fmt = band.paragraph_format
        fmt.space_before, fmt.space_after = Pt(0), Pt(18)
        fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, Pt(16)  # the band's height is known
        run = band.add_run(meta.series or " ")
        run.font.color.rgb = RGBColor.from_string(cover.band_text.lstrip("#"))
        run.font.size = Pt(10)
        run.add_break()
        top = w.docx.sections[-1].top_margin
        docx_page_band(w, band, cover.band, max(Mm(cover.band_height_mm), top + Pt(2 * 16)))
    path = logo_path(w.style)
    if path is not None:
        png = path if path.suffix.lower() == ".png" else path.with_suffix(".png")
        if png.exists():
            d.add_paragraph().add_run().add_picture(str(png), width=Mm(cover.logo_width_mm))
    for _ in range(3):
        d.add_paragraph()
    title = d.add_paragraph(style="Title")
    docx_title(title, title_lines(w.style, meta.title))
    title.alignment = WD_ALIGN_PARAGRAPH.LEFT
    d.add_paragraph(", ".join(a.name for a in meta.authors))
    for line in (meta.edition_label, "" if cover.band else meta.series):
        if line:
            d.add_paragraph(line)
    for _ in range(8):
        d.add_paragraph()
    accent = RGBColor.from_string(w.style.colour("accent").lstrip("#"))
    for line in publisher_lines(w.style, meta):
        p = d.add_paragraph()
        p.paragraph_format.space_after = Pt(0)
        run = p.add_run(line)
        run.font.color.rgb, run.bold = accent, True
    for line in ("", meta.disclaimer, *meta.copyright):
        d.add_paragraph(line)
