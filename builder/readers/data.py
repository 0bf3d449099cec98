"""data/: tables (CSV or XLSX + YAML metadata), lists and chart specs → Dataset.

Values are typed when loaded; every problem names `file:row:column`.
"""
from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from builder.errors import BuildError, BuildErrors, Diagnostics
from builder.model import Source
from builder.readers.paths import project_file
from builder.readers.yamlfile import Schema as _Schema, load_model

Value = int | float | str | bool | None
TABLE_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")  # the documented id rule (docs/project-format.md)
MAX_CELL = 10_000  # characters in one cell: more than a printed page holds



class SourceSpec(_Schema):
    text: str = Field(description="Source as printed under the table.")
    url: str = Field("", description="Where the data can be found.")


class ColumnSpec(_Schema):
    name: str = Field(description="CSV column name.")
    label: str = Field("", description="Header text; defaults to the name.")
    type: Literal["year", "integer", "number", "percent", "text", "bool"] = "number"
    decimals: int = Field(0, ge=0, le=6, description="Digits printed after the decimal point.")
    range: tuple[float, float] | None = Field(None, description="Allowed range; percent defaults to 0..100.")
    note: str = Field("", description="Footnote (Markdown) whose mark sits on the header cell.")
    uncertain: str = Field("", description="Name of a bool column: true prints the value in parentheses.")
    hidden: bool = Field(False, description="Not displayed.")
    level: int = Field(0, ge=0, le=3, description="In a transposed table: indent of this column's row (a sub-row).")
    total: bool = Field(False, description="In a transposed table: this column's row is a total, set off by a rule.")

    @property
    def numeric(self) -> bool:
        return self.type in ("year", "integer", "number", "percent")


class HeaderGroup(_Schema):
    label: str
    columns: list[str] = Field(min_length=1)


class CheckSpec(_Schema):
    share: str = ""
    part: str = ""
    total: str = ""
    parts: list[str] = Field(default_factory=list)
    growth: str = Field("", description="A column of year-on-year growth in percent of the column `of`.")
    of: str = ""
    tolerance: float = 0.1
    derive: bool = Field(False, description="Compute the share, total (or the one missing part: a balance) or "
                                            "growth where its cell is empty; published values are compared.")

    @model_validator(mode="after")
    def _one_kind(self) -> CheckSpec:
        if not ((self.share and self.part and self.total) or (self.total and self.parts)
                or (self.growth and self.of)):
            raise ValueError("a check is either {share, part, total}, {total, parts} or {growth, of}")
        return self


class TableMeta(_Schema):
    """The schema of data/<id>.yaml."""

    title: str = Field(description="Caption text without the number.")
    original_label: str = Field("", description="The label in the original publication, for matching.")
    unit: str = ""
    source: SourceSpec
    caption_notes: list[str] = Field(default_factory=list, description="Footnotes marked on the caption.")
    notes: str = ""
    key: str = Field(description="Column whose values identify rows.")
    transpose: bool = Field(False, description="Print key values across (years as column heads).")
    stub_label: str = ""
    columns: list[ColumnSpec] = Field(min_length=1)
    header_groups: list[list[HeaderGroup]] = Field(default_factory=list)
    row_group: str = ""
    partition: str = Field("", description="A column splitting the table into parts that a parameter selects "
                                           "(one region each): keys need to be unique only within a part.")
    checks: list[CheckSpec] = Field(default_factory=list)
    sheet: str = Field("", description="For XLSX data: the sheet name.")


class ListItemSpec(_Schema):
    text: str = ""
    term: str = ""
    definition: str = ""
    items: list[ListItemSpec | str] = Field(default_factory=list)


class ListSpec(_Schema):
    title: str = ""
    numbering: Literal["hierarchical", "ordered", "bullet", "definitions"] = "bullet"
    items: list[ListItemSpec | str] = Field(min_length=1)


