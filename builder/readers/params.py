"""Report parameters: declared with types and defaults in report.yaml's `params:` block, given with
`--param name=value`, a params file or a row of a batch, and applied to the data before any template sees it.

A parameter reaches the chapters as `params.<name>`, chart specs through `where: {column: "{{ params.x }}"}`, and
the output name (`output_name: "trade-{{ params.region | lower }}"`). A parameter that selects rows of a table
(`selects: {table-id: column}`, or `until:` for "at most this value") filters that table for everything that reads
it: the printed table, its charts, the computed sentences and the claims.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from builder.errors import BuildError
from builder.model import Source

Value = int | float | str | bool | None
PARAM_HINT = "see docs/project-format.md, section Parameters"


class ParamSpec(BaseModel):
    """One parameter in report.yaml's `params:` block."""

    model_config = ConfigDict(extra="allow", frozen=True)

    type: Literal["text", "integer", "number", "year", "bool"] = Field("text", description="The value's type.")
    default: Any = Field(None, description="The value when none is given; without a default the value is required "
                                           "(`default: null` makes it optional: no filter applies).")
    choices: list[Any] = Field(default_factory=list, description="The allowed values, when they are few.")
    description: str = Field("", description="What the parameter chooses, for the reader of report.yaml.")
    selects: dict[str, str] = Field(default_factory=dict,
                                    description="table id → column: only the rows whose column equals the value.")
    until: dict[str, str] = Field(default_factory=dict,
                                  description="table id (or '*', every table with that column) → column: only the "
                                              "rows whose column is at most the value (data as of a year).")

    @property
    def required(self) -> bool:
        return "default" not in self.model_fields_set


@dataclass(frozen=True)
class ParamSet:
    """Parameter values as given (text from the command line or a CSV, typed from YAML), and where."""

    values: dict[str, Any]
    source: Source | None = None


# ---- values ------------------------------------------------------------------------------------


def coerce(spec: ParamSpec, raw: Any) -> Value:
    """A given value → the parameter's type; raises ValueError naming what was found."""
    from builder.readers.data import parse_value
    if raw is None:
        return None
    if spec.type == "text":
        return str(raw)
    text = str(raw).strip()
    if isinstance(raw, bool) and spec.type != "bool":
        raise ValueError(f"expected a {spec.type}, found {raw!r}")
    value = parse_value(text, spec.type)
    if value is None and text == "":
        raise ValueError(f"expected a {spec.type}, found an empty value")
    return value


def resolve(specs: dict[str, ParamSpec], given: ParamSet) -> dict[str, Value]:
    """Every declared parameter's value: the given one (typed, checked against its choices) or its default."""
    unknown = [name for name in given.values if name not in specs]
    if unknown:
        raise BuildError(f"unknown parameter {', '.join(map(repr, unknown))}", given.source,
                         f"declared in report.yaml: {', '.join(specs) or 'none'} ({PARAM_HINT})")
    values: dict[str, Value] = {}
    for name, spec in specs.items():
        if name in given.values:
            values[name] = _checked(name, spec, given.values[name], given.source)
        elif spec.required:
            raise BuildError(f"parameter '{name}' has no value and no default", given.source,
                             f"give it (--param {name}=…, or a column '{name}' in the params file) "
                             "or declare a default in report.yaml")
        else:
            values[name] = _checked(name, spec, spec.default, Source("report.yaml"))
    return values


def _checked(name: str, spec: ParamSpec, raw: Any, where: Source | None) -> Value:
    try:
        value = coerce(spec, raw)
    except ValueError as e:
        raise BuildError(f"parameter '{name}': {e}", where, f"'{name}' is a {spec.type} ({PARAM_HINT})") from e
    choices = [coerce(spec, c) for c in spec.choices]
    if choices and value is not None and value not in choices:
        raise BuildError(f"parameter '{name}': {value!r} is not one of the choices", where,
                         f"choices: {', '.join(map(str, choices))}")
    return value


