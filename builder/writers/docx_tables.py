"""Data tables for the DOCX: header rows marked to repeat, spans merged, numbers right-aligned,
wide tables in a landscape section."""
from __future__ import annotations

from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

from builder.formatting import format_cell
from builder.model import Table
from builder.writers import _ooxml


def write_table(w, t: Table) -> None:
    if t.wide:
        _orient(w.docx, landscape=True)
    if t.id:
        w.caption("Table", t.number, t.caption, f"tab_{t.id}".replace("-", "_"))
    rows = t.header_rows + t.body_rows
    ncols = max(sum(max(c.colspan, 1) if c.colspan else 1 for c in r.cells) for r in rows)
    table = w.docx.add_table(rows=len(rows), cols=ncols)
    table.style = w.docx.styles["Table Grid"]
    for r, row in enumerate(rows):
        _fill_row(w, t, table, r, row, ncols)
    for r in range(len(t.header_rows)):
        _ooxml.repeat_header(table.rows[r])
    w.source_line(t.source, t.source_url, t.notes)
    if t.wide:
        _orient(w.docx, landscape=False)


def _fill_row(w, t: Table, table, r: int, row, ncols: int) -> None:
    header = r < len(t.header_rows)
    locale = w.doc.meta.locale
    cells = table.rows[r].cells
    if row.group:
        merged = cells[0].merge(cells[-1])
        run = merged.paragraphs[0].add_run(str(row.cells[0].value))
        run.bold = True
        merged.paragraphs[0]._p.style = w.ids["Table Text"]
        return
    for c, cell in enumerate(row.cells):
        if c >= ncols or cell.colspan == 0:
            continue
        target = cells[c].merge(cells[c + cell.colspan - 1]) if cell.colspan > 1 else cells[c]
        p = target.paragraphs[0]
        p._p.style = w.ids["Table Text"]
        run = p.add_run(format_cell(cell, locale))
        run.bold = header or None
        if header and cell.note is not None:
            p._p.append(_ooxml.footnote_reference(cell.note.number))
            if cell.note.number not in w.noted:
                w.footnote_body(cell.note)
        if header:
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif cell.kind in ("number", "year"):
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT


def _orient(docx, landscape: bool) -> None:
    section = docx.add_section(WD_SECTION.NEW_PAGE)
    want = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    if section.orientation != want:
        section.orientation = want
        section.page_width, section.page_height = section.page_height, section.page_width
