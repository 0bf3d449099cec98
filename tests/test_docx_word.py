"""The DOCX as Word reads it: valid by the Open XML SDK, Word numbering, the user's template, running heads,
embedded fonts, languages and fields with their results."""
from __future__ import annotations

from tests.conftest import ROOT
from tests.docx_checks import assert_valid_docx

ROOT_STYLE = ROOT / "builder" / "readers" / "default_style.yaml"


def test_flagship_docx_is_valid(flagship_build) -> None:
    assert_valid_docx(flagship_build.outputs["docx"])


def test_minimal_docx_is_valid(minimal_build) -> None:
    assert_valid_docx(minimal_build / "minimal.docx")


def test_brief_docx_is_valid(tmp_path) -> None:
    from builder.commands.brief import build_brief
    from tests.conftest import ROOT, copy_project
    project = copy_project(ROOT, tmp_path / "flagship")
    result = build_brief(project, project / "build", ("docx",))
    assert_valid_docx(result.outputs["docx"])


def test_the_validator_reports_an_invalid_docx(minimal_build, tmp_path) -> None:
    import zipfile
    import pytest
    bad = tmp_path / "invalid-on-purpose.docx"
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


# the user's Word template ----------------------------------------------------------------------------------------

def _part(path, name: str) -> str:
    import zipfile
    with zipfile.ZipFile(path) as z:
        return z.read(name).decode("utf-8")


def _style(styles_xml: str, style_id: str) -> str:
    import re
    return re.search(rf'<w:style [^>]*w:styleId="{style_id}".*?</w:style>', styles_xml, flags=re.S).group(0)


def test_a_restyled_house_template_gives_the_docx_its_look(minimal, tmp_path) -> None:
    import docx
    from docx.shared import Mm, RGBColor
    from builder.pipeline import build
    from tests.conftest import run_cli
    template = minimal / "styles" / "default.docx"
    template.parent.mkdir(exist_ok=True)
    result = run_cli("template", "docx", str(template), "--project", str(minimal))
    assert result.returncode == 0, result.stderr
    d = docx.Document(str(template))
    assert "Table Text" in [s.name for s in d.styles] and "STYLEREF" in d.sections[0].header._element.xml
    d.styles["Normal"].font.name = "DejaVu Sans"
    d.styles["Heading 1"].font.color.rgb = RGBColor(0xC0, 0x00, 0x00)
    section = d.sections[0]
    section.left_margin = section.right_margin = Mm(35)
    header = section.header.paragraphs[0]
    for run in list(header._p):
        if run.tag.endswith("}r"):
            header._p.remove(run)
    header.add_run("Institute of Tests")
    d.save(str(template))
    out = build(minimal, tmp_path / "out", ("docx",), force=True).outputs["docx"]
    assert_valid_docx(out)
    styles, document = _part(out, "word/styles.xml"), _part(out, "word/document.xml")
    assert 'w:ascii="DejaVu Sans"' in _style(styles, "Normal")
    assert 'w:color w:val="C00000"' in _style(styles, "Heading1")
    assert document.count('w:left="1984"') >= 1 and 'w:left="1361"' not in document.split("<w:pgMar")[-1]
    headers = [_part(out, f"word/{n}") for n in _rel_targets(out, "header")]
    assert any("Institute of Tests" in h for h in headers) and not any("STYLEREF" in h for h in headers)


def test_a_foreign_template_keeps_its_styles_and_gets_only_the_missing_ones(minimal, tmp_path) -> None:
    import docx
    from docx.shared import RGBColor
    from builder.pipeline import build
    d = docx.Document()  # python-docx's own template: no List Item, Table Text, Source styles, no header
    d.styles["Normal"].font.name = "DejaVu Serif"
    d.styles["Heading 1"].font.color.rgb = RGBColor(0x00, 0x80, 0x00)
    (minimal / "styles").mkdir(exist_ok=True)
    d.save(str(minimal / "styles" / "house.docx"))
    (minimal / "styles" / "default.yaml").write_text(
        (ROOT_STYLE.read_text(encoding="utf-8")) + "docx_template: house.docx\n", encoding="utf-8")
    out = build(minimal, tmp_path / "out", ("docx",), force=True).outputs["docx"]
    assert_valid_docx(out)
    styles = _part(out, "word/styles.xml")
    assert 'w:ascii="DejaVu Serif"' in _style(styles, "Normal")
    assert 'w:color w:val="008000"' in _style(styles, "Heading1")
    for added in ("ListItem", "TableText", "Source", "FootnoteText"):
        assert "w:rFonts" not in _style(styles, added)  # added without fonts: they take the template's
    assert any("STYLEREF" in _part(out, f"word/{n}") for n in _rel_targets(out, "header"))


