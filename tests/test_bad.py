"""The bad-input corpus (tests/bad/<case>/): each case breaks a copy of a built project and runs the CLI on it.

A case is a folder with `case.yaml` and `files/` (copied over the project). `case.yaml` holds the issue row it
covers, why, `expect` (the start of the first error line; `{line}` stands for a line number that may vary) and
optionally `also` (more text the message must hold), `exit`, `args`, `command`, `env`, `remove` and a named `setup`
below. Every case must end with its exit status and message at `file:line`, no traceback, the previous outputs
byte-identical and no temporary file left behind.
"""
from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from tests.conftest import MINIMAL, ROOT, copy_project

CORPUS = Path(__file__).parent / "bad"
CASES = sorted(p.name for p in CORPUS.iterdir() if (p / "case.yaml").is_file())


@dataclass
class Run:
    """A copy of a project, the output folder the case looks at, and what the case set up around them."""

    project: Path
    out: Path
    tmp: Path
    prefix: list[str] = field(default_factory=list)    # e.g. setpriv, to drop root's right to write anywhere
    cleanups: list[Callable[[], None]] = field(default_factory=list)

    def fill(self, text: str) -> str:
        return text.replace("{project}", str(self.project)).replace("{out}", str(self.out))


@pytest.fixture(scope="session")
def built_minimal(tmp_path_factory) -> Path:
    """examples/minimal built once by the CLI; each case starts from a copy of it, outputs included."""
    project = copy_project(MINIMAL, tmp_path_factory.mktemp("bad") / "minimal")
    done = _cli(["build", str(project)])
    assert done.returncode == 0, done.stderr
    return project


@pytest.mark.parametrize("name", CASES)
def test_bad_input(name: str, built_minimal: Path, tmp_path: Path) -> None:
    case = yaml.safe_load((CORPUS / name / "case.yaml").read_text(encoding="utf-8"))
    with _prepared(case, name, built_minimal, tmp_path) as run:
        before = _outputs(run.out)
        report = (run.project / "report.yaml").read_bytes()
        assert before, "the case starts from previous outputs"
        command = [run.fill(a) for a in case.get("command", ["build", "{project}", *case.get("args", [])])]
        env = {k: str(v) for k, v in case.get("env", {}).items()}
        done = _cli(command, env, run.prefix)
        output = done.stdout + done.stderr
        assert "Traceback" not in output, output
        assert len(done.stderr) < 20_000, "a message a person can read"
        assert done.returncode == case.get("exit", 2), output
        expected = re.escape(run.fill(case["expect"])).replace(re.escape("{line}"), r"\d+")
        assert re.search(expected, done.stderr), done.stderr
        assert all(text in done.stderr for text in case.get("also", [])), done.stderr
        if case.get("exit", 2) != 0:
            first = next(line for line in done.stderr.splitlines() if " error: " in line or "error:" in line)
            assert re.match(expected, first), f"first error line: {first!r}, expected: {case['expect']!r}"
            assert "hint:" in done.stderr
            assert _outputs(run.out) == before, "the previous outputs changed"
            assert (run.project / "report.yaml").read_bytes() == report
        assert not _litter(run.out), _litter(run.out)


def test_the_corpus_covers_every_row() -> None:
    """Rows 2 and 10 (large tables) are tested with the tables; 5, 13 and 15 also in test_reliability.py."""
    rows = {yaml.safe_load((CORPUS / n / "case.yaml").read_text())["row"] for n in CASES} - {"extra"}
    assert rows >= {1, 3, 4, 5, 6, 7, 8, 9, 11, 12, 14, 16}


