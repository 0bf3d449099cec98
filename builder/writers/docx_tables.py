"""Data tables for the DOCX: header rows marked to repeat, spans merged, numbers right-aligned,
wide tables in a landscape section."""
from __future__ import annotations

from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH

from builder.formatting import format_cell
from builder.model import Table
from builder.writers import _ooxml


def write_table(w, t: Table) -> None:
    if t.id:
        w.caption("Table", t.number, t.caption, f"tab_{t.id}".replace("-", "_"), t.id)
    rows = t.header_rows + t.body_rows
    ncols = max(sum(max(c.colspan, 1) if c.colspan else 1 for c in r.cells) for r in rows)
    table = w.docx.add_table(rows=len(rows), cols=ncols)
    table.style = w.docx.styles["Table Grid"]
    _ooxml.cell_margins(table, twips=45)
    for r, row in enumerate(rows):
        _fill_row(w, t, table, r, row, ncols)
    for r in range(len(t.header_rows)):
        _ooxml.repeat_header(table.rows[r])
    _widths(w, t, table, ncols)
    w.source_line(t.source, t.source_url, t.notes)


def _widths(w, t: Table, table, ncols: int) -> None:
    """Column widths in proportion to their content, filling the text width of the page."""
    weights = _content_weights(w, t, ncols)
    section = w.docx.sections[-1]
    avail = section.page_width - section.left_margin - section.right_margin
    table.autofit = False
    for i, column in enumerate(table.columns):
        width = int(avail * weights[i] / sum(weights))
        column.width = width  # the table grid, which LibreOffice reads
        for cell in column.cells:
            cell.width = width


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


def _content_weights(w, t: Table, ncols: int) -> list[float]:
    """Characters each column needs: numbers never wrap, text wraps beyond 28 characters."""
    locale = w.doc.meta.locale
    need = [3.0] * ncols
    for row in t.header_rows + t.body_rows:
        if row.group:
            continue
        for c, cell in enumerate(row.cells[:ncols]):
            if cell.colspan != 1:
                continue
            text = format_cell(cell, locale)
            longest_word = max((len(x) for x in text.split()), default=0)
            want = len(text) + 2.5 if cell.kind in ("number", "year") else min(max(len(text), longest_word), 24)
            need[c] = max(need[c], want)
    return need


def set_orientation(docx, landscape: bool) -> None:
    section = docx.add_section(WD_SECTION.NEW_PAGE)
    want = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    if section.orientation != want:
        section.orientation = want
        section.page_width, section.page_height = section.page_height, section.page_width