class ChartSpec(_Schema):
    title: str = Field(description="Caption text without the number, in the report's language.")
    original_title: str = Field("", description="The title as first published, when it was in another language: "
                                                "printed in the source note (\"Original title: …\").")
    kind: Literal["line", "bar", "grouped_bar", "stacked_share", "hbar"] = Field("line", description=(
        "line; bar or grouped_bar (bars side by side); stacked_share (each x's series as shares of their sum, "
        "stacked to 100 %); hbar (horizontal bars)."))
    table: str = Field("", description="Id of the data table.")
    x: str = Field("", description="Column of the categories or periods (years, dates, quarters like 1967-Q2).")
    series: list[str] = Field(default_factory=list, description="Columns drawn, one series each.")
    labels: list[str] = Field(default_factory=list, description="The series' names in the legend, one per series, "
                              "when the columns' labels do not read alone (a sub-row's \"in Russia\"); default: the "
                              "columns' labels.")
    scale: float = Field(1.0, description="Factor applied to the values (e.g. 0.001 for thousands).")
    unit: str = Field("", description="Label of the value axis.")
    years: tuple[int | Literal["first"], int | Literal["latest"]] | None = Field(
        None, description='Years plotted, first and last: a year, or "first" / "latest" (the data\'s own ends).')
    last: int | None = Field(None, ge=1, description="Only the last N years that have data.")
    height_in: float | None = Field(None, description="Chart height in inches (default from the style).")
    exclude: list[str] = Field(default_factory=list, description="Row keys left out (e.g. a Total row).")
    description: str = ""
    source: str = Field("", description="Source line under the figure; defaults to the table's source.")
    missing_data: str = ""
    where: dict[str, Value | list[Value]] = Field(default_factory=dict, description="Only the rows whose column "
                                                  "has this value (or one of these); values may use {{ params.x }}.")

    @property
    def pinned(self) -> bool:
        """True when the chart ends at a fixed year, so new data does not reach it."""
        return bool(self.years) and isinstance(self.years[1], int)

    @model_validator(mode="after")
    def _complete(self) -> ChartSpec:
        if not self.missing_data and not (self.table and self.x and self.series):
            raise ValueError("a chart needs table, x and series (or missing_data)")
        if self.labels and len(self.labels) != len(self.series):
            raise ValueError(f"labels: {len(self.labels)} given for {len(self.series)} series (one per series)")
        return self


# ---- tables -------------------------------------------------------------------------------


@dataclass
class DataTable:
    """One table: typed rows plus metadata. The methods are the template helpers' view of it."""

    id: str
    meta: TableMeta
    rows: list[dict[str, Value]]
    path: str
    meta_path: str
    lines: list[int] = field(default_factory=list)

    def column(self, name: str) -> ColumnSpec:
        for col in self.meta.columns:
            if col.name == name:
                return col
        names = ", ".join(c.name for c in self.meta.columns)
        raise KeyError(f"table '{self.id}' has no column '{name}' (it has: {names})")

    def keys(self) -> list[Value]:
        return [row[self.meta.key] for row in self.rows]

    def row(self, key: Value) -> dict[str, Value]:
        for row in self.rows:
            if row[self.meta.key] == key or str(row[self.meta.key]) == str(key):
                return row
        raise KeyError(f"table '{self.id}' has no row '{key}' (keys: {', '.join(map(str, self.keys()))})")

    def value(self, column: str, key: Value) -> Value:
        self.column(column)
        return self.row(key)[column]

    def series(self, column: str) -> dict[Value, Value]:
        self.column(column)
        return {r[self.meta.key]: r[column] for r in self.rows if r[column] is not None}

    def values(self, column: str) -> list[Value]:
        return list(self.series(column).values())

    def first_key(self, column: str) -> Value:
        return next(iter(self.series(column)))

    def last_key(self, column: str) -> Value:
        return list(self.series(column))[-1]

    def min(self, column: str) -> Value:
        return min(self.values(column))

    def max(self, column: str) -> Value:
        return max(self.values(column))

    def argmin(self, column: str) -> Value:
        s = self.series(column)
        return min(s, key=s.__getitem__)

    def argmax(self, column: str) -> Value:
        s = self.series(column)
        return max(s, key=s.__getitem__)

    def sum(self, column: str) -> float:
        return sum(self.values(column))

    def latest_year(self) -> int | None:
        """The last year with data, for a table keyed by year (a text key of digits counts, "Total" not)."""
        if self.column(self.meta.key).type not in ("year", "text"):
            return None
        years = [int(k) for k in self.keys() if isinstance(k, int) or (isinstance(k, str) and k.isdigit())]
        return max(years) if years else None


