"""Template helpers: share, rank, money, words, latest, earliest, value_in — direct calls and inside a chapter."""
from __future__ import annotations

from pathlib import Path

import pytest

from builder.errors import BuildError, Diagnostics
from builder.readers.data import DataTable, Dataset, TableMeta, load_dataset
from builder.readers.templates import helpers, make_environment, render_chapter

FILTERS, FUNCS = helpers("en_GB")


@pytest.fixture()
def data(minimal: Path) -> Dataset:
    return load_dataset(minimal, Diagnostics())


@pytest.fixture()
def ctx(data: Dataset) -> dict:
    """What the table helpers need from the template context: the `table` lookup."""
    return {"table": data.table}


def _render(project: Path, text: str) -> str:
    (project / "chapters" / "01-overview.md").write_text(text, encoding="utf-8")
    data = load_dataset(project, Diagnostics())
    return render_chapter(make_environment(project, "en_GB"), project, "01-overview.md", data, {}, "en_GB").markdown


def _ranked_table() -> DataTable:
    meta = TableMeta.model_validate({
        "title": "t", "source": {"text": "s"}, "key": "country",
        "columns": [{"name": "country", "type": "text"}, {"name": "v"}]})
    rows = [{"country": c, "v": v} for c, v in [("a", 5.0), ("b", 9.0), ("c", 5.0), ("d", None), ("e", 1.0)]]
    return DataTable("ranked", meta, rows, "data/ranked.csv", "data/ranked.yaml", [2, 3, 4, 5, 6])


# ---- share ---------------------------------------------------------------------------------


def test_share_is_a_percentage() -> None:
    assert FUNCS["share"](25, 200) == 12.5
    assert FUNCS["share"](3, 3) == 100
    assert FUNCS["share"](-5, 50) == -10
    assert FILTERS["pct"](FUNCS["share"](1, 3), 1) == "33.3%"


def test_share_of_zero_total_is_a_clear_error() -> None:
    with pytest.raises(ZeroDivisionError, match=r"share\(5, 0\): the total is 0"):
        FUNCS["share"](5, 0)


@pytest.mark.parametrize("part,total,which", [(None, 10, "part"), (10, None, "total")])
def test_share_of_a_missing_value_names_it(part, total, which) -> None:
    with pytest.raises(ValueError, match=rf"share\(\): the {which} is missing"):
        FUNCS["share"](part, total)


# ---- rank ----------------------------------------------------------------------------------


def test_rank_by_id_and_by_table(ctx: dict, data: Dataset) -> None:
    # exports: 2021 1234.5, 2022 1500.25, 2023 1750
    assert FUNCS["rank"](ctx, "trade", "exports", 2023) == 1
    assert FUNCS["rank"](ctx, "trade", "exports", 2021) == 3
    assert FUNCS["rank"](None, data.table("trade"), "exports", 2022) == 2
    assert FUNCS["rank"](ctx, "partners", "value", "Қазақстан") == 2


def test_rank_ties_share_a_rank_and_missing_values_are_left_out() -> None:
    t = _ranked_table()
    assert [FUNCS["rank"](None, t, "v", k) for k in ("b", "a", "c", "e")] == [1, 2, 2, 4]
    with pytest.raises(ValueError, match="table 'ranked' has no value in column 'v' for d"):
        FUNCS["rank"](None, t, "v", "d")


def test_rank_unknown_table_row_or_column(ctx: dict) -> None:
    with pytest.raises(KeyError, match="unknown table 'nope'"):
        FUNCS["rank"](ctx, "nope", "exports", 2021)
    with pytest.raises(KeyError, match="has no row '1999'"):
        FUNCS["rank"](ctx, "trade", "exports", 1999)
    with pytest.raises(KeyError, match="has no column 'export'"):
        FUNCS["rank"](ctx, "trade", "export", 2021)


# ---- money ---------------------------------------------------------------------------------


@pytest.mark.parametrize("value,args,expected", [
    (1580.1, (), "USD1.6 billion"),
    (566, (), "USD566 million"),
    (566.4, (), "USD566 million"),
    (11472.9, ("USD", 0), "USD11 billion"),
    (2500, ("KZT", 2), "KZT2.50 billion"),
    (1000, (), "USD1.0 billion"),
    (999.7, (), "USD1.0 billion"),        # not "USD1,000 million"
    (999.4, (), "USD999 million"),
    (2.35, (), "USD2.4 million"),         # below 10 million: `decimals` digits
    (-1580, (), "USD\u22121.6 billion"),  # a true minus sign, as in the tables
    (1580, ("",), "1.6 billion"),
    (0, (), "USD0.0 million"),
])
def test_money(value, args, expected) -> None:
    assert FILTERS["money"](value, *args) == expected


def test_money_of_a_missing_value_is_an_error() -> None:
    with pytest.raises(ValueError, match=r"money\(\): the value is missing"):
        FILTERS["money"](None)


# ---- words ---------------------------------------------------------------------------------


def test_words_puts_the_right_form_after_the_number() -> None:
    assert FILTERS["words"](1, "year", "years") == "1 year"
    assert FILTERS["words"](3, "year", "years") == "3 years"
    assert FILTERS["words"](0, "year", "years") == "0 years"
    assert FILTERS["words"](2.7, "time", "times", 1) == "2.7 times"
    assert FILTERS["words"](12000, "person", "people") == "12,000 people"
    with pytest.raises(ValueError, match=r"words\(\): the value is missing"):
        FILTERS["words"](None, "year", "years")


