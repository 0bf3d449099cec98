"""The Python API: `from builder import build, check`. The command line is a thin skin over these two.

    from builder import build
    result = build("my-report", tables={"gdp": gdp_frame}, formats=("pdf",))
    result.outputs["pdf"], result.pages["pdf"], result.claims, result.warnings

`tables` maps a table id to a pandas DataFrame that replaces data/<id>.csv (the metadata data/<id>.yaml still
describes it, and its rows are checked exactly like a CSV file's: errors name `tables['<id>']` and the row).
User errors raise builder.errors.BuildError (its `errors` lists them all when there are several).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import Any

from builder.writers import DEFAULT_FORMATS, FORMATS, check_formats  # noqa: F401  (FORMATS: part of the API)


@dataclass
class Result:
    """What a build or check produced."""

    outputs: dict[str, Path] = field(default_factory=dict)   # format → file ("pdf", "docx", "report")
    pages: dict[str, int] = field(default_factory=dict)      # format → page count
    claims: list = field(default_factory=list)               # builder.readers.templates.Claim: text, holds, source
    warnings: list = field(default_factory=list)             # builder.errors.Warning_: kind, message, source
    up_to_date: bool = False                                 # nothing changed since the last build: none written
    details: Any = None                                      # the pipeline's BuildResult (document, dataset …)

    @property
    def failed_claims(self) -> list:
        return [c for c in self.claims if not c.holds]

    @property
    def ok(self) -> bool:
        return not self.failed_claims and not self.warnings


def build(project: str | Path = ".", tables: dict | None = None, out: str | Path | None = None,
          formats: tuple[str, ...] | str = DEFAULT_FORMATS, force: bool = False, progress=None,
          params=None) -> Result:
    """Build the report in `project` into `out` (default: <project>/build). `formats`: any of "pdf", "docx",
    "html". `params`: the report's parameter values, a dict (name → value) or a builder.readers.params.ParamSet."""
    pipeline = import_module("builder.pipeline")
    formats = check_formats(formats)
    result = pipeline.build(Path(project), Path(out) if out else None, formats, progress=progress, force=force,
                            tables=tables, params=_params(params))
    if isinstance(result, pipeline.UpToDate):
        return Result(dict(result.outputs), dict(result.pages), up_to_date=True)
    return _result(result, dict(result.outputs), dict(result.pages))


def check(project: str | Path = ".", tables: dict | None = None, params=None) -> Result:
    """Validate data, templates and chapters (and the fonts' glyphs); write nothing."""
    pipeline = import_module("builder.pipeline")
    result = pipeline.prepare(Path(project), draw=False, tables=tables, params=_params(params))
    pipeline.check_glyphs(result)
    return _result(result, {}, {})


def _params(params):
    """A dict of parameter values as a ParamSet (values given from Python have no source line)."""
    from builder.readers.params import ParamSet
    return ParamSet(dict(params)) if isinstance(params, dict) else params


def _result(result, outputs: dict, pages: dict) -> Result:
    return Result(outputs, pages, list(result.claims), result.diagnostics.sorted(), details=result)
