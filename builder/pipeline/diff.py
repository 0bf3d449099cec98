"""`dossier diff OLD NEW`: what changed between two editions (or any two project folders) — table cells, rows and
columns; the rendered sentences of the chapters; claims that flipped; charts whose plotted data changed; list items.

OLD and NEW are folders with a report.yaml, or edition ids: archived ones under PROJECT/editions/<id>, or the
current edition of PROJECT itself."""
from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path


SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[\"“«(\[A-ZА-ЯЁ0-9])")


@dataclass(frozen=True)
class Stages:
    """The pipeline's stages that load an edition (`builder.pipeline.stages()`): passed in by the caller, so that the
    comparison of editions, which the pipeline uses for the revisions record, does not import the pipeline."""

    render_all: Callable       # (project, dataset) → every chapter rendered
    assemble: Callable         # (project, rendered, dataset) → Document
    prints_revisions: Callable[[Path], bool]   # chapter file → whether it prints the revisions record


@dataclass
class Side:
    root: Path
    edition: str
    dataset: object
    rendered: dict[str, object]     # chapter file name → builder.readers.templates.Rendered
    spec: dict = field(default_factory=dict)    # report.yaml as data
    numbers: dict[str, str] = field(default_factory=dict)   # table id → printed number ("6.1.2")


@dataclass
class Changes:
    old: dict
    new: dict
    report: list[dict] = field(default_factory=list)
    tables: list[dict] = field(default_factory=list)
    sentences: list[dict] = field(default_factory=list)
    claims: list[dict] = field(default_factory=list)
    charts: list[str] = field(default_factory=list)
    lists: list[dict] = field(default_factory=list)
    chapters: dict[str, list[str]] = field(default_factory=lambda: {"added": [], "removed": []})
    labels: dict[str, dict] = field(default_factory=dict)   # table id → {number, title, columns: {name: label}}

    def cells(self) -> list[dict]:
        """Every changed cell, with its table: {table, key, column, old, new}."""
        return [dict(c, table=t["table"]) for t in self.tables for c in t["cells"]]

    @property
    def empty(self) -> bool:
        return not (self.report or self.tables or self.sentences or self.claims or self.charts or self.lists
                    or any(self.chapters.values()))


def resolve(arg: str, project: Path) -> Path:
    """A project folder, an edition archived under PROJECT/editions/, or PROJECT's current edition id."""
    from builder.errors import BuildError
    from builder.model import Source
    path = Path(arg)
    if (path / "report.yaml").is_file():
        return path.resolve()
    archived = project / "editions" / arg
    if (archived / "report.yaml").is_file():
        return archived.resolve()
    current = _edition_id(project)
    if current == arg:
        return project.resolve()
    known = sorted(p.name for p in (project / "editions").glob("*") if (p / "report.yaml").is_file()) \
        if (project / "editions").is_dir() else []
    raise BuildError(f"'{arg}' is neither a project folder nor an edition", Source(str(project / "editions")),
                     f"editions: {', '.join(known + ([current + ' (current)'] if current else [])) or 'none'}")


def _edition_id(root: Path) -> str:
    import yaml
    try:
        data = yaml.safe_load((root / "report.yaml").read_text(encoding="utf-8")) or {}
        return str((data.get("edition") or {}).get("id", ""))
    except (OSError, yaml.YAMLError, AttributeError):
        return ""


def load_side(root: Path, stages: Stages, numbered: bool = False) -> Side:
    """The project's data and every chapter rendered (no writers); with `numbered`, the Markdown is parsed and
    numbered too, for the tables' printed numbers."""
    from builder.errors import Diagnostics
    from builder.readers.data import load_dataset
    from builder.readers.project import load_project
    diag = Diagnostics()
    project = load_project(root, diag)
    from builder.readers.params import apply_params
    project, dataset = apply_params(project, load_dataset(project.root, diag), None)  # the parameters' defaults
    chapters = stages.render_all(project, dataset)
    numbers = {}
    if numbered:
        from builder.model.transforms import number_document
        numbers = table_numbers(number_document(stages.assemble(project, chapters, dataset), diag))
    rendered = {r.path.rsplit("/", 1)[-1]: r for r in chapters}
    return Side(project.root, project.spec.edition.id, dataset, rendered, project.spec.model_dump(mode="json"),
                numbers)


