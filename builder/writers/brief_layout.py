"""The briefing pack's layout in both writers: a masthead band at the top of page 1 instead of a title page, and
numbers decimal-aligned in its tables (the key figures).

A document is a brief when its title page is a masthead (`TitlePage(meta, masthead=True)`, set by
builder/commands/brief.py). Every string of the masthead comes from report.yaml's metadata and the labels catalogue
(builder/model/labels.py), so a German brief says „Aus dem Bericht“.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from builder.model import Cell, Document, Table, TitlePage
from builder.writers.table_layout import TableLayout, TableMetrics

BAND_MM = 30.0     # the band's height from the page's top edge
RULE = "#999999"


def is_brief(doc: Document) -> bool:
    return bool(doc.blocks) and isinstance(doc.blocks[0], TitlePage) and doc.blocks[0].masthead


# -- the masthead's words ---------------------------------------------------------------------------------


def report_title(meta) -> str:
    """The title of the report the brief comes from (the brief's meta carries "<title>: Briefing Pack")."""
    return meta.title.removesuffix(f": {meta.labels['briefing_pack']}")


def date_line(meta) -> str:
    """"15 January 2019" in the report's locale, or the edition label when the edition has no date."""
    if meta.date is None:
        return ""
    from babel.dates import format_date
    try:
        return format_date(meta.date, format="long", locale=meta.locale or "en_GB")
    except (ValueError, LookupError):
        return meta.date.isoformat()


def origin_line(meta) -> str:
    """"From the report: Analytical Dossier – N. 3/2019, First Edition: January 2019"."""
    parts = [p for p in (meta.series, meta.edition_label) if p]
    return f"{meta.labels['from_the_report']}: " + ", ".join(parts) if parts else ""


def masthead_lines(meta) -> dict[str, str]:
    """Every string of the masthead: the institute line and the kicker (in the band), the title, the authors and
    the line with the date and the report it comes from."""
    date, origin = date_line(meta), origin_line(meta)
    return {"institute": meta.publisher, "kicker": meta.labels["briefing_pack"], "title": report_title(meta),
            "authors": ", ".join(a.name for a in meta.authors),
            "dateline": " · ".join(p for p in (date, origin) if p)}


def _band_colour(style) -> str:
    return style.spec.cover.band or style.colour("accent")


# -- PDF --------------------------------------------------------------------------------------------------


def pdf_masthead(w, meta) -> list:
    """Flowables of the masthead for the PDF writer `w`: a full-bleed band with the institute line and the kicker,
    the title, authors and dateline under it, a rule; the text follows on the same page."""
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_LEFT
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Flowable, NextPageTemplate, Paragraph, Spacer

    from builder.writers.cover import page_band
    s, leaf, lines = w.s, w.tags.leaf, masthead_lines(meta)
    m = w.style.margins_mm
    page_w = w.page_size[0]
    band_fill = colors.HexColor(_band_colour(w.style))
    bold = s.head_font.replace("-regular", "-bold")

    class Band(Flowable):
        """From the page's top edge down to BAND_MM, across the whole page: institute line and kicker."""

        def wrap(self, aw, ah):
            return aw, max(BAND_MM - m["top"], 0) * mm

        def draw(self):
            c = self.canv
            x, bottom = page_band(c, w.page_size[1], BAND_MM * mm)  # placed from the page's edge, not the frame
            c.saveState()
            c.setFillColor(band_fill)
            c.rect(-x, bottom, page_w, BAND_MM * mm, stroke=0, fill=1)
            c.setFillColor(colors.white)
            c.setFont(s.head_font, 8)
            c.drawString(0, bottom + 14 * mm, lines["institute"].upper())
            c.setFont(bold, 16)
            c.drawString(0, bottom + 6 * mm, lines["kicker"])
            c.restoreState()

    title = ParagraphStyle("mast-title", parent=s.title, alignment=TA_LEFT, fontSize=22, leading=26,
                           spaceBefore=0, spaceAfter=4, textColor=s.accent)
    authors = ParagraphStyle("mast-authors", parent=s.body, alignment=TA_LEFT, fontName=s.head_font,
                             fontSize=s.body.fontSize, leading=s.body.leading, spaceAfter=1)
    dateline = ParagraphStyle("mast-date", parent=authors, fontSize=s.body.fontSize - 1.5,
                              leading=s.body.leading - 2, textColor=colors.HexColor("#555555"), spaceAfter=0)

    class Rule(Flowable):
        def wrap(self, aw, ah):
            self.aw = aw
            return aw, 1

        def draw(self):
            from contextlib import nullcontext

            from builder.writers.pdf_tagging import tagger
            tags = tagger(self.canv)
            with tags.artifact(self.canv, "Layout") if tags else nullcontext():  # decoration, not content
                self.canv.setStrokeColor(colors.HexColor(RULE))
                self.canv.setLineWidth(0.6)
                self.canv.line(0, 0, self.aw, 0)

    band_text = f"{lines['institute']} {lines['kicker']}".strip()
    head = leaf(Paragraph('<a name="masthead"/>' + escape(lines["title"]), title), "H1", lines["title"])
    # the outline's top entry, under which the brief's sections sit; the running head names the kicker and date
    head.toc_entry = (0, " · ".join(p for p in (lines["kicker"], date_line(meta)) if p), "masthead")
    out = [leaf(Band(), "P", band_text), Spacer(1, 8 * mm), head]
    for key, style in (("authors", authors), ("dateline", dateline)):
        if lines[key]:
            out.append(leaf(Paragraph(escape(lines[key]), style), "P", lines[key]))
    out += [Spacer(1, 3 * mm), Rule(), Spacer(1, 4 * mm), NextPageTemplate("portrait")]
    return out


# -- DOCX -------------------------------------------------------------------------------------------------


def docx_masthead(w, meta) -> None:
    """The masthead for the DOCX writer `w`: a shaded band (institute line, kicker), then title, authors and
    dateline with a rule under them. Page 1 has no running head (the section's first-page header is empty)."""
    from docx.enum.text import WD_LINE_SPACING
    from docx.oxml.ns import qn
    from docx.oxml.parser import OxmlElement
    from docx.shared import Mm, Pt, RGBColor

    from builder.writers.cover import docx_page_band
    d, lines = w.docx, masthead_lines(meta)
    fill = _band_colour(w.style).lstrip("#")
    accent = RGBColor.from_string(w.style.colour("accent").lstrip("#"))

    def shade(p) -> None:
        shading = OxmlElement("w:shd")
        for key, value in (("val", "clear"), ("color", "auto"), ("fill", fill)):
            shading.set(qn(f"w:{key}"), value)
        p._p.get_or_add_pPr().append(shading)

    head_font = w.style.heading.name
    white = RGBColor(0xFF, 0xFF, 0xFF)
    band = d.add_paragraph()
    shade(band)
    fmt = band.paragraph_format
    fmt.space_before, fmt.space_after, fmt.keep_with_next = Pt(0), Pt(0), True
    fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, Pt(14)  # exact: the band's height is known
    run = band.add_run(lines["institute"].upper())
    run.font.size, run.font.color.rgb, run.font.name = Pt(8), white, head_font
    kicker = d.add_paragraph()
    shade(kicker)
    fmt = kicker.paragraph_format
    fmt.space_before, fmt.space_after, fmt.keep_with_next = Pt(0), Pt(18), True
    fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, Pt(24)
    run = kicker.add_run(lines["kicker"])
    run.bold, run.font.size, run.font.color.rgb, run.font.name = True, Pt(16), white, head_font
    # the shaded paragraphs stop at the margins: a band from the page's edges behind them, 8 pt below the kicker
    top = w.docx.sections[-1].top_margin
    docx_page_band(w, band, fill, max(Mm(BAND_MM), top + Pt(14 + 24 + 8)))
    title = d.add_paragraph(style="Title")
    run = title.add_run(lines["title"])
    run.font.size, run.font.color.rgb, run.bold, run.font.name = Pt(22), accent, True, head_font
    title.paragraph_format.space_after = Pt(4)
    _rule_under(title, "nil")  # the Title style's own rule: the masthead has one rule, under the dateline
    last = title
    for key, size, colour in (("authors", None, None), ("dateline", Pt(9), RGBColor(0x55, 0x55, 0x55))):
        if not lines[key]:
            continue
        p = d.add_paragraph()
        p.paragraph_format.space_after = Pt(1)
        run = p.add_run(lines[key])
        run.font.name = head_font
        if size:
            run.font.size = size
        if colour:
            run.font.color.rgb = colour
        last = p
    _rule_under(last, "single")
    last.paragraph_format.space_after = Pt(14)


def _rule_under(paragraph, kind: str) -> None:
    """A thin grey rule under the paragraph (`single`), or none even where its style draws one (`nil`)."""
    from docx.oxml.ns import qn
    from docx.oxml.parser import OxmlElement
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    values = (("val", "single"), ("sz", "5"), ("space", "6"), ("color", RULE.lstrip("#"))) if kind == "single" \
        else (("val", "nil"),)
    for key, value in values:
        bottom.set(qn(f"w:{key}"), value)
    border.append(bottom)
    _insert_in_order(paragraph._p.get_or_add_pPr(), border)


def _insert_in_order(ppr, element) -> None:
    """pBdr before the pPr children that must follow it (schema order: … pBdr, shd, tabs, … spacing, ind …)."""
    from docx.oxml.ns import qn
    after = ("w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct",
             "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid",
             "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc",
             "w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle",
             "w:rPr", "w:sectPr", "w:pPrChange")
    for child in ppr:
        if child.tag in {qn(t) for t in after}:
            child.addprevious(element)
            return
    ppr.append(element)


# -- decimal alignment ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DecimalLayout(TableLayout):
    """A table layout whose number columns line up on the decimal separator: each number is set in from the
    right by the widest fraction of its column less its own (both writers apply `hangs` as right padding)."""

    widest: tuple[float, ...] = ()
    fraction: object = field(default=None, compare=False)
    base: tuple[float, ...] = ()

    def hangs(self, c: int, cell: Cell) -> float:
        if cell.kind != "number" or cell.value is None or not self.widest or not self.widest[c]:
            return self.base[c] if self.base and not cell.uncertain and cell.kind in ("number", "year") else 0.0
        paren = 0.0 if cell.uncertain else self.base[c]
        return paren + self.widest[c] - self.fraction(cell)


def align_decimals(t: Table, layout: TableLayout, metrics: TableMetrics) -> TableLayout:
    from babel.numbers import get_decimal_symbol

    from builder.model.formatting import _locale as babel_locale
    from builder.model.formatting import format_cell
    sep = get_decimal_symbol(babel_locale(metrics.locale))
    size = layout.size

    def fraction(cell: Cell) -> float:
        """Width of the separator and the digits after it (and a closing parenthesis), 0 for a whole number."""
        if cell.kind != "number" or cell.value is None or not cell.decimals:
            return 0.0
        text = format_cell(cell, metrics.locale)
        return metrics.width(text[text.rfind(sep):].rstrip(")"), False) * size if sep in text else 0.0

    ncols = layout.columns
    widest, need = [0.0] * ncols, [0.0] * ncols
    rows = [r for r in t.body_rows if not r.group]
    for row in rows:
        for c, cell in enumerate(row.cells[:ncols]):
            if layout.numeric[c]:
                widest[c] = max(widest[c], fraction(cell))
    base = layout.hang or (0.0,) * ncols
    widths = list(layout.widths)
    for row in rows:
        for c, cell in enumerate(row.cells[:ncols]):
            if layout.numeric[c] and cell.kind == "number" and cell.value is not None:
                text = format_cell(cell, metrics.locale)
                whole = metrics.width(text, False) * size - fraction(cell)
                need[c] = max(need[c], whole + widest[c] + base[c])
    from builder.writers.table_layout import PAD
    for c in range(ncols):
        widths[c] = max(widths[c], need[c] + 2 * PAD + 0.5)
    extra = sum(widths) - layout.width  # what the aligned numbers need more, taken from the widest text column
    texts = [c for c in range(ncols) if not layout.numeric[c]]
    if extra > 0 and texts:
        widest_text = max(texts, key=lambda c: widths[c])
        widths[widest_text] -= extra
    fields_ = {f: getattr(layout, f) for f in TableLayout.__dataclass_fields__}
    fields_.update(widths=tuple(widths), hang=tuple(h + x for h, x in zip(base, widest)))
    return DecimalLayout(**fields_, widest=tuple(widest), fraction=fraction, base=tuple(base))


