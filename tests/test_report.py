"""The build report (build/<name>.report.json): valid against docs/report.schema.json, failed claims with their
chapter line and sentence, data warnings at table/row/column coordinates, stale tables."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema
import pytest

from tests.conftest import MINIMAL, ROOT, copy_project

SCHEMA = json.loads((ROOT / "docs" / "report.schema.json").read_text(encoding="utf-8"))
CLAIM_LINE = "Share stays above 60% in every year.{{ claim(table('trade').min('share') > 60, 'share above 60') }}"


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> dict:
    """The minimal example with a failed claim (line 7), a share of 157.7% (2022) and data_year 2026, built."""
    from builder.pipeline import build
    project = copy_project(MINIMAL, tmp_path_factory.mktemp("r") / "minimal")
    chapter = project / "chapters" / "01-overview.md"
    lines = chapter.read_text(encoding="utf-8").splitlines(keepends=True)
    lines.insert(6, CLAIM_LINE + "\n\n")
    chapter.write_text("".join(lines), encoding="utf-8")
    csv = project / "data" / "trade.csv"
    csv.write_text(csv.read_text(encoding="utf-8").replace("2022,1500.25,1100,57.7", "2022,1500.25,1100,157.7"),
                   encoding="utf-8")
    spec = project / "report.yaml"
    spec.write_text(spec.read_text(encoding="utf-8").replace("data_year: 2023", "data_year: 2026"), encoding="utf-8")
    build(project)
    return json.loads((project / "build" / "minimal.report.json").read_text(encoding="utf-8"))


def test_schema_is_valid_draft_2020_12() -> None:
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_report_matches_the_schema(report: dict) -> None:
    jsonschema.Draft202012Validator(SCHEMA).validate(report)
    assert set(report) == set(SCHEMA["required"]) == set(SCHEMA["properties"])
    assert set(report["outputs"]) == {"pdf", "docx"}
    assert report["outputs"]["pdf"]["pages"] >= 1 and report["outputs"]["pdf"]["path"].endswith("minimal.pdf")
    assert sum(report["warnings_by_kind"].values()) == len(report["warnings"])


def test_report_data_of_an_unbuilt_result_matches_the_schema(minimal: Path) -> None:
    """Before any writer ran (no outputs, no TOC source), the shape still holds."""
    from builder.pipeline import prepare
    from builder.pipeline.report import report_data
    jsonschema.Draft202012Validator(SCHEMA).validate(report_data(prepare(minimal, draw=False)))


@pytest.mark.parametrize("change", [
    lambda r: r.pop("claims"),
    lambda r: r.update(extra=1),
    lambda r: r["outputs"]["pdf"].update(pages="3"),
    lambda r: r["outputs"].update(html={"path": "x.html", "pages": None}),
    lambda r: r["claims"]["failed"][0].update(location="data/trade.csv:3"),
    lambda r: r["warnings"][0].pop("location"),
    lambda r: r["stale_tables"][0].update(latest_year="2023"),
    lambda r: r["charts"].update(rendered=-1),
    lambda r: r["timings"].update(pdf="fast"),
])
def test_schema_rejects_a_wrong_report(report: dict, change) -> None:
    wrong = copy.deepcopy(report)
    change(wrong)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(wrong, SCHEMA, cls=jsonschema.Draft202012Validator)


def test_failed_claim_has_chapter_line_and_sentence(report: dict) -> None:
    assert report["claims"]["total"] == 2
    assert report["claims"]["failed"] == [
        {"text": "share above 60", "location": "chapters/01-overview.md:7",
         "sentence": "Share stays above 60% in every year."}]  # the rendered sentence, not the template line
    assert {"kind": "claim",
            "message": "claim no longer supported by the data: share above 60 — “Share stays above 60% in every "
                       "year.”",
            "location": "chapters/01-overview.md:7"} in report["warnings"]


def test_range_violation_has_table_row_column(report: dict) -> None:
    (warning,) = [w for w in report["warnings"] if w["kind"] == "range"]
    assert warning == {"kind": "range", "location": "data/trade.csv:3:4",
                       "message": "table 'trade', row 2022, column 'share': 157.7 is outside 0..100 "
                                  "(printed as published)"}
    assert report["warnings_by_kind"] == {"claim": 1, "range": 1}


def test_stale_tables(report: dict) -> None:
    # data_year 2026, stale_after_years 2: trade ends in 2023; partners has no year key
    assert report["stale_tables"] == [
        {"table": "trade", "latest_year": 2023, "source": "Statistics Office & Partners <2024>"}]