def table_numbers(document) -> dict[str, str]:
    """Table id → its printed number ("6.1.2"), from a numbered document."""
    from builder.model import Table, walk
    return {b.id: b.number for b in walk(document.blocks) if isinstance(b, Table) and b.number}


def compare(old: Side, new: Side) -> Changes:
    changes = Changes({"path": str(old.root), "edition": old.edition}, {"path": str(new.root), "edition": new.edition})
    changes.report = _report(old.spec, new.spec)
    changes.tables = _tables(old.dataset.tables, new.dataset.tables)
    changes.sentences, changes.chapters = _sentences(old.rendered, new.rendered)
    changes.claims = _claims(old.rendered, new.rendered)
    changes.charts = _charts(old.dataset, new.dataset)
    changes.lists = _lists(old.dataset.lists, new.dataset.lists)
    changes.labels = _labels(old, new)
    return changes


def diff_projects(old: Path, new: Path, stages: Stages) -> Changes:
    return compare(load_side(old, stages, numbered=True), load_side(new, stages, numbered=True))


def _labels(old: Side, new: Side) -> dict[str, dict]:
    """How a reader knows each table: its printed number (the new edition's, else the old one's), its title
    and its column labels."""
    out = {}
    for side in (old, new):
        for table_id, table in side.dataset.tables.items():
            out[table_id] = {"number": side.numbers.get(table_id) or out.get(table_id, {}).get("number", ""),
                             "title": table.meta.title,
                             "columns": {c.name: c.label or c.name for c in table.meta.columns}}
    return out


def table_label(labels: dict, table_id: str) -> str:
    entry = labels.get(table_id) or {}
    if entry.get("number"):
        return f"Table {entry['number']}"
    return entry.get("title") or table_id


def labelled_cells(changes: Changes, numbers: dict[str, str] | None = None, tables: dict | None = None
                   ) -> list[dict]:
    """Every changed cell with what a reader sees: the table's number and title, the row's label (its key) and
    the column's header label, beside the internal ids."""
    labels = dict(changes.labels)
    for table_id, number in (numbers or {}).items():
        labels.setdefault(table_id, {"title": "", "columns": {}})["number"] = number
    for table_id, table in (tables or {}).items():
        entry = labels.setdefault(table_id, {"number": "", "title": "", "columns": {}})
        entry["title"] = entry.get("title") or table.meta.title
        entry["columns"] = {c.name: c.label or c.name for c in table.meta.columns} | entry.get("columns", {})
    out = []
    for t in changes.tables:
        entry = labels.get(t["table"], {})
        for c in t["cells"]:
            status = "added" if c["old"] is None else "removed" if c["new"] is None else "changed"
            out.append({"table": t["table"], "table_number": entry.get("number", ""),
                        "table_label": table_label(labels, t["table"]), "table_title": entry.get("title", ""),
                        "row": c["key"], "column": c["column"],
                        "column_label": entry.get("columns", {}).get(c["column"], c["column"]),
                        "old": c["old"], "new": c["new"], "status": status})
    return out


# ---- report.yaml and tables ---------------------------------------------------------------------------------

def _plain(value):
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _flat(data, prefix: str = "") -> dict:
    if isinstance(data, dict):
        return {k: v for key, value in data.items() for k, v in _flat(value, f"{prefix}{key}.").items()}
    return {prefix.rstrip("."): data}


def _report(old: dict, new: dict) -> list[dict]:
    """report.yaml values that differ ("edition.date": old → new); lists compare whole."""
    a, b = _flat(old), _flat(new)
    return [{"key": k, "old": a.get(k), "new": b.get(k)} for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]


