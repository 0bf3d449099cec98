"""Cheap starts: `dossier build --help` and `dossier check` import no library they do not use."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from builder.commands.cli import cli

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("pandas", "matplotlib", "reportlab", "docx", "svglib", "openpyxl", "pikepdf")
PROBE = """
import json, sys
from click.testing import CliRunner
from builder.commands.cli import cli
result = CliRunner().invoke(cli, sys.argv[1:])
print(json.dumps({"exit": result.exit_code, "modules": sorted(m for m in sys.modules if "." not in m)}))
"""


def _imported(*args: str) -> tuple[int, set[str]]:
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, check=True,
                          cwd=ROOT, timeout=120)
    out = json.loads(done.stdout.strip().splitlines()[-1])
    return out["exit"], set(out["modules"])


def test_build_help_imports_no_heavy_library() -> None:
    code, modules = _imported("build", "--help")
    assert code == 0
    assert not modules & set(HEAVY), modules & set(HEAVY)
    assert "pydantic" not in modules and "jinja2" not in modules


def test_check_imports_no_writer_or_chart_library(minimal: Path) -> None:
    code, modules = _imported("check", str(minimal))
    assert code == 0
    assert not modules & {"pandas", "matplotlib", "docx", "svglib", "pikepdf"}, modules


def test_lazy_commands_are_listed_and_run() -> None:
    runner = CliRunner()
    listing = runner.invoke(cli, ["--help"])
    for name in ("batch", "brief", "diff", "new", "new-edition", "template", "watch", "build", "check"):
        assert f"  {name} " in listing.output
    assert runner.invoke(cli, ["template", "--help"]).exit_code == 0
    assert "No such command" in runner.invoke(cli, ["nonesuch"]).output
