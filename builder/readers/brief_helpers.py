"""The briefing pack's own template helpers: key figures computed from data, key messages and short factor lists.

A brief is read by people with five minutes. Its template (chapters/brief.md) says what to show; these helpers keep
it short and say so when it is not:

- `key_figure(table, column, label, unit=None, decimals=None, source=None)`, one call a line inside a
  ```` ```{keyfigures} ```` fence: the latest value of the column, its year, unit and source, and where the full
  report shows it (its table, else the figure drawing the column, else an en dash). A figure whose column has no
  value is left out and reported (a build warning at the template's line). A brief shows 3–6 figures; more or
  fewer is a warning.
- `key_messages(items, pick=None)`: the first sentence of each item (a list's items or strings) as a bullet list;
  3–5 messages, more or fewer is a warning at the template's line.
- `short_list(list_id, limit=5)`: a list of `data/lists/` as at most `limit` short items (a group's sub-items joined
  into one item); a longer list ends with a pointer to its section of the full report and is a warning.

The warnings go to the build report with the other warnings (kind "brief").
"""
from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from typing import Any

from builder.model import Cell, Source, Table, TableRow

KEY_FIGURES = (3, 6)   # a brief's key figures, fewest and most
KEY_MESSAGES = (3, 5)  # its key messages
LIST_ITEMS = 5         # items of a factor list before it is shortened
DIRECTIVE = "keyfigures"


@dataclass
class BriefHelpers:
    """The helpers of one brief rendering and the warnings they raised (`report` hands them to the build)."""

    dataset: Any
    labels: Any
    locale: str
    ref: Any = None          # the brief's ref() into the full report
    see: Any = None
    path: str = "chapters/brief.md"
    warnings: list[tuple[str, Source]] = field(default_factory=list)
    figures: list[Source] = field(default_factory=list)

    def functions(self) -> dict:
        return {"key_figure": self.key_figure, "key_messages": self.key_messages, "short_list": self.short_list}

    def report(self, diag) -> None:
        """Add the warnings to the build's diagnostics (the count of key figures is judged here, at the end)."""
        low, high = KEY_FIGURES
        if self.figures and not low <= len(self.figures) <= high:
            self.warnings.append((f"the brief shows {len(self.figures)} key figures; a brief shows {low} to "
                                  f"{high}", self.figures[0]))
        for message, where in self.warnings:
            diag.warn("brief", message, where)

    # -- helpers ---------------------------------------------------------------------------------
    def key_figure(self, table: Any, column: str, label: str, unit: str | None = None, decimals: int | None = None,
                   source: str | None = None) -> str:
        """One line of a {keyfigures} fence (JSON), or "" when the column has no value (reported)."""
        where = self._where()
        if isinstance(table, str) and table not in self.dataset.tables:
            raise KeyError(f"unknown table '{table}' (known: {', '.join(sorted(self.dataset.tables)) or 'none'})")
        t = self.dataset.tables[table] if isinstance(table, str) else table
        col = t.column(column)
        series = t.series(column)
        if not series:
            self.warnings.append((f"key figure '{label}' left out: table '{t.id}' has no value in column "
                                  f"'{column}'", where))
            return ""
        self.figures.append(where)
        year, value = list(series.items())[-1]
        if decimals is None:
            decimals = col.decimals
        if unit is None:
            unit = "%" if col.type == "percent" else t.meta.unit
        return json.dumps({"label": label, "value": value, "decimals": decimals, "unit": unit, "year": year,
                           "source": source if source is not None else short_source(t.meta.source.text),
                           "ref": self.in_report(t.id, column)}, ensure_ascii=False)

    def in_report(self, table: str, column: str) -> str:
        """Where the full report shows a key figure: its table ("Table 6.1.2"), else the first figure that draws
        its column ("Figure 3"), else an en dash (the report prints the number nowhere)."""
        from builder.model.formatting import MISSING
        for target in (f"table:{table}", f"chart:{table}:{column}"):
            try:
                return self.ref(target) if self.ref is not None else MISSING
            except KeyError:
                continue
        return MISSING

    def key_messages(self, items: Any, pick: Any = None) -> str:
        """The first sentence of each item as a Markdown bullet list; `pick` chooses items by number (1 = first)."""
        where = self._where()
        if isinstance(items, dict):
            items = items["items"]
        entries = list(getattr(items, "items", items) if not isinstance(items, (list, tuple)) else items)
        if pick is not None:
            wrong = [n for n in pick if not 1 <= int(n) <= len(entries)]
            if wrong:
                raise ValueError(f"key_messages(): pick {wrong[0]} is not an item (there are {len(entries)})")
            entries = [entries[int(n) - 1] for n in pick]
        low, high = KEY_MESSAGES
        if not low <= len(entries) <= high:
            self.warnings.append((f"the brief has {len(entries)} key messages; a brief has {low} to {high}", where))
        return "\n".join(f"- {headline(item)}" for item in entries)

    def short_list(self, list_id: str, limit: int = LIST_ITEMS) -> str:
        """At most `limit` short items of the list `list_id`, then a pointer to the full report for the rest."""
        where = self._where()
        if list_id not in self.dataset.lists:
            raise KeyError(f"unknown list '{list_id}' (known: {', '.join(sorted(self.dataset.lists)) or 'none'})")
        spec = self.dataset.lists[list_id]
        lines, cut = [], 0
        for item in spec.items[:limit]:
            sub = list(getattr(item, "items", None) or [])
            if sub:
                shown = [headline(s) for s in sub[:limit]]
                cut += max(len(sub) - limit, 0)
                lines.append(f"- **{_text(item)}:** " + "; ".join(_lower_after_first(shown)) + ".")
            else:
                lines.append(f"- {headline(item)}")
        cut += max(len(spec.items) - limit, 0)
        if cut:
            pointer = self.see(f"list:{list_id}") if self.see is not None else ""
            more = self.labels["more_items"].format(n=cut, see=pointer).strip()
            lines.append(f"- *{more}*")
            self.warnings.append((f"list '{list_id}' shortened for the brief: {cut} "
                                  f"{'item is' if cut == 1 else 'items are'} left out, a pointer to the full report "
                                  f"stands for them", where))
        return "\n".join(lines)

    def _where(self) -> Source:
        """The template line of the helper's call."""
        frame = sys._getframe(2)
        while frame is not None:
            template = frame.f_globals.get("__jinja_template__")
            if template is not None:
                return Source(self.path, template.get_corresponding_lineno(frame.f_lineno))
            frame = frame.f_back
        return Source(self.path)


