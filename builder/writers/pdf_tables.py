"""Data tables for the PDF, drawn from the shared table layout: typed cells, header spans and vertical merges,
repeated header rows, "(continued)" on later pages, landscape pages where the layout says so.

A long table is never handed to ReportLab whole (ReportLab re-measures the rest of a table at every page
break, which is quadratic in its length): `PagedTable` turns only the rows one page can take into a
ReportLab table, and its remainder keeps an offset into the same rows, so any length costs linear time."""
from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, Paragraph, Table as RLTable, TableStyle

from builder.model import Table, TableRow
from builder.model.labels import Labels
from builder.model.transforms import table_note_refs
from builder.readers.typography import URL_TEXT
from builder.readers.style import Style
from builder.writers.pdf_footnotes import FootnoteParagraph, FootnoteStore
from builder.writers.pdf_markup import markup
from builder.writers.table_layout import PAD, TableLayout, TableMetrics, layout_table

PAGE_HEIGHT = 1200.0  # points: more than any frame's height
MIN_ROWS = 3  # a table split at a page end leaves at least this many body rows (or all it has) on each side


@dataclass(frozen=True)
class TableContext:
    """What a data table's flowables are made of: the house style and the writer's paragraph styles (`s`: caption,
    source, cell, head_font), the document's words, the footnote store of the marks in captions, the portrait
    page size and the table metrics of the style."""

    style: Style
    s: Any
    labels: Labels
    accent: str
    store: FootnoteStore
    page_size: tuple[float, float]
    metrics: TableMetrics
    align_decimals: bool = False  # number columns aligned on the decimal separator (the briefing pack)


@dataclass(frozen=True)
class BuiltTable:
    """A data table's flowables (caption and headnote, then `paged`, which carries the source lines) and whether
    the layout puts it on landscape pages."""

    flowables: list
    paged: PagedTable
    landscape: bool


def build_table(ctx: TableContext, t: Table) -> BuiltTable:
    """Caption, headnote, table and source line; the layout decides the page orientation."""
    layout = table_layout(ctx, t)
    flow = _caption(ctx, t)
    if t.headnote:
        flow.append(Paragraph(escape(t.headnote), _headnote_style(ctx)))
    paged = PagedTable(_Cells(ctx, t, layout), _source(ctx, t))
    return BuiltTable(flow + [paged], paged, layout.landscape)


def table_layout(ctx: TableContext, t: Table) -> TableLayout:
    """The shared layout of `t`; in a briefing pack, number columns aligned on the decimal separator."""
    layout = layout_table(t, ctx.metrics)
    if ctx.align_decimals and layout.numeric:
        from builder.writers.brief_layout import align_decimals
        layout = align_decimals(t, layout, ctx.metrics)
    return layout


def make_rl_table(rows: list, widths, repeat_rows: int, commands: list, split_in_row: int = 0) -> RLTable:
    """Every ReportLab table of a data table is made here (one place to swap in a subclass)."""
    table = RLTable(rows, colWidths=list(widths), repeatRows=repeat_rows, splitInRow=split_in_row, hAlign="LEFT")
    table.setStyle(TableStyle(commands))
    return table


def _caption(ctx: TableContext, t: Table) -> list:
    if not t.id:
        return []
    notes = tuple(ref.id for ref in table_note_refs(t))
    text = f'<a name="{t.id}"/>{escape(ctx.labels["table"])} {escape(t.number)}. ' + markup(t.caption, ctx.accent)
    return [FootnoteParagraph(text, ctx.s.caption, ctx.store, extra_labels=notes)]


def _headnote_style(ctx: TableContext) -> ParagraphStyle:
    return ParagraphStyle("headnote", parent=ctx.s.source, spaceBefore=0, spaceAfter=3, keepWithNext=1)


def _source(ctx: TableContext, t: Table) -> list:
    out = []
    if t.notes:
        out.append(Paragraph(escape(t.notes), ctx.s.source))
    if t.citation:
        text = escape(f"{ctx.labels['source']}: {t.citation}")
        if t.source_url:
            text += f' (<a href={quoteattr(t.source_url)} color="{ctx.accent}">{escape(t.source_url)}</a>)'
        out.append(Paragraph(text, ctx.s.source))
    return out


