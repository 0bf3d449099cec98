"""The re-issue workflow: a new year of data flows into tables, charts, computed sentences and claims; `dossier diff`
lists it; the briefing pack; `dossier new-edition`; `dossier watch`."""
from __future__ import annotations

import datetime
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from builder.model import Figure, Table, walk
from builder.pipeline import build
from tests.conftest import MINIMAL, ROOT, copy_project, docx_text, pdf_text, run_cli

# A plausible 2018 row for some year-keyed tables of the flagship (test inputs only, never in data/). The share of
# Kazakhstan in Russia's exports (3.6), Russia's share of CIS investment (80.1) and the cash currency figures break
# claims that hold now.
NEW_YEAR = {
    "trade-ru-exports-kz": "2018,12835.4,443133.2,3.6,32534.3,39.5",
    "ruble-cash": "2018,183420,51230,132190,234650",
    "invest-ru-kz-nbk": "2018,701.3,875.4,80.1,24250,2.9",
    "currency-shares": "2018,70.12,8.91,20.31,0.42,0.24",
}
BROKEN_BY_2018 = {"Kazakhstan's share of Russia's exports is about 3% at most (below 3.5% in every year)",
                  "Russia's share of CIS investment in Kazakhstan is never below 85%",
                  # the claims about the latest year of cash currency sales follow it to 2018
                  "the ruble's share rose from about 7.5% in the first year to about 18.5% in the latest",
                  "the euro's share in the latest year is 8–8.5%",
                  "USD and EUR shares of sales fell from the first to the latest year",
                  "average monthly ruble sales in the last two years between 10 and 15 billion"}


def add_year(project: Path) -> Path:
    for table, row in NEW_YEAR.items():
        path = project / "data" / f"{table}.csv"
        text = path.read_text(encoding="utf-8")
        path.write_text(text + ("" if text.endswith("\n") else "\n") + row + "\n", encoding="utf-8")
    return project


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def editions(tmp_path_factory):
    base = tmp_path_factory.mktemp("reissue")
    return copy_project(ROOT, base / "old"), add_year(copy_project(ROOT, base / "new"))


@pytest.fixture(scope="module")
def new_build(editions):
    _old, new = editions
    return build(new, new / "build", ("pdf",), force=True)


def _figures(result) -> dict[str, str]:
    return {b.id: Path(b.chart.svg_path).name for b in walk(result.document.blocks)
            if isinstance(b, Figure) and b.chart}


def _table(result, table_id: str) -> Table:
    return next(b for b in walk(result.document.blocks) if isinstance(b, Table) and b.id == table_id)


def test_a_new_year_reaches_tables_charts_sentences_and_claims(flagship_build, new_build) -> None:
    before, after = flagship_build, new_build
    # tables: 2018 is a new column of the transposed trade table, and its values print
    heads = lambda r: [str(c.value) for row in _table(r, "trade-ru-exports-kz").header_rows for c in row.cells]
    assert "2018" in heads(after) and "2018" not in heads(before)
    old_text, new_text = squash(pdf_text(before.outputs["pdf"])), squash(pdf_text(after.outputs["pdf"]))
    assert "12,835.4" in new_text and "12,835.4" not in old_text
    # charts: a chart without an end year and one whose window ends at the latest year are drawn from new data;
    # a chart of a table without new data is not
    old_charts, new_charts = _figures(before), _figures(after)
    assert old_charts["currency-shares"] != new_charts["currency-shares"]
    assert old_charts["ru-exports-kz"] != new_charts["ru-exports-kz"]
    assert old_charts["migration-flows"] == new_charts["migration-flows"]
    # computed sentences
    assert "forthelast8years" in old_text and "forthelast9years" in new_text
    assert "doesnotfallbelow85%" in old_text and "doesnotfallbelow80%" in new_text
    # claims: the ones the new year breaks are reported, in the result and in the build report
    assert not BROKEN_BY_2018 & {c.text for c in before.failed_claims}
    assert BROKEN_BY_2018 <= {c.text for c in after.failed_claims}
    report = json.loads(after.outputs["report"].read_text(encoding="utf-8"))
    assert BROKEN_BY_2018 <= {c["text"] for c in report["claims"]["failed"]}


