"""Quotes and dashes: one set of rules for prose (markdown-it's typographer) and for data text (smarten)."""
from __future__ import annotations

import pytest

from builder.model import Code, CrossRef, Link, Paragraph, Text, inline_text
from builder.readers.data import Dataset
from builder.readers.markdown import parse_chapter
from builder.readers.templates import Rendered
from builder.readers.typography import smarten

EMPTY = Dataset({}, {}, {})


def _prose(text: str, language: str = "en-GB") -> Paragraph:
    rendered = Rendered("chapters/x.md", text, list(range(1, text.count("\n") + 2)))
    return parse_chapter(rendered, EMPTY, language).blocks[0]


@pytest.mark.parametrize("language, expected", [
    ("en-GB", "\u201cTrade\u201d and \u2018aid\u2019 – it\u2019s 1990–2000…"),
    ("de-DE", "\u201eTrade\u201c and \u201aaid\u2018 – it\u2019s 1990–2000…"),
    ("fr-FR", "\u00ab\u00a0Trade\u00a0\u00bb and \u201caid\u201d – it\u2019s 1990–2000…"),
    ("ru-RU", "\u00abTrade\u00bb and \u201eaid\u201c — it\u2019s 1990–2000…"),
    ("kk", "\u00abTrade\u00bb and \u201eaid\u201c — it\u2019s 1990–2000…"),
])
def test_prose_and_data_text_get_the_same_quotes_and_dashes(language, expected) -> None:
    raw = "\"Trade\" and 'aid' - it's 1990 - 2000..."
    assert inline_text(_prose(raw, language).inlines) == expected
    assert smarten(raw, language) == expected


def test_one_dash_convention_for_hyphens_en_and_em_dashes_between_words() -> None:
    assert smarten("a - b -- c — d --- e", "en") == "a – b – c – d – e"
    assert smarten("well-known 3-4 x--y", "en") == "well-known 3–4 x–y"  # a range of numbers: an en dash


def test_quotes_work_across_emphasis_and_footnote_marks() -> None:
    p = _prose("He said \"*never*\" again[^1] - so it was.\n\n[^1]: Note.\n")
    assert inline_text(p.inlines) == "He said \u201cnever\u201d again – so it was."


def test_code_and_addresses_are_left_as_written() -> None:
    p = _prose("Run `a \"b\" -- c` at <https://x.org/a--b...> or https://y.org/p--q... \"done\"")
    assert Code('a "b" -- c') in p.inlines
    assert any(isinstance(i, Link) and i.url == "https://x.org/a--b..." and i.children == (Text(i.url),)
               for i in p.inlines)
    assert "https://y.org/p--q... \u201cdone\u201d" in inline_text(p.inlines)
    assert smarten("see https://z.org/a--b 'x'", "en") == "see https://z.org/a--b \u2018x\u2019"


def test_data_text_placed_by_a_directive_is_smartened(tmp_path) -> None:
    from builder.errors import Diagnostics
    from builder.readers.data import load_dataset
    (tmp_path / "data" / "lists").mkdir(parents=True)
    (tmp_path / "data" / "lists" / "factors.yaml").write_text(
        'title: Factors\nnumbering: bullet\nitems:\n  - "The \\"soft power\\" of Russia - culture"\n',
        encoding="utf-8")
    (tmp_path / "data" / "t.csv").write_text('year,name\n2001,"the ""Eurasian"" idea"\n', encoding="utf-8")
    (tmp_path / "data" / "t.yaml").write_text(
        "title: Russia's \"partners\" - by year\nkey: year\nsource: {text: Rosstat - estimates}\n"
        "columns:\n  - {name: year, type: year}\n  - {name: name, type: text, label: Name}\n", encoding="utf-8")
    dataset = load_dataset(tmp_path, Diagnostics())
    text = "```{list} factors\n```\n\n```{table} t\n```\n"
    blocks = parse_chapter(Rendered("chapters/x.md", text, list(range(1, 6))), dataset, "en-GB").blocks
    item = blocks[0].items[0].blocks[0]
    assert inline_text(item.inlines) == "The \u201csoft power\u201d of Russia – culture"
    table = blocks[1]
    assert inline_text(table.caption).startswith("Russia\u2019s \u201cpartners\u201d – by year")
    assert table.body_rows[0].cells[1].value == "the \u201cEurasian\u201d idea"
    assert table.citation == "Rosstat – estimates"


