"""Validation warnings: value ranges (pydantic), year order, share and total relations — each at file:line:column."""
from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel

from builder.errors import Diagnostics
from builder.readers.data import DataTable, TableMeta, load_dataset
from builder.readers.validation import range_model, validate_table

TRADE_HEADER = "year,exports,imports,share\n"


def _write(project: Path, name: str, text: str) -> None:
    (project / "data" / name).write_text(text, encoding="utf-8")


def _warnings(project: Path, kind: str | None = None) -> list[tuple[str, str]]:
    diag = Diagnostics()
    load_dataset(project, diag)
    return [(str(w.source), w.message) for w in diag.sorted() if kind is None or w.kind == kind]


def _budget(project: Path, rows: str, tolerance: float = 1) -> None:
    """A table whose `total` should be the sum of `a` and `b`."""
    _write(project, "budget.csv", "year,a,b,total\n" + rows)
    _write(project, "budget.yaml", f"""title: Budget
source: {{text: Example}}
key: year
columns:
  - {{name: year, type: year}}
  - {{name: a}}
  - {{name: b}}
  - {{name: total}}
checks:
  - {{total: total, parts: [a, b], tolerance: {tolerance}}}
""")


# ---- ranges --------------------------------------------------------------------------------


def test_clean_example_has_no_warnings(minimal: Path) -> None:
    assert _warnings(minimal) == []


def test_percent_outside_0_100_at_its_cell(minimal: Path) -> None:
    _write(minimal, "trade.csv", TRADE_HEADER + "2021,1,1,50\n2022,1,1,-0.5\n2023,1,1,100.01\n")
    assert _warnings(minimal, "range") == [
        ("data/trade.csv:3:4", "table 'trade', row 2022, column 'share': -0.5 is outside 0..100 (printed as published)"),
        ("data/trade.csv:4:4", "table 'trade', row 2023, column 'share': 100.01 is outside 0..100 "
                               "(printed as published)"),
    ]


def test_bounds_are_inclusive_and_missing_values_pass(minimal: Path) -> None:
    _write(minimal, "trade.csv", TRADE_HEADER + "2021,1,1,0\n2022,1,1,100\n2023,1,1,\n")
    assert _warnings(minimal, "range") == []


def test_declared_range_overrides_the_percent_default_and_applies_to_numbers(minimal: Path) -> None:
    meta = (minimal / "data" / "trade.yaml").read_text()
    meta = meta.replace("type: percent, decimals: 1}", "type: percent, decimals: 1, range: [0, 300]}")
    meta = meta.replace("{name: imports, label: Imports, type: number, decimals: 1}",
                        "{name: imports, label: Imports, type: number, decimals: 1, range: [500, 2000]}")
    _write(minimal, "trade.yaml", meta)
    # blank lines are skipped: line numbers stay those of the file
    _write(minimal, "trade.csv", TRADE_HEADER + "2021,1,2500,150\n\n2022,1,1000,301\n")
    assert _warnings(minimal, "range") == [
        ("data/trade.csv:2:3", "table 'trade', row 2021, column 'imports': 2500 is outside 500..2000 "
                               "(printed as published)"),
        ("data/trade.csv:4:4", "table 'trade', row 2022, column 'share': 301 is outside 0..300 (printed as published)"),
    ]


def test_range_model_is_pydantic() -> None:
    model = range_model(((3, 0.0, 100.0),))
    assert issubclass(model, BaseModel)
    schema = model.model_json_schema()["properties"]["c3"]
    assert {"type": "number", "minimum": 0.0, "maximum": 100.0} in schema["anyOf"]
    assert model.model_validate({"c3": 42}).c3 == 42
    assert range_model(((3, 0.0, 100.0),)) is model  # one model per set of bounds


# ---- year order ----------------------------------------------------------------------------


def test_years_out_of_order_warn_at_the_row(minimal: Path) -> None:
    _write(minimal, "trade.csv", TRADE_HEADER + "2021,1,1,1\n2023,1,1,1\n2022,1,1,1\n2024,1,1,1\n")
    assert _warnings(minimal, "order") == [
        ("data/trade.csv:4:1", "table 'trade': year 2022 comes after 2023 (years must be in strictly ascending order)"),
    ]


def test_ascending_years_and_text_keys_do_not_warn(minimal: Path) -> None:
    _write(minimal, "trade.csv", TRADE_HEADER + "2001,1,1,1\n2010,1,1,1\n2011,1,1,1\n")
    _write(minimal, "partners.csv", "partner,value,comment\nz,1,\na,2,\n")
    assert _warnings(minimal, "order") == []


def _table(years: list[int | None]) -> DataTable:
    meta = TableMeta.model_validate({"title": "t", "source": {"text": "s"}, "key": "year",
                                     "columns": [{"name": "year", "type": "year"}, {"name": "v"}]})
    rows = [{"year": y, "v": 1.0} for y in years]
    return DataTable("t", meta, rows, "data/t.csv", "data/t.yaml", list(range(2, len(years) + 2)))


def test_duplicate_year_warns_with_the_first_line() -> None:
    # the loader already refuses duplicate keys; validate_table also guards tables built otherwise
    diag = Diagnostics()
    validate_table(_table([2019, 2020, 2020, None, 2021]), diag)
    assert [(w.kind, str(w.source), w.message) for w in diag.warnings] == [
        ("order", "data/t.csv:4:1", "table 't': year 2020 appears twice (first on line 3)")]


# ---- relations -----------------------------------------------------------------------------


@pytest.fixture()
def shares(minimal: Path) -> Path:
    meta = (minimal / "data" / "trade.yaml").read_text()
    _write(minimal, "trade.yaml", meta + "checks:\n  - {share: share, part: exports, total: imports, tolerance: 0.1}\n")
    return minimal


def test_share_relation(shares: Path) -> None:
    _write(shares, "trade.csv", TRADE_HEADER + "2021,25,200,12.5\n2022,25,200,12.61\n2023,25,200,12.59\n")
    assert _warnings(shares, "relation") == [
        ("data/trade.csv:3:4", "table 'trade', row 2022: share = 12.61 but exports / imports × 100 = 12.50 "
                               "(printed as published)"),
    ]


def test_share_relation_skips_missing_values_and_a_zero_total(shares: Path) -> None:
    _write(shares, "trade.csv", TRADE_HEADER + "2021,25,,12.5\n2022,25,0,50\n2023,,200,50\n")
    assert _warnings(shares, "relation") == []


def test_total_is_the_sum_of_parts_within_tolerance(minimal: Path) -> None:
    _budget(minimal, "2019,10,20,30\n2020,10,20,31\n2021,10,20,31.5\n2022,10.4,20.4,29.7\n2023,10,,40\n")
    assert _warnings(minimal, "relation") == [
        ("data/budget.csv:4:4", "table 'budget', row 2021: total = 31.5 but the sum of a, b = 30 "
                                "(printed as published)"),
        ("data/budget.csv:5:4", "table 'budget', row 2022: total = 29.7 but the sum of a, b = 30.8 "
                                "(printed as published)"),
    ]


def test_total_tolerance_zero(minimal: Path) -> None:
    _budget(minimal, "2019,10,20,30\n2020,10,20,30.01\n", tolerance=0)
    assert [loc for loc, _ in _warnings(minimal, "relation")] == ["data/budget.csv:3:4"]