def test_diff_lists_new_cells_sentences_claims_and_charts(editions) -> None:
    old, new = editions
    run = run_cli("diff", str(old), str(new), "--format", "json")
    assert run.returncode == 0, run.stderr
    changes = json.loads(run.stdout)
    trade = next(t for t in changes["tables"] if t["table"] == "trade-ru-exports-kz")
    assert trade["rows_added"] == [2018]
    assert {"key": 2018, "column": "ru_to_kz", "old": None, "new": 12835.4} in trade["cells"]
    assert {t["table"] for t in changes["tables"]} == set(NEW_YEAR)
    assert sum(len(t["cells"]) for t in changes["tables"]) == sum(len(r.split(",")) - 1 for r in NEW_YEAR.values())
    assert any("last 8 years" in s["old"] and "last 9 years" in s["new"] for s in changes["sentences"])
    assert {c["text"] for c in changes["claims"] if c["old"] and not c["new"]} == BROKEN_BY_2018
    assert {"currency-shares", "ru-exports-kz"} <= set(changes["charts"]) and "migration-flows" not in changes["charts"]
    assert changes["lists"] == []
    text = run_cli("diff", str(old), str(new)).stdout
    assert "2018 / Import of Kazakhstan from Russia: ∅ → 12835.4" in text and "claim now fails" in text
    assert "\nTable 6.1.2 Russia imports to Kazakhstan and its significance [trade-ru-exports-kz] (changed)" in text
    md = run_cli("diff", str(old), str(new), "--format", "md").stdout
    assert "| 2018 | Import of Kazakhstan from Russia | ∅ | 12835.4 |" in md
    assert "### Table 6.1.2: Russia imports to Kazakhstan and its significance (`trade-ru-exports-kz`, changed)" in md
    cell = next(c for c in changes["cells"] if c["table"] == "trade-ru-exports-kz" and c["column"] == "ru_to_kz")
    assert cell["table_label"] == "Table 6.1.2" and cell["column_label"] == "Import of Kazakhstan from Russia"


def test_diff_of_lists_and_edition_ids(tmp_path) -> None:
    from builder.pipeline import stages
    from builder.pipeline.diff import diff_projects, resolve
    project = copy_project(MINIMAL, tmp_path / "m")
    archived = copy_project(MINIMAL, project / "editions" / "2023-01")
    lst = project / "data" / "lists" / "findings.yaml"
    lst.write_text(lst.read_text(encoding="utf-8") + "  - A new finding\n", encoding="utf-8")
    assert resolve("2023-01", project) == archived.resolve()
    assert resolve("2024-01", project) == project.resolve()  # the current edition
    changes = diff_projects(archived, project, stages())
    assert changes.lists == [{"list": "findings", "added": ["A new finding"], "removed": []}]
    assert not changes.tables and not changes.sentences
    assert run_cli("diff", "1999-01", "2024-01", "--project", str(project)).returncode == 2


@pytest.fixture(scope="module")
def brief_build(editions):
    from builder.commands.brief import build_brief
    _old, new = editions
    return build_brief(new, new / "build", ("pdf", "docx"))


def _expected_figures(project: Path) -> list[tuple[str, str]]:
    """(latest value, change) of some key figures, computed here from the CSV files."""
    def rows(table):
        lines = (project / "data" / f"{table}.csv").read_text(encoding="utf-8").split()
        head = lines[0].split(",")
        return [dict(zip(head, line.split(","))) for line in lines[1:]]
    trade = rows("trade-ru-exports-kz")
    a, b = float(trade[-2]["ru_to_kz"]), float(trade[-1]["ru_to_kz"])
    invest = rows("invest-ru-kz-nbk")
    c, d = float(invest[-2]["ru_to_kz"]), float(invest[-1]["ru_to_kz"])
    return [(f"{b:,.1f}", f"{'+' if b > a else '-'}{abs(b / a - 1) * 100:.1f}%"),
            (f"{d:,.1f}", f"{'+' if d > c else '-'}{abs(d / c - 1) * 100:.1f}% on {invest[-2]['year']}")]


def test_brief_is_short_and_its_key_figures_read_back(brief_build, editions) -> None:
    from pypdf import PdfReader
    _old, new = editions
    out = brief_build.outputs
    assert out["pdf"].name == "kazakhstan-russia-relations-brief.pdf" and out["docx"].suffix == ".docx"
    assert 2 <= len(PdfReader(str(out["pdf"])).pages) <= 4
    pdf, docx = squash(pdf_text(out["pdf"])), squash(docx_text(out["docx"]))
    expected = _expected_figures(new)
    assert expected[0] == ("12,835.4", "+11.9%") and expected[1] == ("701.3", "+24.0% on 2015")
    for text in (pdf, docx):
        # the masthead: institute, kicker, the report's title, the date and the report the brief comes from
        assert squash("Briefing Pack") in text and squash("Kazakhstan–Russia Relations in Modern Era") in text
        assert squash("From the report: Analytical Dossier – N. 3/2019, First Edition: January 2019") in text
        # key figures: the latest value, its unit, year and source, and the table of the full report
        assert squash(f"Russia’s exports to Kazakhstan{expected[0][0]}million US dollars2018International Trade "
                      "CentreTable 6.1.2") in text
        assert squash(f"Investment, Russia to Kazakhstan{expected[1][0]}million US dollars2018National Bank of "
                      "KazakhstanTable 6.2.2") in text
        assert squash("The report’s conclusions in full: see “Abstracts”.") in text
        assert squash("(see section 2.1)") in text and squash("(see chapter 11)") in text
        assert "Figure3." in text


def test_brief_of_the_flagship_as_published(tmp_path) -> None:
    from pypdf import PdfReader
    from builder.commands.brief import build_brief
    project = copy_project(ROOT, tmp_path / "f")
    result = build_brief(project, tmp_path / "out", ("pdf",))
    assert 2 <= len(PdfReader(str(result.outputs["pdf"])).pages) <= 4
    assert squash("Cash rubles sold in Kazakhstan157,949million rubles2017According to the National Bank of "
                  "KazakhstanTable 6.5.1") in squash(pdf_text(result.outputs["pdf"]))


