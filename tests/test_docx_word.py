"""The DOCX as Word reads it: valid by the Open XML SDK, Word numbering, the user's template, running heads,
embedded fonts, languages and fields with their results."""
from __future__ import annotations

from tests.docx_checks import assert_valid_docx


def test_flagship_docx_is_valid(flagship_build) -> None:
    assert_valid_docx(flagship_build.outputs["docx"])


def test_minimal_docx_is_valid(minimal_build) -> None:
    assert_valid_docx(minimal_build / "minimal.docx")


def test_brief_docx_is_valid(tmp_path) -> None:
    from builder.brief import build_brief
    from tests.conftest import ROOT, copy_project
    project = copy_project(ROOT, tmp_path / "flagship")
    result = build_brief(project, project / "build", ("docx",))
    assert_valid_docx(result.outputs["docx"])


def test_the_validator_reports_an_invalid_docx(minimal_build, tmp_path) -> None:
    import zipfile
    import pytest
    bad = tmp_path / "bad.docx"
    with zipfile.ZipFile(minimal_build / "minimal.docx") as src, zipfile.ZipFile(bad, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == "word/document.xml":
                data = data.replace(b"<w:tblHeader/>", b'<w:tblHeader w:val="true"/>')
            dst.writestr(name, data)
    with pytest.raises(AssertionError, match="tblHeader"):
        assert_valid_docx(bad)
