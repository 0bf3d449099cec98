"""Data tables for the DOCX, drawn from the shared table layout as Word users expect them: a grid of the data
columns only (header spans are gridSpan and vMerge, no phantom cells), fixed column widths, header rows
that repeat and shaded like the PDF's, rows that do not split across pages, numbers right-aligned.

The table's XML is written in one pass over its rows (python-docx's row and cell proxies rebuild lists on
every access, which made long tables quadratic)."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls

from builder.model import FootnoteRef, Table, TableRow
from builder.readers.style import Style
from builder.writers.table_layout import PAD, HeadCell, TableLayout, TableMetrics, layout_table

TWIPS = 20  # per point
KEEP_WHOLE = 15  # body rows: a table this short is not split across pages; a longer one, as in the PDF, starts
#                on the page where it is met, a table kept whole that does not fit a page left that page half empty
MIN_ROWS = 3  # a longer table split at a page end leaves at least this many rows on each side
RULE_OUTER, RULE_BOTTOM, RULE_INNER = 0.8, 0.6, 0.25  # points: the PDF's rules above, below and inside a table
PAD_TOP, PAD_BOTTOM = 1.0, 1.5  # points above and below a cell's text: with Word's single line a little higher
#                                than the PDF's 1.2 leading, rows as high as the PDF's (its padding: 1.5 and 2)


@dataclass(frozen=True)
class TableContext:
    """What a data table's Word XML is made of: the house style, the document's style ids by style name and the
    table metrics of the style."""

    style: Style
    style_ids: Mapping[str, str]
    metrics: TableMetrics
    align_decimals: bool = False  # number columns aligned on the decimal separator (the briefing pack)


@dataclass(frozen=True)
class BuiltTable:
    """A data table's w:tbl element and the footnote marks in its header cells, in order (the writer gives each
    note its body, once); the caption, headnote and source lines around it are the writer's."""

    element: Any
    notes: tuple[FootnoteRef, ...]


def table_layout(ctx: TableContext, t: Table) -> TableLayout:
    """The shared layout of `t` (the page orientation is its `landscape`); in a briefing pack, number columns
    aligned on the decimal separator."""
    layout = layout_table(t, ctx.metrics)
    if ctx.align_decimals and layout.numeric:
        from builder.writers.brief_layout import align_decimals
        layout = align_decimals(t, layout, ctx.metrics)
    return layout


def build_table(ctx: TableContext, t: Table, layout: TableLayout | None = None) -> BuiltTable:
    """The w:tbl of `t` under `layout` (computed when not given)."""
    xml = _Xml(ctx, t, layout or table_layout(ctx, t))
    return BuiltTable(xml.table(), tuple(xml.notes))