def test_brief_points_at_unknown_targets_with_a_location(tmp_path) -> None:
    project = copy_project(MINIMAL, tmp_path / "m")
    (project / "chapters" / "brief.md").write_text("# Brief {-}\n\nSee {{ see('table:nope') }}.\n", encoding="utf-8")
    run = run_cli("brief", str(project), "--format", "pdf")
    assert run.returncode == 2 and "chapters/brief.md:3" in run.stderr and "table:trade" in run.stderr
    (project / "chapters" / "brief.md").unlink()
    assert "no brief template" in run_cli("brief", str(project)).stderr


def test_new_edition_archives_bumps_and_lists_what_to_do(tmp_path) -> None:
    project = copy_project(ROOT, tmp_path / "f")
    (project / "build").mkdir()
    for name in ("kazakhstan-russia-relations.pdf", "kazakhstan-russia-relations.report.json"):
        (project / "build" / name).write_text("last build", encoding="utf-8")
    charts = project / "data" / "charts.yaml"  # one chart pinned to fixed years, as they all were in 2019
    text = charts.read_text(encoding="utf-8")
    start = text.index("ruble-sales:")
    charts.write_text(text[:start] + text[start:].replace("years: [first, latest]", "years: [2010, 2017]", 1),
                      encoding="utf-8")
    before = (project / "report.yaml").read_text(encoding="utf-8")
    run = run_cli("new-edition", "2020-01", str(project), "--date", "2020-03-02")
    assert run.returncode == 0, run.stderr
    archive = project / "editions" / "2019-01"
    assert (archive / "report.yaml").read_text(encoding="utf-8") == before
    assert (archive / "data" / "ruble-cash.csv").read_bytes() == (ROOT / "data" / "ruble-cash.csv").read_bytes()
    assert (archive / "chapters" / "07a-economic.md").exists() and (archive / "styles" / "default.yaml").exists()
    assert (archive / "build" / "kazakhstan-russia-relations.report.json").exists()
    after = (project / "report.yaml").read_text(encoding="utf-8")
    edition = yaml.safe_load(after)["edition"]
    assert edition == {"id": "2020-01", "number": 2, "label": "Second Edition: March 2020",
                       "date": datetime.date(2020, 3, 2), "data_year": 2018}
    changed = [(a, b) for a, b in zip(before.splitlines(), after.splitlines()) if a != b]
    assert len(changed) == 5 and len(before.splitlines()) == len(after.splitlines())  # comments and order kept
    out = run.stdout
    assert "data/ruble-cash.csv: no row for 2018 (latest 2017)" in out
    assert "chapters/07a-economic.md:13: claim fails:" in out
    assert "data/invest-ru-kz-nbk.yaml: stale source, data end in 2015" in out
    assert "chart 'ruble-sales' shows the years 2010–2017 only (pinned" in out
    assert "chart 'ru-exports-kz'" not in out  # its window ends at the latest year
    again = run_cli("new-edition", "2020-01", str(project))
    assert again.returncode == 2 and "already" in again.stderr


def test_bump_adds_missing_keys_inside_the_edition_block() -> None:
    from builder.commands.editions import bump_text
    text = "title: T\nedition:  # the edition\n  id: \"1\"   # keep me\n  date: 2020-01-01\n\nlocale: en_GB\n"
    out = bump_text(text, {"id": '"2"', "number": "2", "data_year": "2021"})
    assert out == ("title: T\nedition:  # the edition\n  id: \"2\"   # keep me\n  date: 2020-01-01\n  number: 2\n"
                   "  data_year: 2021\n\nlocale: en_GB\n")


def test_watch_rebuilds_after_a_chapter_changes(tmp_path) -> None:
    project = copy_project(MINIMAL, tmp_path / "w")
    pdf = project / "build" / "minimal.pdf"
    log = (tmp_path / "watch.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "builder", "watch", str(project), "--format", "pdf"],
                            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        first = _wait(lambda: pdf.exists() and pdf.read_bytes(), 60, proc)
        chapter = project / "chapters" / "01-overview.md"
        chapter.write_text(chapter.read_text(encoding="utf-8") + "\nA sentence added while watching.\n",
                           encoding="utf-8")
        _wait(lambda: pdf.read_bytes() != first, 60, proc)
        assert "A sentence added while watching" in " ".join(pdf_text(pdf).split())
        chapter.write_text(chapter.read_text(encoding="utf-8") + "\n{{ broken\n", encoding="utf-8")
        log_file = tmp_path / "watch.log"
        _wait(lambda: "error: template syntax" in log_file.read_text(encoding="utf-8"), 60, proc)
        assert proc.poll() is None and pdf.exists()  # goes on; the last good PDF stays
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _wait(condition, seconds: float, proc):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        assert proc.poll() is None, "dossier watch ended"
        time.sleep(0.2)
    raise AssertionError(f"nothing happened in {seconds} s")
