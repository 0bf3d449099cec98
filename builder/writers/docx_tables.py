"""Data tables for the DOCX, drawn from the shared table layout as Word users expect them: a grid of the data
columns only (header spans are gridSpan and vMerge, no phantom cells), fixed column widths, header rows
that repeat and shaded like the PDF's, rows that do not split across pages, numbers right-aligned.

The table's XML is written in one pass over its rows (python-docx's row and cell proxies rebuild lists on
every access, which made long tables quadratic)."""
from __future__ import annotations

from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.oxml.ns import qn
from docx.oxml.parser import OxmlElement
from lxml import etree

from builder.model import Table, TableRow
from builder.table_layout import PAD, HeadCell, TableLayout, layout_table, table_metrics
from builder.writers import _ooxml

TWIPS = 20  # per point


def table_layout(w, t: Table) -> TableLayout:
    """The shared layout of `t`, computed once per table for this document."""
    cache = w.__dict__.setdefault("table_layouts", {})
    if id(t) not in cache:
        if getattr(w, "table_metrics", None) is None:
            w.table_metrics = table_metrics(w.style, w.doc.meta.locale)
        cache[id(t)] = (t, layout_table(t, w.table_metrics))
    return cache[id(t)][1]


def write_table(w, t: Table) -> None:
    if t.id:
        w.caption("Table", t.number, t.caption, f"tab_{t.id}".replace("-", "_"), t.id)
    if t.headnote:
        w.para("Source", t.headnote).paragraph_format.keep_with_next = True
    layout = table_layout(w, t)
    tbl = _Xml(w, t, layout).table()
    w.docx.element.body._insert_tbl(tbl)
    w.source_line(t.source, t.source_url, t.notes)