class _Cells:
    """The ReportLab content of one table, made row by row on demand."""

    def __init__(self, ctx: TableContext, t: Table, layout: TableLayout):
        self.t, self.layout, self.accent = t, layout, ctx.accent
        labels = ctx.labels
        self.continued = escape(f"{labels['table']} {t.number} ({labels['continued']})") if t.id else ""
        if self.continued and t.headnote:  # the headnote holds for every page of the table
            note = ctx.s.source
            self.continued += f'<br/><font name="{note.fontName}" size="{note.fontSize}">{escape(t.headnote)}</font>'
        self.caption_style = ParagraphStyle("tcont", parent=ctx.s.caption, spaceBefore=0, spaceAfter=3)
        size = layout.size
        self.font, self.bold_font = ctx.s.head_font, ctx.s.head_font.replace("-regular", "-bold")
        self.rule = colors.HexColor(ctx.style.colour("rule"))
        self.header_fill = colors.HexColor(ctx.style.colour("table_header"))
        self.group_fill = colors.HexColor(ctx.style.colour("table_group"))
        self.base = ParagraphStyle("tcell", parent=ctx.s.cell, fontName=self.font, fontSize=size, leading=size * 1.2)
        self.head = ParagraphStyle("thead", parent=self.base, fontName=self.bold_font, alignment=TA_CENTER)
        self.group = ParagraphStyle("tgroup", parent=self.head, alignment=TA_LEFT)
        self.bold = ParagraphStyle("tbold", parent=self.base, fontName=self.bold_font)
        self.number = ParagraphStyle("tnum", parent=self.base, alignment=TA_RIGHT)
        self.header = self._header()
        self.min_row = size * 1.2 + 3.5
        self._made: dict[int, list] = {}
        margins = ctx.style.margins_mm
        page = landscape(ctx.page_size) if layout.landscape else ctx.page_size
        self.frame_height = page[1] - (margins["top"] + margins["bottom"]) * mm
        self.tags, self.nodes = None, None
        self._one_line = [width - 2 * PAD - 1 for width in layout.widths]

    @property
    def nh(self) -> int:
        return self.layout.header_rows

    @property
    def body(self) -> int:
        return len(self.t.body_rows)

    def _header(self) -> list[list]:
        grid: list[list] = [[""] * self.layout.columns for _ in range(self.nh)]
        for h in self.layout.head:
            markup = escape(h.text)
            if h.cell.note is not None:
                markup += f"<super>{h.cell.note.number}</super>"
            grid[h.row][h.col] = Paragraph(markup, self.head)
        return grid

    def rows(self, start: int, stop: int) -> list[list]:
        """Body rows start:stop as cell contents, each row made once (a page's window overlaps the next)."""
        for i in [i for i in self._made if i < start]:
            del self._made[i]
        for i in range(start, stop):
            if i not in self._made:
                self._made[i] = self._row(self.t.body_rows[i], self.layout.body_texts[i])
        return [self._made[i] for i in range(start, stop)]

    def _row(self, row: TableRow, texts) -> list:
        n = self.layout.columns
        if row.group:
            return [Paragraph(escape(texts[0]), self.group)] + [""] * (n - 1)
        out = []
        for c, (cell, text) in enumerate(zip(row.cells[:n], texts)):
            if cell.colspan == 0:
                out.append("")
            elif self.layout.numeric[c]:
                out.append(text)  # a plain string: numbers never wrap, and strings are cheap to lay out
            else:
                out.append(self._text(row, c, text))
        return out + [""] * (n - len(out))

    def _text(self, row: TableRow, c: int, text: str):
        style = self.bold if row.total else self.base
        if c == 0 and row.level:
            style = ParagraphStyle("tsub", parent=style, leftIndent=row.level * self.layout.size)
        elif "://" in text and URL_TEXT.match(text):  # a web address: a link, broken after `/` and `.` as needed
            return Paragraph(f'<a href={quoteattr(text)} color="{self.accent}">{escape(text)}</a>', style)
        elif stringWidth(text, style.fontName, style.fontSize) <= self._one_line[c]:
            return text  # one line: a plain string, drawn in the row's font
        return Paragraph(escape(text), style)

    def commands(self, start: int, stop: int) -> list:
        nh, size = self.nh, self.layout.size
        cmds = [("VALIGN", (0, 0), (-1, -1), "TOP"), ("FONT", (0, 0), (-1, -1), self.font, size, size * 1.2),
                ("LEFTPADDING", (0, 0), (-1, -1), PAD), ("RIGHTPADDING", (0, 0), (-1, -1), PAD),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                ("LINEBELOW", (0, -1), (-1, -1), 0.6, self.rule), ("INNERGRID", (0, 0), (-1, -1), 0.25, self.rule),
                ("LINEABOVE", (0, 0), (-1, 0), 0.8, self.rule)]
        cmds += [("ALIGN", (c, nh), (c, -1), "RIGHT") for c, num in enumerate(self.layout.numeric) if num]
        if nh:
            cmds += [("BACKGROUND", (0, 0), (-1, nh - 1), self.header_fill), ("VALIGN", (0, 0), (-1, nh - 1), "MIDDLE"),
                     ("TOPPADDING", (0, 0), (-1, nh - 1), 3.5), ("LINEBELOW", (0, nh - 1), (-1, nh - 1), 0.8, self.rule)]
            cmds += [("SPAN", (h.col, h.row), (h.col + h.colspan - 1, h.row + h.rowspan - 1))
                     for h in self.layout.head if h.colspan > 1 or h.rowspan > 1]
        for k, i in enumerate(range(start, stop), start=nh):
            row = self.t.body_rows[i]
            if row.group:
                cmds += [("SPAN", (0, k), (-1, k)), ("BACKGROUND", (0, k), (-1, k), self.group_fill)]
            elif row.total:
                cmds += [("LINEABOVE", (0, k), (-1, k), 0.6, self.rule), ("FONT", (0, k), (-1, k), self.bold_font)]
            else:
                cmds += [("SPAN", (c, k), (c + cell.colspan - 1, k))
                         for c, cell in enumerate(row.cells) if cell.colspan > 1]
            if any(self.layout.hang) and not row.group:
                cmds += [("RIGHTPADDING", (c, k), (c, k), PAD + self.layout.hangs(c, cell))
                         for c, cell in enumerate(row.cells) if self.layout.hangs(c, cell)]
        return cmds

    def table(self, start: int, stop: int, split_in_row: int = 0) -> RLTable:
        rows = [list(r) for r in self.header] + self.rows(start, stop)
        repeat = self.nh if self.t.id else 0
        table = make_rl_table(rows, self.layout.widths, repeat, self.commands(start, stop), split_in_row)
        if self.nodes is not None:  # tagged PDF: each row list names its row's structure elements
            index = list(range(self.nh)) + [self.nh + i for i in range(start, stop)]
            self.tags.table(table, {id(row): self.nodes[k] for row, k in zip(table._cellvalues, index)})
        return table


