"""The DOCX's base document: the house template (python-docx's default restyled from the style YAML: fonts, sizes,
colours, margins, running heads) or the user's own Word template, which wins as pandoc's reference doc does — its
styles, page setup, headers, footers, theme fonts and colours stay, and only the styles it lacks are added.
`dossier template docx PATH` writes the house template out for an institution to restyle."""
from __future__ import annotations

import copy
from pathlib import Path

import click
from docx import Document as new_docx
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.oxml.ns import qn
from docx.oxml.parser import OxmlElement
from docx.shared import Mm, Pt, RGBColor

from builder.errors import BuildError
from builder.model import Source
from builder.readers.style import Style
from builder.writers import _ooxml

EXTRA_STYLES = {  # name: (type, base, size offset, italic)
    "Footnote Text": (WD_STYLE_TYPE.PARAGRAPH, "Normal", -2.5, False),
    "Footnote Reference": (WD_STYLE_TYPE.CHARACTER, None, 0, False),
    "Hyperlink": (WD_STYLE_TYPE.CHARACTER, None, 0, False),
    "TOC 1": (WD_STYLE_TYPE.PARAGRAPH, "Normal", 0, False),
    "TOC 2": (WD_STYLE_TYPE.PARAGRAPH, "Normal", 0, False),
    "TOC 3": (WD_STYLE_TYPE.PARAGRAPH, "Normal", 0, False),
    "Table of Figures": (WD_STYLE_TYPE.PARAGRAPH, "Normal", 0, False),
    "Table Text": (WD_STYLE_TYPE.PARAGRAPH, "Normal", -2, False),
    "Source": (WD_STYLE_TYPE.PARAGRAPH, "Normal", -2.5, True),
    "List Item": (WD_STYLE_TYPE.PARAGRAPH, "Normal", 0, False),
}
# the styles the writer uses: copied from the house template into a user template that lacks them
USED_STYLES = ("Normal", "Title", "Subtitle", "Heading 1", "Heading 2", "Heading 3", "Body Text", "Caption",
               "TOC Heading", "Table Grid", "Header", "Footer", *EXTRA_STYLES)
PPR_ORDER = ("pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl", "numPr",
             "suppressLineNumbers", "pBdr", "shd", "tabs", "suppressAutoHyphens", "kinsoku", "wordWrap",
             "overflowPunct", "topLinePunct", "autoSpaceDE", "autoSpaceDN", "bidi", "adjustRightInd", "snapToGrid",
             "spacing", "ind", "contextualSpacing", "mirrorIndents", "suppressOverlap", "jc")
HEAD_STYLES = ("Heading", "Title", "Subtitle", "Caption", "TOC Heading", "Table Text", "Header")


# the house template --------------------------------------------------------------------------------------------------

def house_template(style: Style, short_title: str = ""):
    """python-docx's default document restyled from the style YAML, with page setup and running heads."""
    docx = new_docx()
    _prepare_styles(docx, style)
    _page_setup(docx, style, short_title)
    return docx


def _clear_fonts(rpr) -> None:
    fonts = rpr.find(qn("w:rFonts")) if rpr is not None else None
    if fonts is not None:
        rpr.remove(fonts)


def _set_fonts(rpr, name: str) -> None:
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in list(fonts.attrib):
        del fonts.attrib[attr]  # theme fonts included: the style's family is the one named here
    for attr in ("ascii", "hAnsi", "cs", "eastAsia"):
        fonts.set(qn(f"w:{attr}"), name)


