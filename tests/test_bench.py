"""The benchmark's own parts: the content it hands the peer pipeline is the content dossier builds, and the
generated long report is the size it claims."""
from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import export  # noqa: E402
import synthetic  # noqa: E402


def test_export_gives_the_peer_the_same_tables_charts_and_notes(minimal: Path, tmp_path: Path) -> None:
    out = tmp_path / "content"
    counts = export.export(minimal, out)
    text = (out / "report.md").read_text(encoding="utf-8")
    assert counts["charts"] == 1 and counts["tables"] == 2
    assert "# Overview" in text and "*not*" in text and "Қазақстан" in text
    assert "| Indicator | 2021 | 2022 | 2023 |" in text
    assert "| Exports | 1,234.5 | 1,500.2 | 1,750.0 |" in text and "| Imports | 1,000.0 | 1,100.0 | – |" in text
    with (out / "charts" / "exports-chart.csv").open(encoding="utf-8") as f:
        data = list(csv.reader(f))
    assert data[0] == ["year", "exports", "imports"]
    trade = {r["year"]: r for r in csv.DictReader((minimal / "data" / "trade.csv").open(encoding="utf-8"))}
    assert [r[0] for r in data[1:]] == list(trade)
    assert float(data[-1][1]) == float(trade[data[-1][0]]["exports"])
    assert json.loads((out / "charts.json").read_text(encoding="utf-8"))["exports-chart"]["kind"] == "bar"
    assert "](charts/exports-chart)" in text  # the peer picks .svg for the PDF, .png for the DOCX
    notes = [line for line in text.splitlines() if line.startswith("[^")]
    assert notes and all(f"[^{line[2:].split(']')[0]}]" in text.replace(line, "") for line in notes)


def test_long_report_has_its_chapters_and_tables(tmp_path: Path) -> None:
    project = synthetic.long_report(tmp_path / "long", 63)
    chapters = sorted((project / "chapters").glob("0*-chapter.md"))
    assert len(chapters) == 10
    assert len(list((project / "data").glob("t*.csv"))) == 10
    assert "```{table} t3" in chapters[2].read_text(encoding="utf-8")
    assert "001-chapter.md" in (project / "report.yaml").read_text(encoding="utf-8")
