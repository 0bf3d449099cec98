"""The DOCX as a reader sees it through LibreOffice: the running head names the chapter of its page, the page
before a landscape table is filled as in the PDF (the text that follows the table in the source is set before it),
and table headers are shaded and ruled in the PDF's colours."""
from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pdfplumber
import pytest

from builder.model import BulletList, Figure, Heading, ListItem, Paragraph, Table, Text
from builder.writers.floats import PAGE_CHARS, landscape_order
from tests.conftest import needs_soffice

SOFFICE = shutil.which("soffice")
CONTENTS = ("Table of contents", "List of tables", "List of figures")


def _part(docx: Path, name: str) -> str:
    with zipfile.ZipFile(docx) as z:
        return z.read(name).decode("utf-8")


@pytest.fixture(scope="module")
def flagship_lo_pdf(flagship_build, tmp_path_factory) -> Path:
    """The flagship DOCX converted to PDF by LibreOffice (headless, a throw-away profile)."""
    out = tmp_path_factory.mktemp("lo")
    docx = flagship_build.outputs["docx"]
    run = subprocess.run([SOFFICE, f"-env:UserInstallation={(out / 'profile').resolve().as_uri()}", "--headless",
                          "--convert-to", "pdf", "--outdir", str(out), str(docx)],
                         capture_output=True, text=True, timeout=240)
    assert run.returncode == 0, run.stderr
    pdf = out / (docx.stem + ".pdf")
    assert pdf.exists(), (run.stdout, run.stderr)
    return pdf