def _tables(old: dict, new: dict) -> list[dict]:
    out = []
    for table_id in sorted(set(old) | set(new)):
        if table_id not in new:
            out.append(_table_entry(table_id, "removed"))
            continue
        a, b = old.get(table_id), new[table_id]
        entry = _table_entry(table_id, "added" if a is None else "changed")
        a_rows = {r[a.meta.key]: r for r in a.rows} if a else {}
        b_rows = {r[b.meta.key]: r for r in b.rows}
        a_cols = [c.name for c in a.meta.columns] if a else []
        b_cols = [c.name for c in b.meta.columns]
        if a:
            entry["columns_added"] = [c for c in b_cols if c not in a_cols]
            entry["columns_removed"] = [c for c in a_cols if c not in b_cols]
            entry["rows_added"] = [k for k in b_rows if k not in a_rows]
            entry["rows_removed"] = [k for k in a_rows if k not in b_rows]
        key = b.meta.key
        for k, row in b_rows.items():
            before = a_rows.get(k, {})
            for col in b_cols:
                if col == key:
                    continue
                was, now = _plain(before.get(col)), _plain(row.get(col))
                if was != now:
                    entry["cells"].append({"key": k, "column": col, "old": was, "new": now})
        for k, row in a_rows.items():
            if k not in b_rows:
                entry["cells"] += [{"key": k, "column": c, "old": _plain(row[c]), "new": None}
                                   for c in a_cols if c != a.meta.key and row.get(c) is not None]
        if a is None or entry["cells"] or entry["columns_added"] or entry["columns_removed"] \
                or entry["rows_added"] or entry["rows_removed"]:
            out.append(entry)
    return out


def _table_entry(table_id: str, status: str) -> dict:
    return {"table": table_id, "status": status, "rows_added": [], "rows_removed": [], "columns_added": [],
            "columns_removed": [], "cells": []}


# ---- sentences and claims ------------------------------------------------------------------------------------

def paragraphs(markdown: str) -> list[str]:
    """The rendered Markdown's paragraphs (blank-line separated), whitespace squashed."""
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", markdown) if p.strip()]


def sentences(paragraph: str) -> list[str]:
    return [s for s in SENTENCE_END.split(paragraph) if s]


def _sentences(old: dict, new: dict) -> tuple[list[dict], dict[str, list[str]]]:
    out = []
    for name in [n for n in new if n in old]:
        a, b = paragraphs(old[name].markdown), paragraphs(new[name].markdown)
        matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                continue
            out += _sentence_changes(name, " ".join(a[i1:i2]), " ".join(b[j1:j2]))
    chapters = {"added": [n for n in new if n not in old], "removed": [n for n in old if n not in new]}
    return out, chapters


def _sentence_changes(chapter: str, old: str, new: str) -> list[dict]:
    a, b = sentences(old), sentences(new)
    out = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            out.append({"chapter": chapter, "old": " ".join(a[i1:i2]), "new": " ".join(b[j1:j2])})
    return out


def _claims(old: dict, new: dict) -> list[dict]:
    def index(rendered: dict) -> dict:
        return {(name, c.text): c for name, r in rendered.items() for c in r.claims}
    a, b = index(old), index(new)
    return [{"chapter": name, "text": text, "location": str(claim.source), "old": a[(name, text)].holds,
             "new": claim.holds}
            for (name, text), claim in b.items() if (name, text) in a and a[(name, text)].holds != claim.holds]


# ---- charts and lists ----------------------------------------------------------------------------------------

def _charts(old, new) -> list[str]:
    """Charts (in both editions) whose plotted rows differ."""
    from builder.charts import _rows

    def rows(dataset, chart_id):
        spec = dataset.charts[chart_id]
        table = dataset.tables.get(spec.table)
        if spec.missing_data or table is None:
            return None
        try:
            return spec.model_dump(mode="json"), _rows(spec, table)
        except (KeyError, ValueError):
            return None
    return [c for c in new.charts if c in old.charts and rows(old, c) != rows(new, c)]


def flatten(items, prefix: str = "") -> list[str]:
    """A list's items as text lines, nested ones prefixed by their parents ("Political / Chinese expansion")."""
    out = []
    for item in items:
        if isinstance(item, str):
            out.append(prefix + item)
            continue
        text = item.text or (f"{item.term}: {item.definition}" if item.term else "")
        if text:
            out.append(prefix + text)
        out += flatten(item.items, f"{prefix}{text} / " if text else prefix)
    return out


def _lists(old: dict, new: dict) -> list[dict]:
    out = []
    for list_id in sorted(set(old) | set(new)):
        a = flatten(old[list_id].items) if list_id in old else []
        b = flatten(new[list_id].items) if list_id in new else []
        added, removed = [x for x in b if x not in a], [x for x in a if x not in b]
        if added or removed:
            out.append({"list": list_id, "added": added, "removed": removed})
    return out


# ---- output --------------------------------------------------------------------------------------------------

def _v(value) -> str:
    return "∅" if value is None else str(value)


