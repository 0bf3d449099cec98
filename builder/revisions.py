"""The revisions record: what changed since the previous edition, in the reader's terms (table numbers, row and
column labels, rendered sentences). The build writes it as build/<name>.revisions.json when the project has an
archived edition under editions/ (see `dossier new-edition`); `new-edition` writes the first one. A chapter can
print it as the "What changed in this edition" appendix through the `revisions` template variable
(docs/living-report.md).
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from builder.build import BuildResult
    from builder.diff import Changes

REVISIONS_VERSION = 1


def previous_edition(root: Path, current: str) -> Path | None:
    """The archived edition with the highest edition number (other than the current one), or None."""
    import yaml
    best: tuple[int, str, Path] | None = None
    folder = root / "editions"
    if not folder.is_dir():
        return None
    for path in folder.iterdir():
        report = path / "report.yaml"
        if path.name.startswith(".") or not report.is_file():
            continue
        try:
            edition = (yaml.safe_load(report.read_text(encoding="utf-8")) or {}).get("edition") or {}
        except (OSError, yaml.YAMLError):
            continue
        if str(edition.get("id", path.name)) == current:
            continue
        number = edition.get("number") if isinstance(edition.get("number"), int) else 0
        if best is None or (number, path.name) > best[:2]:
            best = (number, path.name, path)
    return best[2] if best else None


def table_numbers(document: Any) -> dict[str, str]:
    """Table id → its printed number ("6.1.2"), from a numbered document."""
    from builder.model import Table, walk
    return {b.id: b.number for b in walk(document.blocks) if isinstance(b, Table) and b.number}


def record(changes: Changes, numbers: dict[str, str], tables: dict[str, Any]) -> dict:
    """The revisions record of a diff: every changed cell with its table's number and title and its row and
    column labels; sentences changed; claims flipped; charts redrawn; lists; report.yaml values."""
    from builder.diff import labelled_cells
    return {
        "version": REVISIONS_VERSION,
        "from": changes.old, "to": changes.new,
        "cells": labelled_cells(changes, numbers, tables),
        "tables": [{k: t[k] for k in ("table", "status", "rows_added", "rows_removed", "columns_added",
                                      "columns_removed")} | {"number": numbers.get(t["table"], "")}
                   for t in changes.tables],
        "sentences": changes.sentences,
        "claims": changes.claims,
        "charts": changes.charts,
        "lists": changes.lists,
        "report": changes.report,
    }


def for_build(result: BuildResult) -> dict | None:
    """The record of a build against the previous archived edition, or None when there is none."""
    from builder.diff import Side, compare, load_side
    root = result.project.root
    previous = previous_edition(root, result.project.spec.edition.id)
    if previous is None or result.dataset is None:
        return None
    rendered = {r.path.rsplit("/", 1)[-1]: r for r in getattr(result, "rendered", [])}
    new = Side(root, result.project.spec.edition.id, result.dataset, rendered,
               result.project.spec.model_dump(mode="json"))
    return record(compare(load_side(previous), new), table_numbers(result.document), result.dataset.tables)


def template_names(project: Any, dataset: Any, rendered: list) -> dict:
    """`revisions` (the record, or None without a previous edition) and `what_changed()` (the appendix's
    Markdown) for the chapters that print them."""
    from builder.diff import Side, compare, load_side
    data = None
    previous = previous_edition(project.root, project.spec.edition.id)
    if previous is not None:
        from builder.build import assemble
        from builder.errors import Diagnostics
        from builder.transforms import number_document
        numbers = table_numbers(number_document(assemble(project, rendered, dataset), Diagnostics()))
        new = Side(project.root, project.spec.edition.id, dataset, {r.path.rsplit("/", 1)[-1]: r for r in rendered},
                   project.spec.model_dump(mode="json"), numbers)
        data = record(compare(load_side(previous, numbered=True), new), numbers, dataset.tables)
    return {"revisions": data, "what_changed": lambda: appendix_markdown(data)}


def write(data: dict, path: Path) -> Path:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


def appendix_markdown(data: dict | None) -> str:
    """The "What changed in this edition" appendix as Markdown (empty without a previous edition)."""
    if not data:
        return ""
    out = ["# What changed in this edition {-}", "",
           f"Changes from edition {data['from']['edition']} to edition {data['to']['edition']}."]
    cells = data["cells"]
    if cells:
        out += ["", "## Data {-}", "", "| Table | Row | Column | Was | Now |", "|---|---|---|---|---|"]
        for c in cells:
            out.append(f"| {_md(c['table_label'])} | {_md(c['row'])} | {_md(c['column_label'])} | "
                       f"{_md(_v(c['old']))} | {_md(_v(c['new']))} |")
    if data["claims"]:
        out += ["", "## Statements checked against the data {-}", ""]
        out += [f"- {'Now holds' if c['new'] else 'No longer holds'}: {c['text']}." for c in data["claims"]]
    if data["sentences"]:
        from builder.templates import _plain
        out += ["", "## Sentences that changed {-}", ""]
        out += [f"- {_plain(s['new'])}" for s in data["sentences"] if s["new"] and not s["new"].startswith(("#", "|"))]
    if data["charts"]:
        out += ["", f"Charts redrawn with the new data: {len(data['charts'])}."]
    return "\n".join(out) + "\n"


def _v(value: Any) -> str:
    return "–" if value is None else str(value)


def _md(text: Any) -> str:
    return str(text).replace("|", "\\|")
