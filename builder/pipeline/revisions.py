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
    from builder.pipeline import BuildResult
    from builder.pipeline.diff import Changes, Stages

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


def figure_numbers(document: Any) -> dict[str, str]:
    """Chart id → its printed figure number, from a numbered document."""
    from builder.model import Figure, walk
    return {b.id: b.number for b in walk(document.blocks) if isinstance(b, Figure) and b.number}


def record(changes: Changes, numbers: dict[str, str], tables: dict[str, Any], figures: dict[str, str] | None = None,
           locale: str = "en_GB") -> dict:
    """The revisions record of a diff: every changed cell with its table's number and title, its row and column
    labels and its values as printed; sentences changed; claims flipped; charts redrawn (with their figure
    numbers); lists; report.yaml values."""
    from builder.pipeline.diff import labelled_cells
    cells = sorted(labelled_cells(changes, numbers, tables), key=lambda c: _number_key(c["table_number"]))
    for c in cells:
        col = _column(tables.get(c["table"]), c["column"])
        c["old_text"], c["new_text"] = _printed(c["old"], col, locale), _printed(c["new"], col, locale)
    return {
        "version": REVISIONS_VERSION,
        "from": changes.old, "to": changes.new,
        "cells": cells,
        "figures": sorted(({"chart": c, "number": (figures or {}).get(c, "")} for c in changes.charts),
                          key=lambda f: _number_key(f["number"])),
        "tables": [{k: t[k] for k in ("table", "status", "rows_added", "rows_removed", "columns_added",
                                      "columns_removed")} | {"number": numbers.get(t["table"], "")}
                   for t in changes.tables],
        "sentences": changes.sentences,
        "claims": changes.claims,
        "charts": changes.charts,
        "lists": changes.lists,
        "report": changes.report,
    }


def _number_key(number: str) -> tuple:
    """"6.10.1" after "6.2.1"; unnumbered last."""
    parts = [int(p) for p in number.split(".") if p.isdigit()] if number else []
    return (not parts, parts)


def _column(table: Any, name: str) -> Any:
    try:
        return table.column(name) if table is not None else None
    except KeyError:
        return None


def _printed(value: Any, col: Any, locale: str) -> str:
    """A cell value as the table prints it (the column's decimals, the report's locale); "–" when empty."""
    from builder.model.formatting import format_number
    if value is None:
        return "–"
    if col is not None and col.numeric and isinstance(value, (int, float)) and not isinstance(value, bool):
        return format_number(float(value), 0 if col.type == "year" else col.decimals, locale)
    return str(value)


def for_build(result: BuildResult, stages: Stages) -> dict | None:
    """The record of a build against the previous archived edition, or None when there is none. Chapters that
    print the record itself (the appendix) are left out of the comparison."""
    from builder.pipeline.diff import Side, compare, table_numbers
    root = result.project.root
    previous = previous_edition(root, result.project.spec.edition.id)
    if previous is None or result.dataset is None:
        return None
    cached = _CACHE.pop(_key(result.project, result.dataset), None)
    if cached is not None:
        return cached
    rendered = {r.path.rsplit("/", 1)[-1]: r for r in getattr(result, "rendered", [])
                if not stages.prints_revisions(root / r.path)}
    new = Side(root, result.project.spec.edition.id, result.dataset, rendered,
               result.project.spec.model_dump(mode="json"))
    old = _load_previous(previous, stages, result.diagnostics)
    if old is None:
        return None
    return record(compare(old, new), table_numbers(result.document), result.dataset.tables,
                  figure_numbers(result.document), result.project.spec.locale)


def _load_previous(previous: Path, stages: Stages, diagnostics: Any = None, numbered: bool = False) -> Any:
    """The archived edition, rendered; None (with a warning) when it no longer loads, so that an old edition
    never stops the current one from building."""
    from builder.errors import BuildError
    from builder.pipeline.diff import load_side
    try:
        return _without_appendix(load_side(previous, stages, numbered=numbered), stages)
    except BuildError as e:
        if diagnostics is not None:
            from builder.model import Source
            diagnostics.warn("revisions", f"no revisions record: the previous edition does not load ({e.message})",
                             Source(str(previous.relative_to(previous.parent.parent)) + "/report.yaml"))
        return None


