"""Neutral colours drawn as DeviceGray: text, rules, running heads and the charts' black and grey ink.

ReportLab writes every `Color` as DeviceRGB (`0 0 0 rg`). A print shop converting the file to CMYK turns RGB black
into four-colour black, so body text would print on four plates and fringe with any misregistration. A grey level
(`g`/`G`) converts to the black plate alone, and PDF/A allows DeviceGray with any output intent. While
`neutrals_as_gray()` is active (one PDF write), a colour whose red, green and blue are equal is set as a grey
level; every other colour (the accent, a table's tint, the chart palette) is written as before."""
from __future__ import annotations

from contextlib import contextmanager

from reportlab.lib.colors import CMYKColor, Color, toColor
from reportlab.lib.utils import isStr
from reportlab.pdfgen.textobject import _PDFColorSetter
from reportlab.lib.rl_accel import fp_str


def neutral(colour) -> float | None:
    """The grey level (0 black … 1 white) of a neutral RGB colour, else None (CMYK and chromatic colours)."""
    if isStr(colour):
        try:
            colour = toColor(colour)
        except ValueError:
            return None
    if isinstance(colour, CMYKColor):
        return None
    if isinstance(colour, Color):
        rgb = (colour.red, colour.green, colour.blue)
    elif isinstance(colour, (tuple, list)) and len(colour) == 3:
        rgb = tuple(colour)
    else:
        return None
    return rgb[0] if abs(rgb[0] - rgb[1]) < 1e-6 and abs(rgb[1] - rgb[2]) < 1e-6 else None


def _setter(original, operator: str, kind: str):
    def set_colour(self, colour, alpha=None):
        if self._enforceColorSpace:
            colour = self._enforceColorSpace(colour)
        level = neutral(colour)
        if level is None:
            return original(self, colour, alpha)
        setattr(self, f"_{kind}ColorObj", colour)
        self._code.append(f"{fp_str(level)} {operator}")
        alpha = alpha if alpha is not None else getattr(colour, "alpha", None)
        if alpha is not None:
            getattr(self, f"set{kind.capitalize()}Alpha")(alpha)
    return set_colour


@contextmanager
def neutrals_as_gray():
    """For the duration: neutral colours set on a canvas or text object are written as grey levels."""
    saved = _PDFColorSetter.setFillColor, _PDFColorSetter.setStrokeColor
    _PDFColorSetter.setFillColor = _setter(saved[0], "g", "fill")
    _PDFColorSetter.setStrokeColor = _setter(saved[1], "G", "stroke")
    try:
        yield
    finally:
        _PDFColorSetter.setFillColor, _PDFColorSetter.setStrokeColor = saved
