"""Checks on loaded tables: ranges, year order and declared relations. Findings are warnings."""
from __future__ import annotations

from typing import TYPE_CHECKING

from builder.errors import Diagnostics
from builder.model import Source

if TYPE_CHECKING:
    from builder.data import CheckSpec, DataTable


def validate_table(table: DataTable, diag: Diagnostics) -> None:
    _check_ranges(table, diag)
    _check_year_order(table, diag)
    for check in table.meta.checks:
        if check.share:
            _check_share(table, check, diag)
        else:
            _check_total(table, check, diag)


def _cell(table: DataTable, index: int, column: str) -> Source:
    col = [c.name for c in table.meta.columns].index(column) + 1
    return Source(table.path, table.lines[index], col)


def _check_ranges(table: DataTable, diag: Diagnostics) -> None:
    for col in table.meta.columns:
        bounds = col.range or ((0.0, 100.0) if col.type == "percent" else None)
        if bounds is None:
            continue
        for i, row in enumerate(table.rows):
            v = row[col.name]
            if isinstance(v, (int, float)) and not bounds[0] <= v <= bounds[1]:
                diag.warn("range", f"table '{table.id}', row {row[table.meta.key]}, column '{col.name}': "
                          f"{v:g} is outside {bounds[0]:g}..{bounds[1]:g} (printed as published)",
                          _cell(table, i, col.name))


def _check_year_order(table: DataTable, diag: Diagnostics) -> None:
    key = table.column(table.meta.key)
    if key.type != "year":
        return
    years = table.keys()
    if years != sorted(years):
        diag.warn("order", f"table '{table.id}': years are not in ascending order", Source(table.path))


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