def test_a_missing_docx_template_is_a_user_error(minimal) -> None:
    from tests.conftest import run_cli
    (minimal / "styles").mkdir(exist_ok=True)
    (minimal / "styles" / "default.yaml").write_text(
        ROOT_STYLE.read_text(encoding="utf-8") + "docx_template: nowhere.docx\n", encoding="utf-8")
    result = run_cli("build", str(minimal), "--format", "docx")
    assert result.returncode == 2
    assert "styles/default.yaml: error: docx_template not found" in result.stderr


def _rel_targets(path, kind: str) -> list[str]:
    import re
    rels = _part(path, "word/_rels/document.xml.rels")
    return re.findall(rf'Type="[^"]*/{kind}" Target="([^"]+)"', rels) + \
        re.findall(rf'Target="([^"]+)" Type="[^"]*/{kind}"', rels)


# running heads and embedded fonts --------------------------------------------------------------------------------

def test_flagship_running_head_and_page_number_skip_the_title_page(flagship_build) -> None:
    import re
    out = flagship_build.outputs["docx"]
    document = _part(out, "word/document.xml")
    rels = _part(out, "word/_rels/document.xml.rels")
    rid_target = dict(re.findall(r'Id="(rId\d+)"[^>]*Target="([^"]+)"', rels)) | \
        {rid: t for t, rid in re.findall(r'Target="([^"]+)"[^>]*Id="(rId\d+)"', rels)}
    sections = re.findall(r"<w:sectPr\b.*?</w:sectPr>", document, flags=re.S)
    assert "<w:titlePg/>" in sections[0] and not any("<w:titlePg/>" in s for s in sections[1:])
    firsts = re.findall(r'<w:(?:header|footer)Reference w:type="first" r:id="(rId\d+)"', sections[0])
    assert len(firsts) == 2
    for rid in firsts:  # the title page: no running head, no page number
        assert "instrText" not in _part(out, f"word/{rid_target[rid]}")
    heads = [_part(out, f"word/{t}") for t in _rel_targets(out, "header")]
    head = next(h for h in heads if "STYLEREF" in h)
    assert "Kazakhstan–Russia Relations in Modern Era" in head  # the short title, then the current chapter
    assert re.search(r'<w:instrText[^>]*> STYLEREF "Heading 1" </w:instrText>.*fldCharType="end"', head, flags=re.S)
    footers = [_part(out, f"word/{t}") for t in _rel_targets(out, "footer")]
    assert any(re.search(r"<w:instrText[^>]*> PAGE </w:instrText>", f) for f in footers)
    assert len(sections) > 1  # landscape sections for wide tables keep the page number (linked)
    landscape = [s for s in sections[1:-1] if "landscape" in s]
    assert landscape and not any("footerReference" in s for s in landscape)
    for s in landscape:  # and have their own copy of the head, its right tab stop at the landscape right margin
        size, margins = re.search(r"<w:pgSz [^>]*/>", s).group(0), re.search(r"<w:pgMar [^>]*/>", s).group(0)
        width = int(re.search(r'w:w="(\d+)"', size).group(1)) - int(re.search(r'w:left="(\d+)"', margins).group(1)) \
            - int(re.search(r'w:right="(\d+)"', margins).group(1))
        rid = re.search(r'<w:headerReference w:type="default" r:id="(rId\d+)"', s).group(1)
        own = _part(out, f"word/{rid_target[rid]}")
        assert "STYLEREF" in own and re.search(rf'<w:tab w:val="right" w:pos="{width}"/>|'
                                               rf'<w:tab w:pos="{width}" w:val="right"/>', own), (width, own)