@dataclass
class Dataset:
    tables: dict[str, DataTable]
    lists: dict[str, ListSpec]
    charts: dict[str, ChartSpec]
    files: dict[str, bytes] = field(default_factory=dict)
    chart_lines: dict[str, int] = field(default_factory=dict)
    chart_nodes: dict[str, object] = field(default_factory=dict)  # YAML node of each chart spec, for its lines
    orphans: dict[str, str] = field(default_factory=dict)  # table id → data file that has no metadata YAML

    def table(self, table_id: str) -> DataTable:
        if table_id not in self.tables:
            self.check_orphan(table_id)
            raise KeyError(f"unknown table '{table_id}'")
        return self.tables[table_id]

    def check_orphan(self, table_id: str) -> None:
        """A table asked for whose data file is there but whose metadata is not: say so, at that file."""
        if table_id in self.orphans:
            raise BuildError(f"table '{table_id}' has no metadata file data/{table_id}.yaml",
                             Source(self.orphans[table_id]),
                             f"write data/{table_id}.yaml (title, source, key, columns; see docs/table-yaml.md)")


def load_dataset(root: Path, diagnostics: Diagnostics, frames: dict | None = None) -> Dataset:
    """Load every table, list and chart spec under data/, reporting all errors together. `frames` (table id →
    pandas DataFrame) replace the tables' CSV/XLSX files and are checked the same way."""
    data_dir = root / "data"
    errors: list[BuildError] = []
    tables: dict[str, DataTable] = {}
    files: dict[str, bytes] = {}
    frames = frames or {}
    for table_id in frames:
        if not (data_dir / f"{table_id}.yaml").exists():
            errors.append(BuildError(f"DataFrame for table '{table_id}' has no metadata file data/{table_id}.yaml",
                                     Source(frame_name(table_id)),
                                     "write the table's metadata there (title, source, key, columns)"))
    for meta_path in sorted(data_dir.glob("*.yaml")):
        if meta_path.name == "charts.yaml":
            continue
        try:
            table = load_table(root, meta_path, diagnostics, files, frames.get(meta_path.stem))
            tables[table.id] = table
        except BuildErrors as e:
            errors.extend(e.errors)
        except BuildError as e:
            errors.append(e)
    lists = _load_lists(root, diagnostics, errors)
    charts, chart_lines, chart_nodes = _load_charts(root, diagnostics, errors)
    if errors:
        raise BuildErrors(errors)
    orphans = {p.stem: f"data/{p.name}" for p in sorted(data_dir.glob("*.*"), reverse=True)
               if p.suffix in (".csv", ".xlsx") and not p.with_suffix(".yaml").exists()}
    return Dataset(tables, lists, charts, files, chart_lines, chart_nodes, orphans)


def _load_lists(root: Path, diagnostics: Diagnostics, errors: list[BuildError]) -> dict[str, ListSpec]:
    lists = {}
    for path in sorted((root / "data" / "lists").glob("*.yaml")):
        try:
            project_file(root, path, f"data/lists/{path.name}")
            lists[path.stem] = load_model(ListSpec, path, f"data/lists/{path.name}", diagnostics)
            _check_list_depth(lists[path.stem], path, f"data/lists/{path.name}")
        except BuildErrors as e:
            errors.extend(e.errors)
        except BuildError as e:
            errors.append(e)
    return lists


MAX_LIST_DEPTH = 9  # as for lists in chapters: Word's list levels end at 9, and so does the page width


def _check_list_depth(spec: ListSpec, path: Path, rel: str) -> None:
    """A list nested deeper than MAX_LIST_DEPTH is an error at the first item past it."""
    from builder.readers.yamlfile import node_line, read_yaml

    def too_deep(items, loc: tuple, depth: int) -> tuple | None:
        for i, item in enumerate(items):
            if depth > MAX_LIST_DEPTH:
                return loc + (i,)
            if isinstance(item, ListItemSpec) and item.items:
                found = too_deep(item.items, loc + (i, "items"), depth + 1)
                if found:
                    return found
        return None
    found = too_deep(spec.items, ("items",), 1)
    if found:
        raise BuildError(f"the list is nested more than {MAX_LIST_DEPTH} levels deep", Source(
            rel, node_line(read_yaml(path, rel)[1], found)), "flatten the list: move the deepest items up a level")


class _Charts(BaseModel):
    model_config = ConfigDict(extra="forbid")
    charts: dict[str, ChartSpec]


def _load_charts(root: Path, diagnostics: Diagnostics, errors: list[BuildError]
                 ) -> tuple[dict[str, ChartSpec], dict[str, int], dict[str, object]]:
    """Chart specs by id, the line of each in data/charts.yaml and its YAML node."""
    from pydantic import ValidationError

    from builder.readers.yamlfile import read_yaml
    path = root / "data" / "charts.yaml"
    if not path.exists():
        return {}, {}, {}
    try:
        project_file(root, path, "data/charts.yaml")
    except BuildError as e:
        errors.append(e)
        return {}, {}, {}
    from builder.readers.yamlfile import relevant, validation_error
    data, node = read_yaml(path, "data/charts.yaml")
    lines = {k.value: k.start_mark.line + 1 for k, _v in getattr(node, "value", []) if hasattr(k, "value")}
    nodes = {k.value: v for k, v in getattr(node, "value", []) if hasattr(k, "value")}
    try:
        return _Charts.model_validate({"charts": data or {}}).charts, lines, nodes
    except ValidationError as e:
        errors.extend(validation_error("data/charts.yaml", node, err, _Charts, skip=1) for err in relevant(e.errors()))
        return {}, {}, {}


