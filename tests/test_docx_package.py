"""The DOCX package: written once by builder/writers/docx_package.py through zipfile. A changed font file is
embedded as it now is, and the same input gives the same bytes."""
from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

from tests.conftest import ROOT

FACES = ("regular", "bold", "italic", "bold_italic")


def _embedded(path: Path, family: str) -> dict[str, bytes]:
    """The font files embedded for `family`, by face, de-obfuscated."""
    import re
    from builder.writers.docx_fonts import FACES as TAGS, obfuscate
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None
        table = z.read("word/fontTable.xml").decode()
        rels = dict(re.findall(r'Id="(rId\d+)"[^>]*Target="([^"]+)"', z.read("word/_rels/fontTable.xml.rels").decode()))
        font = re.search(rf'<w:font w:name="{family}">.*?</w:font>', table, flags=re.S).group(0)
        out = {}
        for face, tag in TAGS:
            rid, key = re.search(rf'<w:{tag} r:id="(rId\d+)" w:fontKey="([^"]+)"/>', font).groups()
            out[face] = obfuscate(z.read(f"word/{rels[rid]}"), key)
    return out


def test_embedded_fonts_follow_the_font_file_and_equal_input_gives_equal_bytes(minimal: Path, tmp_path: Path) -> None:
    from builder.pipeline import prepare
    from builder.readers.style import dejavu
    from builder.writers import docx
    serif, sans = dejavu("DejaVuSerif").files, dejavu("DejaVuSans").files
    styles = minimal / "styles"
    styles.mkdir()
    for face in FACES:
        shutil.copy(serif[face], styles / f"body-{face}.ttf")
    files = ", ".join(f"{face}: body-{face}.ttf" for face in FACES)
    (styles / "default.yaml").write_text((ROOT / "styles" / "default.yaml").read_text(encoding="utf-8").replace(
        "body: {package: fontpkg_pt_serif, prefix: PT_Serif-Web, name: PT Serif, fallback: DejaVuSerif}",
        f"body: {{name: House Serif, files: {{{files}}}}}"), encoding="utf-8")
    result = prepare(minimal, cache=tmp_path / "charts")
    result.charts.wait("all")
    doc, style = result.document, result.style
    out = tmp_path / "out" / "report.docx"
    out.parent.mkdir()

    docx.write(doc, style, out)
    assert _embedded(out, "House Serif") == {face: Path(serif[face]).read_bytes() for face in FACES}
    cold = out.read_bytes()
    docx.write(doc, style, out)  # written again: the same bytes
    assert out.read_bytes() == cold

    shutil.copy(sans["regular"], styles / "body-regular.ttf")  # the font file changes under the same name
    docx.write(doc, style, out)
    embedded = _embedded(out, "House Serif")
    assert embedded["regular"] == Path(sans["regular"]).read_bytes() != Path(serif["regular"]).read_bytes()
    assert embedded["bold"] == Path(serif["bold"]).read_bytes()
    changed = out.read_bytes()
    assert changed != cold
    fresh = tmp_path / "elsewhere" / "report.docx"
    fresh.parent.mkdir()
    docx.write(doc, style, fresh)  # another folder: the same bytes
    assert fresh.read_bytes() == changed


def test_package_members_are_listed_in_a_stable_order_without_thumbnail(minimal_build: Path) -> None:
    with zipfile.ZipFile(minimal_build / "minimal.docx") as z:
        names = z.namelist()
        types = z.read("[Content_Types].xml").decode()
        rels = z.read("_rels/.rels").decode()
        infos = z.infolist()
    assert names[:2] == ["[Content_Types].xml", "_rels/.rels"] and names[2:] == sorted(names[2:])
    assert not any("thumbnail" in n for n in names) and "thumbnail" not in types and "thumbnail" not in rels
    assert len({i.date_time for i in infos}) == 1 and all(i.compress_type == zipfile.ZIP_DEFLATED for i in infos)
    assert all(i.compress_size < i.file_size for i in infos if i.filename.endswith(".odttf"))  # fonts compressed

