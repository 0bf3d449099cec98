"""Glyph coverage: ReportLab drops characters its font lacks without a word, so they are checked first."""
from __future__ import annotations

from functools import lru_cache

from reportlab.pdfbase.ttfonts import TTFont

from builder.style import Style


@lru_cache(maxsize=8)
def _covered(path: str) -> frozenset[int]:
    return frozenset(TTFont("coverage-check", path).face.charToGlyph)


def missing_glyphs(style: Style, text: str) -> set[str]:
    """Characters of `text` the body font cannot draw (ReportLab would drop them silently)."""
    covered = _covered(style.body.files["regular"])
    return {c for c in set(text) if ord(c) >= 32 and ord(c) not in covered and c not in "\u00ad\u200b"}
