"""The command line: exit codes, `file:line` messages, atomic outputs, --help for every command."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_cli

BAD_CASES = {
    "non-number": ("data/trade.csv", "year,exports,imports,share\n2021,abc,1,1\n", "data/trade.csv:2:2: error"),
    "column-count": ("data/trade.csv", "year,exports,imports,share\n2021,1,1\n", "data/trade.csv:2: error"),
    "duplicate-key": ("data/trade.csv", "year,exports,imports,share\n2021,1,1,1\n2021,1,1,1\n",
                      "data/trade.csv:3: error: duplicate key"),
    "template-undefined": ("chapters/01-overview.md", "# A\n\n{{ nope }}\n", "chapters/01-overview.md:3: error"),
    "template-syntax": ("chapters/01-overview.md", "# A\n{% if %}\n", "chapters/01-overview.md:2: error"),
    "unknown-table": ("chapters/01-overview.md", "# A\n\n```{table} nope\n```\n",
                      "chapters/01-overview.md:3: error: unknown table 'nope'"),
    "dangling-footnote": ("chapters/01-overview.md", "# A\n\nText.[^3]\n",
                          "chapters/01-overview.md:3: error: footnote [^3] has no definition"),
    "missing-meta": ("data/partners.yaml", "title: P\nkey: partner\ncolumns:\n  - {name: partner}\n",
                     "data/partners.yaml:1: error: source: Field required"),
    "unreadable-font": ("styles/default.yaml", "fonts:\n  body: {files: {regular: nope.ttf}}\n  heading: {}\n"
                        "sizes: {}\ncolours: {}\n", "styles/default.yaml: error: font file"),
}


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_bad_input_reports_file_line_and_keeps_outputs(case: str, minimal: Path) -> None:
    first = run_cli("build", str(minimal))
    assert first.returncode == 0, first.stderr
    outputs = {p: p.read_bytes() for p in (minimal / "build").glob("minimal.*")}
    assert {p.suffix for p in outputs} == {".pdf", ".docx", ".json"}
    rel, text, expected = BAD_CASES[case]
    (minimal / rel).parent.mkdir(parents=True, exist_ok=True)
    (minimal / rel).write_text(text, encoding="utf-8")
    bad = run_cli("build", str(minimal))
    assert bad.returncode == 2
    assert expected in bad.stderr
    assert "Traceback" not in bad.stderr and "hint:" in bad.stderr
    assert {p: p.read_bytes() for p in (minimal / "build").glob("minimal.*")} == outputs
    assert not list((minimal / "build").glob(".*.tmp"))


def test_check_writes_nothing(minimal: Path) -> None:
    result = run_cli("check", str(minimal))
    assert result.returncode == 0, result.stderr
    assert "trade" in result.stdout and "2023" in result.stdout
    assert not (minimal / "build" / "minimal.pdf").exists()


def test_strict_fails_on_failed_claim(minimal: Path) -> None:
    csv = minimal / "data" / "trade.csv"
    csv.write_text("year,exports,imports,share\n2021,1234.5,1000,55.2\n2022,1500.25,1100,57.7\n2023,900,,61.4\n")
    result = run_cli("build", str(minimal), "--strict", "--format", "docx")
    assert result.returncode == 1
    assert "chapters/01-overview.md:5: warning: [claim]" in result.stderr
    assert "exports grew 2021-2023" in result.stderr


@pytest.mark.parametrize("command", ["build", "check", "dump", "brief", "new-edition", "diff", "watch", "batch"])
def test_every_command_has_help(command: str) -> None:
    result = run_cli(command, "--help")
    assert result.returncode == 0 and "Usage:" in result.stdout and len(result.stdout.splitlines()) > 4


def test_character_missing_from_the_font_is_an_error(minimal: Path) -> None:
    chapter = minimal / "chapters" / "01-overview.md"
    chapter.write_text("# A\n\nKazakh letters әғқңөұүһі are fine, but 中 is not.\n", encoding="utf-8")
    result = run_cli("build", str(minimal))
    assert result.returncode == 2
    assert "chapters/01-overview.md:3: error: the font has no glyph for '中' (U+4E2D)" in result.stderr
