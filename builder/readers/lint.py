"""The stale-number lint of `dossier check`: typed numbers in a chapter's prose that restate data of a table the
chapter uses, so they go stale when the data change.

A line is about the tables named in its section (`table("id")`, a table directive, a `[table](#id)` reference, a
chart's table), from one heading to the next. A number is reported when it equals, or rounds at its typed
precision to, a value of such a table (also read in thousands or millions: "11.4 billion" for 11 419.6 million),
or when it is a year inside such a table's years ("in 2017") in a sentence that neither computes nor checks
anything; in a sentence that does, only a year that is the latest of one of the table's columns is reported
("only {{ … }}% in 2016": the year the computed value should follow). The warning names the helper that would
compute it.

Not prose: text inside {{ }}, {% %} and {# #}, headings, fenced blocks, tables, footnote definitions and link
targets. Not reported: a number followed by a claim within its clause (60 characters: "30-40% is a
lot{{ claim(...) }}"), which the claim checks; a number directly followed by a `{# fact #}` comment, a fact that
no table holds; whole numbers below 10 and ratios ("2.5 times"), too common to tell apart from data; numbers read
in thousands or millions unless a unit word follows them ("billion", "thousand", …).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from builder.model import Source

TEMPLATE_SPAN = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
LINK_TARGET = re.compile(r"\]\([^)]*\)|\[\^[^\]]*\]|https?://\S+")
NUMBER = re.compile(r"(?<![\w.,/-])(\d{1,3}(?:,\d{3})+|\d+)(?:([.,])(\d{1,2})(?!\d))?(?![\w/])")
LIVE = "\ue001"      # a computed value or claim stood here
CLAIMED = "\ue002"   # a claim stood here
FACT = "\ue003"      # a {# fact … #} comment stood here
SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[\"“«(\[A-ZА-ЯЁ0-9])")
TABLE_USE = re.compile(r"""table\(\s*["']([\w-]+)["']\s*\)|```\{table\}\s+([\w-]+)|\]\(#([\w-]+)\)""")


@dataclass(frozen=True)
class Finding:
    source: Source
    number: str
    table: str
    helper: str

    def __str__(self) -> str:
        return f"{self.source}: warning: [stale-number] {self.number} restates table '{self.table}': " \
               f"compute it with {self.helper}"


def tables_used(text: str, tables: dict[str, Any]) -> list[str]:
    ids = {g for m in TABLE_USE.finditer(text) for g in m.groups() if g}
    return sorted(i for i in ids if i in tables)


def prose_lines(text: str) -> list[tuple[int, str]]:
    """(line number, prose) of a chapter, positions kept: template code blanked out (a `{{ … }}` as the mark
    LIVE), headings, fences, tables, footnote definitions and link targets left out."""
    def blank(m: re.Match) -> str:
        span = m.group(0)
        if span.startswith("{#") and span[2:].lstrip("-").strip().startswith("fact"):
            return FACT + re.sub(r"[^\n]", " ", span[1:])
        if span.startswith("{{") and "claim(" in span:
            return CLAIMED + re.sub(r"[^\n]", " ", span[1:])
        if span.startswith("{{"):
            return LIVE + re.sub(r"[^\n]", " ", span[1:])
        return re.sub(r"[^\n]", " ", span)
    text = TEMPLATE_SPAN.sub(blank, text)
    out, fenced = [], False
    for n, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("```"):
            fenced = not fenced
            continue
        if fenced or stripped.startswith("#") or re.match(r"\[\^[^\]]+\]:", stripped) or stripped.startswith("|"):
            continue
        out.append((n, LINK_TARGET.sub(lambda m: " " * len(m.group(0)), line)))
    return out


def _live(line: str, pos: int) -> bool:
    """Whether the sentence around `pos` computes or checks something (a year in it names the window)."""
    starts = [0] + [m.end() for m in SENTENCE_END.finditer(line)]
    start = max(s for s in starts if s <= pos)
    end = min([s for s in starts if s > pos] + [len(line)])
    return any(mark in line[start:end] for mark in (LIVE, CLAIMED))


def _candidates(table: Any) -> list[tuple[float, str, Any]]:
    """(value, column, key) of every numeric cell of the table, keys excluded."""
    out = []
    for col in table.meta.columns:
        if not col.numeric or col.name == table.meta.key or col.type == "year":
            continue
        for key, v in table.series(col.name).items():
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                out.append((float(v), col.name, key))
    return out


def _latest_years(table: Any) -> set[int]:
    """The last year with a value, column by column."""
    from builder.model.claims import yearly
    out = set()
    for col in table.meta.columns:
        if col.numeric and col.name != table.meta.key:
            years = list(yearly(table, col.name))
            if years:
                out.add(max(years))
    return out


def _years(table: Any) -> list[int]:
    from builder.model.claims import year_of
    return sorted(y for k in table.keys() if (y := year_of(k)) is not None)


def _matches(number: float, decimals: int, value: float, scaled: bool) -> str | None:
    """How the typed number restates `value`: "" as is, "/1000" or "/1000000" scaled; None when it does not."""
    for scale, how in ((1, ""), (1000, "/1000"), (1_000_000, "/1000000"))[: 3 if scaled else 1]:
        v = abs(value) / scale
        if v >= 0.5 * 10 ** -decimals and abs(_round(v, decimals) - number) < 1e-9:
            return how
    return None


def _round(x: float, decimals: int) -> float:
    from decimal import ROUND_HALF_UP, Decimal
    return float(Decimal(repr(x)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP))


def _key(key: Any) -> str:
    return str(key) if isinstance(key, int) else f'"{key}"'


def _scopes(text: str, tables: dict[str, Any], charts: dict[str, Any]) -> dict[int, list[Any]]:
    """For each line, the tables it is about: the ones named or placed (a table, or a chart's table) anywhere in
    its section, from one heading to the next."""
    lines = text.splitlines()
    out: dict[int, list[Any]] = {}
    start = 0
    for end in [i for i, line in enumerate(lines) if line.startswith("#")] + [len(lines)]:
        section = "\n".join(lines[start:end])
        ids = set(tables_used(section, tables))
        ids |= {charts[c].table for c in re.findall(r"```\{figure\}\s+([\w-]+)", section)
                if getattr(charts.get(c), "table", "") in tables}
        for n in range(start + 1, end + 1):
            out[n] = [tables[i] for i in sorted(ids)]
        start = end
    return out


def _prose(line: str) -> bool:
    s = line.strip()
    return bool(s) and not s.startswith(("```", "{%", "{#")) and not (s.startswith("{{") and s.endswith("}}"))


def lint_chapter(path: Path, rel: str, tables: dict[str, Any], charts: dict[str, Any] | None = None
                 ) -> list[Finding]:
    text = path.read_text(encoding="utf-8")
    scopes = _scopes(text, tables, charts or {})
    findings = []
    for n, line in prose_lines(text):
        used = scopes.get(n, [])
        for m in NUMBER.finditer(line):
            whole, sep, frac = m.group(1), m.group(2), m.group(3)
            if sep == "," and frac and len(frac) == 3:
                continue
            digits = whole.replace(",", "")
            number = float(f"{digits}.{frac}") if frac else float(digits)
            decimals = len(frac) if frac else 0
            typed = m.group(0)
            if line[m.end():m.end() + 1] == FACT or re.match(r"[^.;!?\ue003]{0,60}?\ue002", line[m.end():]):
                continue  # marked as a fact that no table holds, or checked by a claim later in its clause
            live = decimals == 0 and 1900 <= number <= 2100 and _live(line, m.start())
            after = line[m.end():m.end() + 16].lower()
            if re.match(r"\s*(times|-fold|fold)\b", after):
                continue
            scaled = bool(re.match(r"\s*(thousand|million|billion|trillion|bn|mln)\b", after))
            found = _find(number, decimals, typed, used, scaled, live)
            if found:
                findings.append(Finding(Source(rel, n, m.start() + 1), typed, *found))
    return findings


def _find(number: float, decimals: int, typed: str, used: list[Any], scaled: bool, live: bool = False
          ) -> tuple[str, str] | None:
    if decimals == 0 and 1900 <= number <= 2100:
        for t in used:
            years = _years(t)
            if live and int(number) in _latest_years(t):
                return t.id, f'latest_year("{t.id}", column)'
            if not live and years and years[0] <= int(number) <= years[-1]:
                helper = "latest_year" if int(number) == years[-1] else "first_year" if int(number) == years[0] \
                    else "a window (since=, last=)"
                return t.id, f'{helper}("{t.id}", column)' if "(" not in helper else helper
        return None
    if decimals == 0 and number < 10:
        return None
    for t in used:
        for value, column, key in _candidates(t):
            how = _matches(number, decimals, value, scaled)
            if how is not None:
                expr = f'value_in("{t.id}", "{column}", {_key(key)})'
                shown = f"({expr}{how})" if how else expr
                return t.id, f"{{{{ {shown} | num({decimals}) }}}}"
    return None


def lint(root: Path, chapters: list[str], tables: dict[str, Any], charts: dict[str, Any] | None = None
         ) -> list[Finding]:
    """Findings for every chapter of the project, in order."""
    out = []
    for name in chapters:
        path = root / "chapters" / name
        if path.is_file():
            out += lint_chapter(path, f"chapters/{name}", tables, charts)
    return out


def pinned_years(root: Path, chapters: list[str], tables: dict[str, Any]) -> list[tuple[Source, int]]:
    """Years written into a chapter's template code that are some table's latest year (`value("x", 2017)`):
    the statement stays in that year when the data move on. `new-edition` lists them as pinned."""
    latest = {y for t in tables.values() if (y := (_years(t) or [None])[-1]) is not None}
    out = []
    for name in chapters:
        path = root / "chapters" / name
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        for m in TEMPLATE_SPAN.finditer(text):
            if m.group(0).startswith("{#"):
                continue
            for y in re.finditer(r"(?<![\w./-])(19|20)\d\d(?![\w./-])", m.group(0)):
                if int(y.group(0)) in latest:
                    line = text.count("\n", 0, m.start() + y.start()) + 1
                    out.append((Source(f"chapters/{name}", line), int(y.group(0))))
    return list(dict.fromkeys(out))
