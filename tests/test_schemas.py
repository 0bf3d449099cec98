"""The project files' schemas: unknown keys and bad values are errors at file:line with what is allowed, and the
JSON Schemas and reference pages in docs/ are what the models generate."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from builder.errors import BuildError
from builder.pipeline import prepare
from builder.readers.schemas import DOCS, outputs

DEFAULT_STYLE = Path(__file__).resolve().parent.parent / "builder" / "readers" / "default_style.yaml"


def _errors(project: Path) -> list[BuildError]:
    with pytest.raises(BuildError) as e:
        prepare(project, draw=False)
    return getattr(e.value, "errors", [e.value])


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _line(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in line)


def test_docs_match_the_models() -> None:
    for name, text in outputs().items():
        path = DOCS / name
        assert path.exists(), f"docs/{name} is missing: run python -m builder.readers.schemas"
        assert path.read_text(encoding="utf-8") == text, f"docs/{name} drifted: run python -m builder.readers.schemas"


def test_json_schemas_accept_the_examples_and_refuse_typos() -> None:
    import jsonschema
    import yaml
    root = Path(__file__).resolve().parent.parent
    schema = json.loads((DOCS / "report-yaml.schema.json").read_text(encoding="utf-8"))
    report = yaml.safe_load((root / "report.yaml").read_text(encoding="utf-8"))
    jsonschema.validate(json.loads(json.dumps(report, default=str)), schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**json.loads(json.dumps(report, default=str)), "shorttitle": "x"}, schema)
    style = json.loads((DOCS / "style-yaml.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(yaml.safe_load(DEFAULT_STYLE.read_text(encoding="utf-8")), style)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"fonts": {"body": {}, "heading": {}}, "colours": {"accent": "#zz1a1a"}}, style)
    charts = json.loads((DOCS / "charts-yaml.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(yaml.safe_load((root / "data" / "charts.yaml").read_text(encoding="utf-8")), charts)
    assert "| `accent` |" in (DOCS / "style-yaml.md").read_text(encoding="utf-8")
    assert "| `language` |" in (DOCS / "report-yaml.md").read_text(encoding="utf-8")


def test_report_yaml_unknown_key_and_bad_locale(minimal: Path) -> None:
    report = minimal / "report.yaml"
    _edit(report, "short_title:", "shorttitle:")
    _edit(report, "locale: en_GB", "locale: de-AT")
    errors = {e.message.split(":")[0]: e for e in _errors(minimal)}
    typo, locale = errors["shorttitle"], errors["locale"]
    assert str(typo.source) == f"report.yaml:{_line(report, 'shorttitle')}"
    assert "did you mean 'short_title'" in typo.message and "title, short_title" in typo.hint
    assert str(locale.source) == f"report.yaml:{_line(report, 'locale:')}"
    assert "de_AT" in locale.message


def test_report_yaml_unknown_label(minimal: Path) -> None:
    report = minimal / "report.yaml"
    report.write_text(report.read_text(encoding="utf-8") + "labels:\n  sorce: Herkunft\n", encoding="utf-8")
    (e,) = _errors(minimal)
    assert e.source.path == "report.yaml" and e.source.line == _line(report, "sorce:")
    assert "did you mean 'source'" in e.message


def test_style_unknown_key_and_bad_values(minimal: Path) -> None:
    style = minimal / "styles" / "default.yaml"
    style.parent.mkdir()
    style.write_text(DEFAULT_STYLE.read_text(encoding="utf-8"), encoding="utf-8")
    _edit(style, "  accent:", "  acent:")
    _edit(style, "  body: 10.5", "  body: -3")
    _edit(style, "  rule: \"#8c8c8c\"", "  rule: reddish")
    _edit(style, "fallback: DejaVuSerif}", "fallback: Comic}")
    found = {e.message.split(":")[0]: e for e in _errors(minimal)}
    assert set(found) == {"colours.acent", "sizes.body", "colours.rule", "fonts.body.fallback"}
    assert found["colours.acent"].source.line == _line(style, "acent:")
    assert "did you mean 'accent'" in found["colours.acent"].message
    assert found["sizes.body"].source.line == _line(style, "body: -3") and "greater than 0" in found["sizes.body"].message
    assert found["colours.rule"].source.line == _line(style, "reddish") and "'reddish' is not a colour" in found["colours.rule"].message
    assert "'DejaVuSerif' or 'DejaVuSans'" in found["fonts.body.fallback"].message
    assert all(e.source.path == "styles/default.yaml" for e in found.values())


def test_table_metadata_unknown_key_and_bad_value(minimal: Path) -> None:
    meta = minimal / "data" / "trade.yaml"
    _edit(meta, "unit:", "units:")
    _edit(meta, "{name: exports, label: Exports, type: number", "{name: exports, label: Exports, type: numbr")
    found = {e.message.split(":")[0]: e for e in _errors(minimal)}
    assert found["units"].source.line == _line(meta, "units:") and "did you mean 'unit'" in found["units"].message
    bad = found["columns[1].type"]
    assert bad.source.line == _line(meta, "numbr") and "'number'" in bad.message and "'percent'" in bad.message


def test_chart_spec_unknown_key_and_bad_value(minimal: Path) -> None:
    charts = minimal / "data" / "charts.yaml"
    _edit(charts, "  kind: bar", "  knd: bar\n  height_in: tall")
    found = {e.message.split(":")[0]: e for e in _errors(minimal)}
    assert found["exports-chart.knd"].source.line == _line(charts, "knd:")
    assert "did you mean 'kind'" in found["exports-chart.knd"].message
    assert found["exports-chart.height_in"].source.line == _line(charts, "height_in")


def test_list_item_typo_is_one_error(minimal: Path) -> None:
    lists = minimal / "data" / "lists" / "findings.yaml"
    text = lists.read_text(encoding="utf-8")
    lists.write_text(re.sub(r"items:\n", "items:\n  - {txt: A point}\n", text, count=1), encoding="utf-8")
    errors = _errors(minimal)
    assert len(errors) == 1 and "did you mean 'text'" in errors[0].message, [str(e) for e in errors]


def test_missing_metadata_is_named(minimal: Path) -> None:
    (minimal / "data" / "partners.yaml").unlink()
    (e,) = _errors(minimal)
    assert str(e.source) == "data/partners.csv" and "no metadata file data/partners.yaml" in e.message
