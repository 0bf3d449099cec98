"""LibreOffice's profile for the DOCX's page numbers: every soffice a build starts knows its version has run before,
so it skips the graphics render tests it runs on the first start after an upgrade (they write
GraphicsRenderTests.log into the profile); a fresh profile, a template's copy and a template saved before this
setting existed alike."""
from __future__ import annotations

import shutil
import time
from pathlib import Path

from builder.pipeline import build
from builder.writers import docx_pages
from tests.conftest import minimal_with_toc, needs_uno

RENDER_LOG = Path("user") / "GraphicsRenderTests.log"


def _settings(profile: Path) -> str:
    return (profile / docx_pages.SETTINGS).read_text(encoding="utf-8")


def _lay_out(docx: Path) -> tuple[tuple[dict, int], bool, bool]:
    """(the pages LibreOffice reports, whether its profile records the version, whether soffice ran its render
    tests), through one Office."""
    with docx_pages.Office(time.monotonic() + 120) as office:
        pages = office.bookmark_pages(docx)
        profile = Path(office.profile)
        recorded = 'oor:name="ooSetupLastVersion"' in _settings(profile)
        tested = (profile / RENDER_LOG).exists()
    return pages, recorded, tested


def test_the_installed_version_is_read_from_libreoffice_s_registry() -> None:
    soffice = shutil.which("soffice")
    assert soffice, "LibreOffice is not installed (.ci/run installs it)"
    version = docx_pages.installed_version(soffice)
    assert version and version.split(".")[0].isdigit() and len(version.split(".")) == 2


def test_a_fresh_profile_gets_the_version_before_soffice_starts(tmp_path: Path) -> None:
    profile = tmp_path / "profile"
    profile.mkdir()
    docx_pages.settle_profile(profile, shutil.which("soffice"))
    text = _settings(profile)
    version = docx_pages.installed_version(shutil.which("soffice"))
    assert f'oor:name="ooSetupLastVersion" oor:op="fuse"><value>{version}</value>' in text
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
    assert 'oor:name="ooSetupLastVersion"' in _settings(template)
    assert not (template / RENDER_LOG).exists(), "the first build's soffice ran the render tests"

    copied = _lay_out(docx)  # from the template
    assert copied[1:] == (True, False)

    # a template saved before the setting existed: the build gives it (and its copy) the version
    settings = template / docx_pages.SETTINGS
    settings.write_text("".join(line for line in _settings(template).splitlines(keepends=True)
                                if "ooSetupLastVersion" not in line), encoding="utf-8")
    assert "ooSetupLastVersion" not in _settings(template)
    repaired = _lay_out(docx)
    assert repaired[1:] == (True, False)
    assert 'oor:name="ooSetupLastVersion"' in _settings(template) and docx_pages.usable_profile(template)
    assert repaired[0] == copied[0] and copied[0][1] >= 2
