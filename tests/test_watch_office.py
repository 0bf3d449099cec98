"""`dossier watch` keeps one LibreOffice for the whole session: a rebuild pays only its DOCX's load, and stopping
the watch ends soffice and removes its profile."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from builder.writers import docx_pages
from tests.conftest import MINIMAL, ROOT, copy_project, needs_uno, until



def _offices(scratch: Path) -> set[int]:
    """The soffice.bin processes whose profile is under `scratch`."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if "soffice.bin" in cmdline and str(scratch) in cmdline:
                found.add(int(entry.name))
    return found


def _named(scratch: Path) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if str(scratch).encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found




@needs_uno
def test_watch_rebuilds_with_the_same_soffice_and_ends_it_when_stopped(tmp_path: Path) -> None:
    project = copy_project(MINIMAL, tmp_path / "w")
    chapter = project / "chapters" / "01-overview.md"
    chapter.write_text("```{toc}\n```\n\n" + chapter.read_text(encoding="utf-8"), encoding="utf-8")
    scratch = tmp_path / "scratch"  # the watch's TMPDIR: LibreOffice's profile goes there
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch)}
    env.pop(docx_pages.ENV, None)
    log_path = tmp_path / "watch.log"
    report = project / "build" / "minimal.report.json"

    def builds() -> int:
        return log_path.read_text().count("\nclaims: ")

    with log_path.open("w") as log:
        log.write("\n")
        log.flush()
        proc = subprocess.Popen([sys.executable, "-m", "builder", "watch", str(project)], cwd=ROOT, env=env,
                                stdout=log, stderr=subprocess.STDOUT)
        try:
            assert until(lambda: builds() == 1, 120), log_path.read_text()
            first = _offices(scratch)
            assert len(first) == 1, first
            assert json.loads(report.read_text(encoding="utf-8"))["toc_pages_from"] == "libreoffice"
            chapter.write_text(chapter.read_text(encoding="utf-8").replace("Exports", "Export figures", 1),
                               encoding="utf-8")
            assert until(lambda: builds() == 2, 120), log_path.read_text()
            assert json.loads(report.read_text(encoding="utf-8"))["toc_pages_from"] == "libreoffice"
            assert _offices(scratch) == first, "the rebuild started another soffice"
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=60) == 0
            assert "stopped" in log_path.read_text() and "Traceback" not in log_path.read_text()
            assert until(lambda: not _named(scratch), 20), "soffice outlived the watch"
            assert not list(scratch.glob("dossier-lo-*"))
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=20)