def _short(text: str, n: int = 120) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def as_text(ch: Changes) -> str:
    out = [f"{ch.old['edition']} ({ch.old['path']}) → {ch.new['edition']} ({ch.new['path']})"]
    if ch.empty:
        return out[0] + "\nno changes"
    for r in ch.report:
        out.append(f"report.yaml {r['key']}: {_short(_v(r['old']), 60)} → {_short(_v(r['new']), 60)}")
    cells = labelled_cells(ch)
    for t in ch.tables:
        title = (ch.labels.get(t["table"]) or {}).get("title", "")
        out.append(f"\n{table_label(ch.labels, t['table'])}" + (f" {title}" if title and
                   table_label(ch.labels, t["table"]) != title else "") + f" [{t['table']}] ({t['status']})")
        for what in ("rows_added", "rows_removed", "columns_added", "columns_removed"):
            if t[what]:
                out.append(f"  {what.replace('_', ' ')}: {', '.join(map(str, t[what]))}")
        for c in (c for c in cells if c["table"] == t["table"]):
            out.append(f"  {c['row']} / {c['column_label']}: {_v(c['old'])} → {_v(c['new'])}")
    if ch.charts:
        out.append("\ncharts with changed data: " + ", ".join(ch.charts))
    for s in ch.sentences:
        out.append(f"\nchapters/{s['chapter']}:\n  - {s['old'] or '∅'}\n  + {s['new'] or '∅'}")
    for c in ch.claims:
        out.append(f"\nclaim {'now holds' if c['new'] else 'now fails'}: {c['location']}: {c['text']}")
    for lst in ch.lists:
        out.append(f"\nlist {lst['list']}")
        out += [f"  + {_short(x)}" for x in lst["added"]] + [f"  - {_short(x)}" for x in lst["removed"]]
    for what, names in ch.chapters.items():
        if names:
            out.append(f"\nchapters {what}: {', '.join(names)}")
    return "\n".join(out)


def _md_escape(text: str) -> str:
    return str(text).replace("|", "\\|")


def as_markdown(ch: Changes) -> str:
    out = [f"# Changes from edition {ch.old['edition']} to {ch.new['edition']}", ""]
    if ch.empty:
        return "\n".join(out + ["No changes."]) + "\n"
    if ch.report:
        out += ["## report.yaml", ""] + [f"- {r['key']}: {_v(r['old'])} → {_v(r['new'])}" for r in ch.report] + [""]
    if ch.tables:
        out += ["## Tables", ""]
        cells = labelled_cells(ch)
        for t in ch.tables:
            title = (ch.labels.get(t["table"]) or {}).get("title", "")
            label = table_label(ch.labels, t["table"])
            out.append(f"### {label}{(': ' + title) if title and title != label else ''} (`{t['table']}`, "
                       f"{t['status']})")
            out.append("")
            for what in ("rows_added", "rows_removed", "columns_added", "columns_removed"):
                if t[what]:
                    out.append(f"- {what.replace('_', ' ').capitalize()}: {', '.join(map(str, t[what]))}")
            if t["cells"]:
                out += ["", "| Row | Column | Old | New |", "|---|---|---|---|"]
                out += [f"| {_md_escape(c['row'])} | {_md_escape(c['column_label'])} | {_md_escape(_v(c['old']))} | "
                        f"{_md_escape(_v(c['new']))} |" for c in cells if c["table"] == t["table"]]
            out.append("")
    if ch.charts:
        out += ["## Charts with changed data", ""] + [f"- {c}" for c in ch.charts] + [""]
    if ch.sentences:
        out += ["## Sentences", ""]
        for s in ch.sentences:
            out += [f"- `chapters/{s['chapter']}`", f"  - was: {s['old'] or '—'}", f"  - now: {s['new'] or '—'}"]
        out.append("")
    if ch.claims:
        out += ["## Claims that flipped", ""]
        out += [f"- {'holds now' if c['new'] else 'fails now'}: {c['text']} (`{c['location']}`)" for c in ch.claims]
        out.append("")
    if ch.lists:
        out += ["## Lists", ""]
        for lst in ch.lists:
            out += [f"- {lst['list']}"] + [f"  - added: {x}" for x in lst["added"]] + \
                   [f"  - removed: {x}" for x in lst["removed"]]
        out.append("")
    return "\n".join(out)


def as_json(ch: Changes) -> str:
    data = asdict(ch)
    data["cells"] = labelled_cells(ch)
    return json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n"


FORMATTERS = {"text": as_text, "json": as_json, "md": as_markdown}