def frame_name(table_id: str) -> str:
    """How errors name a table given as a DataFrame through the Python API."""
    return f"tables['{table_id}']"


def _frame_rows(frame, table_id: str) -> tuple[list[list[str]], list[int], bytes]:
    """A DataFrame as the text rows a CSV would give (header first), its row numbers (1 = first data row) and
    bytes that fingerprint it."""
    import pandas as pd

    def text(v) -> str:
        if v is None or (not isinstance(v, str) and pd.isna(v)):
            return ""
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, float):
            return repr(v)
        return str(v)
    if not isinstance(frame, pd.DataFrame):
        raise BuildError(f"expected a pandas DataFrame, got {type(frame).__name__}", Source(frame_name(table_id)),
                         "pass tables={'id': DataFrame}")
    rows = [[str(c) for c in frame.columns]]
    rows += [[text(v) for v in record] for record in frame.itertuples(index=False, name=None)]
    return rows, list(range(0, len(rows))), frame.to_csv(index=False).encode()


def load_table(root: Path, meta_path: Path, diagnostics: Diagnostics, files: dict[str, bytes],
               frame=None) -> DataTable:
    """data/<id>.yaml + its CSV (or XLSX, or a DataFrame given through the API) → DataTable with typed,
    validated values."""
    table_id = meta_path.stem
    meta_rel = f"data/{meta_path.name}"
    project_file(root, meta_path, meta_rel)
    if not TABLE_ID.match(table_id):
        raise BuildError(f"table id '{table_id}' breaks the id rule", Source(meta_rel),
                         "name data files with lowercase letters, digits and '-' only, e.g. trade-kz-to-ru.yaml")
    meta = load_model(TableMeta, meta_path, meta_rel, diagnostics)
    _check_meta(meta, meta_rel)
    if frame is not None:
        raw_rows, lines, data = _frame_rows(frame, table_id)
        rel = frame_name(table_id)
    else:
        data_path, raw_rows, lines = _read_rows(root, meta_path, meta)
        rel = f"data/{data_path.name}"
        data = data_path.read_bytes()
    files[rel] = data
    if not raw_rows:
        raise BuildError("the file is empty", Source(rel), f"write the header and the table's rows into {rel}")
    _check_header(raw_rows[0], meta, rel, meta_rel)
    if len(raw_rows) < 2:
        raise BuildError("no data rows: the file has only its header", Source(rel, lines[0] or None),
                         f"add the table's rows to {rel} below the header")
    rows = _typed_rows(raw_rows[1:], lines[1:], meta, rel)
    table = DataTable(table_id, meta, rows, rel, meta_rel, lines[1:])
    from builder.readers.derive import derive_columns
    derive_columns(table)
    from builder.readers.validation import validate_table
    validate_table(table, diagnostics)
    return table


def _check_meta(meta: TableMeta, rel: str) -> None:
    names = [c.name for c in meta.columns]
    known = set(names)
    wanted = [meta.key, meta.row_group, meta.partition] + [c.uncertain for c in meta.columns]
    wanted += [n for row in meta.header_groups for g in row for n in g.columns]
    wanted += [n for c in meta.checks for n in (c.share, c.part, c.total, *c.parts, c.growth, c.of)]
    missing = sorted({n for n in wanted if n and n not in known})
    if missing:
        raise BuildError(f"columns named in the metadata but not declared: {', '.join(missing)}",
                         Source(rel), f"declared columns: {', '.join(names)}")