def _cli(args: list[str], env: dict[str, str] | None = None, prefix: list[str] | None = None):
    return subprocess.run([*(prefix or []), sys.executable, "-m", "builder", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env={**os.environ, **(env or {})})


def _outputs(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*")) if p.is_file()}


def _litter(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.name.endswith(".tmp")]


@contextlib.contextmanager
def _prepared(case: dict, name: str, built: Path, tmp: Path) -> Iterator[Run]:
    if case.get("project") == "flagship":
        project = copy_project(ROOT, tmp / "flagship")
        _sentinel_outputs(project / "build")
    else:
        project = tmp / "minimal"
        shutil.copytree(built, project, symlinks=True)
    run = Run(project, project / "build", tmp)
    files = CORPUS / name / "files"
    if files.is_dir():
        shutil.copytree(files, project, dirs_exist_ok=True)
    for rel in case.get("remove", []):
        (project / rel).unlink()
    try:
        if "setup" in case:
            SETUPS[case["setup"]](run)
        yield run
    finally:
        for cleanup in reversed(run.cleanups):
            cleanup()


def _sentinel_outputs(build: Path) -> None:
    """Stand-ins for the flagship's last outputs (a full flagship build per case would cost half a minute)."""
    build.mkdir(parents=True, exist_ok=True)
    for ext in ("pdf", "docx", "report.json"):
        (build / f"kazakhstan-russia-relations.{ext}").write_bytes(f"previous {ext}\n".encode())


# ---- setups ---------------------------------------------------------------------------------------------------------

def _header_only_arms(run: Run) -> None:
    path = run.project / "data" / "arms-deliveries.csv"
    path.write_text(path.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")


def _out_not_writable(run: Run) -> None:
    run.out.chmod(0o555)
    run.cleanups.append(lambda: run.out.chmod(0o755))
    if os.geteuid() == 0:  # root writes anywhere: drop the capabilities that allow it for the build
        run.prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]


def _project_not_writable(run: Run) -> None:
    run.project.chmod(0o555)
    run.cleanups.append(lambda: run.project.chmod(0o755))
    if os.geteuid() == 0:
        run.prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]


def _hold_lock(run: Run) -> None:
    import fcntl
    fd = os.open(run.out, os.O_RDONLY | os.O_DIRECTORY)
    fcntl.flock(fd, fcntl.LOCK_EX)
    run.cleanups.append(lambda: os.close(fd))


def _disk_full(run: Run) -> None:
    """--out on a 1 MiB tmpfs holding the previous outputs, then filled to the last block."""
    run.out = run.tmp / "small-disk"
    run.out.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(run.out)], capture_output=True,
                             text=True)
    assert mounted.returncode == 0, f"a small tmpfs is needed (run as root): {mounted.stderr}"
    run.cleanups.append(lambda: subprocess.run(["umount", "-l", str(run.out)], check=False))
    first = _cli(["build", str(run.project), "--out", str(run.out), "--format", "pdf"])
    assert first.returncode == 0, first.stderr
    with open(run.out / "filler", "wb", buffering=0) as filler, contextlib.suppress(OSError):
        while True:
            filler.write(b"\0" * 4096)
    shutil.rmtree(run.out / ".cache", ignore_errors=True)  # no room left even for the build's state file


def _workbook(run: Run, merge: str = "", formula: tuple[str, str] | None = None, keep_csv: bool = False) -> None:
    import csv

    import openpyxl
    csv_path = run.project / "data" / "trade.csv"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Trade"
    for row in csv.reader(csv_path.read_text(encoding="utf-8").splitlines()):
        sheet.append([float(c) if c.replace(".", "").isdigit() else (c or None) for c in row])
    if formula:
        sheet[formula[0]] = formula[1]
    if merge:
        sheet.merge_cells(merge)
    book.save(run.project / "data" / "trade.xlsx")
    if not keep_csv:
        csv_path.unlink()


def _outside(run: Run, name: str, text: str) -> Path:
    path = run.tmp / "outside" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _link(run: Run, rel: str, target: Path) -> None:
    path = run.project / rel
    path.unlink(missing_ok=True)
    path.symlink_to(target)


def _chapter_name_outside(run: Run) -> None:
    _outside(run, "secret.md", "# Secret\n\nSECRET-MARKER\n")
    shutil.copy(run.tmp / "outside" / "secret.md", run.tmp / "secret.md")
    report = run.project / "report.yaml"
    report.write_text(report.read_text(encoding="utf-8").replace("- 01-overview.md", "- ../../secret.md"),
                      encoding="utf-8")


