"""`dossier new PATH` writes a small, complete project that builds at once."""
from __future__ import annotations

from pathlib import Path

import yaml

from tests.conftest import pdf_text, run_cli


def test_new_project_builds_at_once(tmp_path: Path) -> None:
    target = tmp_path / "review"
    done = run_cli("new", str(target), "--title", "Quarterly review: prices & jobs")
    assert done.returncode == 0, done.stderr
    report = yaml.safe_load((target / "report.yaml").read_text(encoding="utf-8"))
    assert report["title"] == "Quarterly review: prices & jobs"
    assert (report["language"], report["locale"]) == ("en-GB", "en_GB")
    for rel in ("chapters/01-introduction.md", "data/us-economy.csv", "data/us-economy.yaml", "data/charts.yaml",
                "data/lists/next-steps.yaml", "styles/default.yaml"):
        assert (target / rel).is_file(), rel
    chapter = (target / "chapters" / "01-introduction.md").read_text(encoding="utf-8")
    for piece in ("{table}", "{figure}", "{list}", "claim(", "[^data]", "| num("):
        assert piece in chapter, piece
    from builder import build
    result = build(target, formats="pdf")
    text = pdf_text(result.outputs["pdf"])
    assert "Quarterly review: prices & jobs" in text
    assert "Table 1.1. United States economy, 2000–2008" in text and "Figure 1. Unemployment rate" in text
    assert "Unemployment averaged 5.8 % in 2008" in text  # the computed sentence, from the table
    assert [c.holds for c in result.claims] == [True]
    assert result.warnings == []


def test_new_options_and_refusals(tmp_path: Path) -> None:
    done = run_cli("new", str(tmp_path / "fr"), "--language", "fr-FR")
    assert done.returncode == 0, done.stderr
    report = yaml.safe_load((tmp_path / "fr" / "report.yaml").read_text(encoding="utf-8"))
    assert (report["language"], report["locale"]) == ("fr-FR", "fr_FR")
    again = run_cli("new", str(tmp_path / "fr"))
    assert again.returncode == 2 and "is not empty" in again.stderr
    bad = run_cli("new", str(tmp_path / "at"), "--language", "de-AT", "--locale", "de-AT")
    assert bad.returncode == 2 and "unknown locale 'de-AT'" in bad.stderr and "Traceback" not in bad.stderr
    assert not (tmp_path / "at").exists()