# ---- given values: --param and params files ------------------------------------------------------


def parse_assignments(items: tuple[str, ...]) -> ParamSet:
    """`--param name=value`, repeated, → a ParamSet."""
    values: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise BuildError(f"--param {item!r}: expected name=value", Source("--param"),
                             "for example --param region=North")
        values[name.strip()] = value
    return ParamSet(values, Source("--param"))


def read_params_file(path: Path) -> list[ParamSet]:
    """A params file: CSV (a header of parameter names, one parameter set a row) or YAML (a list of mappings, or
    one mapping)."""
    rel = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as e:
        raise BuildError(f"cannot read the params file: {e.strerror}", Source(rel), "check the path") from e
    if path.suffix.lower() == ".csv":
        return _csv_rows(text, rel)
    if path.suffix.lower() in (".yaml", ".yml"):
        return _yaml_rows(path, rel)
    raise BuildError("a params file is .csv or .yaml", Source(rel), "rename it or convert it")


def _csv_rows(text: str, rel: str) -> list[ParamSet]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[ParamSet] = []
    header: list[str] = []
    try:
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue
            if not header:
                header = [c.strip() for c in cells]
                continue
            if len(cells) != len(header):
                raise BuildError(f"row has {len(cells)} fields, the header has {len(header)}",
                                 Source(rel, reader.line_num), "one value per parameter named in the header")
            rows.append(ParamSet(dict(zip(header, cells)), Source(rel, reader.line_num)))
    except csv.Error as e:
        raise BuildError(f"malformed CSV: {e}", Source(rel, reader.line_num), "check the quoting") from e
    return rows


def _yaml_rows(path: Path, rel: str) -> list[ParamSet]:
    from builder.readers.yamlfile import read_yaml
    data, node = read_yaml(path, rel)
    items, nodes = ([data], [node]) if isinstance(data, dict) else (data or [], getattr(node, "value", []))
    rows = []
    for i, (item, item_node) in enumerate(zip(items, nodes)):
        where = Source(rel, item_node.start_mark.line + 1)
        if not isinstance(item, dict):
            raise BuildError(f"item {i}: expected a mapping of parameter names to values", where,
                             "write each parameter set as `- {region: North, year: 2023}`")
        rows.append(ParamSet({str(k): v for k, v in item.items()}, where))
    return rows


def given_params(assignments: tuple[str, ...], params_file: Path | None) -> ParamSet | None:
    """The values of `--params FILE` (one parameter set) overridden by `--param name=value`."""
    if not assignments and params_file is None:
        return None
    values: dict[str, Any] = {}
    source = None
    if params_file is not None:
        rows = read_params_file(params_file)
        if len(rows) != 1:
            raise BuildError(f"the params file holds {len(rows)} parameter sets, a build takes one",
                             Source(str(params_file)), "use `dossier batch` for several")
        values, source = dict(rows[0].values), rows[0].source
    cli = parse_assignments(assignments)
    values.update(cli.values)
    return ParamSet(values, cli.source if assignments else source)


# ---- applying values: the project and the data ----------------------------------------------------


def apply_params(project: Any, dataset: Any, given: ParamSet | None) -> tuple[Any, Any]:
    """The project and dataset for these parameter values: `params` set, output name rendered, tables filtered,
    chart filters rendered. A project without parameters comes back unchanged."""
    specs: dict[str, ParamSpec] = project.spec.params
    if not specs and (given is None or not given.values):
        return project, _with_chart_filters(dataset, {})
    values = resolve(specs, given or ParamSet({}))
    name = render_text(project.spec.output_name, values, Source("report.yaml"), "output_name")
    if not name or re.search(r"[/\\]|^\.", name):
        raise BuildError(f"output_name renders to {name!r}, not a file name", Source("report.yaml"),
                         "the rendered name must be non-empty, without '/' and not start with '.'")
    project = replace(project, spec=project.spec.model_copy(update={"output_name": name}), params=values)
    tables = dict(dataset.tables)
    for pname, spec in specs.items():
        if values[pname] is not None:
            _filter_tables(tables, pname, spec, values[pname])
    return project, _with_chart_filters(replace(dataset, tables=tables), values)