def _prepare_styles(docx, style: Style) -> None:
    """Add the styles python-docx's template lacks and apply the house fonts, sizes and colours. The body font sits
    in the document defaults only, so restyling Normal in Word restyles every text style."""
    styles = docx.styles
    names = {s.name for s in styles}
    for name, (kind, base, delta, italic) in EXTRA_STYLES.items():
        if name not in names:
            st = styles.add_style(name, kind)
            if base:
                st.base_style = styles[base]
            if kind == WD_STYLE_TYPE.PARAGRAPH:
                st.font.size = Pt(style.size("body") + delta)
            st.font.italic = italic or None
    body, head = style.body.name, style.heading.name
    defaults = docx.styles.element.find(qn("w:docDefaults"))
    _set_fonts(defaults.find(qn("w:rPrDefault")).find(qn("w:rPr")), body)
    accent = RGBColor.from_string(style.colour("accent").lstrip("#"))
    for st in styles:
        if st.type not in (WD_STYLE_TYPE.PARAGRAPH, WD_STYLE_TYPE.CHARACTER):
            continue
        rpr = st.element.get_or_add_rPr()
        if st.name.startswith(HEAD_STYLES):
            _set_fonts(rpr, head)
        else:
            _clear_fonts(rpr)
    styles["Normal"].font.size = Pt(style.size("body"))
    # the marks in the text are superscript by their runs (_ooxml.footnote_reference); the style is what a note's
    # own number looks like
    styles["Footnote Reference"].font.superscript = style.spec.footnote_number == "superscript"
    note = styles["Footnote Text"].paragraph_format  # notes set solid, as in the PDF: no space between them
    note.space_before, note.space_after, note.line_spacing = Pt(0), Pt(1), 1.0
    styles["Hyperlink"].font.color.rgb = accent
    styles["Hyperlink"].font.underline = True
    for lvl in (1, 2, 3):
        h = styles[f"Heading {lvl}"]
        h.font.size = Pt(style.size(f"h{lvl}"))
        h.font.color.rgb = accent
        h.font.italic = False
        toc = styles[f"TOC {lvl}"]
        toc.paragraph_format.left_indent = Mm(5 * (lvl - 1))
        toc.paragraph_format.space_after = Pt(2)
        toc.paragraph_format.line_spacing = 1.0  # single: the contents of a long report fit their pages
        toc.paragraph_format.tab_stops.add_tab_stop(Mm(160), WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS)
    tof = styles["Table of Figures"].paragraph_format
    tof.space_after = Pt(2)
    tof.line_spacing = 1.0
    tof.tab_stops.add_tab_stop(Mm(160), WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS)
    title, subtitle = styles["Title"], styles["Subtitle"]  # the title page set as the PDF's cover: a bold title in
    title.font.color.rgb, title.font.bold = accent, True  # the accent, the authors in plain text under it, no rule
    for border in title.element.findall(qn("w:pPr") + "/" + qn("w:pBdr")):
        border.getparent().remove(border)
    subtitle.font.italic = False
    subtitle.font.color.rgb = RGBColor.from_string(style.colour("text").lstrip("#"))
    styles["Caption"].font.color.rgb = RGBColor.from_string(style.colour("text").lstrip("#"))  # one ink, as the text
    styles["Caption"].font.size = Pt(style.size("caption"))
    styles["Caption"].font.bold = True
    styles["Caption"].paragraph_format.keep_with_next = True
    styles["Table Text"].font.size = Pt(style.size("table"))
    styles["Table Text"].paragraph_format.space_after = Pt(0)
    styles["List Item"].paragraph_format.space_after = Pt(2)
    for name in ("Heading 1", "Heading 2", "Heading 3"):
        styles[name].paragraph_format.keep_with_next = True
    styles["Body Text"].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    styles["Body Text"].paragraph_format.widow_control = True
    for name in ("Header", "Footer"):
        styles[name].font.size = Pt(style.size("note"))
        styles[name].font.color.rgb = RGBColor.from_string(style.colour("rule").lstrip("#"))
    _ooxml.insert_in_order(styles["Header"].element.get_or_add_pPr(), _ooxml.parse_xml(  # a rule under it, as the PDF's
        f'<w:pBdr {_ooxml.nsdecls("w")}><w:bottom w:val="single" w:sz="3" w:space="1" '
        f'w:color="{style.colour("rule").lstrip("#").upper()}"/></w:pBdr>'), PPR_ORDER)


def _page_setup(docx, style: Style, short_title: str) -> None:
    """A4 with the style's margins; running head (short title, current chapter) and page number on every page but
    the title page."""
    m = style.margins_mm
    section = docx.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(m["top"]), Mm(m["bottom"])
    section.left_margin, section.right_margin = Mm(m["left"]), Mm(m["right"])
    section.different_first_page_header_footer = True
    section.first_page_header.is_linked_to_previous = False
    section.first_page_footer.is_linked_to_previous = False
    for p in section.first_page_header.paragraphs:  # the title page's empty head: without the head's rule
        p.style = docx.styles["Normal"]
    running_head(section.header.paragraphs[0], short_title, "", text_width(section))
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _ooxml.add_field(footer, "PAGE", "1")


def running_head(p, short_title: str, chapter: str, width=None) -> None:
    """Short title at the left margin, the current chapter's number and title (two STYLEREF fields, their results
    written in) at a right tab on the right margin of the section (`width`: its text width)."""
    p.style = "Header"
    if width is not None:  # the style's own stops (Word's centre and right) cleared: one stop, at the margin
        for stop in p.style.paragraph_format.tab_stops:
            if stop.position != width:
                p.paragraph_format.tab_stops.add_tab_stop(stop.position, WD_TAB_ALIGNMENT.CLEAR)
        p.paragraph_format.tab_stops.add_tab_stop(width, WD_TAB_ALIGNMENT.RIGHT)
    if short_title:
        p.add_run(short_title)
    p.add_run("\t")
    _ooxml.add_field(p, 'STYLEREF "Heading 1" \\n', "")  # the chapter's number ("6": \n drops the period)
    p.add_run(" ")
    _ooxml.add_field(p, 'STYLEREF "Heading 1"', chapter)