def _archived_edition(run: Run) -> None:
    archived = run.project / "editions" / "2023-01"
    archived.mkdir(parents=True)
    (archived / "report.yaml").write_text("edition: {id: '2023-01'}\n", encoding="utf-8")


def _megabyte_cell(run: Run) -> None:
    with open(run.project / "data" / "partners.csv", "a", encoding="utf-8") as f:
        f.write("Somewhere,1," + "a" * (1 << 20) + "\n")


def _font_outside(run: Run) -> None:
    font = _outside(run, "font.ttf", "")
    shutil.copy(_dejavu(), font)
    files = ", ".join(f"{face}: {font}" for face in ("regular", "bold", "italic", "bold_italic"))
    style = (ROOT / "styles" / "default.yaml").read_text(encoding="utf-8").replace(
        "body: {package: fontpkg_pt_serif, prefix: PT_Serif-Web, name: PT Serif, fallback: DejaVuSerif}",
        f"body: {{name: Outside, files: {{{files}}}}}")
    (run.project / "styles").mkdir()
    (run.project / "styles" / "default.yaml").write_text(style, encoding="utf-8")


def _dejavu() -> str:
    from builder.readers.style import dejavu
    return dejavu("DejaVuSans").files["regular"]


SECRET = "# Secret\n\nSECRET-MARKER root:x:0:0\n"
SETUPS: dict[str, Callable[[Run], None]] = {
    "header-only-arms": _header_only_arms,
    "out-not-writable": _out_not_writable,
    "hold-lock": _hold_lock,
    "project-not-writable": _project_not_writable,
    "disk-full": _disk_full,
    "xlsx-plain": lambda run: _workbook(run),
    "xlsx-formula": lambda run: _workbook(run, formula=("B4", "=B3*2")),
    "xlsx-merged": lambda run: _workbook(run, merge="D3:D4"),
    "xlsx-beside-csv": lambda run: _workbook(run, keep_csv=True),
    "link-chapter-outside": lambda run: _link(run, "chapters/01-overview.md", _outside(run, "secret.md", SECRET)),
    "link-csv-outside": lambda run: _link(run, "data/trade.csv", _outside(
        run, "trade.csv", (run.project / "data" / "trade.csv").read_text(encoding="utf-8"))),
    "link-include-outside": lambda run: _link(run, "chapters/notes.md", _outside(run, "secret.md", SECRET)),
    "chapter-name-outside": _chapter_name_outside,
    "link-chapter-to-passwd": lambda run: _link(run, "chapters/08-military.md", Path("/etc/passwd")),
    "archived-edition": _archived_edition,
    "megabyte-cell": _megabyte_cell,
    "link-style-outside": lambda run: ((run.project / "styles").mkdir(), _link(run, "styles/default.yaml", _outside(
        run, "style.yaml", (ROOT / "styles" / "default.yaml").read_text(encoding="utf-8")))),
    "font-outside": _font_outside,
    "link-word-template-outside": lambda run: ((run.project / "styles").mkdir(),
                                               _link(run, "styles/reference.docx", _outside(run, "t.docx", SECRET))),
    "wide-header": lambda run: (run.project / "data" / "trade.csv").write_text(
        ",".join(f"c{i}" for i in range(100_000)) + "\n" + ",".join("1" * 100_000) + "\n", encoding="utf-8"),
    "every-row-wrong": lambda run: (run.project / "data" / "trade.csv").write_text(
        "year,exports,imports,share\n" + "".join(f"{1000 + i},1,1\n" for i in range(100_000)), encoding="utf-8"),
    "style-name-outside": lambda run: (run.project / "report.yaml").write_text(
        (run.project / "report.yaml").read_text(encoding="utf-8") + "style: ../../etc/passwd\n", encoding="utf-8"),
    "fifo-csv": lambda run: ((run.project / "data" / "trade.csv").unlink(),
                             os.mkfifo(run.project / "data" / "trade.csv")),
    "output-name-outside": lambda run: (run.project / "report.yaml").write_text(
        (run.project / "report.yaml").read_text(encoding="utf-8").replace("output_name: minimal",
                                                                           "output_name: ../escape"), encoding="utf-8"),
}
