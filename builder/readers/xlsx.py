"""XLSX data: one sheet of a workbook → rows of text, with errors that name the file, the sheet and the cell.

A workbook is read as Excel last saved it (cached formula results). A formula without a cached result (a file
written by a program that does not calculate) and a merged range inside the table are refused: both would print
as empty cells without a word.
"""
from __future__ import annotations

import zipfile
from pathlib import Path

from builder.errors import BuildError
from builder.model import Source

SAVE_HINT = "open the workbook in Excel or LibreOffice and save it, so that every formula has its value"


def read_xlsx(path: Path, rel: str, sheet: str) -> tuple[list[list[str]], list[int]]:
    """The non-empty rows of `sheet` (the first sheet when empty) as text, and their row numbers."""
    values, formulas = _open(path, rel, sheet)
    _check_merged(formulas, rel)
    rows, lines = [], []
    for i, (row, raw) in enumerate(zip(values.iter_rows(values_only=True), formulas.iter_rows()), start=1):
        cells = ["" if v is None else str(v) for v in row]
        _check_formulas(raw, cells, rel, formulas.title)
        if any(c.strip() for c in cells):
            rows.append(cells)
            lines.append(i)
    return rows, lines


def _open(path: Path, rel: str, sheet: str):
    """The sheet twice: with cached values, and with formulas (to tell an empty cell from an uncalculated one)."""
    import openpyxl
    try:
        books = [openpyxl.load_workbook(path, data_only=flag) for flag in (True, False)]
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as e:
        raise BuildError(f"not a readable XLSX workbook ({type(e).__name__}: {e})", Source(rel),
                         "save the file as an Excel workbook (.xlsx), or export the sheet as CSV") from None
    names = books[0].sheetnames
    if sheet and sheet not in names:
        raise BuildError(f"the workbook has no sheet '{sheet}'", Source(rel),
                         f"sheets in {rel}: {', '.join(names)}; fix `sheet:` in the table's YAML")
    return [book[sheet] if sheet else book.worksheets[0] for book in books]


def _check_merged(ws, rel: str) -> None:
    ranges = list(getattr(ws, "merged_cells", None).ranges if getattr(ws, "merged_cells", None) else [])
    if ranges:
        first = ranges[0]
        raise BuildError(f"sheet '{ws.title}': merged cells {first.coord}" +
                         (f" and {len(ranges) - 1} more ranges" if len(ranges) > 1 else ""),
                         Source(rel, first.min_row, first.min_col),
                         "unmerge them and write the value into every cell: a merged range reads as empty cells")


def _check_formulas(raw, cells: list[str], rel: str, title: str) -> None:
    for cell, text in zip(raw, cells):
        if cell.data_type == "f" and text == "":
            raise BuildError(f"sheet '{title}', cell {cell.coordinate}: the formula {cell.value} has no computed "
                             "value in the file", Source(rel, cell.row, cell.column), SAVE_HINT)
