"""Print production: neutral ink (text, rules, running heads, the charts' black and greys) is written as grey
levels, which a CMYK conversion puts on the black plate alone; chromatic colours stay as they are."""
from __future__ import annotations

import pikepdf
from reportlab.lib import colors
from reportlab.pdfgen.textobject import _PDFColorSetter

from builder.writers.pdf_colour import neutral, neutrals_as_gray


def _colour_operators(path) -> tuple[int, list[list[float]], list[list[float]]]:
    """(grey-level operators, neutral RGB operands, chromatic RGB operands) over every page and form XObject."""
    grey, neutral_rgb, chromatic = 0, [], []
    with pikepdf.open(path) as pdf:
        streams = []
        for page in pdf.pages:
            streams.append(page)
            xobjects = page.Resources.get("/XObject") or {}
            streams.extend(x for _name, x in xobjects.items() if x.get("/Subtype") == "/Form")
        for stream in streams:
            for operands, op in pikepdf.parse_content_stream(stream):
                if str(op) in ("g", "G"):
                    grey += 1
                elif str(op) in ("rg", "RG"):
                    values = [float(v) for v in operands]
                    (neutral_rgb if max(values) - min(values) < 1e-6 else chromatic).append(values)
    return grey, neutral_rgb, chromatic


def test_flagship_pdf_draws_neutral_ink_as_grey_levels(flagship_build) -> None:
    grey, neutral_rgb, chromatic = _colour_operators(flagship_build.outputs["pdf"])
    assert neutral_rgb == []
    assert grey > 1000  # body text, notes, table rules, chart axes
    assert chromatic  # the accent and the chart palette are untouched


def test_minimal_pdf_draws_neutral_ink_as_grey_levels(minimal_build) -> None:
    grey, neutral_rgb, _chromatic = _colour_operators(next(minimal_build.glob("*.pdf")))
    assert neutral_rgb == [] and grey


def test_neutral_levels() -> None:
    assert neutral(colors.black) == 0
    assert neutral(colors.HexColor("#555555")) == 0x55 / 255
    assert neutral((0.5, 0.5, 0.5)) == 0.5
    assert neutral(colors.HexColor("#1f4e79")) is None
    assert neutral(colors.CMYKColor(0, 0, 0, 1)) is None  # already on the black plate
    assert neutral("not a colour") is None


def test_grey_levels_only_while_writing() -> None:
    before = _PDFColorSetter.setFillColor, _PDFColorSetter.setStrokeColor
    with neutrals_as_gray():
        assert _PDFColorSetter.setFillColor is not before[0]
    assert (_PDFColorSetter.setFillColor, _PDFColorSetter.setStrokeColor) == before


def test_docx_definition_rows_are_kept_whole_and_set_solid(flagship_build) -> None:
    """The list of abbreviations in the DOCX: no row split across pages, no paragraph space of Normal's."""
    import zipfile

    from lxml import etree
    ns = {"w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main"}
    with zipfile.ZipFile(flagship_build.outputs["docx"]) as z:
        body = etree.fromstring(z.read("word/document.xml")).find("w:body", ns)
    heading = next(p for p in body.iterfind("w:p", ns)
                   if "".join(p.itertext()).strip().endswith("List of abbreviations"))
    table = heading.getnext()
    while table.tag != f"{{{ns['w']}}}tbl":
        table = table.getnext()
    rows = table.findall("w:tr", ns)
    assert len(rows) > 20
    assert all(r.find("w:trPr/w:cantSplit", ns) is not None for r in rows)
    spacing = [p.find("w:pPr/w:spacing", ns) for r in rows for p in r.iterfind("w:tc/w:p", ns)]
    assert all(s is not None and s.get(f"{{{ns['w']}}}line") == "240" for s in spacing)


def test_docx_title_page_is_set_as_the_pdf_cover(minimal_build) -> None:
    """The house template's Title is bold in the accent with no rule under it, the authors' Subtitle plain text."""
    import docx
    document = docx.Document(str(next(minimal_build.glob("*.docx"))))
    title, subtitle = document.styles["Title"], document.styles["Subtitle"]
    assert title.font.bold is True
    assert title.element.find(f"{{{NS_W}}}pPr/{{{NS_W}}}pBdr") is None
    assert subtitle.font.italic is False and str(subtitle.font.color.rgb) != "4F81BD"
    assert any(p.style.name == "Title" for p in document.paragraphs)


NS_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
