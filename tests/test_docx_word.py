"""The DOCX as Word reads it: valid by the Open XML SDK, Word numbering, the user's template, running heads,
embedded fonts, languages and fields with their results."""
from __future__ import annotations

from tests.docx_checks import assert_valid_docx


def test_flagship_docx_is_valid(flagship_build) -> None:
    assert_valid_docx(flagship_build.outputs["docx"])


def test_minimal_docx_is_valid(minimal_build) -> None:
    assert_valid_docx(minimal_build / "minimal.docx")


def test_brief_docx_is_valid(tmp_path) -> None:
    from builder.brief import build_brief
    from tests.conftest import ROOT, copy_project
    project = copy_project(ROOT, tmp_path / "flagship")
    result = build_brief(project, project / "build", ("docx",))
    assert_valid_docx(result.outputs["docx"])


def test_the_validator_reports_an_invalid_docx(minimal_build, tmp_path) -> None:
    import zipfile
    import pytest
    bad = tmp_path / "bad.docx"
    with zipfile.ZipFile(minimal_build / "minimal.docx") as src, zipfile.ZipFile(bad, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == "word/document.xml":
                data = data.replace(b"<w:tblHeader/>", b'<w:tblHeader w:val="true"/>')
            dst.writestr(name, data)
    with pytest.raises(AssertionError, match="tblHeader"):
        assert_valid_docx(bad)


# Word numbering --------------------------------------------------------------------------------------------------

def _items(blocks, depth=0):
    """The label the PDF prints of every list item, in order."""
    from builder.model import BulletList, OrderedList
    from builder.writers.docx_numbering import label
    out = []
    for b in blocks:
        if isinstance(b, (BulletList, OrderedList)):
            for n, item in enumerate(b.items, start=getattr(b, "start", 1)):
                out.append(label(b, n, item))
                out += _items(item.blocks, depth + 1)
    return out


def test_flagship_lists_are_word_lists_with_the_pdf_labels(flagship_build) -> None:
    import re
    import zipfile
    from tests.docx_checks import numbered_paragraphs
    path = flagship_build.outputs["docx"]
    wanted = _items(flagship_build.document.blocks)
    assert len(wanted) > 180 and "1.1." in wanted and "•" in wanted
    shown = [label for style, label, _text in numbered_paragraphs(path) if style == "ListItem" and label]
    assert shown == wanted  # every item numbered by Word, with the label the PDF prints
    with zipfile.ZipFile(path) as z:
        document = z.read("word/document.xml").decode()
    assert len(re.findall(r"<w:numPr><w:ilvl w:val=\"\d\"/><w:numId w:val=\"[1-9]\d*\"/></w:numPr>", document)) \
        == len(wanted)
    assert not re.search(r"<w:t[^>]*>(•|\d+\.\d+\.)\t?</w:t>", document)  # no typed labels left


def test_flagship_headings_numbered_by_a_list_linked_to_the_heading_styles(flagship_build) -> None:
    import zipfile
    from lxml import etree
    from builder.model import Heading, inline_text, walk
    from tests.docx_checks import W, numbered_paragraphs
    path = flagship_build.outputs["docx"]
    with zipfile.ZipFile(path) as z:
        styles = etree.fromstring(z.read("word/styles.xml"))
        numbering = etree.fromstring(z.read("word/numbering.xml"))
    linked = {}
    for n in (1, 2, 3):
        st = styles.find(f"{W}style[@{W}styleId='Heading{n}']")
        num_id = st.find(f"{W}pPr/{W}numPr/{W}numId").get(f"{W}val")
        abstract = numbering.find(f"{W}num[@{W}numId='{num_id}']/{W}abstractNumId").get(f"{W}val")
        lvl = numbering.find(f"{W}abstractNum[@{W}abstractNumId='{abstract}']/{W}lvl[@{W}ilvl='{n - 1}']")
        assert lvl.find(f"{W}pStyle").get(f"{W}val") == f"Heading{n}"
        linked[n] = abstract
    assert len(set(linked.values())) == 1  # one multilevel list for the three levels
    heads = [(label, text) for style, label, text in numbered_paragraphs(path) if style.startswith("Heading")]
    model = [(f"{h.number}." if h.number else "", inline_text(h.inlines))
             for h in walk(flagship_build.document.blocks) if isinstance(h, Heading)]
    assert heads == model
    assert ("", "Introduction") in heads and ("9.5.", "Labour migration") in heads


def test_list_levels_fall_back_to_typed_labels_when_word_would_count_otherwise() -> None:
    from builder.model import ListItem, OrderedList, Paragraph, Text
    from builder.writers.docx_numbering import list_levels
    item = lambda label: ListItem((Paragraph((Text("x"),)),), label)  # noqa: E731
    assert list_levels(OrderedList((item(""), item("")), start=3))[0].start == 3
    nested = OrderedList((ListItem((Paragraph((Text("x"),)), OrderedList((item("1.1."), item("1.2."))))),), )
    assert [lv.text for lv in list_levels(nested)] == ["%1.", "%1.%2."]
    assert list_levels(OrderedList((item("1."), item("3.")))) is None  # a skipped number: typed, not counted