# ---- latest / earliest / value_in ----------------------------------------------------------


def test_latest_skips_a_missing_last_value(ctx: dict) -> None:
    # imports: 2021 1000, 2022 1100, 2023 empty
    assert FUNCS["latest"](ctx, "trade", "imports") == 1100
    assert FUNCS["latest"](ctx, "trade", "exports") == 1750
    assert FUNCS["earliest"](ctx, "trade", "imports") == 1000
    assert FUNCS["earliest"](ctx, "trade", "share") == 55.2


def test_latest_and_earliest_of_an_empty_column_are_errors(minimal: Path) -> None:
    (minimal / "data" / "trade.csv").write_text("year,exports,imports,share\n2021,1,,1\n2022,2,,2\n")
    ctx = {"table": load_dataset(minimal, Diagnostics()).table}
    for helper in ("latest", "earliest"):
        with pytest.raises(ValueError, match="table 'trade' has no values in column 'imports'"):
            FUNCS[helper](ctx, "trade", "imports")


def test_value_in(ctx: dict, data: Dataset) -> None:
    assert FUNCS["value_in"](ctx, "trade", "exports", 2022) == 1500.25
    assert FUNCS["value_in"](None, data.table("trade"), "share", 2021) == 55.2
    assert FUNCS["value_in"](ctx, "partners", "comment", "Қазақстан") == "Cyrillic text"
    with pytest.raises(ValueError, match="table 'trade' has no value in column 'imports' for 2023 "
                                         r"\(the cell is empty\)"):
        FUNCS["value_in"](ctx, "trade", "imports", 2023)
    with pytest.raises(KeyError, match="has no row '2030'"):
        FUNCS["value_in"](ctx, "trade", "exports", 2030)


# ---- inside a chapter ----------------------------------------------------------------------


def test_helpers_in_a_chapter(minimal: Path) -> None:
    text = _render(minimal, '{% set t = table("trade") %}'
                   '{{ share(t.value("exports", 2022), t.value("imports", 2022)) | pct(1) }}; '
                   '{{ rank("trade", "exports", 2022) }}; {{ rank(t, "share", 2021) }}; '
                   '{{ latest(t, "imports") | money }}; {{ earliest("trade", "exports") | money("", 2) }}; '
                   '{{ value_in("trade", "exports", 2023) | num(0) }}; {{ 2 | words("year", "years") }}\n')
    assert text == "136.4%; 2; 3; USD1.1 billion; 1.23 billion; 1,750; 2 years\n"


def test_zero_division_in_a_chapter_points_at_its_line(minimal: Path) -> None:
    with pytest.raises(BuildError) as e:
        _render(minimal, "# A\n\nShare: {{ share(5, 0) }}\n")
    assert str(e.value.source) == "chapters/01-overview.md:3"
    assert e.value.message == "ZeroDivisionError: share(5, 0): the total is 0, a share of it is undefined"


def test_missing_value_in_a_chapter_points_at_its_line(minimal: Path) -> None:
    with pytest.raises(BuildError) as e:
        _render(minimal, "one\ntwo\n{{ value_in('trade', 'imports', 2023) | money }}\n")
    assert str(e.value.source) == "chapters/01-overview.md:3"
    assert "table 'trade' has no value in column 'imports' for 2023" in e.value.message


def test_existing_helpers_unchanged() -> None:
    assert FILTERS["billions"](1580.1, 1) == "1.6"
    assert FILTERS["times"](2.66, 1) == "2.7 times"
    assert FUNCS["ratio"](3, 2) == 1.5 and FUNCS["change"](3, 2) == -1
    assert FUNCS["plural"](1, "year", "years") == "year" and FUNCS["plural"](2, "year", "years") == "years"
    assert FUNCS["grew"](2, 2) == "did not change"


# ---- the examples in docs/template-helpers.md ----------------------------------------------

DOC = Path(__file__).resolve().parent.parent / "docs" / "template-helpers.md"


def _doc_examples() -> list[tuple[str, str]]:
    """(expression, output) from the rows `| … | … | `{{ expr }}` | `output` |` of the reference page."""
    import re
    rows = []
    for line in DOC.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        if len(cells) == 4 and cells[2].startswith("`{{") and cells[3].startswith("`"):
            rows.append((cells[2].strip("`").replace("\\|", "|"), cells[3][1:-1]))
    return rows


def test_the_reference_page_has_examples_for_every_helper() -> None:
    examples = " ".join(e for e, _ in _doc_examples())
    names = sorted(set(FILTERS) | set(FUNCS))
    assert len(_doc_examples()) >= 30
    assert [n for n in names if n not in examples and n not in ("min", "abs", "round")] == []
    methods = ("value", "series", "values", "keys", "first_key", "last_key", "min", "max", "argmin", "argmax",
               "sum", "latest_year")
    assert [m for m in methods if f").{m}(" not in examples] == []


def test_the_reference_page_examples_print_what_it_says(minimal: Path) -> None:
    examples = _doc_examples()
    text = _render(minimal, "".join(f"{expr}\n" for expr, _ in examples))
    assert list(zip([e for e, _ in examples], text.splitlines())) == examples