def test_flagship_fonts_are_embedded_obfuscated(flagship_build) -> None:
    import re
    import zipfile
    from builder.writers.docx_fonts import obfuscate
    out = flagship_build.outputs["docx"]
    table = _part(out, "word/fontTable.xml")
    assert "<w:embedTrueTypeFonts/>" in _part(out, "word/settings.xml")
    rels = dict((rid, t) for rid, t in re.findall(r'Id="(rId\d+)"[^>]*Target="([^"]+)"',
                                                   _part(out, "word/_rels/fontTable.xml.rels")))
    style = flagship_build.style
    with zipfile.ZipFile(out) as z:
        for fam in (style.body, style.heading):
            font = re.search(rf'<w:font w:name="{fam.name}">.*?</w:font>', table, flags=re.S).group(0)
            for face, tag in (("regular", "embedRegular"), ("bold", "embedBold"), ("italic", "embedItalic"),
                              ("bold_italic", "embedBoldItalic")):
                rid, key = re.search(rf'<w:{tag} r:id="(rId\d+)" w:fontKey="(\{{[0-9A-F-]{{36}}\}})"/>', font).groups()
                stored = z.read(f"word/{rels[rid]}")
                original = open(fam.files[face], "rb").read()
                assert stored != original and obfuscate(stored, key) == original
                assert rels[rid].startswith("fonts/") and rels[rid].endswith(".odttf")


def _hidden_fonts_env(tmp_path):
    """A fontconfig that knows only DejaVu (matplotlib's copy): PT Serif and PT Sans cannot come from the system."""
    import os
    import subprocess
    from builder.readers.style import dejavu
    conf = tmp_path / "fonts.conf"
    conf.write_text('<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
                    f'<dir>{os.path.dirname(dejavu("DejaVuSerif").files["regular"])}</dir>'
                    f'<cachedir>{tmp_path / "fc-cache"}</cachedir></fontconfig>', encoding="utf-8")
    env = dict(os.environ, FONTCONFIG_FILE=str(conf))
    listed = subprocess.run(["fc-list"], env=env, capture_output=True, text=True, timeout=60).stdout
    assert "DejaVu" in listed and "PT Serif" not in listed and "PT Sans" not in listed, listed
    return env


def _soffice_pdf(docx_path, out_dir, env):
    import shutil
    import subprocess
    import pytest
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.fail("LibreOffice (soffice) is not installed: .ci/run installs libreoffice-writer")
    out_dir.mkdir(parents=True, exist_ok=True)
    run = subprocess.run([soffice, f"-env:UserInstallation={(out_dir / 'profile').resolve().as_uri()}", "--headless",
                          "--convert-to", "pdf", "--outdir", str(out_dir), str(docx_path)],
                         capture_output=True, text=True, timeout=240, env=env)
    pdf = out_dir / (docx_path.stem + ".pdf")
    assert run.returncode == 0 and pdf.exists(), run.stderr
    return pdf


def test_libreoffice_renders_the_flagship_in_the_embedded_fonts_with_word_numbering(flagship_build,
                                                                                      tmp_path) -> None:
    import re
    import subprocess
    env = _hidden_fonts_env(tmp_path)
    pdf = _soffice_pdf(flagship_build.outputs["docx"], tmp_path / "lo", env)
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, timeout=60).stdout
    for name in ("PTSerif-Regular", "PTSerif-Bold", "PTSerif-Italic", "PTSans-Bold"):
        assert re.search(rf"\+{name}\s.*\byes\b", fonts), fonts
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          timeout=60).stdout
    lines = [" ".join(ln.split()) for ln in text.splitlines()]
    # the numbers LibreOffice counts from numbering.xml are the PDF's
    for expected in ("1. Interrelation legal framework", "2.1. Investigation method of thought of",
                     "9.5. Labour migration", "1.1. Lack of continuity of power", "5.2. Water and energy disputes",
                     "4.5. The established scheme of struggle against Islamic"):
        assert any(ln.startswith(expected) and ".." not in ln for ln in lines), expected  # not the TOC's line
    assert sum(ln.startswith("• ") for ln in lines) >= 80


# language and proofing -------------------------------------------------------------------------------------------

def test_flagship_language_proofing_and_compatibility(flagship_build) -> None:
    import re
    out = flagship_build.outputs["docx"]
    styles, settings = _part(out, "word/styles.xml"), _part(out, "word/settings.xml")
    defaults = re.search(r"<w:docDefaults>.*?</w:docDefaults>", styles, flags=re.S).group(0)
    assert f'<w:lang w:val="{flagship_build.document.meta.language}"' in defaults
    assert "proofState" not in settings
    assert re.search(r'w:name="compatibilityMode" [^>]*w:val="15"', settings)
    document = _part(out, "word/document.xml")
    russian = re.findall(r'<w:r>(?:(?!</w:r>).)*<w:lang w:val="ru-RU"/>(?:(?!</w:r>).)*<w:t[^>]*>([^<]*)</w:t>',
                         document, flags=re.S)
    assert any("Экспорт товаров из России" in t for t in russian)  # a Russian chart title (the one whose data is missing is left out)