class PagedTable(Flowable):
    """Rows `start:` of a table, then its source lines. Only a page's worth of rows becomes a ReportLab table
    at a time; a split leaves a PagedTable for the rest, which repeats the header under a "(continued)"
    caption line. The source lines stay with the last rows."""

    def __init__(self, cells: _Cells, tail: list, start: int = 0):
        super().__init__()
        self.cells, self.tail, self.start = cells, tail, start
        self._part: RLTable | None = None
        self._stop = start
        self._caption: Paragraph | None = None
        if start and cells.continued:
            self._caption = Paragraph(cells.continued, cells.caption_style)

    def tag(self, tags, t: Table) -> None:
        """Structure elements (THead, TBody, TR, TH, TD) for every row, made now in reading order; each page's
        ReportLab table is tagged with those of its rows when it is made."""
        from builder.writers.pdf_tagging import table_grid
        rows = [[""] * self.cells.layout.columns for _ in range(self.cells.nh + self.cells.body)]
        grid = table_grid(tags, rows, t)
        self.cells.tags, self.cells.nodes = tags, [grid[id(row)] for row in rows]

    def _window(self, aH: float) -> int:
        """How many rows from `start` can possibly fit into aH, plus one: enough to overfill it. Measured
        without a height limit (KeepTogether does that), a page's worth stands for the rest."""
        return self.start + max(int(min(aH, PAGE_HEIGHT) / self.cells.min_row) + 1, MIN_ROWS * 2)

    def wrap(self, aW, aH):
        stop = min(self._window(aH), self.cells.body)
        if self._part is None or stop != self._stop:
            self._part, self._stop = self.cells.table(self.start, stop), stop
        last = self._stop == self.cells.body
        self._view = _Stacked(self._caption, self._part, self.tail if last else [])
        self.width, self.height = self._view.wrap(aW, aH)
        if aH > PAGE_HEIGHT and self.height > self.cells.frame_height:
            # measured without a limit (KeepTogether with the caption): a table longer than a page is split
            # anyway, so it asks only for room for its header and first rows, and starts on this page
            return self.width, self.cells.table(self.start, min(self.start + MIN_ROWS, self.cells.body)).wrap(aW, aH)[1]
        return self.width, self.height

    def getSpaceAfter(self) -> float:
        return self._view.getSpaceAfter() if hasattr(self, "_view") else 0.0

    def split(self, aW, aH):
        self.wrap(aW, aH)
        left = self.cells.body - self.start
        room = aH - self._view.caption_height
        taken = self._rows_that_fit(room)
        if taken >= left and self._rows_that_fit(room - self._view.tail_height(aW, self.tail)) < left:
            taken = left - MIN_ROWS  # the source line does not fit: it takes a few rows along
        elif 0 < left - taken < MIN_ROWS:  # no widow rows: leave a few for the next page
            taken -= MIN_ROWS - (left - taken)
        taken = max(taken, 0)
        if taken >= min(MIN_ROWS, left) or (taken and self._at_top()):
            done = taken >= left
            head = _Stacked(self._caption, self.cells.table(self.start, self.start + taken), self.tail if done else [])
            return [head] + ([] if done else [PagedTable(self.cells, self.tail, self.start + taken)])
        if self._at_top():  # not even one row fits an empty page: let rows split inside themselves
            done = self._stop >= self.cells.body
            whole = _Stacked(self._caption, self.cells.table(self.start, self._stop, split_in_row=1),
                             self.tail if done else [])
            return [whole] + ([] if done else [PagedTable(self.cells, self.tail, self._stop)])
        return []

    def _rows_that_fit(self, room: float) -> int:
        """Body rows of the current window whose heights add up within `room`, below the header."""
        heights = self._part._rowHeights
        room -= sum(heights[:self.cells.nh])
        taken = 0
        for height in heights[self.cells.nh:]:
            room -= height
            if room < -1e-6:
                break
            taken += 1
        return taken

    def _at_top(self) -> bool:
        frame = getattr(self, "_frame", None)
        return bool(frame is not None and getattr(frame, "_atTop", False))

    def draw(self):
        self._view.drawOn(self.canv, 0, 0)


