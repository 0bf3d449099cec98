"""LibreOffice's profile and page reading for the DOCX's page numbers. Every soffice a build starts knows its version
has run before, so it skips the graphics render tests it runs on the first start after an upgrade (they write
GraphicsRenderTests.log into the profile), and collects no words for completion: a fresh profile, a template's copy
and a template saved before these settings existed alike. The pages are read inside soffice by a Basic function, and
read the same as one UNO call at a time."""
from __future__ import annotations

import shutil
import time
from pathlib import Path

from builder.pipeline import build
from builder.writers import docx_pages
from tests.conftest import ROOT, minimal_with_toc, needs_soffice, needs_uno

RENDER_LOG = Path("user") / "GraphicsRenderTests.log"
VERSION_SET = 'oor:path="/org.openoffice.Setup/Product"><prop oor:name="ooSetupLastVersion"'
COMPLETION_OFF = ('<item oor:path="/org.openoffice.Office.Writer/AutoFunction/Completion"><prop oor:name="Enable" '
                  'oor:op="fuse"><value>false</value>')


def _settings(profile: Path) -> str:
    return (profile / docx_pages.SETTINGS).read_text(encoding="utf-8")


def _lay_out(docx: Path) -> tuple[tuple[dict, int], bool, bool]:
    """(the pages LibreOffice reports, whether its profile holds the settings, whether soffice ran its render
    tests), through one Office."""
    with docx_pages.Office(time.monotonic() + 120) as office:
        pages = office.bookmark_pages(docx)
        assert office.route == "basic"  # the Basic function set up again over the one a template may hold
        profile = Path(office.profile)
        settled = VERSION_SET in _settings(profile) and COMPLETION_OFF in _settings(profile)
        tested = (profile / RENDER_LOG).exists()
    return pages, settled, tested


@needs_soffice
def test_the_installed_version_is_read_from_libreoffice_s_registry() -> None:
    soffice = shutil.which("soffice")
    version = docx_pages.installed_version(soffice)
    assert version and version.split(".")[0].isdigit() and len(version.split(".")) == 2


@needs_soffice
def test_a_fresh_profile_gets_the_settings_before_soffice_starts(tmp_path: Path) -> None:
    profile = tmp_path / "profile"
    profile.mkdir()
    docx_pages.settle_profile(profile, shutil.which("soffice"))
    text = _settings(profile)
    version = docx_pages.installed_version(shutil.which("soffice"))
    assert f'{VERSION_SET} oor:op="fuse"><value>{version}</value>' in text and COMPLETION_OFF in text
    assert text.rstrip().endswith("</oor:items>")
    assert not docx_pages.usable_profile(profile), "a profile soffice never wrote must not become the template"
    docx_pages.settle_profile(profile, shutil.which("soffice"))
    assert _settings(profile) == text, "written twice"


@needs_uno
def test_no_soffice_a_build_starts_runs_the_render_tests(tmp_path: Path, monkeypatch) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    monkeypatch.delenv(docx_pages.ENV, raising=False)
    project = minimal_with_toc(tmp_path / "m")
    docx = build(project, tmp_path / "out", ("docx",), force=True).outputs["docx"]  # saves the template
    template = next((cache / "dossier").glob("lo-profile-*"))
    assert docx_pages.usable_profile(template)
    assert VERSION_SET in _settings(template) and COMPLETION_OFF in _settings(template)
    assert not (template / RENDER_LOG).exists(), "the first build's soffice ran the render tests"

    copied = _lay_out(docx)  # from the template
    assert copied[1:] == (True, False)

    # a template saved before the settings existed: the build gives it (and its copy) the settings
    settings = template / docx_pages.SETTINGS
    settings.write_text("".join(line for line in _settings(template).splitlines(keepends=True)
                                if "ooSetupLastVersion" not in line and "AutoFunction/Completion" not in line),
                        encoding="utf-8")
    assert VERSION_SET not in _settings(template) and COMPLETION_OFF not in _settings(template)
    repaired = _lay_out(docx)
    assert repaired[1:] == (True, False)
    assert VERSION_SET in _settings(template) and COMPLETION_OFF in _settings(template)
    assert docx_pages.usable_profile(template)
    assert repaired[0] == copied[0] and copied[0][1] >= 2


@needs_uno
def test_the_pages_read_inside_soffice_are_those_read_call_by_call(tmp_path: Path, monkeypatch) -> None:
    """The German example (its headings' and captions' bookmarks): every `_Toc` bookmark's page the
    same by both routes, twice through one soffice (a watch session's second build finds the Basic function)."""
    monkeypatch.delenv(docx_pages.ENV, raising=False)
    project = shutil.copytree(ROOT / "examples" / "jahresbericht", tmp_path / "jahresbericht")
    result = build(project, tmp_path / "out", ("docx",), force=True)
    docx = result.outputs["docx"]
    with docx_pages.Office(time.monotonic() + 120, keep=True) as office:
        inside = office.bookmark_pages(docx)
        assert office.route == "basic"
        by_call = office.bookmark_pages(docx, route="uno")
        assert office.route == "uno"
        again = office.bookmark_pages(docx)
        assert office.route == "basic"
    assert inside == by_call == again
    marks, count = inside
    assert count == result.pages["docx"] >= 2
    assert len(marks) >= 5 and all(name.startswith("_Toc") for name in marks)
    assert len(set(marks.values())) > 1, "every entry on one page: the layout was not read"


@needs_uno
def test_the_guard_is_the_test_of_its_python(tmp_path: Path, monkeypatch) -> None:
    """No separate `python -c "import uno"` before soffice starts: the guard says whether its Python has `uno`; one
    without it (this venv's) is passed over for the next, which is remembered for `available()`."""
    import sys

    monkeypatch.setattr(docx_pages, "_FOUND", {})
    monkeypatch.setenv("DOSSIER_UNO_PYTHON", sys.executable)  # the venv's Python: no uno

    def no_probe():
        raise AssertionError("a Python was probed apart from the guard")
    monkeypatch.setattr(docx_pages, "_find_uno_python", no_probe)
    project = minimal_with_toc(tmp_path / "m")
    monkeypatch.setenv(docx_pages.ENV, "pdf")
    docx = build(project, tmp_path / "out", ("docx",), force=True).outputs["docx"]
    monkeypatch.delenv(docx_pages.ENV)
    with docx_pages.Office(time.monotonic() + 120) as office:
        assert office.python and office.python != sys.executable
        marks, count = office.bookmark_pages(docx)
    assert count >= 2 and marks and office.proc.poll() is not None
    assert docx_pages._FOUND["python"] == office.python and docx_pages.available()
    with docx_pages.Office(time.monotonic() + 120) as again:  # the one remembered, at once
        assert again.python == office.python and again.bookmark_pages(docx) == (marks, count)


@needs_soffice
def test_no_python_with_uno_makes_libreoffice_unavailable(tmp_path: Path, monkeypatch) -> None:
    import sys

    import pytest
    monkeypatch.setattr(docx_pages, "_FOUND", {})
    monkeypatch.setattr(docx_pages, "_uno_candidates", lambda: [sys.executable])  # none has uno
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    import tempfile
    monkeypatch.setattr(tempfile, "tempdir", None)
    with pytest.raises(docx_pages.Unavailable, match="uno"):
        docx_pages.Office(time.monotonic() + 60).start()
    assert docx_pages._FOUND["python"] is None
    assert not list(scratch.glob("dossier-lo-*")), "the profile of a soffice that never started was left"
