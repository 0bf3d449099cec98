"""ReportLab text helpers shared by the PDF writer (pdf.py) and the designed title page (cover.py): the style's
fonts registered with ReportLab, and the title set in balanced lines."""
from __future__ import annotations

from xml.sax.saxutils import escape

from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from builder.readers.style import FACES, Style


def register_fonts(style: Style) -> tuple[str, str]:
    """Register the body and heading families; return their ReportLab names."""
    names = []
    for family in (style.body, style.heading):
        faces = {face: f"{family.key}-{face}" for face in FACES}
        for face, path in family.files.items():
            if faces[face] not in pdfmetrics.getRegisteredFontNames():
                pdfmetrics.registerFont(TTFont(faces[face], path))
        pdfmetrics.registerFontFamily(faces["regular"], normal=faces["regular"], bold=faces["bold"],
                                      italic=faces["italic"], boldItalic=faces["bold_italic"])
        names.append(faces["regular"])
    return names[0], names[1]


def title_markup(title: str, style: ParagraphStyle, width: float) -> str:
    """The title in balanced lines (typography.balanced_lines) at the title's size."""
    from builder.readers.typography import balanced_lines
    lines = balanced_lines(title, lambda text: pdfmetrics.stringWidth(text, style.fontName, style.fontSize), width)
    return "<br/>".join(escape(line) for line in lines)
