"""Locale-aware formatting of numbers and table cells (babel): the one place values become text."""
from __future__ import annotations

import unicodedata
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from babel import Locale
from babel.numbers import format_decimal

from builder.model import Cell


@lru_cache(maxsize=16)
def _locale(name: str) -> Locale:
    return Locale.parse(name)


MINUS = "\u2212"  # a true minus sign: a hyphen is shorter, sits lower and may break a line


def format_number(value: float, decimals: int | None, locale: str, grouping: bool = True) -> str:
    """`1234.5` → `1,234.5` (en_GB) or `1 234,5` (ru_RU); decimals=None prints up to 2, trailing zeros dropped.
    A negative number has a true minus sign (U+2212) in every locale, in prose as in tables: `−0,2` (de_DE)."""
    pattern = ("#,##0" if grouping else "0")
    pattern += "." + ("0" * decimals if decimals is not None else "##")
    if decimals == 0:
        pattern = pattern[:-1]
    if decimals is not None:  # round half up, as printed statistics do (babel's default is half-even)
        value = Decimal(repr(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    text = format_decimal(value, format=pattern, locale=_locale(locale), decimal_quantization=True)
    if text[:1] not in "-\u2010\u2012":
        return text
    return MINUS + text[1:] if any(unicodedata.digit(c, 0) for c in text) else text[1:]  # −0.0 is printed 0.0


MISSING = "\u2013"  # an en dash where a table has no value


def format_cell(cell: Cell, locale: str) -> str:
    """The printed text of a table cell: an en dash where there is no value, a true minus sign (U+2212)
    before a negative number."""
    if cell.value is None:
        return MISSING if cell.colspan else ""
    if cell.kind == "year":
        return f"({cell.value})" if cell.uncertain else str(cell.value)
    if cell.kind == "number":
        text = format_number(float(cell.value), cell.decimals, locale)
        return f"({text})" if cell.uncertain else text
    return str(cell.value)


def display_url(url: str) -> str:
    """A web address as printed on a title page: without the scheme."""
    return url.removeprefix("https://").removeprefix("http://")