@pytest.mark.parametrize("raw, expected", [
    ("about 0.7-1.2 billion", "about 0.7\u20131.2 billion"),
    ("10-15 billion rubles", "10\u201315 billion rubles"),
    ("in 2014-2016,", "in 2014\u20132016,"),
    ("30-40% of imports", "30\u201340% of imports"),
    ("(1,000-2,000 people)", "(1,000\u20132,000 people)"),
    ("the 1990-2000s", "the 1990\u20132000s"),
    ("a 10-15-year-old car", "a 10\u201315-year-old car"),
    ("$10-15", "$10\u201315"),
])
def test_a_range_of_numbers_takes_an_en_dash(raw, expected) -> None:
    assert smarten(raw, "en") == expected
    assert inline_text(_prose(raw).inlines) == expected


@pytest.mark.parametrize("raw", [
    "on 2019-05-01", "from 2019-05", "ISO-8859-1", "COVID-19", "the G-20", "Su-35 fighters", "Law No. 123-FZ",
    "Law No. 123-45", "ISBN 978-3-16-148410-0", "call (727) 244-5040", "tel. 8 727 244-50-40", "Tel: 244-5040",
    "Mi-17B-5", "model 12-15A", "5-7x zoom", "from 10-12:30", "id=3-201011150038", "1,5-2 (a list)", "x5-7",
])
def test_dates_codes_and_numbers_that_are_not_ranges_keep_their_hyphen(raw) -> None:
    assert smarten(raw, "en") == raw
    assert inline_text(_prose(raw).inlines) == raw


@pytest.mark.parametrize("raw, expected", [
    ("etwa 0,7-1,2 Mrd. Euro", "etwa 0,7\u20131,2 Mrd. Euro"),
    ("1.000-2.000 Personen", "1.000\u20132.000 Personen"),
    ("1,5-2 %", "1,5\u20132 %"),
    ("2014-2016", "2014\u20132016"),
    ("0.7-1.2", "0.7-1.2"),  # not a German number: left as written
    ("am 2019-05-01, COVID-19, G-20", "am 2019-05-01, COVID-19, G-20"),
])
def test_number_ranges_follow_the_languages_decimal_separator(raw, expected) -> None:
    assert smarten(raw, "de-DE") == expected
    assert inline_text(_prose(raw, "de-DE").inlines) == expected


def test_number_ranges_leave_code_addresses_and_link_targets_alone() -> None:
    p = _prose("See `10-15` at <https://x.org/a/10-15> and [10-15](#tab-10-15) or https://y.org/?a=3-2010 10-15")
    assert Code("10-15") in p.inlines
    link = next(i for i in p.inlines if isinstance(i, Link) and i.url.startswith("https://x.org"))
    assert link.url == "https://x.org/a/10-15" and link.children == (Text(link.url),)
    text = inline_text(p.inlines)
    assert "https://y.org/?a=3-2010 10\u201315" in text
    assert "and 10\u201315 or" in text  # the link's text is prose, its target is not
    assert CrossRef(target="tab-10-15", text="10\u201315") in p.inlines


def test_the_flagship_prints_its_ranges_with_en_dashes_in_every_format(flagship_build, flagship_html) -> None:
    """The chapters write "0.7-1.2", "10-15" and "2017-2018" with hyphens; every format prints en dashes, and no
    hyphen between two digits is left that the range rule would have changed (dates, codes and addresses stay)."""
    import html
    import re
    import subprocess

    from builder.readers.typography import number_ranges
    from tests.conftest import docx_text
    pdf = subprocess.run(["pdftotext", str(flagship_build.outputs["pdf"]), "-"], capture_output=True, text=True,
                         check=True).stdout
    page = html.unescape(re.sub(r"<[^>]+>", " ", flagship_html.read_text(encoding="utf-8")))
    texts = {"pdf": pdf, "docx": docx_text(flagship_build.outputs["docx"]), "html": page}
    for name, text in texts.items():
        flat = " ".join(text.split())
        for example in ("0.7\u20131.2 billion", "10\u201315 billion", "2017\u20132018", "30\u201340%",
                        "1996\u20132000"):
            assert example in flat, (name, example)
        left = [m.group(0) for m in re.finditer(r"\S*\d-\d\S*", flat) if number_ranges(m.group(0)) != m.group(0)]
        assert left == [], name
        assert not re.search(r"(?<![\w./=?:-])\d+(?:\.\d+)?-\d+(?:\.\d+)?(?![\w./:-])", flat), name
