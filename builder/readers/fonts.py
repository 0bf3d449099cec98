"""Glyph coverage: ReportLab drops characters its font lacks without a word, so they are checked first."""
from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from reportlab.pdfbase.ttfonts import TTFont

from builder.errors import BuildError
from builder.model import Source

if TYPE_CHECKING:
    from builder.readers.style import Style


@lru_cache(maxsize=8)
def _covered(path: str) -> frozenset[int]:
    return frozenset(TTFont("coverage-check", path).face.charToGlyph)


def check_font_file(path: str, where: Source, shown: str = "") -> None:
    """A font file ReportLab can read (and so can the chart renderer); a corrupt one is an error naming it."""
    try:
        _covered(path)
    except Exception as e:  # ReportLab's TTFError, or a struct/index error on a truncated file
        raise BuildError(f"font file {shown or path} cannot be read: {e}", where,
                         "replace it with a working TrueType (.ttf) font, or remove it from the style") from None


def missing_glyphs(style: Style, text: str) -> set[str]:
    """Characters of `text` the body font cannot draw (ReportLab would drop them silently)."""
    covered = _covered(style.body.files["regular"])
    return {c for c in set(text) if ord(c) >= 32 and ord(c) not in covered and c not in "\u00ad\u200b"}
