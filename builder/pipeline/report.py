"""The build report: build/<name>.report.json (shape: docs/report.schema.json) and the human summary."""
from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from builder.pipeline import BuildResult

REPORT_VERSION = 1


def report_data(result: BuildResult) -> dict:
    diag = result.diagnostics
    return {
        "version": REPORT_VERSION,
        "title": result.project.spec.title,
        "edition": result.project.spec.edition.id,
        "outputs": {fmt: {"path": str(p), "pages": result.pages.get(fmt)} for fmt, p in result.outputs.items()
                    if fmt != "report"},
        "toc_pages_from": result.toc_pages_from,
        "toc_pages_note": result.toc_pages_note,
        "warnings": [{"kind": w.kind, "message": w.message, "location": str(w.source or "")}
                     for w in diag.sorted()],
        "warnings_by_kind": diag.by_kind(),
        "claims": {"total": len(result.claims), "failed": [
            {"text": c.text, "location": str(c.source), "sentence": c.sentence[:2000]} for c in result.failed_claims]},
        "computed_statements": result.statements,
        "stale_tables": stale_tables(result),
        "charts": {"rendered": result.charts.rendered, "cached": result.charts.cached,
                   "missing_data": result.charts.missing},
        "timings": result.timings,
        "cpu": result.cpu,
        "params": result.project.params,
    }


def stale_tables(result: BuildResult) -> list[dict]:
    spec = result.project.spec
    if result.dataset is None or spec.edition.data_year is None:
        return []
    out = []
    for table in result.dataset.tables.values():
        latest = table.latest_year()
        if latest is not None and spec.edition.data_year - latest > spec.stale_after_years:
            out.append({"table": table.id, "latest_year": latest, "source": table.meta.source.text})
    return out


def write_report(result: BuildResult, path: Path) -> Path:
    from builder.staging import write_atomic
    write_atomic(path, json.dumps(report_data(result), indent=2, ensure_ascii=False) + "\n")
    return path
