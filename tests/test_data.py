"""Data loading: typed cells, CSV errors at file:row:column, validation warnings."""
from __future__ import annotations

from pathlib import Path

import pytest

from builder.errors import BuildError, Diagnostics
from builder.readers.data import load_dataset, parse_value


def _write(project: Path, name: str, text: str) -> None:
    (project / "data" / name).write_text(text, encoding="utf-8")


def test_values_are_typed(minimal: Path) -> None:
    data = load_dataset(minimal, Diagnostics())
    trade = data.table("trade")
    assert trade.value("exports", 2021) == 1234.5
    assert trade.value("imports", 2023) is None
    assert trade.keys() == [2021, 2022, 2023]
    assert trade.argmax("share") == 2023
    assert data.table("partners").value("value", "Smith & Wesson, <Ltd>") == 12000


@pytest.mark.parametrize("cell,kind,expected", [("1234.5", "number", 1234.5), ("", "number", None),
                                                ("2017", "year", 2017), ("true", "bool", True), ("x", "text", "x")])
def test_parse_value(cell, kind, expected) -> None:
    assert parse_value(cell, kind) == expected


def test_non_number_in_numeric_column_names_row_and_column(minimal: Path) -> None:
    _write(minimal, "trade.csv", "year,exports,imports,share\n2021,1234.5,1000,55.2\n2022,12 5,1100,57.7\n")
    with pytest.raises(BuildError) as e:
        load_dataset(minimal, Diagnostics())
    assert str(e.value.source) == "data/trade.csv:3:2"
    assert "'12 5'" in e.value.message and "exports" in e.value.message


def test_wrong_column_count(minimal: Path) -> None:
    _write(minimal, "trade.csv", "year,exports,imports,share\n2021,1234.5,1000\n")
    with pytest.raises(BuildError) as e:
        load_dataset(minimal, Diagnostics())
    assert str(e.value.source) == "data/trade.csv:2"
    assert "3 fields" in e.value.message


def test_duplicate_key(minimal: Path) -> None:
    _write(minimal, "trade.csv", "year,exports,imports,share\n2021,1,1,1\n2021,2,2,2\n")
    with pytest.raises(BuildError) as e:
        load_dataset(minimal, Diagnostics())
    assert str(e.value.source) == "data/trade.csv:3"
    assert "duplicate key 2021" in e.value.message


def test_missing_metadata_field(minimal: Path) -> None:
    meta = (minimal / "data" / "partners.yaml").read_text().replace("source:\n  text: Example registry\n", "")
    _write(minimal, "partners.yaml", meta)
    with pytest.raises(BuildError) as e:
        load_dataset(minimal, Diagnostics())
    assert e.value.source.path == "data/partners.yaml"
    assert "source" in e.value.message and "Field required" in e.value.message


def test_share_out_of_range_and_relation_are_warnings(minimal: Path) -> None:
    _write(minimal, "trade.csv", "year,exports,imports,share\n2021,50,100,150\n")
    meta = (minimal / "data" / "trade.yaml").read_text()
    meta += "checks:\n  - {share: share, part: exports, total: imports, tolerance: 0.1}\n"
    _write(minimal, "trade.yaml", meta)
    diag = Diagnostics()
    load_dataset(minimal, diag)
    kinds = {w.kind: w for w in diag.warnings}
    assert str(kinds["range"].source) == "data/trade.csv:2:4"
    assert "150 is outside 0..100" in kinds["range"].message
    assert "50.00" in kinds["relation"].message and "row 2021" in kinds["relation"].message
