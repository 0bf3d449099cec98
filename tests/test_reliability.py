"""Nothing a user or a file does can hang a build, crash it, leak a file or leave litter: the cases that need more
than a broken project (tests/bad/) — kills, builds at once, a watch, a disk filling up, the template limits."""
from __future__ import annotations

import errno
import fcntl
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import MINIMAL, ROOT, copy_project, minimal_with_toc, pdf_text, processes_naming, until






def _outputs(folder: Path) -> dict[str, bytes]:
    """The published files (a killed build's temporary files are hidden, and swept by the next build)."""
    return {p.name: p.read_bytes() for p in folder.glob("*") if p.is_file() and not p.name.startswith(".")}


def _published(folder: Path, before: dict[str, bytes]) -> bool:
    """A killed build had moved all its outputs into place: they changed and none is left under its temporary
    name (a build killed while moving them leaves the rest under their temporary names)."""
    staged = [p for p in folder.glob(".*.dossier-*.tmp") if p.name[1:].split(".dossier-")[0] in before]
    return _outputs(folder) != before and not staged


def _litter(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.name.endswith(".tmp")]




# ---- row 13: SIGKILL during a build ----------------------------------------------------------------------------------

KILL_POINTS = [("charts", 0.0), ("pdf", 0.5), ("docx", 1.0)]  # (progress line, seconds after it)


def test_sigkill_leaves_old_outputs_no_office_and_a_clean_next_build(tmp_path: Path) -> None:
    from builder.writers import docx_pages
    project = minimal_with_toc(tmp_path / "k")
    scratch = tmp_path / "scratch"  # the builds' TMPDIR: LibreOffice's profile and anything else they leave
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch)}
    first = subprocess.run([sys.executable, "-m", "builder", "build", str(project)], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=180)
    assert first.returncode == 0, first.stderr
    before = _outputs(project / "build")
    office_seen = False
    for stage, delay in KILL_POINTS:
        killed = False
        for wait in (delay, delay / 4, 0.0):  # a build that finished before the kill is run again, killed sooner
            proc = subprocess.Popen([sys.executable, "-m", "builder", "build", str(project), "--force"], cwd=ROOT,
                                    env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
                                    start_new_session=True)
            for line in proc.stderr:
                if line.strip().startswith(stage):
                    break
            time.sleep(wait)
            office_seen |= bool(processes_naming(str(scratch)))
            running = proc.poll() is None
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:  # the build and everything it started had ended
                pass
            proc.wait(timeout=30)
            proc.stderr.close()
            assert until(lambda: not processes_naming(str(scratch)), 20), processes_naming(str(scratch))
            assert until(lambda: not list(scratch.glob("dossier-lo-*")), 10), f"profile left after kill at {stage}"
            if not running or _published(project / "build", before):
                # it published a new edition before the kill (it may still have been ending): keep that one now
                before = _outputs(project / "build")
                continue
            assert _outputs(project / "build") == before, f"outputs changed by a kill at {stage}+{wait}s"
            killed = True
            break
        assert killed, f"every build finished before the kill at {stage}"
    if docx_pages.wanted() and docx_pages.available():
        assert office_seen, "LibreOffice was never running when the build was killed"
    again = subprocess.run([sys.executable, "-m", "builder", "build", str(project), "--force"], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=180)
    assert again.returncode == 0 and "Traceback" not in again.stderr, again.stderr
    assert not _litter(project / "build"), _litter(project / "build")
    assert not processes_naming(str(scratch)) and not list(scratch.iterdir())


# ---- row 5: two builds into one folder -------------------------------------------------------------------------------

