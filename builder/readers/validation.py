"""Checks on loaded tables: ranges, year order and declared relations. Findings are warnings.

Value ranges are a pydantic model per table (one `Field(ge=…, le=…)` per bounded column), validated row by row;
pydantic's errors are translated into `range` warnings at `data/<file>.csv:line:column`.
"""
from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from builder.errors import Diagnostics
from builder.model import Source

if TYPE_CHECKING:
    from builder.readers.data import CheckSpec, ColumnSpec, DataTable

Bounds = tuple[float, float]


def validate_table(table: DataTable, diag: Diagnostics) -> None:
    _check_ranges(table, diag)
    _check_year_order(table, diag)
    for check in table.meta.checks:
        if check.share:
            _check_share(table, check, diag)
        elif check.growth:
            from builder.readers.derive import check_growth
            check_growth(table, check, diag)
        else:
            _check_total(table, check, diag)


def _cell(table: DataTable, index: int, column: str) -> Source:
    col = [c.name for c in table.meta.columns].index(column) + 1
    line = table.lines[index] if index < len(table.lines) else None
    return Source(table.path, line, col)


# ---- ranges (pydantic) ---------------------------------------------------------------------


def column_bounds(col: ColumnSpec) -> Bounds | None:
    """The allowed range of a column: its `range`, else 0..100 for a percent, else none."""
    if col.range is not None:
        return (float(col.range[0]), float(col.range[1]))
    return (0.0, 100.0) if col.type == "percent" else None


class _RowModel(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


@lru_cache(maxsize=256)
def range_model(bounds: tuple[tuple[int, float, float], ...]) -> type[BaseModel]:
    """A pydantic model with one optional bounded float field `c<i>` per (column index i, low, high)."""
    fields = {f"c{i}": (float | None, Field(None, ge=lo, le=hi)) for i, lo, hi in bounds}
    return create_model("RangeRow", __base__=_RowModel, **fields)


def _check_ranges(table: DataTable, diag: Diagnostics) -> None:
    columns = table.meta.columns
    bounded = [(i, b) for i, col in enumerate(columns) if col.numeric and (b := column_bounds(col)) is not None]
    if not bounded:
        return
    model = range_model(tuple((i, lo, hi) for i, (lo, hi) in bounded))
    for index, row in enumerate(table.rows):
        values = {f"c{i}": row[columns[i].name] for i, _ in bounded
                  if isinstance(row[columns[i].name], (int, float)) and not isinstance(row[columns[i].name], bool)}
        try:
            model.model_validate(values)
        except ValidationError as e:
            for err in e.errors():
                i = int(str(err["loc"][0])[1:])
                col, (lo, hi) = columns[i], dict(bounded)[i]
                v = row[col.name]
                diag.warn("range", f"table '{table.id}', row {row[table.meta.key]}, column '{col.name}': "
                          f"{v:g} is outside {lo:g}..{hi:g} (printed as published)", _cell(table, index, col.name))


# ---- year order ----------------------------------------------------------------------------


def _check_year_order(table: DataTable, diag: Diagnostics) -> None:
    """Year keys must be strictly ascending (within each part of a partitioned table): a year not after the one
    before it, or repeated, warns."""
    key = table.column(table.meta.key)
    if key.type != "year":
        return
    seen: dict[tuple, int] = {}
    previous: int | None = None
    part = object()
    for index, year in enumerate(table.keys()):
        if table.meta.partition and table.rows[index][table.meta.partition] != part:
            part, previous = table.rows[index][table.meta.partition], None
        if year is None:
            continue
        where = _cell(table, index, key.name)
        if (part, year) in seen:
            diag.warn("order", f"table '{table.id}': year {year} appears twice (first on line {seen[part, year]})",
                      where)
        elif previous is not None and year < previous:
            diag.warn("order", f"table '{table.id}': year {year} comes after {previous} "
                      "(years must be in strictly ascending order)", where)
        seen.setdefault((part, year), where.line or 0)
        previous = year if previous is None else max(previous, year)


# ---- relations -----------------------------------------------------------------------------


def _check_share(table: DataTable, check: CheckSpec, diag: Diagnostics) -> None:
    for i, row in enumerate(table.rows):
        share, part, total = row[check.share], row[check.part], row[check.total]
        if None in (share, part, total) or total == 0:
            continue
        expected = part / total * 100
        if abs(expected - share) > check.tolerance:
            diag.warn("relation", f"table '{table.id}', row {row[table.meta.key]}: {check.share} = {share:g} but "
                      f"{check.part} / {check.total} × 100 = {expected:.2f} (printed as published)",
                      _cell(table, i, check.share))


def _check_total(table: DataTable, check: CheckSpec, diag: Diagnostics) -> None:
    for i, row in enumerate(table.rows):
        total = row[check.total]
        parts = [row[p] for p in check.parts]
        if total is None or any(p is None for p in parts):
            continue
        if abs(sum(parts) - total) > check.tolerance:
            diag.warn("relation", f"table '{table.id}', row {row[table.meta.key]}: {check.total} = {total:g} but "
                      f"the sum of {', '.join(check.parts)} = {sum(parts):g} (printed as published)",
                      _cell(table, i, check.total))
