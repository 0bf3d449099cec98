"""Templates: helpers, sandbox, errors pointing into the chapter file, claims."""
from __future__ import annotations

from pathlib import Path

import pytest

from builder.errors import BuildError, Diagnostics
from builder.readers.data import load_dataset
from builder.readers.templates import helpers, make_environment, render_chapter

FILTERS, FUNCS = helpers("en_GB")


def _render(project: Path, text: str):
    (project / "chapters" / "01-overview.md").write_text(text, encoding="utf-8")
    data = load_dataset(project, Diagnostics())
    return render_chapter(make_environment(project, "en_GB"), project, "01-overview.md", data, {}, "en_GB")


def test_number_helpers() -> None:
    assert FILTERS["num"](1580.1, 1) == "1,580.1"
    assert FILTERS["num"](2.25, 1) == "2.3"  # half up, as printed statistics round
    assert FILTERS["pct"](85.3, 0) == "85%"
    assert FILTERS["billions"](11472.9, 1) == "11.5"
    assert FILTERS["times"](2.7) == "2.7 times"
    assert FUNCS["grew"](1, 2) == "grew" and FUNCS["grew"](2, 1) == "fell"
    assert FUNCS["growth"](100, 150) == 50


@pytest.mark.parametrize("locale, expected", [
    ("en_GB", {"num": "\u22121,580.1", "pct": "\u22120.2%", "billions": "\u221211.5", "times": "\u22122.7 times",
               "money": "USD\u22121.6 billion", "words": "\u22123 years", "change": "\u22120.5"}),
    ("de_DE", {"num": "\u22121.580,1", "pct": "\u22120,2%", "billions": "\u221211,5", "times": "\u22122,7 times",
               "money": "USD\u22121,6 billion", "words": "\u22123 years", "change": "\u22120,5"}),
])
def test_negative_numbers_in_prose_have_a_true_minus_sign(locale, expected) -> None:
    """As in the tables: U+2212, never a hyphen, whatever the locale's own minus is; zero has no sign."""
    filters, funcs = helpers(locale)
    printed = {"num": filters["num"](-1580.1, 1), "pct": filters["pct"](-0.2, 1),
               "billions": filters["billions"](-11472.9, 1), "times": filters["times"](-2.7),
               "money": filters["money"](-1580), "words": filters["words"](-3, "year", "years"),
               "change": filters["num"](funcs["change"](1.5, 1.0), 1)}
    assert printed == expected
    assert all("-" not in text for text in printed.values())
    assert filters["num"](-0.04, 1) in ("0.0", "0,0")  # rounds to zero: no minus
    assert filters["num"](-0.2) in ("\u22120.2", "\u22120,2")


def test_russian_locale_groups_with_space() -> None:
    num = helpers("ru_RU")[0]["num"]
    assert num(1234.5, 1).replace("\xa0", " ") == "1 234,5"


def test_computed_sentence(minimal: Path) -> None:
    r = _render(minimal, '{{ table("trade").max("exports") | num(1) }} in {{ table("trade").argmax("exports") }}\n')
    assert r.markdown == "1,750.0 in 2023\n"


def test_undefined_name_points_at_chapter_line(minimal: Path) -> None:
    with pytest.raises(BuildError) as e:
        _render(minimal, "# A\n\ntext\n{{ titel }}\n")
    assert str(e.value.source) == "chapters/01-overview.md:4"
    assert "'titel' is undefined" in e.value.message


def test_syntax_error_points_at_chapter_line(minimal: Path) -> None:
    with pytest.raises(BuildError) as e:
        _render(minimal, "# A\n\n{{ x }\n")
    assert str(e.value.source) == "chapters/01-overview.md:3"


def test_unknown_table_in_expression(minimal: Path) -> None:
    with pytest.raises(BuildError) as e:
        _render(minimal, "one\n{{ table('nope').max('x') }}\n")
    assert str(e.value.source) == "chapters/01-overview.md:2"
    assert "unknown table 'nope'" in e.value.message


def test_sandbox_blocks_attribute_escape(minimal: Path) -> None:
    with pytest.raises(BuildError) as e:
        _render(minimal, "{{ ''.__class__.__mro__ }}\n")
    assert "unsafe" in e.value.message


def test_claim_records_line_and_outcome(minimal: Path) -> None:
    r = _render(minimal, "a\nb {{ claim(table('trade').min('share') > 60, 'share above 60') }}\n")
    assert r.markdown == "a\nb \n"
    (claim,) = r.claims
    assert not claim.holds and claim.text == "share above 60"
    assert str(claim.source) == "chapters/01-overview.md:2"