def test_builds_into_one_folder_wait_for_each_other(tmp_path: Path) -> None:
    from pypdf import PdfReader
    project = copy_project(MINIMAL, tmp_path / "c")
    out = tmp_path / "out"
    out.mkdir()
    held = os.open(out, os.O_RDONLY | os.O_DIRECTORY)
    fcntl.flock(held, fcntl.LOCK_EX)  # a third build holds the folder while both start
    procs = [subprocess.Popen([sys.executable, "-m", "builder", "build", str(project), "--out", str(out), "--force"],
                              cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    time.sleep(3)
    os.close(held)
    results = [p.communicate(timeout=180) for p in procs]
    for proc, (_stdout, stderr) in zip(procs, results):
        assert proc.returncode == 0, stderr
        assert "waiting for another build writing into" in stderr
        assert "Traceback" not in stderr
    assert len(PdfReader(str(out / "minimal.pdf")).pages) >= 2
    assert "Exports" in pdf_text(out / "minimal.pdf")
    assert not _litter(out) and sorted(p.name for p in out.iterdir()) == [
        ".cache", "minimal.docx", "minimal.pdf", "minimal.report.json"]


def test_staging_names_are_unique_and_stale_ones_are_swept(tmp_path: Path) -> None:
    from builder.staging import sweep, temp_path
    names = {temp_path(tmp_path / "report.pdf") for _ in range(100)}
    assert len(names) == 100
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = tmp_path / f".report.pdf.dossier-{dead.stdout.strip()}-abc123.tmp"
    live = temp_path(tmp_path / "report.pdf")
    for path in (stale, live):
        path.write_bytes(b"x")
    assert sweep(tmp_path) == [stale]
    assert live.exists() and not stale.exists()


# ---- row 6: a write that fails half-way (the tmpfs case is in tests/bad; this one runs without root) -----------------

def test_disk_full_while_writing_is_a_user_error_and_removes_the_temporary_file(tmp_path: Path, monkeypatch) -> None:
    from builder.errors import BuildError
    from builder.pipeline import build
    from builder.writers import pdf
    project = copy_project(MINIMAL, tmp_path / "d")
    build(project)
    before = _outputs(project / "build")

    def full(_doc, _style, path):
        Path(path).write_bytes(b"%PDF-1.4 partial")
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(pdf, "write", full)
    with pytest.raises(BuildError) as e:
        build(project, force=True)
    assert "cannot write into the output folder" in e.value.message and "No space left" in e.value.message
    assert _outputs(project / "build") == before and not _litter(project / "build")


# ---- row 15: watch ---------------------------------------------------------------------------------------------------

def test_watch_picks_up_a_styles_folder_created_after_it_started(tmp_path: Path) -> None:
    project = copy_project(MINIMAL, tmp_path / "w")
    assert not (project / "styles").exists()
    pdf = project / "build" / "minimal.pdf"
    log_path = tmp_path / "watch.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "builder", "watch", str(project), "--format", "pdf"],
                                cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        try:
            assert until(lambda: pdf.exists() and b"%%EOF" in pdf.read_bytes()[-64:], 60), log_path.read_text()
            first = pdf.read_bytes()
            style = (ROOT / "styles" / "default.yaml").read_text(encoding="utf-8")
            (project / "styles").mkdir()
            (project / "styles" / "default.yaml").write_text(style.replace('text: "#000000"', 'text: "#zz0000"'),
                                                             encoding="utf-8")
            assert until(lambda: "styles/default.yaml:21: error: colours.text" in log_path.read_text(), 60), \
                log_path.read_text()
            fixed = style.replace('accent: "#1f4e79"', 'accent: "#7f1f1f"')
            (project / "styles" / "default.yaml").write_text(fixed, encoding="utf-8")
            assert until(lambda: pdf.read_bytes() != first, 60), log_path.read_text()
            assert proc.poll() is None and "Traceback" not in log_path.read_text()
        finally:
            proc.terminate()
            proc.wait(timeout=20)


# ---- row 11: the template limits, one by one -------------------------------------------------------------------------

@pytest.mark.parametrize("expression, words", [
    ("'x' * 10**9", "'*' would build"),
    ("[1, 2] * 10**8", "'*' would build"),
    ("10 ** 1000000000", "too large a number"),
    ("'%999999999d' % 1", "a width of 999,999,999"),
    ("'{:>999999999}'.format(1)", "a width of 999,999,999"),
    ("'x'.center(10**9)", "center(1,000,000,000)"),
    ("'x' | center(10**9)", "center"),
    ("'x'.zfill(10**9)", "zfill(1,000,000,000)"),
    ("'x' * 10**6 + 'y'", "'+' would build 1,000,001 items"),
])
def test_template_limits(expression: str, words: str, tmp_path: Path) -> None:
    from builder.errors import BuildError
    from builder.readers.data import Dataset
    from builder.readers.templates import make_environment, render_chapter
    (tmp_path / "chapters").mkdir()
    (tmp_path / "chapters" / "c.md").write_text(f"# A\n\n{{{{ {expression} }}}}\n", encoding="utf-8")
    env = make_environment(tmp_path, "en_GB")
    with pytest.raises(BuildError) as e:
        render_chapter(env, tmp_path, "c.md", Dataset({}, {}, {}), {}, "en_GB")
    assert str(e.value.source) == "chapters/c.md:3"
    assert e.value.message.startswith("template limit:") and words in e.value.message


def test_templates_within_the_limits_still_render(tmp_path: Path) -> None:
    from builder.readers.data import Dataset
    from builder.readers.templates import make_environment, render_chapter
    (tmp_path / "chapters").mkdir()
    (tmp_path / "chapters" / "c.md").write_text("{{ '-' * 3 }} {{ 2 ** 10 }} {{ '%5d' % 42 }} {{ 'a'.center(5) }}|"
                                                "{% for i in range(3) %}{{ i }}{% endfor %}\n", encoding="utf-8")
    out = render_chapter(make_environment(tmp_path, "en_GB"), tmp_path, "c.md", Dataset({}, {}, {}), {}, "en_GB")
    assert out.markdown == "--- 1024    42   a  |012\n"


def test_a_long_chapter_maps_its_lines_in_linear_time() -> None:
    """60,000 paragraphs (120,000 lines, half of them blank): difflib took more than five minutes."""
    from builder.readers.templates import _line_map
    source = "\n".join(f"Paragraph {i} of a long chapter.\n" for i in range(60_000))
    output = source.replace("Paragraph 7 ", "Changed 7 ")
    start = time.perf_counter()
    mapping = _line_map(source, output)
    assert time.perf_counter() - start < 10
    assert len(mapping) == len(output.splitlines())
    assert mapping[:3] == [1, 2, 3] and mapping[-1] == len(source.splitlines())
    assert mapping[2 * 60_000 - 2] == 2 * 60_000 - 1  # the last paragraph maps to its own line


def test_sigterm_ends_a_build_without_litter(tmp_path: Path) -> None:
    project = minimal_with_toc(tmp_path / "t")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch)}
    proc = subprocess.Popen([sys.executable, "-m", "builder", "build", str(project)], cwd=ROOT, env=env,
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    for line in proc.stderr:
        if line.strip().startswith("pdf"):
            break
    proc.terminate()
    rest = proc.stderr.read()
    proc.wait(timeout=60)
    proc.stderr.close()
    assert proc.returncode == 128 + signal.SIGTERM and "Traceback" not in rest, rest
    assert not _litter(project / "build"), _litter(project / "build")  # removed at once, not at the next build
    assert until(lambda: not processes_naming(str(scratch)) and not list(scratch.iterdir()), 20)


FORK_PROBE = """
import os, signal
from builder.commands import cli_run
# registered before the command's own fork hooks: it runs in the new process while that process's fork hooks
# (threading's among them) are still running, as a SIGTERM to the build's process group may arrive
os.register_at_fork(after_in_child=lambda: [os.kill(os.getpid(), signal.SIGTERM), sum(range(10000))])

def work():
    pid = os.fork()
    if pid == 0:
        os._exit(0)  # the child's own code: reached only when the SIGTERM was lost
    print("child exit", os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))

cli_run.run(False, work)
"""


def test_sigterm_in_a_process_still_forking_ends_it_quietly() -> None:
    """A SIGTERM that reaches a process forked by the build before its fork hooks are done ends that process
    with the signal's status, without the traceback an exception raised inside a fork hook prints (and without
    being ignored)."""
    done = subprocess.run([sys.executable, "-c", FORK_PROBE], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert "child exit 143" in done.stdout, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr, done.stderr