def _filter_tables(tables: dict, name: str, spec: ParamSpec, value: Value) -> None:
    for table_id, column in spec.selects.items():
        table = _table_for(tables, table_id, column, name)
        tables[table_id] = _keep(table, lambda row, c=column: _same(row[c], value))
    for table_id, column in spec.until.items():
        ids = [t for t in tables if column in _columns(tables[t])] if table_id == "*" else [table_id]
        for tid in ids:
            table = _table_for(tables, tid, column, name)
            tables[tid] = _keep(table, lambda row, c=column: _at_most(row[c], value))


def _table_for(tables: dict, table_id: str, column: str, name: str) -> Any:
    if table_id not in tables:
        raise BuildError(f"parameter '{name}' filters the unknown table '{table_id}'", Source("report.yaml"),
                         f"known tables: {', '.join(sorted(tables))}")
    if column not in _columns(tables[table_id]):
        raise BuildError(f"parameter '{name}': table '{table_id}' has no column '{column}'", Source("report.yaml"),
                         f"columns of {table_id}: {', '.join(_columns(tables[table_id]))}")
    return tables[table_id]


def _columns(table: Any) -> list[str]:
    return [c.name for c in table.meta.columns]


def _keep(table: Any, keep: Callable[[dict], bool]) -> Any:
    pairs = [(row, line) for row, line in zip(table.rows, table.lines or [None] * len(table.rows)) if keep(row)]
    return replace(table, rows=[r for r, _ in pairs], lines=[n for _, n in pairs if n is not None])


def _same(cell: Value, value: Value) -> bool:
    return cell == value or str(cell) == str(value)


def _at_most(cell: Value, value: Value) -> bool:
    """A row is kept when its value is at most `value`; a row whose key is not a number (a "Total") is kept."""
    try:
        return float(cell) <= float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return True


def _with_chart_filters(dataset: Any, values: dict[str, Value]) -> Any:
    """Chart specs with their `where:` values rendered (`"{{ params.region }}"` → "North")."""
    if not any(spec.where for spec in dataset.charts.values()):
        return dataset
    charts = {}
    for chart_id, spec in dataset.charts.items():
        if spec.where:
            where = Source("data/charts.yaml", dataset.chart_lines.get(chart_id))
            rendered = {col: _render_value(v, values, where, f"{chart_id}.where.{col}")
                        for col, v in spec.where.items()}
            spec = spec.model_copy(update={"where": rendered})
        charts[chart_id] = spec
    return replace(dataset, charts=charts)


def _render_value(value: Any, values: dict[str, Value], where: Source, what: str) -> Any:
    if isinstance(value, list):
        return [_render_value(v, values, where, what) for v in value]
    return render_text(value, values, where, what) if isinstance(value, str) else value


def render_text(text: str, values: dict[str, Value], where: Source, what: str) -> str:
    """A short template such as `"{{ params.region }}"`; plain text comes back as it is."""
    if "{{" not in text and "{%" not in text:
        return text
    from jinja2 import StrictUndefined, TemplateError
    from jinja2.sandbox import ImmutableSandboxedEnvironment
    env = ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=False)
    try:
        return env.from_string(text).render(params=values).strip()
    except TemplateError as e:
        raise BuildError(f"{what}: {e}", where, f"parameters: {', '.join(values) or 'none declared'} "
                                                 f"({PARAM_HINT})") from e


# ---- folder names ------------------------------------------------------------------------------------


def folder_name(given: ParamSet) -> str:
    """A folder name from a row's values in column order: {region: North, year: 2023} → "north-2023"."""
    parts = [re.sub(r"[^\w.]+", "-", str(v), flags=re.UNICODE).strip("-.").lower() for v in given.values.values()]
    return "-".join(p for p in parts if p) or "defaults"