def text_width(section):
    return section.page_width - section.left_margin - section.right_margin


STYLEREF = "STYLEREF"


def has_section_heads(docx) -> bool:
    """Whether sections can be given their own copies of the first section's running head: it has a STYLEREF
    field and refers to no other part (a template's logo)."""
    model = docx.sections[0].header
    return not model.is_linked_to_previous and not model.part.rels and STYLEREF in model._element.xml


def section_head(docx, text: str, field: bool = True, number: str = "") -> None:
    """Give the document's last section its own copy of the first section's running head (`has_section_heads`):
    the STYLEREF fields' results written in as `number` and `text` (a chapter's: Word recomputes the fields on
    every page, LibreOffice 7.4 imports STYLEREF as an unknown field and shows the result written in), or, with
    `field` False, the fields replaced by `text` (front matter, such as the contents, that is no Heading 1). A
    right tab stop at the first section's right margin moves to this section's (a landscape page's head spans
    its width)."""
    first, last = first_and_last_section(docx)
    model = first.header
    header = last.header
    header.is_linked_to_previous = False
    target = header._element
    for child in list(target):
        target.remove(child)
    for child in model._element:
        target.append(copy.deepcopy(child))
    _fill_styleref(target, text, number, field)
    margin = str(round(text_width(last) / 635))  # twips: the right margin of this section (landscape)
    model_margin = str(round(text_width(first) / 635))
    for stop in target.iter(qn("w:tab")):
        if stop.get(qn("w:val")) == "right" and stop.get(qn("w:pos")) == model_margin:
            stop.set(qn("w:pos"), margin)


def first_and_last_section(docx):
    """The document's first and last sections (python-docx's docx.sections[i] searches the whole body for section
    properties on every call, which cost a long report a second; the first section ends early, on the title page,
    and the last one's properties are the body's own)."""
    from docx.section import Section
    body = docx.element.body
    final = body.find(qn("w:sectPr"))
    if final is None:
        return docx.sections[0], docx.sections[-1]
    first = body.find(f"{qn('w:p')}/{qn('w:pPr')}/{qn('w:sectPr')}")
    return Section(final if first is None else first, docx.part), Section(final, docx.part)


def _fill_styleref(root, text: str, number: str, field: bool) -> None:
    """Write the results of the STYLEREF fields in `root` (every run between a field's separate and end marks
    replaced by one): `number` for a field with the \\n switch, `text` for the others; with `field` False, each
    field replaced by its result as text (none for the number)."""
    runs = list(root.iter(qn("w:r")))
    fields = []
    for i, r in enumerate(runs):
        instr = "".join(t.text or "" for t in r.iter(qn("w:instrText")))
        if STYLEREF not in instr:
            continue
        begin = max((k for k in range(i + 1) if _fld(runs[k]) == "begin"), default=None)
        separate = next((k for k in range(i, len(runs)) if _fld(runs[k]) == "separate"), None)
        end = next((k for k in range(i, len(runs)) if _fld(runs[k]) == "end"), None)
        if None not in (begin, separate, end):
            fields.append((begin, i, separate, end, number if "\\n" in instr.split() else text))
    for begin, at, separate, end, result in reversed(fields):  # the later runs first: earlier indices stay
        first, last = (separate + 1, end) if field else (begin, end + 1)
        if result:
            run = copy.deepcopy(runs[at])  # the instruction's run properties for the result
            for child in list(run):
                if child.tag != qn("w:rPr"):
                    run.remove(child)
            t = OxmlElement("w:t")
            t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
            t.text = result
            run.append(t)
            runs[first].addprevious(run)  # before the first run replaced, or the end mark when there was none
        for r in runs[first:last]:
            r.getparent().remove(r)


def _fld(run) -> str:
    mark = run.find(qn("w:fldChar"))
    return mark.get(qn("w:fldCharType")) if mark is not None else ""


# the user's template -------------------------------------------------------------------------------------------------

def template_path(style: Style) -> Path | None:
    """`docx_template:` of the style YAML (relative to styles/), else styles/<style>.docx or styles/reference.docx."""
    from builder.readers.paths import project_file
    folder = style.root / "styles"
    if style.spec.docx_template:
        path = folder / style.spec.docx_template
        if not path.is_file():
            raise BuildError(f"docx_template not found: {path}", Source(style.path),
                             "give a .docx path relative to styles/, or remove the key to use the house template")
        return project_file(style.root, path, style.path)
    stem = Path(style.path).stem if style.path.startswith("styles/") else "default"  # else the built-in style
    for name in (f"{stem}.docx", "reference.docx"):
        if (folder / name).is_file():
            return project_file(style.root, folder / name, f"styles/{name}")
    return None


