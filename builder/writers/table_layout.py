"""One table layout for both writers: a pure function of a model Table and the style's metrics.

It decides, once, everything the PDF and the DOCX must agree on: the printed text of every cell, the natural
width of every data column, the type size, whether the table needs a landscape page, and the header grid
(spans across columns and down rows, on a grid equal to the data columns). A writer only draws the result.

Widths follow the automatic table layout of browsers and word processors: each column has a minimum (the
longest word of a text column, up to a comfortable width; the whole of a number) and a maximum (its content
unbroken). A table whose maxima fit the measure is set at its natural width; otherwise the spare width above
the minima is shared in proportion to what each column would still like. Landscape is chosen only when the
minima do not fit the portrait measure even at the style's smallest table size.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from builder.errors import BuildError
from builder.model import Cell, Source, Table
from builder.model.formatting import format_cell
from builder.readers.typography import url_breaks

PAD = 3.0  # points of padding left and right of every cell, in both formats
COMFORT_EMS = 10.0  # a wrapping text column is not made narrower than this, unless its content is
HEAD_EMS = 8.0  # a header label wraps at this width when its column's content is narrower
MIN_COLUMN_EMS = 1.5  # below this a column cannot show a digit: the table is too wide to set


@dataclass(frozen=True)
class TableMetrics:
    """What the layout needs from the style: measures (points), type sizes, the cell font's advance widths
    (`width(text, bold)` at 1 pt) and the locale values are printed in."""

    portrait: float
    landscape: float
    size: float
    min_size: float
    width: Callable[[str, bool], float]
    locale: str = "en_GB"
    missing: str = "\u2013"


@dataclass(frozen=True, slots=True)
class HeadCell:
    """A header cell placed on the grid: it starts at (row, col) and covers rowspan × colspan grid cells."""

    row: int
    col: int
    rowspan: int
    colspan: int
    cell: Cell
    text: str


@dataclass(frozen=True)
class TableLayout:
    widths: tuple[float, ...]
    size: float
    landscape: bool
    head: tuple[HeadCell, ...]
    header_rows: int
    body_texts: tuple[tuple[str, ...], ...]
    stub: int | None
    stub_min: float
    numeric: tuple[bool, ...] = ()
    hang: tuple[float, ...] = ()  # points a number without parentheses is set in from the right, to align

    def hangs(self, c: int, cell: Cell) -> float:
        """Right indent of a number, so that "12" lines up with "(13)" in the same column."""
        return self.hang[c] if self.hang and not cell.uncertain and cell.kind in ("number", "year") else 0.0

    @property
    def columns(self) -> int:
        return len(self.widths)

    @property
    def width(self) -> float:
        return sum(self.widths)


@dataclass
class _Column:
    """Unit (1 pt) advance widths of one column's content: the widest unbroken text, the longest word,
    and the same for header labels (bold)."""

    full: float = 0.0
    word: float = 0.0
    head_full: float = 0.0
    head_word: float = 0.0
    text: bool = False


def layout_table(table: Table, metrics: TableMetrics) -> TableLayout:
    """The layout of `table` under `metrics`; raises BuildError when no page can hold its columns."""
    ncols = _grid_columns(table)
    head = _head_cells(table, ncols, metrics)
    texts = tuple(tuple(_text(c, metrics) for c in row.cells) for row in table.body_rows)
    columns = _measure(table, head, texts, ncols, metrics)
    stub = 0 if ncols > 1 and columns[0].text else None
    for landscape, measure in ((False, metrics.portrait), (True, metrics.landscape)):
        size = _largest_fitting_size(columns, head, measure, metrics)
        if size is not None:
            widths = _distribute(columns, head, measure, size)
            return TableLayout(tuple(widths), size, landscape, head, len(table.header_rows), texts, stub,
                               _minimum(columns[0], size) if stub is not None else 0.0,
                               tuple(not c.text for c in columns), _hang(table, columns, metrics, size))
    return _squeezed(table, columns, head, texts, stub, metrics)


# ---- the header grid --------------------------------------------------------------------------


def _grid_columns(table: Table) -> int:
    rows = [r for r in table.header_rows + table.body_rows if not r.group]
    return max((sum(c.colspan for c in r.cells if c.colspan > 0) for r in rows), default=1)


def _head_cells(table: Table, ncols: int, metrics: TableMetrics) -> tuple[HeadCell, ...]:
    """Header cells on the data grid. A run of empty cells above a head merges into it (a vertical merge),
    so no header cell is left empty unless its whole column is (the stub head)."""
    grid: list[list[Cell | None]] = []  # None: covered by a span from the left
    for row in table.header_rows:
        line: list[Cell | None] = []
        for cell in row.cells:
            line.append(None if cell.colspan == 0 else cell)
        line += [Cell("", "text")] * (ncols - len(line))
        grid.append(line[:ncols])
    out: list[HeadCell] = []
    nrows = len(grid)
    for c in range(ncols):
        r = 0
        while r < nrows:
            cell = grid[r][c]
            if cell is None:
                r += 1
                continue
            top = r
            while _blank(cell) and cell.colspan == 1 and r + 1 < nrows and _single(grid[r + 1][c]):
                r += 1
                cell = grid[r][c]
            out.append(HeadCell(top, c, r - top + 1, max(cell.colspan, 1), cell, _text(cell, metrics, head=True)))
            r += 1
    out.sort(key=lambda h: (h.row, h.col))
    return tuple(out)


def _blank(cell: Cell) -> bool:
    return cell.value is None or not str(cell.value).strip()


def _single(cell: Cell | None) -> bool:
    return cell is not None and cell.colspan == 1


def _text(cell: Cell, metrics: TableMetrics, head: bool = False) -> str:
    if cell.colspan == 0:
        return ""
    if cell.value is None and not head:
        return metrics.missing
    return format_cell(cell, metrics.locale)


# ---- measuring --------------------------------------------------------------------------------


def _measure(table: Table, head, texts, ncols: int, metrics: TableMetrics) -> list[_Column]:
    columns = [_Column() for _ in range(ncols)]
    widths: dict[tuple[str, bool], float] = {}

    def width(text: str, bold: bool = False) -> float:
        key = (text, bold)
        if key not in widths:
            widths[key] = metrics.width(text, bold)
        return widths[key]

    for row, line in zip(table.body_rows, texts):
        if row.group:
            continue
        for c, (cell, text) in enumerate(zip(row.cells, line)):
            if c >= ncols or cell.colspan != 1:
                continue
            col = columns[c]
            full = width(text, row.total) + _indent(row, c)  # a total row is set in bold
            col.full = max(col.full, full)
            if cell.kind == "text":
                col.text = True
                col.word = max(col.word, max((width(w, row.total) for w in _words(text)), default=0.0)
                               + _indent(row, c))
            else:
                col.word = max(col.word, full)
    for h in head:
        if h.colspan == 1:
            col = columns[h.col]
            col.head_full = max(col.head_full, width(h.text, True) + _mark(h))
            col.head_word = max(col.head_word, _longest_word(h.text, width) + _mark(h))
    return columns


def _words(text: str) -> list[str]:
    """The unbreakable pieces of a cell's text: its words, a web address cut where it may break (after `/` and
    `.`, typography.url_breaks), so that an address does not make its column as wide as itself."""
    out = []
    for word in text.split():
        cuts = [0, *url_breaks(word), len(word)]
        out += [word[a:b] for a, b in zip(cuts, cuts[1:])]
    return out


def _indent(row, c: int) -> float:
    return 1.0 * row.level if c == 0 and getattr(row, "level", 0) else 0.0  # 1 em per level, at 1 pt


def _mark(h: HeadCell) -> float:
    return 0.6 * len(str(h.cell.note.number)) if h.cell.note is not None else 0.0


def _longest_word(text: str, width) -> float:
    return max((width(w, True) for w in text.split()), default=0.0)


def _minimum(col: _Column, size: float) -> float:
    """The narrowest a column may be at `size`: numbers unbroken, text to its longest word but not below a
    comfortable width, header labels to their longest word."""
    body = col.word
    if col.text:
        body = max(col.word, min(col.full, COMFORT_EMS))
    return max(body, col.head_word) * size + 2 * PAD + 1


def _maximum(col: _Column, size: float) -> float:
    head = min(col.head_full, max(col.full, HEAD_EMS))
    return max(col.full, head, col.head_word, col.word) * size + 2 * PAD + 1


def _largest_fitting_size(columns, head, measure: float, metrics: TableMetrics) -> float | None:
    size = metrics.size
    while size >= metrics.min_size - 1e-9:
        if sum(_minimum(c, size) for c in columns) <= measure:
            return size
        size -= 0.5
    return None


def _distribute(columns, head, measure: float, size: float) -> list[float]:
    low = [_minimum(c, size) for c in columns]
    high = [max(h, lo) for h, lo in zip((_maximum(c, size) for c in columns), low)]
    if sum(high) <= measure:
        return high
    spare = measure - sum(low)
    want = [h - lo for h, lo in zip(high, low)]
    total = sum(want) or 1.0
    return [lo + spare * w / total for lo, w in zip(low, want)]


def _squeezed(table: Table, columns, head, texts, stub, metrics: TableMetrics) -> TableLayout:
    size = metrics.min_size
    low = [_minimum(c, size) for c in columns]
    floor = MIN_COLUMN_EMS * size + 2 * PAD
    if len(columns) * floor > metrics.landscape:
        most = int(metrics.landscape // floor)
        raise BuildError(f"table too wide: {len(columns)} columns cannot be set on a landscape page "
                         f"(at most about {most} fit at {size:g} pt)",
                         table.source or Source(table.id or "table"),
                         "transpose the table (transpose: true in its YAML), hide columns (hidden: true), "
                         "or split it into several tables")
    scale = metrics.landscape / sum(low)
    widths = [max(w * scale, floor) for w in low]
    excess = sum(widths) - metrics.landscape
    if excess > 0:
        room = [w - floor for w in widths]
        widths = [w - excess * r / (sum(room) or 1.0) for w, r in zip(widths, room)]
    return TableLayout(tuple(widths), size, True, head, len(table.header_rows), texts, stub,
                       low[0] if stub is not None else 0.0, tuple(not c.text for c in columns),
                       _hang(table, columns, metrics, size))


def _hang(table: Table, columns, metrics: TableMetrics, size: float) -> tuple[float, ...]:
    """The width of ")" in number columns that hold a value in parentheses, else 0."""
    paren = metrics.width(")", False) * size
    uncertain = {c for row in table.body_rows if not row.group for c, cell in enumerate(row.cells) if cell.uncertain}
    return tuple(paren if c in uncertain and not col.text else 0.0 for c, col in enumerate(columns))


# ---- metrics from a style ---------------------------------------------------------------------


def table_metrics(style, locale: str = "en_GB") -> TableMetrics:
    """Metrics of the house style: A4 measures less the margins, the table sizes and the heading family
    (the cell font of both writers)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfbase.pdfmetrics import stringWidth
    regular, bold = _register(style.heading)
    m = style.margins_mm
    sides = (m["left"] + m["right"]) * mm
    missing = style.spec.model_extra.get("table", {}).get("missing", "\u2013") if style.spec.model_extra else "\u2013"

    def width(text: str, is_bold: bool) -> float:
        return stringWidth(text, bold if is_bold else regular, 1.0)
    return TableMetrics(A4[0] - sides, A4[1] - sides, style.size("table"), style.size("table_min"), width,
                        locale, missing)


def _register(family) -> tuple[str, str]:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    names = []
    for face in ("regular", "bold"):
        name = f"{family.key}-{face}"
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, family.files[face]))
        names.append(name)
    return names[0], names[1]