class _Xml:
    """The w:tbl element of one table, built top-down in schema order."""

    def __init__(self, w, t: Table, layout: TableLayout):
        self.w, self.t, self.layout = w, t, layout
        self.style_id = w.ids["Table Text"]
        self.half_points = str(round(layout.size * 2))
        self.header_fill = w.style.colour("table_header").lstrip("#").upper()
        self.group_fill = w.style.colour("table_group").lstrip("#").upper()
        self.twips = [round(x * TWIPS) for x in layout.widths]

    def table(self):
        tbl = OxmlElement("w:tbl")
        self._properties(tbl)
        grid = _sub(tbl, "w:tblGrid")
        for width in self.twips:
            _sub(grid, "w:gridCol", {"w:w": str(width)})
        for r in range(self.layout.header_rows):
            self._header_row(tbl, r)
        for row, texts in zip(self.t.body_rows, self.layout.body_texts):
            self._body_row(tbl, row, texts)
        return tbl

    def _properties(self, tbl) -> None:
        pr = _sub(tbl, "w:tblPr")
        _sub(pr, "w:tblStyle", {"w:val": self.w.ids["Table Grid"]})
        _sub(pr, "w:tblW", {"w:w": str(sum(self.twips)), "w:type": "dxa"})
        _sub(pr, "w:tblLayout", {"w:type": "fixed"})
        margins = _sub(pr, "w:tblCellMar")
        for side in ("left", "right"):
            _sub(margins, f"w:{side}", {"w:w": str(round(PAD * TWIPS)), "w:type": "dxa"})

    def _row(self, tbl, header: bool):
        tr = _sub(tbl, "w:tr")
        pr = _sub(tr, "w:trPr")
        _sub(pr, "w:cantSplit")
        if header:
            _sub(pr, "w:tblHeader")
        return tr

    def _header_row(self, tbl, r: int) -> None:
        tr = self._row(tbl, header=True)
        starts = {h.col: h for h in self.layout.head if h.row == r}
        covering = {h.col: h for h in self.layout.head if h.row < r < h.row + h.rowspan}
        c = 0
        while c < self.layout.columns:
            h = starts.get(c) or covering.get(c)
            if h is None:  # cannot happen for a well-formed layout; keep the grid whole
                self._cell(tr, c, 1, "", fill=self.header_fill)
                c += 1
                continue
            merge = "restart" if h.row == r and h.rowspan > 1 else ("continue" if h.row < r else "")
            p = self._cell(tr, c, h.colspan, "" if merge == "continue" else h.text, fill=self.header_fill,
                           bold=True, align="center", merge=merge)
            if h.cell.note is not None and merge != "continue":
                self._note(p, h)
            c += h.colspan

    def _note(self, p, h: HeadCell) -> None:
        p.append(_ooxml.footnote_reference(h.cell.note.number))
        if h.cell.note.number not in self.w.noted:
            self.w.footnote_body(h.cell.note)

    def _body_row(self, tbl, row: TableRow, texts) -> None:
        tr = self._row(tbl, header=False)
        if row.group:
            self._cell(tr, 0, self.layout.columns, texts[0], fill=self.group_fill, bold=True)
            return
        c = 0
        for cell, text in zip(row.cells, texts):
            if c >= self.layout.columns:
                break
            if cell.colspan == 0:
                continue
            span = min(max(cell.colspan, 1), self.layout.columns - c)
            numeric = self.layout.numeric[c]
            self._cell(tr, c, span, text, bold=row.total, align="right" if numeric else "",
                       indent=row.level if c == 0 else 0, rule_above=row.total)
            c += span
        if c < self.layout.columns:
            self._cell(tr, c, self.layout.columns - c, "")

    def _cell(self, tr, col: int, span: int, text: str, fill: str = "", bold: bool = False, align: str = "",
              merge: str = "", indent: int = 0, rule_above: bool = False):
        tc = _sub(tr, "w:tc")
        pr = _sub(tc, "w:tcPr")
        _sub(pr, "w:tcW", {"w:w": str(sum(self.twips[col:col + span])), "w:type": "dxa"})
        if span > 1:
            _sub(pr, "w:gridSpan", {"w:val": str(span)})
        if merge:
            _sub(pr, "w:vMerge", {"w:val": "restart"} if merge == "restart" else {})
        if rule_above:
            borders = _sub(pr, "w:tcBorders")
            _sub(borders, "w:top", {"w:val": "single", "w:sz": "8", "w:space": "0", "w:color": "auto"})
        if fill:
            _sub(pr, "w:shd", {"w:val": "clear", "w:color": "auto", "w:fill": fill})
        if fill == self.header_fill:
            _sub(pr, "w:vAlign", {"w:val": "center"})
        return self._paragraph(tc, text, bold, align, indent)

    def _paragraph(self, tc, text: str, bold: bool, align: str, indent: int):
        p = _sub(tc, "w:p")
        ppr = _sub(p, "w:pPr")
        _sub(ppr, "w:pStyle", {"w:val": self.style_id})
        if indent:
            _sub(ppr, "w:ind", {"w:left": str(round(indent * self.layout.size * TWIPS))})
        if align:
            _sub(ppr, "w:jc", {"w:val": align})
        if text:
            r = _sub(p, "w:r")
            rpr = _sub(r, "w:rPr")
            if bold:
                _sub(rpr, "w:b")
            _sub(rpr, "w:sz", {"w:val": self.half_points})
            t = _sub(r, "w:t", {"xml:space": "preserve"})
            t.text = text
        return p


def _sub(parent, tag: str, attrs: dict[str, str] | None = None):
    el = etree.SubElement(parent, qn(tag))
    for name, value in (attrs or {}).items():
        el.set(qn(name) if not name.startswith("xml:") else "{http://www.w3.org/XML/1998/namespace}space", value)
    return el


def set_orientation(docx, landscape: bool) -> None:
    section = docx.add_section(WD_SECTION.NEW_PAGE)
    want = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    if section.orientation != want:
        section.orientation = want
        section.page_width, section.page_height = section.page_height, section.page_width