def _pdftotext_pages(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    return text.split("\f")[:-1]


def _chapter_titles(docx: Path) -> list[str]:
    """The text of every Heading 1 paragraph of the DOCX, in order."""
    from docx import Document
    return [p.text.strip() for p in Document(str(docx)).paragraphs if p.style.name == "Heading 1" and p.text.strip()]


# the running head ---------------------------------------------------------------------------------------------------

@needs_soffice
def test_running_head_names_the_chapter_of_its_page_in_libreoffice(flagship_build, flagship_lo_pdf) -> None:
    pages = _pdftotext_pages(flagship_lo_pdf)
    titles = _chapter_titles(flagship_build.outputs["docx"])
    assert len(titles) >= 15

    def opening(page: str, title: str):  # the chapter's heading starts a line below the head (not a TOC line)
        return next((m for ln in page.splitlines()[1:] if (m := re.match(rf"\s*(\d+\.)?\s*{re.escape(title)}\s*$",
                                                                          ln))), None)

    starts, numbers = [], []
    for title in titles:
        after = starts[-1] if starts else 0
        starts.append(next(i for i in range(after, len(pages)) if opening(pages[i], title)))
        numbers.append(opening(pages[starts[-1]], title).group(1))
    assert starts == sorted(starts) and len(set(starts)) == len(starts)
    assert sum(n is not None for n in numbers) == 12  # the numbered chapters: their number in the head, as in the PDF
    titles = [f"{n.rstrip('.')} {t}" if n else t for n, t in zip(numbers, titles)]  # as Word's STYLEREF \n: "6"
    inside = 0
    for k, (title, start) in enumerate(zip(titles, starts)):
        end = starts[k + 1] if k + 1 < len(starts) else len(pages)
        for i in range(start, end):  # every page of the chapter, landscape pages included
            head = pages[i].splitlines()[0]
            if head.rstrip().endswith(CONTENTS):
                break  # the contents and lists of captions, after the front chapters (their own test below)
            assert head.startswith("Kazakhstan–Russia Relations in Modern Era"), (i + 1, head)
            assert head.rstrip().endswith(title), (i + 1, title, head)
            inside += i > start
    assert inside >= 30  # pages inside chapters, not only the pages that open them


@needs_soffice
def test_running_head_of_the_contents_names_the_contents(flagship_lo_pdf) -> None:
    pages = _pdftotext_pages(flagship_lo_pdf)
    for title in CONTENTS:
        page = next(p for p in pages if any(ln.strip() == title for ln in p.splitlines()[1:]))
        assert page.splitlines()[0].rstrip().endswith(title), page.splitlines()[0]


def test_each_chapter_has_its_own_head_with_its_title_as_the_field_result(flagship_build) -> None:
    """In the XML: a section per chapter, each with a head whose STYLEREF field (which Word recomputes) has the
    chapter's title written in as its result; the contents' head has the title as text, no field."""
    out = flagship_build.outputs["docx"]
    heads = [_part(out, n) for n in zipfile.ZipFile(out).namelist() if re.fullmatch(r"word/header\d+\.xml", n)]
    results = []
    for head in heads:
        m = re.search(r'> STYLEREF "Heading 1" </w:instrText>.*?fldCharType="separate"/></w:r>'
                      r'<w:r>(?:<w:rPr>.*?</w:rPr>)?<w:t[^>]*>([^<]*)</w:t></w:r><w:r>(?:<w:rPr>.*?</w:rPr>)?'
                      r'<w:fldChar w:fldCharType="end"/>', head, flags=re.S)
        if m:
            results.append(m.group(1))
    assert set(_chapter_titles(out)) <= set(results)
    contents = [h for h in heads if ">Table of contents<" in h]
    assert contents and not any("STYLEREF" in h for h in contents)


# landscape tables ---------------------------------------------------------------------------------------------------

def _table(name: str) -> Table:
    return Table(name, (Text(name),), (), ())


def _para(chars: int) -> Paragraph:
    return Paragraph((Text("x" * chars),))


def test_a_landscape_table_follows_the_text_after_it_up_to_the_next_heading() -> None:
    wide, wide2, narrow = _table("wide"), _table("wide2"), _table("narrow")
    before, after1, after2 = _para(200), _para(300), _para(400)
    figure, heading = Figure("f", (Text("f"),), None, "1"), Heading(2, (Text("Next"),), "next", "1.2")
    blocks = [before, wide, wide2, after1, figure, after2, heading, _para(100), narrow, _para(100)]
    order = landscape_order(blocks, lambda t: t.id.startswith("wide"))
    assert order == [before, after1, figure, after2, wide, wide2, heading, blocks[7], narrow, blocks[9]]
    assert landscape_order(blocks, lambda t: False) == blocks  # no landscape table: the source order
    # a table stops the text passing (the tables keep their order and numbers)
    assert landscape_order([wide, after1, narrow, after2], lambda t: t is wide) == [after1, wide, narrow, after2]


def test_no_more_than_a_page_of_text_passes_a_landscape_table() -> None:
    wide = _table("wide")
    paras = [_para(int(PAGE_CHARS / 3)) for _ in range(6)]
    order = landscape_order([wide, *paras], lambda t: t is wide)
    assert order.index(wide) == 2  # two paragraphs of a third of a page each fit, the third would pass the page
    assert order[:2] == paras[:2] and order[3:] == paras[2:]


def test_a_list_head_is_not_parted_from_its_list_by_a_landscape_table() -> None:
    wide = _table("wide")
    head = _para(100)
    items = BulletList(tuple(ListItem((_para(int(PAGE_CHARS / 4)),)) for _ in range(6)))
    assert landscape_order([wide, head, items], lambda t: t is wide) == [wide, head, items]


def _landscape_section_ends(document: str) -> list[int]:
    """Offsets in document.xml of the paragraphs that end a landscape section."""
    return [m.end() for m in re.finditer(r"<w:p>(?:(?!</w:p>).)*?<w:sectPr\b(?:(?!</w:sectPr>).)*?"
                                         r'w:orient="landscape"(?:(?!</w:sectPr>).)*?</w:sectPr>.*?</w:p>',
                                         document, flags=re.S)]


def test_flagship_landscape_section_comes_after_the_text_that_follows_its_tables(flagship_build) -> None:
    document = _part(flagship_build.outputs["docx"], "word/document.xml")
    ends = _landscape_section_ends(document)
    assert ends
    for end in ends:  # the first paragraph with text after a landscape section is a heading
        nxt = re.search(r'<w:p>(?:<w:pPr>(?:<w:pStyle w:val="([^"]+)"/>)?.*?</w:pPr>)?(?:(?!</w:p>).)*?<w:t[ >]',
                        document[end:], flags=re.S)
        assert nxt and (nxt.group(1) or "").startswith("Heading"), document[end:end + 600]
    # in the source, Figure 4 follows Tables 6.1.1 and 6.1.2; in the DOCX it fills the page before them
    captions = [(m.start(), "".join(re.findall(r"<w:t[^>]*>([^<]*)</w:t>", m.group(0))))
                for m in re.finditer(r'<w:p><w:pPr><w:pStyle w:val="Caption"/>.*?</w:p>', document, flags=re.S)]
    fig4 = next(at for at, text in captions if text.startswith("Figure 4."))
    tab611 = next(at for at, text in captions if text.startswith("Table 6.1.1."))
    assert fig4 < tab611 < ends[0]
    numbers = [[int(x) for x in re.match(r"Table ([\d.]+?)\.\s", text).group(1).split(".")]
               for _at, text in captions if text.startswith("Table ")]
    assert len(numbers) >= 20 and numbers == sorted(numbers)  # the tables keep their order and numbers


def _fill(page) -> float:
    """How far down its text area a page is filled: the lowest text or image between the running head and the
    page number, as a share of the height between them."""
    words = page.extract_words()
    head = min(w["top"] for w in words)
    head_bottom = max(w["bottom"] for w in words if w["top"] - head < 3)
    number_top = max(w["top"] for w in words)
    body = [w["bottom"] for w in words if head_bottom < w["top"] < number_top - 3]
    body += [im["bottom"] for im in page.images if head_bottom < im["top"] < number_top]
    return (max(body) - head_bottom) / (number_top - head_bottom)


@needs_soffice
def test_the_page_before_a_landscape_table_is_filled_in_libreoffice(flagship_lo_pdf) -> None:
    with pdfplumber.open(flagship_lo_pdf) as pdf:
        wide = [p.width > p.height for p in pdf.pages]
        firsts = [i for i in range(1, len(wide)) if wide[i] and not wide[i - 1]]
        assert firsts
        for i in firsts:
            assert _fill(pdf.pages[i - 1]) >= 2 / 3, (i, _fill(pdf.pages[i - 1]))


# table headers ------------------------------------------------------------------------------------------------------

def _hex(colour) -> str:
    """#RRGGBB of a PDF colour: RGB, or a grey level (neutral ink is written as grey, for the black plate)."""
    values = tuple(colour) if isinstance(colour, (tuple, list)) else (colour,)
    if len(values) == 1:
        values *= 3
    assert len(values) == 3, colour
    return "".join(f"{round(c * 255):02X}" for c in values)


def test_docx_header_shading_and_rules_are_the_pdfs(flagship_build) -> None:
    """The fill under the PDF's header cell "Indicator" of Table 6.1.1, as ReportLab drew it, is the w:shd fill of
    that cell in the DOCX; the DOCX's rules are the PDF's rule colour."""
    with pdfplumber.open(flagship_build.outputs["pdf"]) as pdf:
        page = next(p for p in pdf.pages if "Table 6.1.1." in (p.extract_text() or "") and p.width > p.height)
        word = next(w for w in page.extract_words() if w["text"] == "Indicator")
        fills = [r for r in page.rects if r.get("fill") and r["x0"] <= word["x0"] and r["x1"] >= word["x1"]
                 and r["top"] <= word["top"] and r["bottom"] >= word["bottom"]]
        assert fills
        pdf_fill = _hex(fills[-1]["non_stroking_color"])
        strokes = {_hex(e["stroking_color"]) for e in page.edges if e.get("stroking_color") is not None}
    document = _part(flagship_build.outputs["docx"], "word/document.xml")
    table = document[document.index('w:name="tab_trade_kz_exports_ru"'):]  # Table 6.1.1's caption
    cell = re.search(r"<w:tc>(?:(?!</w:tc>).)*?>Indicator</w:t>", table, flags=re.S).group(0)
    assert re.search(r'<w:shd [^>]*w:fill="([0-9A-F]{6})"', cell).group(1) == pdf_fill
    borders = re.search(r"<w:tblBorders>.*?</w:tblBorders>", table, flags=re.S).group(0)
    colours = set(re.findall(r'w:color="([0-9A-F]{6})"', borders))
    assert len(colours) == 1 and colours <= strokes, (colours, strokes)


@needs_soffice
@pytest.mark.parametrize("last", ["End of one.", "Last words of the chapter. " * 18 + "End of one."])
def test_docx_chapter_end_carries_three_lines_through_libreoffice(tmp_path: Path, last: str) -> None:
    """The chapter's end is moved down past a page's end by adding filler lines: through LibreOffice its last page
    always carries at least three lines (a short last paragraph keeps with the one before; a longer one moves
    whole)."""
    from builder.errors import Diagnostics
    from builder.model import DocMeta, Document
    from builder.readers.style import load_style
    from builder.writers import docx
    style = load_style(tmp_path, "default", Diagnostics())
    meta = DocMeta(title="Ends", short_title="Ends", language="en-GB", locale="en_GB")
    words = "The cooperation of the two countries is reviewed here in a line of text that fills the page with words, and "
    files = []
    for filler in range(40, 100, 4):  # about two more lines of text before the paragraphs each time
        blocks = (Heading(1, (Text("One"),), "one", "1"), Paragraph((Text(words[:50] * (filler + 1)),)),
                  *[Paragraph((Text(words * 4),)) for _ in range(9)],
                  Paragraph((Text(last),)), Heading(1, (Text("Two"),), "two", "2"),
                  Paragraph((Text("Chapter two begins."),)))
        files.append(tmp_path / f"e{filler}.docx")
        docx.write(Document(meta, blocks, {}), style, files[-1])
    subprocess.run([SOFFICE, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), *map(str, files)],
                   check=True, capture_output=True, timeout=300)
    seen = set()
    for path in files:
        with pdfplumber.open(path.with_suffix(".pdf")) as doc:
            pages = [[l["text"] for l in p.extract_text_lines() if 60 < l["top"] < p.height - 60] for p in doc.pages]
        end = next(i for i, lines in enumerate(pages) if any("End of one." in l for l in lines))
        assert len(pages[end]) >= 3, (path.name, pages[end])
        seen.add(end)
    assert len(seen) >= 2  # the chapter's end did move over a page break
