"""Derived columns: a table's YAML declares a share, total, balance or growth rate (`checks:` with
`derive: true`) and the builder computes the cells left empty in the CSV, rounded to the column's decimals.
Values the source published are kept and compared, as every relation check is (a mismatch beyond the tolerance
is a `relation` warning at the cell). A new year then needs only the source's own figures:

    checks:
      - {share: share_ru_in_kz_imports, part: ru_to_kz, total: kz_imports_total, derive: true}
      - {total: sale, parts: [purchase, balance], derive: true}     # the one empty cell: total or a part
      - {growth: ru_to_kz_growth, of: ru_to_kz, derive: true}       # % on the year before
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from builder.model import Source

if TYPE_CHECKING:
    from builder.errors import Diagnostics
    from builder.readers.data import CheckSpec, DataTable


def _num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _rounded(table: DataTable, column: str, value: float) -> float:
    from builder.readers.lint import _round
    col = table.column(column)
    value = _round(value, col.decimals)
    return int(value) if col.type == "integer" else value


def derive_columns(table: DataTable) -> None:
    """Fill the empty cells of derived columns in place (rows in order, so a growth rate sees the year before)."""
    for check in table.meta.checks:
        if not check.derive:
            continue
        for i, row in enumerate(table.rows):
            if check.share:
                part, total = row.get(check.part), row.get(check.total)
                if row.get(check.share) is None and _num(part) and _num(total) and total:
                    row[check.share] = _rounded(table, check.share, part / total * 100)
            elif check.growth:
                value = growth_at(table, check, i)
                if row.get(check.growth) is None and value is not None:
                    row[check.growth] = _rounded(table, check.growth, value)
            else:
                _fill_total(table, check, row)


def _fill_total(table: DataTable, check: CheckSpec, row: dict) -> None:
    parts = [row.get(p) for p in check.parts]
    total = row.get(check.total)
    missing = [p for p, v in zip(check.parts, parts) if v is None]
    if total is None and not missing:
        row[check.total] = _rounded(table, check.total, sum(parts))
    elif _num(total) and len(missing) == 1:
        row[missing[0]] = _rounded(table, missing[0], total - sum(v for v in parts if v is not None))


def growth_at(table: DataTable, check: CheckSpec, index: int) -> float | None:
    """Growth in percent of `check.of` from the row before to row `index`; None without both values."""
    if index == 0:
        return None
    before, now = table.rows[index - 1].get(check.of), table.rows[index].get(check.of)
    if not (_num(before) and _num(now)) or before == 0:
        return None
    return (now - before) / abs(before) * 100


def check_growth(table: DataTable, check: CheckSpec, diag: Diagnostics) -> None:
    """A published growth rate that differs from the one computed from `of` (a `relation` warning at the cell)."""
    names = [c.name for c in table.meta.columns]
    for i, row in enumerate(table.rows):
        published, computed = row.get(check.growth), growth_at(table, check, i)
        if _num(published) and computed is not None and abs(published - computed) > check.tolerance:
            line = table.lines[i] if i < len(table.lines) else None
            diag.warn("relation", f"table '{table.id}', row {row[table.meta.key]}: {check.growth} = {published:g}, "
                      f"but the growth of {check.of} on the year before is {computed:.2f}",
                      Source(table.path, line, names.index(check.growth) + 1))