def test_cyrillic_text_language() -> None:
    from builder.writers._ooxml import text_language
    assert text_language("Экспорт России") == "ru-RU"
    assert text_language("Қазақстан Республикасы") == "kk-KZ"
    assert text_language("Exports of Russia") == ""


# fields with results ---------------------------------------------------------------------------------------------

def test_flagship_lists_of_tables_and_figures_in_both_formats(flagship_build) -> None:
    import re
    from pypdf import PdfReader
    from builder.model import Figure, ListOfCaptions, Table, inline_text, walk
    from builder.writers.docx import caption_bookmark
    from builder.writers.native import dump
    doc = flagship_build.document
    lists = [b for b in doc.blocks if isinstance(b, ListOfCaptions)]
    assert [b.kind for b in lists] == ["Table", "Figure"]
    # placed tables and figures: a chart left out for missing data has no number and no entry
    captioned = {k: [b for b in walk(doc.blocks) if isinstance(b, cls) and b.id and b.number]
                 for k, cls in (("Table", Table), ("Figure", Figure))}
    document = _part(flagship_build.outputs["docx"], "word/document.xml")
    pdf_pages = [p.extract_text() or "" for p in PdfReader(str(flagship_build.outputs["pdf"])).pages]
    for kind, blocks in captioned.items():
        assert len(blocks) == {"Table": 34, "Figure": 15}[kind]
        assert f'TOC \\h \\z \\c "{kind}"' in document
        for b in blocks:
            bm = caption_bookmark(kind, b.id)
            assert f'w:name="{bm}"' in document  # the caption carries the bookmark the entry points at
            entry = re.search(rf'<w:hyperlink w:anchor="{bm}"[^>]*>.*?<w:t[^>]*>([^<]*)</w:t>.*?'
                              rf'PAGEREF {bm} \\h.*?separate"/>.*?<w:t[^>]*>(\d+)</w:t>', document, flags=re.S)
            label = f"{kind} {b.number}. {inline_text(b.caption)}"
            assert entry and entry.group(1).replace("&amp;", "&") == label, label
            assert int(entry.group(2)) >= 1
    left_out = [b for b in walk(doc.blocks) if isinstance(b, Figure) and b.chart is None]
    assert left_out and all(caption_bookmark("Figure", b.id) not in document for b in left_out)
    import pdfplumber
    with pdfplumber.open(str(flagship_build.outputs["pdf"])) as pdf:
        front = [ln for p in pdf.pages[:12] for ln in (p.extract_text() or "").splitlines()]
    for b in captioned["Table"][:5] + captioned["Figure"][:5]:  # the PDF's list names the page of the caption
        kind = type(b).__name__
        start = next(i for i, ln in enumerate(front) if ln.startswith(f"{kind} {b.number}. "))
        line = next(ln for ln in front[start:start + 3] if re.search(r"\d+$", ln))  # a long entry wraps
        page = int(re.search(r"(\d+)$", line).group(1))
        assert any(p.startswith(f"{kind} {b.number}. ") for p in pdf_pages[page - 1].splitlines()), (b.id, page, line)
    text = dump(doc)
    assert "ListOfCaptions('Table', 'List of tables')" in text and "ListOfCaptions('Figure', " in text


def test_flagship_cross_references_are_ref_fields(flagship_build) -> None:
    import re
    from builder.model import CrossRef, Paragraph, walk
    from builder.writers.docx import _ref_bookmark
    doc = flagship_build.document
    refs = []

    def collect(inlines):
        for node in inlines:
            if isinstance(node, CrossRef):
                refs.append(node)
            for child in getattr(node, "children", ()):
                collect((child,))
    for b in walk(doc.blocks):
        if isinstance(b, Paragraph):
            collect(b.inlines)
    assert len(refs) >= 4
    document = _part(flagship_build.outputs["docx"], "word/document.xml")
    fields = re.findall(r"<w:instrText[^>]*> REF (\S+) \\h", document)
    assert len(fields) == len(refs)
    assert all(f'w:name="{name}"' in document for name in set(fields))
    assert {_ref_bookmark(r.target) for r in refs} == set(fields)