def _read_rows(root: Path, meta_path: Path, meta: TableMeta) -> tuple[Path, list[list[str]], list[int]]:
    csv_path = meta_path.with_suffix(".csv")
    xlsx_path = meta_path.with_suffix(".xlsx")
    if csv_path.exists() and xlsx_path.exists():
        raise BuildError(f"two data files for table '{meta_path.stem}': {csv_path.name} and {xlsx_path.name}",
                         Source(f"data/{xlsx_path.name}"),
                         "keep one of them: the build will not guess which is current")
    if csv_path.exists():
        project_file(root, csv_path, f"data/{csv_path.name}")
        return csv_path, *_read_csv(csv_path)
    if xlsx_path.exists():
        project_file(root, xlsx_path, f"data/{xlsx_path.name}")
        from builder.readers.xlsx import read_xlsx
        return xlsx_path, *read_xlsx(xlsx_path, f"data/{xlsx_path.name}", meta.sheet)
    raise BuildError(f"no data file for table '{meta_path.stem}'", Source(f"data/{meta_path.name}"),
                     f"add data/{meta_path.stem}.csv (or .xlsx)")


def _read_csv(path: Path) -> tuple[list[list[str]], list[int]]:
    rel = f"data/{path.name}"
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as e:
        raise BuildError("not UTF-8 text", Source(rel), "save the CSV as UTF-8") from e
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))  # a long cell is judged below, not by csv
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows, lines = [], []
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                _check_cell_lengths(row, rel, reader.line_num)
                rows.append(row)
                lines.append(reader.line_num)
    except csv.Error as e:
        raise BuildError(f"malformed CSV: {e}", Source(rel, reader.line_num), "check the quoting on this line") from e
    return rows, lines


def _check_cell_lengths(row: list[str], rel: str, line: int) -> None:
    for col, cell in enumerate(row, start=1):
        if len(cell) > MAX_CELL:
            raise BuildError(f"a cell of {len(cell):,} characters; a cell may hold {MAX_CELL:,}",
                             Source(rel, line, col),
                             "a table cell holds a value or a short text: keep long text in the chapter or the notes")


def _check_header(header: list[str], meta: TableMeta, rel: str, meta_rel: str) -> None:
    declared = [c.name for c in meta.columns]
    found = [h.strip() for h in header]
    if found != declared:
        shown = (f"header {found} does not match the declared columns {declared}" if len(found) + len(declared) <= 40
                 else f"header of {len(found):,} columns does not match the {len(declared)} declared columns "
                      f"(first difference: column {_first_difference(found, declared) + 1})")
        raise BuildError(shown, Source(rel, 1),
                         f"make the first row of {rel} and the columns in {meta_rel} agree, in the same order")


def _first_difference(a: list[str], b: list[str]) -> int:
    return next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))


def _typed_rows(raw: list[list[str]], lines: list[int], meta: TableMeta, rel: str) -> list[dict[str, Value]]:
    errors: list[BuildError] = []
    rows: list[dict[str, Value]] = []
    seen: dict[Value, int] = {}
    for cells, line in zip(raw, lines):
        if len(cells) != len(meta.columns):
            errors.append(BuildError(f"row has {len(cells)} fields, the header has {len(meta.columns)}",
                                     Source(rel, line), "add or remove commas; quote text that contains a comma"))
            continue
        row = {}
        for i, (col, cell) in enumerate(zip(meta.columns, cells), start=1):
            try:
                row[col.name] = parse_value(cell, col.type)
            except ValueError as e:
                errors.append(BuildError(f"column '{col.name}': {e}", Source(rel, line, i),
                                         f"write a plain {col.type} such as 1234.5 (no spaces, no thousands separators), "
                                         "or leave the field empty for a missing value"))
        key = (row.get(meta.partition), row.get(meta.key)) if meta.partition else row.get(meta.key)
        if meta.key in row and key in seen:
            errors.append(BuildError(f"duplicate key {row.get(meta.key)!r} in column '{meta.key}' "
                                     f"(first on line {seen[key]})", Source(rel, line), "each row needs a unique key"))
        seen.setdefault(key, line)
        rows.append(row)
    if errors:
        raise BuildErrors(errors)
    return rows


def parse_value(cell: str, kind: str) -> Value:
    """A CSV field → typed value; '' is missing. Raises ValueError naming the text found."""
    text = cell.strip()
    if text == "":
        return None
    if kind == "text":
        return text
    if kind == "bool":
        if text.lower() in ("true", "yes", "1"):
            return True
        if text.lower() in ("false", "no", "0"):
            return False
        raise ValueError(f"expected true or false, found {text!r}")
    try:
        number = float(text)
    except ValueError:
        raise ValueError(f"expected a number, found {text!r}") from None
    if not math.isfinite(number):
        raise ValueError(f"expected a finite number, found {text!r}")
    if kind in ("year", "integer"):
        if not number.is_integer():
            raise ValueError(f"expected a whole number, found {text!r}")
        return int(number)
    return number
