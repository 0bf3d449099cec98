"""Data tables for the PDF: typed cells, spans, repeated header rows, and the width rule
(natural width → smaller type down to the style's minimum → landscape page)."""
from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Paragraph, Table as RLTable, TableStyle

from builder.formatting import format_cell
from builder.model import Cell, Table
from builder.transforms import table_note_refs
from builder.writers.pdf_footnotes import FootnoteParagraph

PAD = 3


def build_table(w, t: Table) -> list:
    """Caption, table and source line; wide tables go on a landscape page."""
    locale = w.doc.meta.locale
    texts = [[format_cell(c, locale) if c.colspan else "" for c in row.cells] for row in t.header_rows + t.body_rows]
    size, width, wide = _fit(w, t, texts)
    flow = _caption(w, t)
    table = _rl_table(w, t, size, width)
    flow.append(table)
    flow.extend(_source(w, t))
    if wide:
        w.want_landscape = True
    return flow


def _caption(w, t: Table) -> list:
    if not t.id:
        return []
    from builder.writers.pdf import _markup
    notes = tuple(ref.id for ref in table_note_refs(t))
    text = f'<a name="{t.id}"/>{escape(w.doc.labels["table"])} {escape(t.number)}. ' + _markup(t.caption, w.accent)
    return [FootnoteParagraph(text, w.s.caption, w.store, extra_labels=notes)]


def _source(w, t: Table) -> list:
    out = []
    if t.notes:
        out.append(Paragraph(escape(t.notes), w.s.source))
    if t.source:
        text = escape(f"{w.doc.labels['source']}: {t.source}")
        if t.source_url:
            text += f' (<a href={quoteattr(t.source_url)} color="{w.accent}">{escape(t.source_url)}</a>)'
        out.append(Paragraph(text, w.s.source))
    return out


def _natural(w, t: Table, texts, size: float) -> list[float]:
    """Widest unbroken content per column at `size` (text columns capped, they wrap)."""
    font = w.s.head_font
    ncols = max(len(r) for r in texts)
    widths = [0.0] * ncols
    for r, row in enumerate(t.header_rows + t.body_rows):
        for c, cell in enumerate(row.cells):
            if cell.colspan != 1 or c >= ncols:
                continue
            text = texts[r][c]
            wrap = cell.kind == "text" and (r >= len(t.header_rows) or len(text) > 12)
            need = stringWidth(text, font, size) + 2 * PAD + 1
            if wrap:
                longest_word = max((stringWidth(x, font, size) for x in text.split()), default=0)
                need = max(min(need, 150), longest_word + 2 * PAD + 1)
            widths[c] = max(widths[c], need)
    return widths


def _fit(w, t: Table, texts) -> tuple[float, list[float], bool]:
    """Type size and column widths: shrink to the minimum size, else landscape."""
    base, low = w.style.size("table"), w.style.size("table_min")
    size = base
    while size >= low:
        nat = _natural(w, t, texts, size)
        if sum(nat) <= w.width:
            return size, _spread(nat, w.width, t), False
        size -= 0.5
    land_width = landscape(w.page_size)[0] - (w.width_margins)
    size = base
    while size >= low:
        nat = _natural(w, t, texts, size)
        if sum(nat) <= land_width:
            return size, _spread(nat, land_width, t), True
        size -= 0.5
    nat = _natural(w, t, texts, low)
    return low, _squeeze(nat, land_width), True


def _spread(nat: list[float], avail: float, t: Table) -> list[float]:
    """Give spare width to text columns (they read better unwrapped); numbers keep their width."""
    spare = avail - sum(nat)
    text_cols = [i for i in range(len(nat)) if _is_text_column(t, i)]
    if not text_cols:
        return nat
    share = spare / len(text_cols)
    return [n + share if i in text_cols else n for i, n in enumerate(nat)]


def _squeeze(nat: list[float], avail: float) -> list[float]:
    scale = avail / sum(nat)
    return [n * scale for n in nat]


def _is_text_column(t: Table, i: int) -> bool:
    cells = [r.cells[i] for r in t.body_rows if not r.group and i < len(r.cells)]
    return any(c.kind == "text" for c in cells)


def _cell_flowable(w, cell: Cell, text: str, style: ParagraphStyle, header: bool):
    if cell.colspan == 0:
        return ""
    markup = escape(text)
    if header and cell.note is not None:
        markup += f"<super>{cell.note.number}</super>"
    return Paragraph(markup, style)


def _rl_table(w, t: Table, size: float, widths: list[float]) -> RLTable:
    locale = w.doc.meta.locale
    base = ParagraphStyle("tcell", parent=w.s.cell, fontSize=size, leading=size * 1.2)
    bold = ParagraphStyle("thead", parent=base, fontName=w.s.head_font.replace("-regular", "-bold"),
                          alignment=TA_CENTER)
    num = ParagraphStyle("tnum", parent=base, alignment=TA_RIGHT)
    rows, commands = [], []
    nh = len(t.header_rows)
    for r, row in enumerate(t.header_rows + t.body_rows):
        header = r < nh
        cells = []
        for c, cell in enumerate(row.cells):
            style = bold if header or row.group else (num if cell.kind in ("number", "year") else base)
            if row.group:
                style = ParagraphStyle("tgroup", parent=bold, alignment=TA_LEFT)
            cells.append(_cell_flowable(w, cell, format_cell(cell, locale), style, header))
            if cell.colspan > 1:
                commands.append(("SPAN", (c, r), (c + cell.colspan - 1, r)))
        cells += [""] * (len(widths) - len(cells))
        if row.group:
            commands += [("SPAN", (0, r), (-1, r)), ("BACKGROUND", (0, r), (-1, r),
                                                       colors.HexColor(w.style.colour("table_group")))]
        rows.append(cells)
    table = RLTable(rows, colWidths=widths, repeatRows=nh if t.id else 0, splitInRow=1, hAlign="LEFT")
    table.setStyle(TableStyle(_base_commands(w, nh) + commands))
    return table


def _base_commands(w, nh: int) -> list:
    rule = colors.HexColor(w.style.colour("rule"))
    cmds = [("VALIGN", (0, 0), (-1, -1), "TOP"), ("FONT", (0, 0), (-1, -1), w.s.head_font),
            ("LEFTPADDING", (0, 0), (-1, -1), PAD), ("RIGHTPADDING", (0, 0), (-1, -1), PAD),
            ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ("LINEBELOW", (0, -1), (-1, -1), 0.6, rule), ("INNERGRID", (0, 0), (-1, -1), 0.25, rule),
            ("LINEABOVE", (0, 0), (-1, 0), 0.8, rule)]
    if nh:
        cmds += [("BACKGROUND", (0, 0), (-1, nh - 1), colors.HexColor(w.style.colour("table_header"))),
                 ("VALIGN", (0, 0), (-1, nh - 1), "MIDDLE"), ("LINEBELOW", (0, nh - 1), (-1, nh - 1), 0.8, rule)]
    return cmds
