"""Quotes and dashes: one set of rules for prose (markdown-it's typographer) and for data text (smarten)."""
from __future__ import annotations

import pytest

from builder.model import Code, Link, Paragraph, Text, inline_text
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
    assert smarten("well-known 3-4 x--y", "en") == "well-known 3-4 x–y"


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
