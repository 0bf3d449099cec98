"""The Python API: `from builder import build, check`, DataFrames checked like CSV files, a result with outputs,
pages, claims and warnings."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from builder.errors import BuildError
from tests.conftest import pdf_text


def test_build_returns_outputs_pages_claims_and_warnings(minimal: Path, tmp_path: Path) -> None:
    import builder.pipeline  # noqa: F401  (imported first: `from builder import build` stays the API function)
    from builder import build
    frame = pd.read_csv(minimal / "data" / "trade.csv")
    frame.loc[frame["year"] == 2023, "exports"] = 4321.5
    result = build(minimal, tables={"trade": frame}, out=tmp_path / "out", formats="pdf")
    assert set(result.outputs) == {"pdf", "report"}
    assert result.outputs["pdf"] == (tmp_path / "out" / "minimal.pdf").resolve() and result.outputs["pdf"].exists()
    assert result.pages["pdf"] >= 2
    assert [c.text for c in result.claims] == ["exports grew 2021-2023"] and result.claims[0].holds
    assert result.warnings == [] and result.ok
    assert "4,321.5" in pdf_text(result.outputs["pdf"])  # the DataFrame's value, not the CSV's
    assert "4,321.5" not in (minimal / "data" / "trade.csv").read_text()


def test_dataframe_errors_name_the_table_and_the_row(minimal: Path) -> None:
    from builder import check
    frame = pd.read_csv(minimal / "data" / "trade.csv").astype({"exports": object})
    frame.loc[1, "exports"] = "12 345"
    with pytest.raises(BuildError) as e:
        check(minimal, tables={"trade": frame})
    assert str(e.value.source) == "tables['trade']:2:2"
    assert "column 'exports': expected a number, found '12 345'" in e.value.message
    wrong = frame.rename(columns={"share": "percent"})
    with pytest.raises(BuildError) as e:
        check(minimal, tables={"trade": wrong})
    assert e.value.source.path == "tables['trade']" and "'percent'" in e.value.message


def test_dataframe_range_warning_names_the_row(minimal: Path) -> None:
    from builder import check
    frame = pd.read_csv(minimal / "data" / "trade.csv")
    frame.loc[2, "share"] = 150.0
    result = check(minimal, tables={"trade": frame})
    (warning,) = result.warnings
    assert str(warning.source) == "tables['trade']:3:4" and warning.kind == "range"
    assert result.outputs == {} and not (minimal / "build").exists()


def test_dataframe_without_metadata_is_an_error(minimal: Path) -> None:
    from builder import check
    with pytest.raises(BuildError) as e:
        check(minimal, tables={"prices": pd.DataFrame({"year": [2020], "value": [1.0]})})
    assert "no metadata file data/prices.yaml" in str(e.value)


def test_unknown_format_is_refused(minimal: Path) -> None:
    from builder import build
    with pytest.raises(ValueError, match="formats are pdf, docx, html"):
        build(minimal, formats=("odt",))


def test_import_dossier_is_the_same_api(minimal: Path) -> None:
    import dossier
    from builder import api
    assert dossier.build is api.build and dossier.check is api.check
    result = dossier.check(minimal)
    assert isinstance(result, dossier.Result) and [c.holds for c in result.claims] == [True]


def test_style_sections_read_like_mappings() -> None:
    from builder.errors import Diagnostics
    from builder.readers.style import load_style
    style = load_style(Path("/nonexistent"), "default", Diagnostics())
    assert style.spec.colours["accent"] == style.colour("accent") == "#1f4e79"
    assert style.spec.chart.get("width_in", 1.0) == 6.0 and style.spec.chart.get("nope", 1.0) == 1.0
    assert "body" in style.spec.fonts and style.spec.fonts["body"].name == "PT Serif"
    with pytest.raises(KeyError):
        style.spec.sizes["huge"]
