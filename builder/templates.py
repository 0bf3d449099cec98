"""Chapter templates: sandboxed Jinja2 over the dataset, with documented helpers and checked claims.

`render_chapter` returns the Markdown text and a line map (output line → chapter line).
"""
from __future__ import annotations

import difflib
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from builder.data import Dataset
from builder.errors import BuildError, Diagnostics
from builder.formatting import format_number
from builder.model import Source


@dataclass(frozen=True, slots=True)
class Claim:
    """An assertion about the data made in a sentence of a chapter."""

    text: str
    holds: bool
    source: Source
    sentence: str = ""


@dataclass
class Rendered:
    path: str
    markdown: str
    line_map: list[int]
    claims: list[Claim] = field(default_factory=list)
    statements: int = 0

    def source(self, out_line: int) -> Source:
        """The chapter location of a 1-based line of the rendered Markdown."""
        if 1 <= out_line <= len(self.line_map):
            return Source(self.path, self.line_map[out_line - 1])
        return Source(self.path)


def helpers(locale: str) -> tuple[dict[str, Callable], dict[str, Callable]]:
    """The filters and functions available in chapter templates (documented in docs/template-helpers.md)."""

    def num(x: float, decimals: int | None = None) -> str:
        return format_number(float(x), decimals, locale)

    def pct(x: float, decimals: int = 0) -> str:
        return num(x, decimals) + "%"

    def billions(x: float, decimals: int = 1) -> str:
        return num(float(x) / 1000, decimals)

    def times(x: float, decimals: int = 1) -> str:
        return f"{num(x, decimals)} times"

    def ratio(a: float, b: float) -> float:
        return a / b

    def change(a: float, b: float) -> float:
        return b - a

    def growth(a: float, b: float) -> float:
        return (b - a) / a * 100

    def grew(a: float, b: float) -> str:
        return "grew" if b > a else "fell" if b < a else "did not change"

    def plural(n: float, one: str, many: str) -> str:
        return one if n == 1 else many

    filters = {"num": num, "pct": pct, "billions": billions, "times": times}
    functions = {"ratio": ratio, "change": change, "growth": growth, "grew": grew, "plural": plural,
                 "min": min, "max": max, "abs": abs, "round": round}
    return filters, functions


class _Recorder:
    """Records claims and computed statements while a chapter renders."""

    def __init__(self, path: str, template_file: str):
        self.path = path
        self.template_file = template_file
        self.claims: list[Claim] = []
        self.template: Any = None

    def claim(self, condition: Any, text: str) -> str:
        self.claims.append(Claim(str(text), bool(condition), Source(self.path, self._line())))
        return ""

    def _line(self) -> int | None:
        frame = sys._getframe(1)
        while frame is not None:
            if frame.f_code.co_filename == self.template_file and self.template is not None:
                return self.template.get_corresponding_lineno(frame.f_lineno)
            frame = frame.f_back
        return None


def make_environment(root: Path, locale: str) -> Any:
    from jinja2 import FileSystemLoader, StrictUndefined
    from jinja2.sandbox import ImmutableSandboxedEnvironment
    env = ImmutableSandboxedEnvironment(loader=FileSystemLoader(str(root / "chapters")), undefined=StrictUndefined,
                                        autoescape=False, keep_trailing_newline=True)
    env.filters.update(helpers(locale)[0])
    return env


def render_chapter(env: Any, root: Path, name: str, dataset: Dataset, report: dict, locale: str) -> Rendered:
    """Render chapters/<name> with the dataset; template errors point at the chapter file and line."""
    from jinja2 import TemplateError, TemplateSyntaxError
    rel = f"chapters/{name}"
    path = root / "chapters" / name
    try:
        template = env.get_template(name)
    except TemplateSyntaxError as e:
        raise BuildError(f"template syntax: {e.message}", Source(rel, e.lineno),
                         "check the {{ }} and {% %} pairs on this line") from e
    recorder = _Recorder(rel, template.filename)
    recorder.template = template
    functions = helpers(locale)[1]
    context = dict(functions, table=_table_lookup(dataset), lists=dataset.lists, report=report,
                   claim=recorder.claim)
    try:
        text = template.render(context)
    except (TemplateError, KeyError, ValueError, TypeError, ZeroDivisionError, ArithmeticError) as e:
        raise _runtime_error(e, rel, template.filename) from e
    source = path.read_text(encoding="utf-8")
    statements = source.count("{{") - sum(1 for _ in recorder.claims)
    return Rendered(rel, text, _line_map(source, text), recorder.claims, max(statements, 0))


def _table_lookup(dataset: Dataset) -> Callable[[str], Any]:
    def table(table_id: str) -> Any:
        if table_id not in dataset.tables:
            known = ", ".join(sorted(dataset.tables)) or "none"
            raise KeyError(f"unknown table '{table_id}' (known: {known})")
        return dataset.tables[table_id]
    return table


def _runtime_error(e: Exception, rel: str, filename: str) -> BuildError:
    line = None
    for frame in traceback.extract_tb(e.__traceback__):
        if frame.filename == filename:
            line = frame.lineno
    message = e.args[0] if isinstance(e, KeyError) and e.args else str(e)
    kind = type(e).__name__
    hint = "define the name or fix its spelling; chapters see: table, lists, report and the helpers" \
        if kind == "UndefinedError" else "see docs/template-helpers.md"
    return BuildError(f"{kind}: {message}", Source(rel, line), hint)


def _line_map(source: str, output: str) -> list[int]:
    """For each output line, the source line it most likely came from (1-based)."""
    src, out = source.splitlines(), output.splitlines()
    mapping = [0] * len(out)
    matcher = difflib.SequenceMatcher(a=src, b=out, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        for k in range(j2 - j1):
            mapping[j1 + k] = min(i1 + k, max(i2 - 1, i1)) + 1 if tag != "insert" else i1 + 1
    return [max(1, m) for m in mapping]