def _text(item: Any) -> str:
    return str(item.text if hasattr(item, "text") else item.get("text", "") if isinstance(item, dict) else item)


def headline(item: Any) -> str:
    """The first sentence of a list item, with its full stop: "A. B." → "A."; "A - because B" → "A"."""
    text = " ".join(_text(item).split())
    first = re.split(r"(?<=[.!?])\s+(?=[A-ZА-ЯЁ„“\"«(])", text, maxsplit=1)[0]
    first = re.split(r"\s+[-–—]\s+", first, maxsplit=1)[0]
    return first if first.endswith((".", "!", "?")) else first.rstrip(",;:") + "."


def _lower_after_first(items: list[str]) -> list[str]:
    """Items joined into one sentence: no full stops inside it."""
    return [s.rstrip(".") for s in items]


def short_source(text: str) -> str:
    """The publisher part of a source line: up to its first full stop, semicolon, comma or parenthesis
    ("National Bank of Kazakhstan. Statistics …" → "National Bank of Kazakhstan")."""
    return re.split(r"\.\s+|;\s+|,\s+|\s+\(", text.strip(), maxsplit=1)[0].rstrip(".")


# -- the {keyfigures} directive -> a model table ----------------------------------------------------------


def key_figures_table(content: str, where: Source, labels) -> Table:
    """The table of a {keyfigures} fence: one JSON object a line (from `key_figure`); empty lines are figures
    left out. Values are typed numbers, so the writers print them in the report's locale, decimal-aligned."""
    from builder.errors import BuildError
    head = TableRow(tuple(Cell(labels[k]) for k in ("indicator", "value", "unit", "year", "source", "in_report")))
    rows = []
    for n, line in enumerate(content.splitlines()):
        if not line.strip():
            continue
        try:
            f = json.loads(line)
        except json.JSONDecodeError:
            raise BuildError("a {keyfigures} fence holds one key_figure(…) call a line",
                             Source(where.path, (where.line or 0) + n + 1 if where.line else None),
                             "write {{ key_figure(\"table-id\", \"column\", \"Label\") }} on each line") from None
        year = f["year"]
        rows.append(TableRow((Cell(f["label"]), Cell(f["value"], "number", int(f["decimals"])), Cell(f["unit"]),
                              Cell(year, "year" if isinstance(year, int) else "text"), Cell(f["source"]),
                              Cell(f["ref"]))))
    return Table(id="", caption=(), header_rows=(head,), body_rows=tuple(rows), notes=labels["key_figures_note"],
                 source=where)