class _Xml:
    """The w:tbl of one table as XML text, written row by row in schema order and parsed once (building a
    long table element by element costs several times more than parsing its text)."""

    def __init__(self, ctx: TableContext, t: Table, layout: TableLayout):
        self.ctx, self.t, self.layout = ctx, t, layout
        self.style_id = ctx.style_ids["Table Text"]
        size = "" if layout.size == ctx.style.size("table") else f'<w:sz w:val="{round(layout.size * 2)}"/>'
        self.rpr = {False: f"<w:rPr>{size}</w:rPr>" if size else "", True: f"<w:rPr><w:b/>{size}</w:rPr>"}
        self.header_fill = ctx.style.colour("table_header").lstrip("#").upper()
        self.group_fill = ctx.style.colour("table_group").lstrip("#").upper()
        self.rule = ctx.style.colour("rule").lstrip("#").upper()
        self.twips = [round(x * TWIPS) for x in layout.widths]
        self.notes: list[FootnoteRef] = []

    def table(self):
        out = [f'<w:tbl {nsdecls("w")}>', self._properties(), "<w:tblGrid>"]
        out += [f'<w:gridCol w:w="{width}"/>' for width in self.twips]
        out.append("</w:tblGrid>")
        self.keep = True
        out += [self._header_row(r) for r in range(self.layout.header_rows)]
        n = len(self.t.body_rows)
        for i, (row, texts) in enumerate(zip(self.t.body_rows, self.layout.body_texts)):
            self.keep = _kept(i, n)
            out.append(self._body_row(row, texts))
        out.append("</w:tbl>")
        return parse_xml("".join(out))

    def _properties(self) -> str:
        pad = round(PAD * TWIPS)
        return (f'<w:tblPr><w:tblStyle w:val="{self.ctx.style_ids["Table Grid"]}"/>'
                f'<w:tblW w:w="{sum(self.twips)}" w:type="dxa"/>{self._borders()}<w:tblLayout w:type="fixed"/>'
                f'<w:tblCellMar><w:top w:w="{round(PAD_TOP * TWIPS)}" w:type="dxa"/><w:left w:w="{pad}" w:type="dxa"/>'
                f'<w:bottom w:w="{round(PAD_BOTTOM * TWIPS)}" w:type="dxa"/><w:right w:w="{pad}" w:type="dxa"/>'
                "</w:tblCellMar>"
                "</w:tblPr>")

    def _borders(self) -> str:
        """The PDF's rules (pdf_tables: `commands`), in the style's rule colour: a rule above and below the table,
        a hairline grid inside, no outer verticals; the header's lower rule as strong as the top (`_header_row`)."""
        def line(side: str, points: float) -> str:
            return f'<w:{side} w:val="single" w:sz="{round(points * 8)}" w:space="0" w:color="{self.rule}"/>'
        return ("<w:tblBorders>" + line("top", RULE_OUTER) + '<w:left w:val="nil"/>' + line("bottom", RULE_BOTTOM)
                + '<w:right w:val="nil"/>' + line("insideH", RULE_INNER) + line("insideV", RULE_INNER)
                + "</w:tblBorders>")

    @staticmethod
    def _row(cells: list[str], header: bool) -> str:
        head = "<w:tblHeader/>" if header else ""
        return f"<w:tr><w:trPr><w:cantSplit/>{head}</w:trPr>{''.join(cells)}</w:tr>"

    def _header_row(self, r: int) -> str:
        starts = {h.col: h for h in self.layout.head if h.row == r}
        covering = {h.col: h for h in self.layout.head if h.row < r < h.row + h.rowspan}
        cells, c = [], 0
        while c < self.layout.columns:
            h = starts.get(c) or covering.get(c)
            if h is None:  # cannot happen for a well-formed layout; keep the grid whole
                cells.append(self._cell(c, 1, "", fill=self.header_fill))
                c += 1
                continue
            merge = "restart" if h.row == r and h.rowspan > 1 else ("continue" if h.row < r else "")
            note = self._note(h) if h.cell.note is not None and merge != "continue" else ""
            cells.append(self._cell(c, h.colspan, "" if merge == "continue" else h.text, fill=self.header_fill,
                                    bold=True, align="center", merge=merge, tail=note,
                                    rule_below=h.row + h.rowspan == self.layout.header_rows))
            c += h.colspan
        return self._row(cells, header=True)

    def _note(self, h: HeadCell) -> str:
        self.notes.append(h.cell.note)
        return (f'<w:r><w:rPr><w:rStyle w:val="FootnoteReference"/></w:rPr>'
                f'<w:footnoteReference w:id="{h.cell.note.number}"/></w:r>')

    def _body_row(self, row: TableRow, texts) -> str:
        n = self.layout.columns
        if row.group:
            return self._row([self._cell(0, n, texts[0], fill=self.group_fill, bold=True)], header=False)
        cells, c = [], 0
        for cell, text in zip(row.cells, texts):
            if c >= n:
                break
            if cell.colspan == 0:
                continue
            span = min(max(cell.colspan, 1), n - c)
            cells.append(self._cell(c, span, text, bold=row.total, align="right" if self.layout.numeric[c] else "",
                                    indent=row.level if c == 0 else 0, rule_above=row.total,
                                    hang=self.layout.hangs(c, cell)))
            c += span
        if c < n:
            cells.append(self._cell(c, n - c, ""))
        return self._row(cells, header=False)

    def _cell(self, col: int, span: int, text: str, fill: str = "", bold: bool = False, align: str = "",
              merge: str = "", indent: int = 0, rule_above: bool = False, tail: str = "", hang: float = 0.0,
              rule_below: bool = False) -> str:
        pr = [f'<w:tcW w:w="{sum(self.twips[col:col + span])}" w:type="dxa"/>']
        if span > 1:
            pr.append(f'<w:gridSpan w:val="{span}"/>')
        if merge:
            pr.append('<w:vMerge w:val="restart"/>' if merge == "restart" else "<w:vMerge/>")
        if rule_above or rule_below:  # a total's rule above, the header's below, as in the PDF
            side, points = ("top", RULE_BOTTOM) if rule_above else ("bottom", RULE_OUTER)
            pr.append(f'<w:tcBorders><w:{side} w:val="single" w:sz="{round(points * 8)}" w:space="0" '
                      f'w:color="{self.rule}"/></w:tcBorders>')
        if fill:
            pr.append(f'<w:shd w:val="clear" w:color="auto" w:fill="{fill}"/>')
            if fill == self.header_fill:
                pr.append('<w:vAlign w:val="center"/>')
        ppr = f'<w:pStyle w:val="{self.style_id}"/>' + ("<w:keepNext/>" if self.keep else "")
        if indent or hang:
            ppr += f'<w:ind w:left="{round(indent * self.layout.size * TWIPS)}" w:right="{round(hang * TWIPS)}"/>'
        if align:
            ppr += f'<w:jc w:val="{align}"/>'
        run = f'<w:r>{self.rpr[bold]}<w:t{_space(text)}>{escape(text)}</w:t></w:r>' if text else ""
        return f"<w:tc><w:tcPr>{''.join(pr)}</w:tcPr><w:p><w:pPr>{ppr}</w:pPr>{run}{tail}</w:p></w:tc>"


def _kept(i: int, rows: int) -> bool:
    """Whether body row i keeps with the next paragraph, as the PDF keeps tables: a short table whole with its
    caption and source, a long one split only with a few rows on each side."""
    return rows <= KEEP_WHOLE or i < MIN_ROWS - 1 or i >= rows - MIN_ROWS


def _space(text: str) -> str:
    """xml:space only where spaces would be lost: moving thousands of xml:space attributes into the
    document costs lxml seconds."""
    return ' xml:space="preserve"' if text != text.strip() or "  " in text else ""


def set_orientation(docx, landscape: bool) -> None:
    section = docx.add_section(WD_SECTION.NEW_PAGE)
    want = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    if section.orientation != want:
        section.orientation = want
        section.page_width, section.page_height = section.page_height, section.page_width
