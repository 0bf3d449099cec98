"""The claim vocabulary: what analysts write about data, as checks over a table's years.

Each function returns a `Check` (true, false, or pending for a forecast whose year has no data yet) with a short
account of what it measured; `claim(check, "text")` in a chapter records it. Windows are relative to the data:
`since=2011` (from 2011 to the latest year), `last=5` (the last five years with a value), `years=(2013, 2015)`
(a fixed span, which `new-edition` reports as pinned), or nothing (every year from the first to the latest).
Documented in docs/template-helpers.md.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Check:
    """The outcome of a claim's test: `holds` is None while a forecast's year has no data."""

    holds: bool | None
    detail: str = ""

    def __bool__(self) -> bool:
        return bool(self.holds)

    @property
    def pending(self) -> bool:
        return self.holds is None


def year_of(key: Any) -> int | None:
    """A year key (an int, or text of four digits); None for "Total", "1st half of 2018" and the like."""
    if isinstance(key, bool):
        return None
    if isinstance(key, int):
        return key
    return int(key) if isinstance(key, str) and key.isdigit() and len(key) == 4 else None


def yearly(table: Any, column: str) -> dict[int, float]:
    """{year: value} of a column, years only, empty cells left out."""
    return {y: v for k, v in table.series(column).items() if (y := year_of(k)) is not None}


def window(table: Any, column: str, since: int | None = None, last: int | None = None,
           years: tuple[int, int] | None = None, until: int | None = None) -> dict[int, float]:
    """The column's values in a window of years relative to the data (see the module's docstring)."""
    series = yearly(table, column)
    if not series:
        raise ValueError(f"table '{table.id}' has no yearly values in column '{column}'")
    lo, hi = (years if years else (since, until))
    picked = {y: v for y, v in series.items() if (lo is None or y >= lo) and (hi is None or y <= hi)}
    if last:
        picked = dict(list(picked.items())[-last:])
    if not picked:
        raise ValueError(f"table '{table.id}', column '{column}': no values in the window "
                         f"{_span(lo, hi)} (the data cover {min(series)}–{max(series)})")
    return picked


def _span(lo, hi) -> str:
    return f"{lo if lo is not None else 'first'}–{hi if hi is not None else 'latest'}"


def _num(x: float) -> str:
    return f"{x:,.6g}"


def _listed(values: dict) -> str:
    return ", ".join(f"{k}: {_num(v)}" for k, v in values.items())


def level(table: Any, column: str, about: float, within: float, **win: Any) -> Check:
    """Every value of the window lies within `within` of `about` ("stabilized at about 650")."""
    values = window(table, column, **win)
    ok = all(abs(v - about) <= within for v in values.values())
    return Check(ok, f"{column} {_listed(values)}; expected {_num(about)} ± {_num(within)}")


def between(table: Any, column: str, low: float, high: float, **win: Any) -> Check:
    """Every value of the window lies in [low, high] ("30-40% in every year")."""
    values = window(table, column, **win)
    ok = all(low <= v <= high for v in values.values())
    return Check(ok, f"{column} from {_num(min(values.values()))} to {_num(max(values.values()))} "
                     f"in {min(values)}–{max(values)}; expected {_num(low)}–{_num(high)}")


def rising(table: Any, column: str, strict: bool = False, **win: Any) -> Check:
    """The series grows over the window: the latest value is above the first and the last step is up
    ("continue to grow"); with strict=True every step is up ("rose every year")."""
    return _trend(table, column, 1, strict, **win)


def falling(table: Any, column: str, strict: bool = False, **win: Any) -> Check:
    """The mirror of `rising`."""
    return _trend(table, column, -1, strict, **win)


def _trend(table: Any, column: str, sign: int, strict: bool, **win: Any) -> Check:
    values = list(window(table, column, **win).items())
    if len(values) < 2:
        return Check(False, f"{column}: one year only ({values[0][0]})")
    steps = [sign * (b[1] - a[1]) > 0 for a, b in zip(values, values[1:])]
    ok = all(steps) if strict else (sign * (values[-1][1] - values[0][1]) > 0 and steps[-1])
    return Check(ok, f"{column} {_listed(dict(values))}")


def fallen_for(table: Any, column: str, years: int) -> Check:
    """The value has fallen in each of the last `years` years ("has fallen for 3 years")."""
    return _trend(table, column, -1, True, last=years + 1)


def risen_for(table: Any, column: str, years: int) -> Check:
    """The value has risen in each of the last `years` years."""
    return _trend(table, column, 1, True, last=years + 1)


def about(value: float, target: float, within: float) -> Check:
    """A single value is `target` give or take `within` ("the turnover in 2017 was 11.4 billion")."""
    return Check(abs(value - target) <= within, f"value {_num(value)}; expected {_num(target)} ± {_num(within)}")


def ratio_about(a: float, b: float, times: float, within: float = 0.05) -> Check:
    """a / b is `times` give or take `within` ("2.7 times")."""
    r = a / b
    return Check(abs(r - times) <= within, f"ratio {_num(r)}; expected {_num(times)} ± {_num(within)}")


def at_least_times(a: float, b: float, times: float) -> Check:
    """a is at least `times` b ("more than doubled")."""
    r = a / b
    return Check(r >= times, f"ratio {_num(r)}; expected at least {_num(times)}")


def order(table: Any, key: Any, columns: list[str]) -> Check:
    """In the row `key` the columns come in this order, largest first ("the dollar first, the ruble second")."""
    values = [table.value(c, key) for c in columns]
    ok = None not in values and all(a > b for a, b in zip(values, values[1:]))
    return Check(ok, ", ".join(f"{c}: {_num(v) if v is not None else '∅'}" for c, v in zip(columns, values)))


def peak(table: Any, column: str, among: list[Any] | tuple[Any, ...]) -> Check:
    """The largest value of the column falls in one of the years `among` ("peaked in 2006-2007")."""
    values = yearly(table, column)
    top = max(values, key=values.__getitem__)
    return Check(top in {year_of(a) for a in among}, f"{column} peaks in {top} at {_num(values[top])}")


def forecast(table: Any, column: str, year: int, about: float | None = None, within: float = 0.0,
             at_least: float | None = None, at_most: float | None = None) -> Check:
    """A statement about a year to come ("will reach 100,000 by 2018"): pending while the table has no value
    for `year`, then checked like `level` (about/within) or a bound (at_least / at_most)."""
    values = yearly(table, column)
    if year not in values:
        return Check(None, f"{column}: no data for {year} yet (latest {max(values) if values else '–'})")
    v = values[year]
    ok = True
    if about is not None:
        ok = ok and abs(v - about) <= within
    if at_least is not None:
        ok = ok and v >= at_least
    if at_most is not None:
        ok = ok and v <= at_most
    return Check(ok, f"{column} {year}: {_num(v)}")


VOCABULARY = {"about": about, "level": level, "between": between, "rising": rising, "falling": falling,
              "fallen_for": fallen_for,
              "risen_for": risen_for, "ratio_about": ratio_about, "at_least_times": at_least_times, "order": order,
              "peak": peak, "forecast": forecast, "window": window}