class _Stacked(Flowable):
    """A table part with an optional caption line above and source lines below, as one flowable."""

    GAP = 3.0

    def __init__(self, caption: Paragraph | None, table, tail: list):
        super().__init__()
        self.caption, self.table, self.tail = caption, table, tail
        self.caption_height = 0.0

    def tail_height(self, aW: float, tail: list) -> float:
        return sum(p.wrap(aW, 1e6)[1] for p in tail) + (self.GAP if tail else 0.0)

    def wrap(self, aW, aH):
        tw, th = self.table.wrap(aW, aH)
        self.table_height = th
        self.caption_height = self.caption.wrap(aW, aH)[1] + self.GAP if self.caption is not None else 0.0
        self._tail = self.tail_height(aW, self.tail)
        self.width, self.height = max(tw, aW if self.tail else tw), th + self.caption_height + self._tail
        return self.width, self.height

    def getSpaceAfter(self) -> float:
        return self.tail[-1].getSpaceAfter() if self.tail else 6.0

    def split(self, aW, aH):
        parts = self.table.split(aW, aH - self.caption_height - self._tail)
        if len(parts) != 2:
            return []
        return [_Stacked(self.caption, parts[0], []), _Stacked(None, parts[1], self.tail)]

    def draw(self):
        from builder.writers.pdf_tagging import tagger
        tags = tagger(self.canv)
        y = self.height
        if self.caption is not None:  # a repetition: an artifact in a tagged PDF
            y -= self.caption_height
            with tags.artifact(self.canv) if tags is not None else nullcontext():
                self.caption.drawOn(self.canv, 0, y + self.GAP)
        y -= self.table_height
        self.table.drawOn(self.canv, 0, y)
        y -= self.GAP if self.tail else 0.0
        for p in self.tail:
            y -= p.height
            node = getattr(p, "_struct", None)
            if tags is not None and node is not None:
                tags.begin(self.canv, node)
            p.drawOn(self.canv, 0, y)
            if tags is not None and node is not None:
                tags.end(self.canv)