def base_document(style: Style, short_title: str):
    """The base document with an empty body, keeping its final section's page setup, headers and footers."""
    path = template_path(style)
    house = house_template(style, short_title)
    if path is None:
        docx = house
    else:
        try:
            docx = new_docx(str(path))
        except Exception as e:  # python-docx raises several kinds for a file that is not a Word document
            raise BuildError(f"not a readable Word document: {path} ({e})", Source(style.path),
                             "save the template from Word as .docx") from None
        _adopt_styles(docx, house)
        _adopt_page_furniture(docx, house)
    body = docx.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    return docx


def _adopt_styles(docx, house) -> None:
    """Copy the styles the writer uses, and the template lacks, from the house template (with what they are based on
    or linked to), without their fonts and colours, so they take the template's."""
    have = {s.name for s in docx.styles}
    have_ids = {s.style_id for s in docx.styles}
    by_id = {s.style_id: s for s in house.styles}
    wanted, queue = set(), [house.styles[n].style_id for n in USED_STYLES if n not in have]
    while queue:
        sid = queue.pop()
        if sid in wanted or sid in have_ids or sid not in by_id:
            continue
        wanted.add(sid)
        el = by_id[sid].element
        for tag in ("w:basedOn", "w:link", "w:next"):
            ref = el.find(qn(tag))
            if ref is not None:
                queue.append(ref.get(qn("w:val")))
    root = docx.styles.element
    for st in house.styles.element.iterchildren(qn("w:style")):
        if st.get(qn("w:styleId")) in wanted and by_id[st.get(qn("w:styleId"))].name not in have:
            el = copy.deepcopy(st)
            rpr = el.find(qn("w:rPr"))
            if rpr is not None:
                for tag in ("w:rFonts", "w:color"):
                    if rpr.find(qn(tag)) is not None:
                        rpr.remove(rpr.find(qn(tag)))
            root.append(el)


def _adopt_page_furniture(docx, house) -> None:
    """The template's headers and footers win; a template without any gets the house's running heads."""
    sect = docx.sections[-1]
    if sect._sectPr.find(qn("w:headerReference")) is not None or sect._sectPr.find(qn("w:footerReference")) is not None:
        return
    sect.different_first_page_header_footer = True
    sect.first_page_header.is_linked_to_previous = False
    sect.first_page_footer.is_linked_to_previous = False
    src = house.sections[0]
    for mine, theirs in ((sect.header, src.header), (sect.footer, src.footer)):
        target = mine._element
        for child in list(target):
            target.remove(child)
        for child in theirs._element:
            target.append(copy.deepcopy(child))


# the command ---------------------------------------------------------------------------------------------------------

@click.group("template")
def template_command() -> None:
    """Write a default template to restyle (like pandoc's reference.docx)."""


@template_command.command("docx")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--project", default=".", type=click.Path(file_okay=False, path_type=Path),
              help="Project whose style and short title the template takes (default: the current folder).")
def template_docx(path: Path, project: Path) -> None:
    """Write the house Word template to PATH. Restyle it in Word and save it as styles/<style>.docx (or name it in
    the style's `docx_template:`): the DOCX is then built on it, its styles, page setup and headers winning."""
    from builder.errors import Diagnostics
    from builder.readers.style import load_style
    diag = Diagnostics()
    style_name, short_title = "default", "Short title"
    if (project / "report.yaml").is_file():
        from builder.readers.project import load_project
        spec = load_project(project, diag)
        style_name, short_title = spec.spec.style, spec.meta.short_title or spec.meta.title
    style = load_style(project, style_name, diag)
    docx = house_template(style, short_title)
    _samples(docx)
    path.parent.mkdir(parents=True, exist_ok=True)
    docx.save(str(path))
    click.echo(f"wrote {path}")


def _samples(docx) -> None:
    """One paragraph in each style the builder uses, to restyle in Word."""
    body = docx.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    for name, text in (("Title", "Title"), ("Subtitle", "Subtitle"), ("Heading 1", "Heading 1"),
                       ("Heading 2", "Heading 2"), ("Heading 3", "Heading 3"), ("Body Text", "Body text."),
                       ("List Item", "List item."), ("Caption", "Table 1.1. Caption"), ("Table Text", "Table text"),
                       ("Source", "Source: a source line."), ("Footnote Text", "Footnote text.")):
        docx.add_paragraph(text, style=name)
