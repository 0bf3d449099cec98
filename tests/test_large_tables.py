"""Large tables: long ones build in linear time in both formats; one too wide for any page is a user error.

Budgets (2-core machine, shared): a 10,000-row table in both formats within 30 s, a 20,000-row one within 60 s
(measured alone: about 2,100 rows/s for the PDF and 5,800 rows/s for the DOCX, see bench/bench_tables.py).
"""
from __future__ import annotations

import re
import time
import zipfile
from pathlib import Path

import pytest

from tests.conftest import run_cli

REPORT = """title: Large table
short_title: Large table
authors: [{name: Test}]
publisher: {name: Test}
edition: {id: "1", label: "One", date: 2024-01-01, data_year: 2023}
locale: en_GB
output_name: large
chapters: [01-table.md]
"""


def _project(folder: Path, rows: int, columns: int = 4) -> Path:
    (folder / "chapters").mkdir(parents=True)
    (folder / "data").mkdir()
    (folder / "report.yaml").write_text(REPORT, encoding="utf-8")
    (folder / "chapters" / "01-table.md").write_text("# Series\n\nA long table.\n\n```{table} series\n```\n",
                                                     encoding="utf-8")
    names = [f"v{i}" for i in range(columns)]
    meta = ["title: A long series", "source: {text: Generated}", "key: period", "columns:",
            "  - {name: period, label: Period, type: text}"]
    meta += [f"  - {{name: {n}, label: Value {i}, type: number, decimals: 1}}" for i, n in enumerate(names)]
    (folder / "data" / "series.yaml").write_text("\n".join(meta) + "\n", encoding="utf-8")
    lines = ["period," + ",".join(names)]
    lines += [f"{1900 + r // 4}-Q{r % 4 + 1}," + ",".join(f"{(r * 37 + c * 11) % 9000 + 0.5}" for c in range(columns))
              for r in range(rows)]
    (folder / "data" / "series.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


@pytest.mark.parametrize("rows, budget", [(10_000, 30.0), (20_000, 60.0)])
def test_long_table_builds_in_both_formats_within_budget(tmp_path, rows, budget) -> None:
    from pypdf import PdfReader

    from builder.pipeline import build
    project = _project(tmp_path / "p", rows)
    start = time.perf_counter()
    result = build(project, tmp_path / "out")
    seconds = time.perf_counter() - start
    assert seconds < budget, f"{rows} rows took {seconds:.1f} s (budget {budget:.0f} s)"
    reader = PdfReader(str(result.outputs["pdf"]))
    pages = len(reader.pages)
    assert pages > rows / 60  # every row is there: at most about 50 a page
    first = next(i for i, page in enumerate(reader.pages) if "Table 1.1. A long series" in page.extract_text())
    for i in (first + 1, pages // 2, pages - 1):  # the header repeats under a "(continued)" caption on later pages
        text = reader.pages[i].extract_text()
        assert "Table 1.1 (continued)" in text and "Period" in text and "Value 3" in text, i
    last = reader.pages[-1].extract_text()
    assert f"{1900 + (rows - 1) // 4}-Q{(rows - 1) % 4 + 1}" in last
    with zipfile.ZipFile(result.outputs["docx"]) as z:
        xml = z.read("word/document.xml").decode()
    assert xml.count("<w:tr>") == rows + 1
    assert xml.count("<w:tblHeader/>") == 1 and xml.count("<w:cantSplit/>") == rows + 1


def test_a_table_too_wide_for_any_page_is_reported_at_its_place(tmp_path) -> None:
    project = _project(tmp_path / "p", 3, columns=5_000)
    done = run_cli("build", str(project), "--out", str(tmp_path / "out"))
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if "error:" in line]
    assert len(errors) == 1 and re.match(r"chapters/01-table\.md:5(:\d+)?: error: table too wide: 5001 columns",
                                         errors[0]), done.stderr
    assert "transpose" in done.stderr  # what to do
    assert not (tmp_path / "out" / "large.pdf").exists()