_CACHE: dict[tuple, dict] = {}  # the record computed for a chapter that prints it, reused by the same build


def _key(project: Any, dataset: Any) -> tuple:
    return (str(project.root), project.spec.edition.id, id(dataset))


def _without_appendix(side: Any, stages: Stages) -> Any:
    side.rendered = {name: r for name, r in side.rendered.items()
                     if not stages.prints_revisions(side.root / "chapters" / name)}
    return side


def template_names(project: Any, dataset: Any, rendered: list, stages: Stages) -> dict:
    """`revisions` (the record, or None without a previous edition) and `what_changed()` (the appendix's
    Markdown) for the chapters that print them."""
    from builder.pipeline.diff import Side, compare, table_numbers
    data, numbers = None, {}
    previous = previous_edition(project.root, project.spec.edition.id)
    if previous is not None:
        from builder.errors import Diagnostics
        from builder.model.transforms import number_document
        document = number_document(stages.assemble(project, rendered, dataset), Diagnostics())
        numbers = table_numbers(document)
        new = Side(project.root, project.spec.edition.id, dataset, {r.path.rsplit("/", 1)[-1]: r for r in rendered},
                   project.spec.model_dump(mode="json"), numbers)
        old = _load_previous(previous, stages, numbered=True)
        if old is not None:
            data = record(compare(old, new), numbers, dataset.tables, figure_numbers(document), project.spec.locale)
            _CACHE.clear()
            _CACHE[_key(project, dataset)] = data
    return {"revisions": data, "what_changed": lambda: appendix_markdown(data, numbers)}


def write(data: dict, path: Path) -> Path:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


def appendix_markdown(data: dict | None, numbers: dict[str, str] | None = None) -> str:
    """The "What changed in this edition" appendix as Markdown (empty without a previous edition): a summary, the
    statements whose check flipped, the sentences that changed, the figures redrawn, then every changed cell."""
    if not data:
        return ""
    cells = data["cells"]
    counts = {k: sum(1 for c in cells if c["status"] == k) for k in ("added", "changed", "removed")}
    tables = {c["table"] for c in cells}
    out = ["# What changed in this edition {-}", "",
           f"Changes from edition {data['from']['edition']} to edition {data['to']['edition']}: "
           f"{counts['added']} values added, {counts['changed']} changed and {counts['removed']} removed in "
           f"{len(tables)} {'table' if len(tables) == 1 else 'tables'}."]
    if data["claims"]:
        out += ["", "## Statements checked against the data {-}", ""]
        out += [f"- {'Now holds' if c['new'] else 'No longer holds'}: {c['text']}." for c in data["claims"]]
    if data["sentences"]:
        from builder.readers.templates import plain_sentence
        out += ["", "## Sentences that changed {-}", ""]
        out += [f"- {plain_sentence(s['new'], numbers)}" for s in data["sentences"]
                if s["new"] and not s["new"].startswith(("#", "|"))]
    if data["figures"]:
        named = [f"Figure {f['number']}" for f in data["figures"] if f["number"]]
        out += ["", "Figures drawn from changed data: " + (", ".join(named) if named else str(len(data["figures"])))
                + "."]
    if cells:
        out += ["", "## Data {-}", "", "| Table | Row | Column | Was | Now |", "|---|---|---|---|---|"]
        for c in cells:
            out.append(f"| {_md(c['table_label'])} | {_md(c['row'])} | {_md(c['column_label'])} | "
                       f"{_md(c['old_text'])} | {_md(c['new_text'])} |")
    return "\n".join(out) + "\n"


def _md(text: Any) -> str:
    return str(text).replace("|", "\\|")
