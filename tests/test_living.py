"""A living report: a new year of data, dropped into a copy of the flagship with no template edit, moves every
chart and latest-year sentence, names the contradictions it creates by file, line and rendered sentence, turns the
strict gate from 0 to 1, and leaves a revisions record of every added cell in table numbers and labels. Also the
claim vocabulary, relative chart windows, derived columns, the accepted-failures baseline, the stale-number lint
and the "What changed in this edition" appendix."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from tests.conftest import MINIMAL, ROOT, copy_project, docx_text, pdf_text, run_cli

# The next year of eleven flagship tables (trade, investment, transfers, cash, migration): test inputs only, never
# in data/. Share, balance and total cells are left empty: the tables declare them derived. Three contradictions
# are planted: investment from Russia of 910 in 2016 (a level: "stabilized at USD 650 million"), transfers from
# Kazakhstan falling in 2016 (a trend: "an increase since 2011"), and 80,000 workers in 2018 (a forecast: "in 2018
# their number will reach 100,000").
NEW_DATA = {
    "trade-kz-exports-ru": (2018, "2018,5100.0,61111.0,,238151.0,"),
    "trade-ru-exports-kz": (2018, "2018,12835.4,534808.0,,32534.3,"),
    "invest-ru-kz-cbr": (2016, "2016,910,2600,35.0,31000,2.94"),
    "invest-ru-kz-nbk": (2016, "2016,701.3,790.2,,24250,"),
    "invest-kz-ru-nbk": (2016, "2016,150.2,210.4,,5120,"),
    "transfers-kz-ru-cbr": (2016, "2016,1180,3300,,16900,"),
    "transfers-eec": (2018, "2018,7500.0,2400.0,2150.0,,,2900.0,800.0,700.0,,"),
    "transfers-labour": (2018, "2018,720.5,1500.2"),
    "ruble-cash": (2018, "2018,160120,51230,,"),
    "migration-kz-stat": (2016, "2016,4200,17000,,27000,31500,"),
    "labour-entering-kz": (2018, "2018,30000,21000"),
    "labour-entering-ru": (2018, "2018,95000"),
}
DERIVED = {("trade-ru-exports-kz", "share_kz_in_ru_exports"): 2.4,
           ("trade-ru-exports-kz", "share_ru_in_kz_imports"): 39.5,
           ("ruble-cash", "balance"): 108890, ("ruble-cash", "turnover"): 211350,
           ("invest-ru-kz-nbk", "share_ru_cis"): 88.7, ("migration-kz-stat", "share_dep_ru"): 85.7}

# (location, claim text, words of the rendered sentence) of the planted contradictions
PLANTED = [
    ("chapters/07a-economic.md:52", "Russian investments in Kazakhstan in the last three years are about USD 650 "
     "million a year (within 25 million)", "Russian investments in Kazakhstan have now stabilized at USD 650 million "
     "a year - the peak of investments was passed in 2009, when they slightly exceeded USD 1 billion."),
    ("chapters/07b-economic.md:9", "transfers from Kazakhstan to Russia rose every year since 2011",
     "If we talk about transfers from Kazakhstan to Russia, then there has also been an increase in the amounts "
     "since 2011, but if we talk about shares"),
    ("chapters/10-cultural.md:145", "Kazakhstani citizens entering Russia for work will reach 100,000 in 2018",
     "And, in all likelihood, in 2018 their number will reach 100,000, which is 3 times more than in 2012."),
]
# sentences (chapter, words they start with) whose computed values follow the latest year of an updated table
LATEST = [("07a-economic.md", "At the same time, for Russia itself, this export at first glance is rather small"),
          ("07a-economic.md", "To describe, we will use 2 sources at once"),
          ("07b-economic.md", "For evaluation, data were collected on the purchase and sale of currency"),
          ("10-cultural.md", "As can be seen from statistics, the number has increased 2.5 times"),
          ("10-cultural.md", "It should be understood that the increase in the number of Kazakhs working in Russia")]


def add_rows(project: Path, rows: dict = NEW_DATA) -> None:
    for table, (_year, row) in rows.items():
        path = project / "data" / f"{table}.csv"
        text = path.read_text(encoding="utf-8")
        path.write_text(text + ("" if text.endswith("\n") else "\n") + row + "\n", encoding="utf-8")


def _sentence(side, chapter: str, start: str) -> str:
    from builder.pipeline.diff import paragraphs, sentences
    found = [s for p in paragraphs(side.rendered[chapter].markdown) for s in sentences(p) if s.startswith(start)]
    assert len(found) == 1, (chapter, start, found)
    return found[0]


@pytest.fixture(scope="module")
def living(tmp_path_factory):
    """The flagship before and after its next year of data: strict builds, checks, rendered chapters."""
    from builder.pipeline import stages
    from builder.pipeline.diff import load_side
    project = copy_project(ROOT, tmp_path_factory.mktemp("living") / "flagship")
    run = {"check_before": run_cli("check", str(project), "--strict")}
    before = load_side(project, stages())
    run["new_edition"] = run_cli("new-edition", "2020-01", str(project), "--date", "2020-01-15", "--data-year", "2018")
    add_rows(project)
    run["build_after"] = run_cli("build", str(project), "--strict", "--format", "pdf")
    run["check_after"] = run_cli("check", str(project), "--strict")
    return project, run, before, load_side(project, stages())


def test_strict_passes_on_the_published_edition_and_fails_on_new_contradictions(living, flagship_build) -> None:
    from builder.commands.accepted import gate
    _project, run, _before, _after = living
    published = gate(flagship_build)  # the gate of `build --strict` on the published flagship's full build
    assert published.passed and published.accepted == 15 and published.pending == 2, published.lines()
    assert run["check_before"].returncode == 0, run["check_before"].stderr[-3000:]
    assert "strict: passed: 0 new" in run["check_before"].stderr
    assert run["new_edition"].returncode == 0, run["new_edition"].stderr
    assert run["build_after"].returncode == 1 and run["check_after"].returncode == 1
    for name in ("build_after", "check_after"):
        assert re.search(r"strict: failed: \d+ new", run[name].stderr), run[name].stderr[-2000:]


def test_planted_contradictions_are_named_by_file_line_and_rendered_sentence(living) -> None:
    _project, run, _before, _after = living
    out = run["build_after"].stderr
    for location, text, sentence in PLANTED:
        line = next((x for x in out.splitlines() if x.startswith(f"{location}: claim fails: {text} — “")), None)
        assert line is not None, f"{location} {text}\n{out[-4000:]}"
        assert sentence in line and "{{" not in line and "claim(" not in line
    # the same claims held before the new data
    report = json.loads((_project / "build" / "kazakhstan-russia-relations.report.json").read_text(encoding="utf-8"))
    failed = {(c["location"], c["text"]): c["sentence"] for c in report["claims"]["failed"]}
    for location, text, sentence in PLANTED:
        assert sentence in failed[(location, text)]
    # the gate lists only failures that accepted.yaml does not accept
    new = [x for x in out.splitlines() if x.endswith("(new)")]
    assert any("stabilized at USD 650 million" in x for x in new)
    assert not any("continue to grow" in x or "NSU tuition" in x for x in new)


def test_every_chart_of_an_updated_table_ends_at_the_new_year(living) -> None:
    from builder.charts import _rows
    from builder.model import Figure, walk
    from builder.pipeline import prepare
    project, _run, _before, _after = living
    result = prepare(project, draw=False)
    charted = 0
    for fig in walk(result.document.blocks):
        if not isinstance(fig, Figure) or fig.chart is None:
            continue
        spec = result.dataset.charts[fig.id]
        if spec.table in NEW_DATA:
            year = NEW_DATA[spec.table][0]
            assert str(_rows(spec, result.dataset.tables[spec.table])[-1][0]) == str(year), fig.id
            assert str(year) in fig.chart.alt or "{" not in spec.description, (fig.id, fig.chart.alt)
            charted += 1
    assert charted >= 9


def test_every_latest_year_sentence_changed(living) -> None:
    _project, _run, before, after = living
    for chapter, start in LATEST:
        old, new = _sentence(before, chapter, start), _sentence(after, chapter, start)
        assert old != new, (chapter, old)
    assert _sentence(after, *LATEST[0]).endswith("rather small - only 2%.")
    assert _sentence(after, *LATEST[1]).endswith("for the period from 2007 to 2016.")
    assert "for the last 9 years" in _sentence(after, *LATEST[2])
    assert _sentence(after, *LATEST[3]).endswith("from 2012 to 2018.")
    assert "to USD721 million in 2018" in _sentence(after, *LATEST[4])


def test_derived_columns_are_computed_for_the_new_year(living) -> None:
    from builder.errors import Diagnostics
    from builder.readers.data import load_dataset
    project, _run, _before, _after = living
    tables = load_dataset(project, Diagnostics()).tables
    for (table, column), expected in DERIVED.items():
        assert tables[table].value(column, NEW_DATA[table][0]) == pytest.approx(expected), (table, column)


def test_revisions_record_lists_every_added_cell_with_table_number_and_labels(living) -> None:
    from builder.model import Table, walk
    from builder.pipeline import prepare
    project, _run, _before, _after = living
    record = json.loads((project / "build" / "kazakhstan-russia-relations.revisions.json").read_text(encoding="utf-8"))
    assert record["from"]["edition"] == "2019-01" and record["to"]["edition"] == "2020-01"
    result = prepare(project, draw=False)
    numbers = {b.id: b.number for b in walk(result.document.blocks) if isinstance(b, Table)}
    cells = {(c["table"], str(c["row"]), c["column"]): c for c in record["cells"]}
    expected = 0
    for table_id, (year, _row) in NEW_DATA.items():
        table = result.dataset.tables[table_id]
        for col in table.meta.columns:
            if col.name == table.meta.key:
                continue
            expected += 1
            cell = cells[(table_id, str(year), col.name)]
            assert cell["status"] == "added" and cell["old"] is None
            assert cell["table_label"] == f"Table {numbers[table_id]}" and cell["table_number"] == numbers[table_id]
            assert cell["column_label"] == (col.label or col.name)
            assert cell["new"] == pytest.approx(table.value(col.name, year))
    assert len(record["cells"]) == expected
    assert {"invest-ru-kz-sources", "ruble-sales", "labour-migration"} <= set(record["charts"])
    assert any(c["text"] == PLANTED[0][1] and c["old"] and not c["new"] for c in record["claims"])


def test_diff_speaks_in_table_numbers_and_labels(living) -> None:
    project, _run, _before, _after = living
    text = run_cli("diff", "2019-01", "2020-01", "--project", str(project)).stdout
    assert re.search(r"^Table 6\.2\.1 Investments from Russia to Kazakhstan according to Russia data "
                     r"\[invest-ru-kz-cbr\] \(changed\)$", text, re.M), text[:2000]
    assert "  2016 / Investments from Russia to Kazakhstan: ∅ → 910" in text


def test_new_edition_reports_pinned_years(living) -> None:
    _project, run, _before, _after = living
    out = run["new_edition"].stdout
    assert "chapters/07a-economic.md:18: pinned to 2017" in out
    assert "(accepted in accepted.yaml)" in out
    assert "data/charts.yaml: chart" not in out  # every chart of the flagship follows the data
    assert "revisions record: " in out and "kazakhstan-russia-relations.revisions.json" in out


# ---- the gate and its baseline -----------------------------------------------------------------------------------

def test_an_accepted_failure_that_starts_to_hold_fails_the_gate(tmp_path) -> None:
    project = copy_project(ROOT, tmp_path / "flagship")
    path = project / "data" / "tuition-costs.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("Biology,974000,811500", "Biology,974000,701500"),
                    encoding="utf-8")
    run = run_cli("check", str(project), "--strict")
    assert run.returncode == 1
    entry = next(i for i, line in enumerate((project / "accepted.yaml").read_text(encoding="utf-8").splitlines(), 1)
                 if "NSU tuition" in line)
    assert f"accepted.yaml:{entry}: accepted failure no longer occurs: claim “NSU tuition is 20–35% cheaper" \
        in run.stderr


def test_baseline_entries_need_a_reason_and_who_accepted_them(tmp_path) -> None:
    project = copy_project(MINIMAL, tmp_path / "m")
    (project / "accepted.yaml").write_text("accepted:\n  - claim: x\n    file: chapters/01-overview.md\n",
                                           encoding="utf-8")
    run = run_cli("check", str(project), "--strict")
    assert run.returncode == 2 and "accepted.yaml:" in run.stderr and "reason" in run.stderr


# ---- the claim vocabulary and relative windows -------------------------------------------------------------------

@pytest.fixture(scope="module")
def series():
    from builder.readers.data import ColumnSpec, DataTable, SourceSpec, TableMeta
    meta = TableMeta(title="t", source=SourceSpec(text="s"), key="year",
                     columns=[ColumnSpec(name="year", type="year"), ColumnSpec(name="v"), ColumnSpec(name="w")])
    rows = [{"year": y, "v": v, "w": w} for y, v, w in
            [(2010, 100, 5), (2011, 120, 4), (2012, 130, 3), (2013, 128, 2), (2014, 650, 1), (2015, 640, None),
             (2016, 660, 0.5)]]
    return DataTable("t", meta, rows, "data/t.csv", "data/t.yaml")


def test_claim_vocabulary(series) -> None:
    from builder.model import claims as c
    assert c.level(series, "v", 650, 15, last=3) and not c.level(series, "v", 650, 5, last=3)
    assert c.between(series, "v", 100, 130, years=(2010, 2013)) and not c.between(series, "v", 100, 130)
    assert c.rising(series, "v", since=2013) and not c.rising(series, "v", since=2011, strict=True)
    assert c.falling(series, "w", strict=True) and c.fallen_for(series, "w", 5) and not c.risen_for(series, "v", 3)
    assert c.peak(series, "v", [2016]) and not c.peak(series, "v", [2014, 2015])
    assert c.order(series, 2010, ["v", "w"]) and c.ratio_about(660, 100, 6.6) and c.at_least_times(660, 100, 6)
    pending = c.forecast(series, "v", 2020, at_least=700)
    assert pending.pending and not pending.holds and "no data for 2020" in pending.detail
    assert c.forecast(series, "v", 2016, about=650, within=10) and not c.forecast(series, "v", 2016, at_least=700)
    assert list(c.window(series, "w", last=2)) == [2014, 2016]  # the empty 2015 cell is not a year of data
    with pytest.raises(ValueError, match="no values in the window"):
        c.window(series, "v", since=2030)


def test_claims_in_a_chapter_record_the_rendered_sentence_and_pending_forecasts(minimal) -> None:
    from builder.pipeline import prepare
    chapter = minimal / "chapters" / "01-overview.md"
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\n{% set t = table(\"trade\") %}Exports reached "
                       "{{ latest(t, \"exports\") | num(0) }} in {{ latest_year(t, \"exports\") }}"
                       "{{ claim(rising(t, \"exports\", strict=true), \"exports rose every year\") }}. They will "
                       "pass 2,000 in 2030{{ claim(forecast(t, \"exports\", 2030, at_least=2000), \"exports pass 2,000 "
                       "by 2030\") }}.\n", encoding="utf-8")
    result = prepare(minimal, draw=False)
    by_text = {c.text: c for c in result.claims}
    assert by_text["exports rose every year"].holds
    assert by_text["exports rose every year"].sentence == "Exports reached 1,750 in 2023."
    forecast = by_text["exports pass 2,000 by 2030"]
    assert forecast.pending and forecast.holds and forecast.sentence == "They will pass 2,000 in 2030."
    assert "\ue000" not in "".join(r.markdown for r in result.rendered)


def test_chart_windows_relative_to_the_data(series) -> None:
    from builder.charts import _alt, _rows
    from builder.readers.data import ChartSpec
    spec = ChartSpec(title="T", table="t", x="year", series=["v"], years=("first", "latest"),
                     description="V, {first}–{last}.")
    assert [r[0] for r in _rows(spec, series)] == list(range(2010, 2017))
    assert _alt(spec, _rows(spec, series)) == "T. V, 2010–2016."
    assert [r[0] for r in _rows(ChartSpec(title="T", table="t", x="year", series=["v"], last=3), series)] == \
        [2014, 2015, 2016]
    assert [r[0] for r in _rows(ChartSpec(title="T", table="t", x="year", series=["w"], years=(2012, "latest")),
                                series)] == [2012, 2013, 2014, 2015, 2016]
    assert ChartSpec(title="T", table="t", x="year", series=["v"], years=(2010, 2015)).pinned
    assert not spec.pinned


# ---- derived columns ---------------------------------------------------------------------------------------------

def test_derived_share_total_balance_and_growth(minimal) -> None:
    from builder.errors import Diagnostics
    from builder.readers.data import load_dataset
    (minimal / "data" / "flows.csv").write_text("year,a,b,total,share,gap,growth\n2021,10,30,,,,\n2022,12,28,40,30,,\n"
                                                "2023,15,,45,,,12.0\n", encoding="utf-8")
    (minimal / "data" / "flows.yaml").write_text(yaml.safe_dump({
        "title": "Flows", "source": {"text": "test"}, "key": "year",
        "columns": [{"name": "year", "type": "year"}, {"name": "a"}, {"name": "b"}, {"name": "total"},
                    {"name": "share", "type": "percent", "decimals": 1}, {"name": "gap"},
                    {"name": "growth", "type": "number", "decimals": 1}],
        "checks": [{"total": "total", "parts": ["a", "b"], "derive": True},
                   {"share": "share", "part": "a", "total": "total", "derive": True},
                   {"total": "b", "parts": ["a", "gap"], "derive": True},
                   {"growth": "growth", "of": "a", "derive": True}]}), encoding="utf-8")
    diag = Diagnostics()
    t = load_dataset(minimal, diag).tables["flows"]
    assert [t.value("total", y) for y in (2021, 2022, 2023)] == [40, 40, 45]
    assert t.value("b", 2023) == 30                      # the one missing part of a total
    assert [t.value("share", y) for y in (2021, 2022, 2023)] == [25.0, 30, pytest.approx(33.3)]
    assert t.value("gap", 2021) == 20 and t.value("gap", 2023) == 15   # a balance: b − a
    assert t.value("growth", 2021) is None and t.value("growth", 2022) == 20.0
    relation = [w for w in diag.warnings if w.kind == "relation"]
    assert [str(w.source) for w in relation] == ["data/flows.csv:4:7"]   # published 12.0, computed 25.0
    assert "growth of a on the year before is 25.00" in relation[0].message


# ---- the stale-number lint ---------------------------------------------------------------------------------------

def test_lint_names_a_typed_restatement_with_its_helper(minimal) -> None:
    chapter = minimal / "chapters" / "01-overview.md"
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\nIn 2023 exports reached 1,750.0 and the share "
                       "61.4%; the index was 61.4{# fact: another source #} too.\n", encoding="utf-8")
    run = run_cli("check", str(minimal))
    assert run.returncode == 0, run.stderr
    lines = [x for x in run.stderr.splitlines() if "[stale-number]" in x]
    line = len(chapter.read_text(encoding="utf-8").splitlines())
    assert any(x.startswith(f"chapters/01-overview.md:{line}:") and "1,750.0 restates table 'trade'" in x
               and 'value_in("trade", "exports", 2023) | num(1)' in x for x in lines), lines
    assert any("61.4 restates table 'trade'" in x and '"share", 2023' in x for x in lines)
    assert any("2023 restates table 'trade'" in x and 'latest_year("trade"' in x for x in lines)
    assert len([x for x in lines if f":{line}:" in x]) == 3   # the number marked as a fact is not reported
    assert f", {len(lines)} typed numbers that restate table data" in run.stdout
    assert any(x.startswith("chapters/01-overview.md:5:") and "2023 restates" in x for x in lines)  # "in 2023."


def test_flagship_prose_restates_no_table_data() -> None:
    from builder.errors import Diagnostics
    from builder.readers.data import load_dataset
    from builder.readers.lint import lint
    from builder.readers.project import load_project
    project = load_project(ROOT, Diagnostics())
    dataset = load_dataset(project.root, Diagnostics())
    findings = lint(project.root, project.spec.chapters, dataset.tables, dataset.charts)
    assert [str(f) for f in findings] == []


# ---- the appendix ------------------------------------------------------------------------------------------------

def test_what_changed_appendix_in_both_formats(tmp_path) -> None:
    from builder.pipeline import build
    project = copy_project(MINIMAL, tmp_path / "m")
    assert run_cli("new-edition", "2025-01", str(project), "--date", "2025-01-10").returncode == 0
    add_rows(project, {"trade": (2024, "2024,1900.5,1200,63.0")})
    (project / "chapters" / "99-changes.md").write_text("{{ what_changed() }}\n", encoding="utf-8")
    report = project / "report.yaml"
    spec = yaml.safe_load(report.read_text(encoding="utf-8"))
    report.write_text(report.read_text(encoding="utf-8").replace(
        f"  - {spec['chapters'][-1]}\n", f"  - {spec['chapters'][-1]}\n  - 99-changes.md\n"), encoding="utf-8")
    result = build(project, project / "build", ("pdf", "docx"), force=True)
    for text in (pdf_text(result.outputs["pdf"]), docx_text(result.outputs["docx"])):
        squashed = re.sub(r"\s+", " ", text)
        assert "What changed in this edition" in squashed
        assert "Changes from edition 2024-01 to edition 2025-01: 3 values added, 0 changed and 0 removed in 1 " \
               "table." in squashed
        assert re.search(r"Table \d+(\.\d+)* 2024 Exports – 1,900\.5", squashed), squashed[-1500:]
        assert re.search(r"Share of exports, % – 63\.0", squashed)
        assert re.search(r"Figures drawn from changed data: Figure \d+\.", squashed)
    data = json.loads(result.outputs["revisions"].read_text(encoding="utf-8"))
    assert {(c["row"], c["column"]) for c in data["cells"]} == {(2024, "exports"), (2024, "imports"),
                                                               (2024, "share")}


def test_the_flagship_prints_what_changed_in_the_new_edition(living) -> None:
    project, _run, before, _after = living
    assert before.rendered["15-changes.md"].markdown.strip() == ""  # no previous edition: no appendix
    text = re.sub(r"\s+", " ", pdf_text(project / "build" / "kazakhstan-russia-relations.pdf"))
    appendix = text[text.index("What changed in this edition Changes from edition"):]
    cells = sum(len(t.meta.columns) - 1 for t in _after.dataset.tables.values() if t.id in NEW_DATA)
    assert f"Changes from edition 2019-01 to edition 2020-01: {cells} values added, 0 changed and 0 removed in " \
           f"{len(NEW_DATA)} tables." in appendix
    assert "Table 6.2.1 2016 Investments from Russia to Kazakhstan – 910" in appendix
    assert "No longer holds: Russian investments in Kazakhstan in the last three years are about USD 650" in appendix


def test_an_archived_edition_that_no_longer_loads_does_not_stop_the_build(tmp_path) -> None:
    from builder.pipeline import revisions
    from builder.pipeline import prepare, stages
    project = copy_project(MINIMAL, tmp_path / "m")
    assert run_cli("new-edition", "2025-01", str(project), "--date", "2025-01-10").returncode == 0
    (project / "editions" / "2024-01" / "data" / "trade.csv").write_text("year,exports\n2021,1,2\n", encoding="utf-8")
    result = prepare(project, draw=False)
    assert revisions.for_build(result, stages()) is None
    assert [str(w.source) for w in result.diagnostics.warnings if w.kind == "revisions"] == \
        ["editions/2024-01/report.yaml"]
